/**
 * Storage that cannot be reached answers a JSON 503 `service_unavailable` with `Retry-After: 1`
 * (errors.ts's `unavailable`), whatever the route. PostgreSQL backends only: the server reaches
 * them through a relay the test cuts.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { backendName, createBackend, type Backend } from "../../../../testing/backend.js";
import { register } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";
import { relayTo } from "../../../../testing/relay.js";

describe(
  "storage unavailable",
  { skip: backendName() === "sqlite" ? "needs PostgreSQL (no URL on SQLite)" : false },
  () => {
    let backend: Backend;
    let relays: Array<{ url: string; close(): Promise<void> }>;

    const app = useServer(async () => {
      backend = await createBackend();
      const database = await relayTo(backend.env.DATABASE_URL!);
      const redis = backend.env.REDIS_URL ? await relayTo(backend.env.REDIS_URL) : undefined;
      relays = redis ? [database, redis] : [database];
      return {
        env: {
          ...backend.env,
          DATABASE_URL: database.url,
          ...(redis && { REDIS_URL: redis.url }),
        },
      };
    });
    after(async () => {
      await Promise.all(relays?.map((relay) => relay.close()) ?? []);
      await backend?.drop();
    });

    it("answers a JSON 503 service_unavailable with Retry-After: 1", async () => {
      const { api } = app;
      const { cookie } = await register(app.url, uniqueEmail());
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
