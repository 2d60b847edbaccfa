/**
 * Storage faults: a private Redis and a private PostgreSQL that the test stops and restarts.
 * Requests that need a missing backend get a JSON 503 in bounded time, /ready names what is
 * down, and service resumes by itself when it returns.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../../../testing/expect.js";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, client, login, register } from "../../../../testing/http.js";
import {
  runToExit,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";
import {
  postgresBinDir,
  privatePostgres,
  privateRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from "../../../../testing/services.js";

const BOUND_MS = 8000;

/** GET with a hard deadline: a hang fails the test instead of stalling it. */
async function timedGet(url: string, path: string, cookie?: string) {
  const started = Date.now();
  const res = await fetch(new URL(path, url), {
    headers: cookie ? { cookie } : {},
    signal: AbortSignal.timeout(BOUND_MS),
  });
  return {
    status: res.status,
    body: (await res.json()) as any,
    ms: Date.now() - started,
    headers: res.headers,
  };
}

describe("Redis faults", () => {
  let redis: PrivateRedis;
  before(async () => {
    redis = await privateRedis();
    await redis.start();
  });
  const app = useServer(() => ({ env: { REDIS_URL: redis.url } }));
  after(() => redis.stop());

  it("refuses to start when Redis is unreachable, naming the URL without its password", async () => {
    const { code, stderr } = await runToExit({
      REDIS_URL: "redis://:hunter2@127.0.0.1:1",
      DATA_DIR: app.server.env.DATA_DIR!,
    });
    assert.equal(code, 1);
    assert.match(stderr, /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(stderr, /hunter2/);
  });

  it("answers 503 JSON quickly while Redis is down, reports it on /ready, and recovers by itself", async () => {
    const email = uniqueEmail();
    await register(app.url, email);
    const { cookie } = await login(app.url, email);
    assert.equal((await timedGet(app.url, "/store/auth", cookie)).status, 200);

    await redis.stop();
    const down = await timedGet(app.url, "/store/auth", cookie);
    assert.equal(down.status, 503);
    assert.deepEqual(Object.keys(down.body).sort(), ["code", "message", "type"]);
    assert.equal(down.body.code, "service_unavailable");
    assert.ok(down.ms < BOUND_MS);
    const loginDown = await client(app.url).post("/store/auth", {
      email,
      password: STRONG_PASSWORD,
    });
    assert.equal(loginDown.status, 503);
    const ready = await timedGet(app.url, "/ready");
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database, "ok");
    assert.match(ready.body.checks.redis, /^unavailable/);
    assert.equal((await timedGet(app.url, "/health")).status, 200, "liveness is not readiness");

    await redis.start();
    await eventually(async () => (await timedGet(app.url, "/ready")).status === 200);
    // This Redis kept nothing: the old session is gone, and logging in again works.
    assert.equal((await timedGet(app.url, "/store/auth", cookie)).status, 401);
    const again = await login(app.url, email);
    assert.equal((await timedGet(app.url, "/store/auth", again.cookie)).status, 200);
  });
});

describe(
  "PostgreSQL faults",
  {
    skip:
      process.getuid?.() !== 0 || !postgresBinDir() ? "needs root and PostgreSQL binaries" : false,
  },
  () => {
    let postgres: PrivatePostgres;
    let server: TestServer;

    before(async () => {
      postgres = await privatePostgres();
      await postgres.start();
      server = await startServer({ env: { DATABASE_URL: postgres.url } });
    });
    after(async () => {
      await server?.stop({ keepData: true });
      await postgres?.remove();
    });

    it("answers 503 JSON while PostgreSQL is down, reports it on /ready, and recovers with the data intact", async () => {
      const email = uniqueEmail();
      await register(server.url, email);
      const { cookie } = await login(server.url, email);

      await postgres.stop();
      const down = await timedGet(server.url, "/store/auth", cookie);
      assert.equal(down.status, 503, JSON.stringify(down.body));
      assert.equal(down.body.code, "service_unavailable");
      assert.ok(down.ms < BOUND_MS);
      const ready = await timedGet(server.url, "/ready");
      assert.equal(ready.status, 503);
      assert.match(ready.body.checks.database, /^unavailable/);

      await postgres.start();
      await eventually(async () => (await timedGet(server.url, "/ready")).status === 200);
      await eventually(
        async () => (await timedGet(server.url, "/store/auth", cookie)).status === 200,
      );
    });
  },
);
