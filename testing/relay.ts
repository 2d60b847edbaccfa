/** A TCP relay to a backend, so that a test can make the backend unreachable by closing it. */
import { connect, createServer, type Socket } from "node:net";

export interface RelayOptions {
  /** The backend's bytes reach the client this many milliseconds late (a slow backend). */
  delayMs?: number;
  /** Listen on this port (reopening a relay that was closed); default: a free one. */
  port?: number;
  /** Keep every byte clients send, for `sent()`. */
  record?: boolean;
}

export interface Relay {
  url: string;
  /** What clients sent so far (with `record`), as latin1 text. */
  sent(): string;
  /** Cuts every connection and refuses new ones. */
  close(): Promise<void>;
}

/** Relays to `url`'s host; `close` cuts every connection and refuses new ones. */
export async function relayTo(url: string, options: RelayOptions = {}): Promise<Relay> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const recorded: Buffer[] = [];
  const { delayMs = 0 } = options;
  const server = createServer((incoming) => {
    const outgoing = connect(Number(target.port), target.hostname);
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    if (options.record) incoming.on("data", (chunk: Buffer) => recorded.push(chunk));
    incoming.pipe(outgoing);
    if (delayMs === 0) {
      outgoing.pipe(incoming);
    } else {
      const later = (action: () => void) => setTimeout(action, delayMs).unref();
      outgoing.on("data", (chunk: Buffer) => later(() => incoming.write(chunk)));
      outgoing.on("end", () => later(() => incoming.end()));
    }
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, "127.0.0.1", done));
  const relayed = new URL(url);
  relayed.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: relayed.toString(),
    sent: () => Buffer.concat(recorded).toString("latin1"),
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
