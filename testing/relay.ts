/** A TCP relay to a backend, so that a test can make the backend unreachable by closing it. */
import { connect, createServer, type Socket } from "node:net";

/** Relays to `url`'s host; `close` cuts every connection and refuses new ones. */
export async function relayTo(url: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((incoming) => {
    const outgoing = connect(Number(target.port), target.hostname);
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const relayed = new URL(url);
  relayed.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: relayed.toString(),
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
