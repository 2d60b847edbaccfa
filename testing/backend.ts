/**
 * The storage a test server runs on. `GATEHOUSE_TEST_BACKEND` picks it:
 * `sqlite` (default), `postgres`, or `postgres+redis`. PostgreSQL and Redis are found
 * through DATABASE_URL / REDIS_URL (defaults: the local services).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";

export type BackendName = "sqlite" | "postgres" | "postgres+redis";

export interface Backend {
  name: BackendName;
  /** Environment variables that point a server at this storage. */
  env: Record<string, string>;
  /** Removes the database and keys this backend created. */
  drop(): Promise<void>;
}

export const adminDatabaseUrl =
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const testRedisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export function backendName(): BackendName {
  const name = process.env.GATEHOUSE_TEST_BACKEND ?? "sqlite";
  if (name !== "sqlite" && name !== "postgres" && name !== "postgres+redis") {
    throw new Error(
      `GATEHOUSE_TEST_BACKEND must be sqlite, postgres or postgres+redis, not ${name}`,
    );
  }
  return name;
}

/** Creates a fresh PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Deletes every Redis key under a prefix. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

export async function createBackend(name: BackendName = backendName()): Promise<Backend> {
  if (name === "sqlite") return { name, env: {}, drop: async () => {} };
  const database = await createPostgresDatabase();
  if (name === "postgres")
    return { name, env: { DATABASE_URL: database.url }, drop: database.drop };
  const prefix = `gatehouse-test:${randomBytes(6).toString("hex")}:`;
  return {
    name,
    env: { DATABASE_URL: database.url, REDIS_URL: testRedisUrl, REDIS_PREFIX: prefix },
    async drop() {
      await Promise.all([database.drop(), dropRedisPrefix(prefix)]);
    },
  };
}
