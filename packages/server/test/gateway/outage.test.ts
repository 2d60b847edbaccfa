/**
 * Medusa down, slow or not yet up: forwarded routes answer JSON 502/504 in bounded time, Gatehouse's
 * own routes keep working, /ready names Medusa, and forwarding resumes by itself.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { client, register } from "../../../../testing/http.js";
import { startGateway, testMedusa } from "../../../../testing/medusa.js";
import { relayTo } from "../../../../testing/relay.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";

async function timed<T>(action: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await action();
  return [result, Date.now() - started];
}

/** The first log line that matches, waiting up to 2 s for it. */
async function logged(
  server: TestServer,
  matches: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 2000; Date.now() < deadline;) {
    const line = server.logs.find(matches);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no such log line");
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe("gateway: Medusa down or slow", () => {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((server) => server.stop())));

  it("answers 502 JSON while Medusa is down, keeps its own routes, and recovers without restart", async () => {
    let relay = await relayTo(testMedusa().url);
    const port = Number(new URL(relay.url).port);
    const server = await startGateway(relay.url, { env: { MEDUSA_TIMEOUT: "5s" } });
    servers.push(server);
    const api = client(server.url);
    const email = uniqueEmail("outage");
    const { cookie } = await register(server.url, email);
    assert.equal((await api.get("/store/regions")).status, 200);
    assert.equal((await api.get("/ready")).status, 200);

    await relay.close();
    const [down, elapsed] = await timed(() => api.get("/store/regions", { cookie }));
    assert.equal(down.status, 502);
    assert.equal(down.body.type, "unknown_error");
    assert.equal(down.body.code, "bad_gateway");
    assert.match(down.body.message, /Medusa/);
    assert.match(down.headers.get("content-type") ?? "", /application\/json/);
    assert.ok(elapsed < 2000, `${elapsed} ms`);
    assert.equal((await api.post("/store/carts", {})).status, 502);

    assert.equal((await api.get("/health")).status, 200);
    assert.equal((await api.get("/store/auth", { cookie })).status, 200);
    assert.equal((await api.get("/store/customers/me", { cookie })).status, 200);
    const login = await api.post("/store/auth", {
      email,
      password: "correct horse battery staple",
    });
    assert.equal(login.status, 200, login.text);
    const ready = await api.get("/ready");
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.medusa, "unavailable");
    assert.notEqual(ready.body.checks.database, "unavailable");
    assert.doesNotMatch(ready.text, /ECONNREFUSED|127\.0\.0\.1/, "the body says little");
    const reason = await logged(
      server,
      (line) => line.backend === "medusa" && /not ready/.test(String(line.msg)),
    );
    assert.match(JSON.stringify(reason.err), /ECONNREFUSED|fetch failed/, "the log says why");

    relay = await relayTo(testMedusa().url, { port });
    try {
      assert.equal((await api.get("/store/regions")).status, 200);
      assert.equal((await api.get("/ready")).status, 200);
    } finally {
      await relay.close();
    }
  });

  it("starts while Medusa is unreachable: /ready names it, forwarded routes answer 502", async () => {
    const server = await startGateway(`http://127.0.0.1:${await closedPort()}`);
    servers.push(server);
    const api = client(server.url);
    const ready = await api.get("/ready");
    assert.equal(ready.status, 503);
    assert.deepEqual(Object.keys(ready.body.checks).includes("medusa"), true);
    assert.equal(ready.body.checks.medusa, "unavailable");
    assert.equal((await api.get("/store/products")).status, 502);
    assert.equal((await api.get("/store/auth")).status, 401);
  });

  it("answers 504 JSON within MEDUSA_TIMEOUT when Medusa is slow", async () => {
    const relay = await relayTo(testMedusa().url, { delayMs: 4000 });
    try {
      // Over a second: undici's own timeouts are checked about once a second, Gatehouse's are not.
      const server = await startGateway(relay.url, { env: { MEDUSA_TIMEOUT: "1500ms" } });
      servers.push(server);
      const api = client(server.url);
      const [slow, elapsed] = await timed(() => api.get("/store/regions"));
      assert.equal(slow.status, 504);
      assert.equal(slow.body.type, "unknown_error");
      assert.equal(slow.body.code, "gateway_timeout");
      assert.ok(elapsed >= 1450 && elapsed < 1900, `${elapsed} ms`);
      const [own, ownElapsed] = await timed(() => api.get("/store/auth"));
      assert.equal(own.status, 401);
      assert.ok(ownElapsed < 500, `${ownElapsed} ms`);
    } finally {
      await relay.close();
    }
  });

  it("drops Medusa's answer that arrives after the 504, and keeps serving", async () => {
    // Medusa answers at 1.7 s: after Gatehouse's 504 (1.5 s), before undici gives up.
    const relay = await relayTo(testMedusa().url, { delayMs: 1700 });
    try {
      const server = await startGateway(relay.url, { env: { MEDUSA_TIMEOUT: "1500ms" } });
      servers.push(server);
      const api = client(server.url);
      assert.equal((await api.get("/store/regions")).status, 504);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.ok(server.logs.some((line) => line.msg === "Medusa did not answer in time"));
      // Nothing was sent twice (Fastify logs that as an error).
      assert.deepEqual(
        server.logs.filter((line) => Number(line.level) >= 50),
        [],
      );
      assert.equal((await api.get("/health")).status, 200);
    } finally {
      await relay.close();
    }
  });
});
