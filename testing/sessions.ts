/**
 * Reads the sessions a test server has stored, wherever they live: the SQL `session` table, or
 * Redis when the server runs with REDIS_URL. Lets tests check stored state on every backend.
 */
import { Redis } from "ioredis";
import { openTestDb } from "./db.js";
import type { TestServer } from "./server.js";

export interface StoredSession {
  id: string;
  customer_id: string;
  kind: string;
  token_hash: string | null;
}

/** Runs `use` with a Redis connection to the server's Redis and its key prefix. */
export async function withRedis<T>(
  server: TestServer,
  use: (redis: Redis, prefix: string) => Promise<T>,
): Promise<T> {
  const redis = new Redis(server.env.REDIS_URL!, { lazyConnect: true });
  await redis.connect();
  try {
    return await use(redis, server.env.REDIS_PREFIX ?? "gatehouse:");
  } finally {
    redis.disconnect();
  }
}

export async function storedSessions(
  server: TestServer,
  customerId?: string,
): Promise<StoredSession[]> {
  if (server.env.REDIS_URL) {
    return withRedis(server, async (redis, prefix) => {
      const sessions: StoredSession[] = [];
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}session:*`, "COUNT", 500);
        cursor = next;
        for (const key of keys) {
          const record = await redis.hgetall(key);
          if (!record.id) continue;
          sessions.push({
            id: record.id,
            customer_id: record.customer_id!,
            kind: record.kind!,
            token_hash: record.token_hash || null,
          });
        }
      } while (cursor !== "0");
      return sessions.filter(
        (session) => customerId === undefined || session.customer_id === customerId,
      );
    });
  }
  const db = await openTestDb(server);
  try {
    const rows = await db.query<StoredSession>(
      "select id, customer_id, kind, token_hash from session",
    );
    return rows.filter((session) => customerId === undefined || session.customer_id === customerId);
  } finally {
    await db.close();
  }
}

/** Deletes a stored session behind the server's back (as an operator's shell would). */
export async function deleteStoredSession(server: TestServer, id: string): Promise<void> {
  if (server.env.REDIS_URL) {
    await withRedis(server, (redis, prefix) => redis.del(`${prefix}session:${id}`));
    return;
  }
  const db = await openTestDb(server);
  try {
    await db.query("delete from session where id = $1", [id]);
  } finally {
    await db.close();
  }
}
