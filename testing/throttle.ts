/**
 * Reads the throttle counters a test server has stored, wherever they live: the SQL `throttle`
 * table, or Redis when the server runs with REDIS_URL. Keys as the server names them
 * (`login:account:…`, `password-token:email:…`), without the Redis prefix.
 */
import { queryTestDb } from "./db.js";
import { withRedis } from "./sessions.js";
import type { TestServer } from "./server.js";

export interface StoredThrottle {
  key: string;
  count: number;
}

export async function storedThrottles(server: TestServer): Promise<StoredThrottle[]> {
  if (server.env.REDIS_URL) {
    return withRedis(server, async (redis, prefix) => {
      const found: StoredThrottle[] = [];
      const namespace = `${prefix}throttle:`;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}*`, "COUNT", 500);
        cursor = next;
        for (const key of keys) {
          const count = await redis.hget(key, "count");
          if (count !== null)
            found.push({ key: key.slice(namespace.length), count: Number(count) });
        }
      } while (cursor !== "0");
      return found;
    });
  }
  const rows = await queryTestDb<{ key: string; count: number | string }>(
    server,
    "select key, count from throttle",
  );
  return rows.map((row) => ({ key: row.key, count: Number(row.count) }));
}
