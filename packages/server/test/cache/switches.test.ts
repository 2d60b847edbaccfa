/**
 * The performance layer switched off: READ_CACHE=off uses the stores directly (no read cache, no
 * change feeds, no looks), RESPONSE_WRITES=immediate writes each response as soon as it is ready.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { Redis } from "ioredis";
import { backendName } from "../../../../testing/backend.js";
import { rawRequest, register } from "../../../../testing/http.js";
import { deleteStoredSession, storedSessions } from "../../../../testing/sessions.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";

/** The server process's open descriptors on SQLite's `-shm` file (Linux's /proc). */
function shmDescriptors(server: TestServer): number {
  const dir = `/proc/${server.process.pid}/fd`;
  return readdirSync(dir).filter((fd) => {
    try {
      return readlinkSync(`${dir}/${fd}`).endsWith("gatehouse.sqlite-shm");
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** The Redis connections that track session keys for this server (named `<prefix>changes`). */
async function redisTrackers(server: TestServer): Promise<number> {
  const redis = new Redis(server.env.REDIS_URL!);
  try {
    const list = (await redis.client("LIST")) as string;
    return list
      .split("\n")
      .filter((line) => line.includes(`name=${server.env.REDIS_PREFIX}changes `)).length;
  } finally {
    redis.disconnect();
  }
}

describe("READ_CACHE=off", () => {
  const app = useServer({ env: { READ_CACHE: "off" } });
  const { api } = app;
  let cookie: string;
  let customerId: string;

  before(async () => {
    const registered = await register(app.url, uniqueEmail("plain"));
    cookie = registered.cookie;
    customerId = registered.customer.id as string;
    // Reads that would have gone through the cache, and made it look for changes.
    for (let i = 0; i < 20; i++) {
      const res = await api.get("/store/auth", { cookie });
      assert.equal(res.status, 200, res.text);
    }
  });

  it("opens no connection that listens for changes, and makes no look", async () => {
    const backend = backendName();
    if (backend === "sqlite") {
      if (!existsSync("/proc/self/fd")) return;
      // SQLite's own descriptor at most: the cache's look reads the WAL-index through one more.
      assert.ok(
        shmDescriptors(app.server) <= 1,
        `${shmDescriptors(app.server)} descriptors on -shm`,
      );
      return;
    }
    const [activity] = await app.db.query<{
      listening: string;
      others: string;
    }>(`select count(*) filter (where application_name = 'gatehouse-changes'
                                  or query ilike 'listen%') as listening,
              count(*) filter (where pid <> pg_backend_pid()) as others
       from pg_stat_activity where datname = current_database()`);
    const listening = {
      postgres: Number(activity!.listening),
      redis: backend === "postgres+redis" ? await redisTrackers(app.server) : 0,
    };
    assert.deepEqual(listening, { postgres: 0, redis: 0 }, "no LISTEN, no Redis key tracking");
    assert.ok(Number(activity!.others) > 0, "the server's own connections are seen");
    assert.equal((await api.get("/ready")).status, 200);
  });

  it("sees a change made in storage behind its back on the next request", async () => {
    await app.db.query("update customer set first_name = $1 where id = $2", ["Grace", customerId]);
    const changed = await api.get("/store/auth", { cookie });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.customer.first_name, "Grace");

    const [session] = await storedSessions(app.server, customerId);
    await deleteStoredSession(app.server, session!.id);
    const refused = await api.get("/store/auth", { cookie });
    assert.equal(refused.status, 401, refused.text);
  });
});

describe("RESPONSE_WRITES=immediate", () => {
  const app = useServer({ env: { RESPONSE_WRITES: "immediate" } });

  it("answers pipelined requests on one connection in order", async () => {
    const { cookie } = await register(app.url, uniqueEmail("pipelined"));
    // A storage read every third request, an unknown route (answered at once) otherwise.
    const paths = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? "/store/auth" : `/no-such-route/${i}`,
    );
    const raw = await rawRequest(
      app.url,
      paths
        .map(
          (path, i) =>
            `GET ${path} HTTP/1.1\r\nHost: test\r\nCookie: ${cookie}\r\n` +
            `${i === paths.length - 1 ? "Connection: close\r\n" : ""}\r\n`,
        )
        .join(""),
    );
    const answers = raw
      .split(/(?=HTTP\/1\.1 \d{3} )/)
      .filter(Boolean)
      .map((response) => {
        const status = response.slice(9, 12);
        return status === "200" && response.includes('"customer":')
          ? "/store/auth"
          : `${status} ${/no-such-route\/\d+/.exec(response)?.[0]}`;
      });
    assert.deepEqual(
      answers,
      paths.map((path) => (path === "/store/auth" ? path : `404 ${path.slice(1)}`)),
    );
  });
});
