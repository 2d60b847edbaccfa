/**
 * What only some configurations use is loaded only when used (docs/benchmarks.md, "Cold start"):
 * the real server, started with testing/loaded-packages.cjs, lists the packages it loaded when it
 * exits. On SQLite it never loads pg or ioredis; the proxy only in front of Medusa; the OpenAPI
 * plugins and prom-client only at the first request of /openapi.json, /docs or /metrics, which
 * then work. The server runs from its bundle (scripts/bundle.mjs), which leaves these packages out:
 * what it holds (Fastify, Kysely, TypeBox…) is not listed, what it leaves out is, when loaded.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { backendName } from "../../../../testing/backend.js";
import { client } from "../../../../testing/http.js";
import { startServer, type StartOptions, type TestServer } from "../../../../testing/server.js";
import { freePort } from "../../../../testing/services.js";

const hook = resolve(
  fileURLToPath(new URL(".", import.meta.url)),
  "../../../../testing/loaded-packages.cjs",
);
const backend = backendName();

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "gatehouse-loaded-"));
});
after(() => rm(dir, { recursive: true, force: true }));

let servers = 0;
/** Starts a development server that lists its loaded packages; `stop` returns the list. */
async function startListing(
  env: StartOptions["env"] = {},
): Promise<{ server: TestServer; stop(): Promise<Set<string>> }> {
  const file = join(dir, `loaded-${++servers}.txt`);
  const server = await startServer({
    env: {
      NODE_ENV: "development",
      NODE_OPTIONS: `--require ${hook}`,
      GATEHOUSE_LOADED_PACKAGES: file,
      ...env,
    },
  });
  return {
    server,
    async stop() {
      await server.stop();
      return new Set((await readFile(file, "utf8")).split("\n").filter(Boolean));
    },
  };
}

const OPTIONAL = ["@fastify/swagger", "@fastify/swagger-ui", "@fastify/reply-from", "prom-client"];

describe(`loaded packages (${backend})`, () => {
  it("a start loads the database's and Redis's clients only when configured, nothing optional", async () => {
    const { server, stop } = await startListing();
    const api = client(server.url);
    assert.equal((await api.get("/health")).status, 200);
    const ready = await api.get("/ready");
    assert.equal(ready.status, 200);
    const loaded = await stop();
    assert.equal(loaded.has("pino"), true, "the list names what was loaded");
    // The start ran the bundle, which holds Fastify: no file of the package was loaded.
    assert.equal(loaded.has("fastify"), false, "started from the bundle");
    assert.equal(loaded.has("pg"), backend !== "sqlite");
    assert.equal(loaded.has("ioredis"), backend === "postgres+redis");
    if (backend === "postgres+redis") assert.equal(ready.body.checks.redis, "ok");
    for (const name of OPTIONAL) assert.equal(loaded.has(name), false, name);
  });

  it("the OpenAPI document, /docs and /metrics load their packages at their first request", async () => {
    const { server, stop } = await startListing();
    const api = client(server.url);
    const document = await api.get("/openapi.json");
    assert.equal(document.status, 200);
    assert.equal(document.body.paths["/store/auth"].post.operationId, "PostAuth");
    const page = await api.get("/docs");
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger-ui/i);
    const metrics = await api.get("/metrics");
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^# TYPE gatehouse_http_request_duration_seconds histogram$/m);
    const loaded = await stop();
    for (const name of ["@fastify/swagger", "@fastify/swagger-ui", "prom-client"]) {
      assert.equal(loaded.has(name), true, name);
    }
    assert.equal(loaded.has("@fastify/reply-from"), false);
  });

  it("in front of Medusa the proxy is loaded and forwards (Medusa down here: a JSON 502)", async () => {
    const { server, stop } = await startListing({
      MEDUSA_BACKEND_URL: `http://127.0.0.1:${await freePort()}`,
      MEDUSA_JWT_SECRET: "lazy-loading-medusa-jwt-secret-0123456789",
    });
    const res = await client(server.url).get("/store/products");
    assert.equal(res.status, 502);
    assert.equal(res.body.code, "bad_gateway");
    const loaded = await stop();
    assert.equal(loaded.has("@fastify/reply-from"), true);
    assert.equal(loaded.has("@fastify/swagger"), false);
  });
});
