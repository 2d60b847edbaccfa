/**
 * Storage that cannot be reached answers a JSON 503 `service_unavailable` with `Retry-After: 1`
 * (errors.ts's `unavailable`), whatever the route. PostgreSQL backends only: the server reaches
 * them through a relay the test cuts.
 */
import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { backendName, createBackend, type Backend } from "../../../testing/backend.js";
import { client, register } from "../../../testing/http.js";
import { startServer, uniqueEmail, type TestServer } from "../../../testing/server.js";

/** A TCP relay to `url`'s host; `close` cuts every connection and refuses new ones. */
async function relayTo(url: string): Promise<{ url: string; close(): Promise<void> }> {
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

describe(
  "storage unavailable",
  { skip: backendName() === "sqlite" ? "needs PostgreSQL (no URL on SQLite)" : false },
  () => {
    let backend: Backend;
    let relays: Array<{ url: string; close(): Promise<void> }>;
    let server: TestServer;

    before(async () => {
      backend = await createBackend();
      const database = await relayTo(backend.env.DATABASE_URL!);
      const redis = backend.env.REDIS_URL ? await relayTo(backend.env.REDIS_URL) : undefined;
      relays = redis ? [database, redis] : [database];
      server = await startServer({
        env: {
          ...backend.env,
          DATABASE_URL: database.url,
          ...(redis && { REDIS_URL: redis.url }),
        },
      });
    });
    after(async () => {
      await server?.stop();
      await Promise.all(relays?.map((relay) => relay.close()) ?? []);
      await backend?.drop();
    });

    it("answers a JSON 503 service_unavailable with Retry-After: 1", async () => {
      const api = client(server.url);
      const { cookie } = await register(server.url, uniqueEmail());
      assert.equal((await api.get("/store/auth", { cookie })).status, 200);
      await Promise.all(relays.map((relay) => relay.close()));

      const expected = {
        code: "service_unavailable",
        type: "unknown_error",
        message: "Storage (the database or Redis) is unavailable right now; retry shortly",
      };
      for (const res of [
        await api.get("/store/auth", { cookie }),
        await api.post("/store/customers", {
          email: uniqueEmail(),
          password: "correct horse battery staple",
        }),
      ]) {
        assert.equal(res.status, 503, res.text);
        assert.deepEqual(res.body, expected);
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal(res.headers.get("cache-control"), "no-store");
      }
    });
  },
);
