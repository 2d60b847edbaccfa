/**
 * Opens every store the configuration asks for: the SQL database always (SQLite or PostgreSQL),
 * Redis for sessions and rate-limit counters when REDIS_URL is set, and the read cache in front
 * unless READ_CACHE=off.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { allFeeds, type Warn } from "./cache/change-feed.js";
import { ReadCache } from "./cache/read-cache.js";
import { trackSessionChanges } from "./cache/redis-tracking-feed.js";
import { redactUrl } from "./redact-url.js";
import { guardRedis } from "./unavailable.js";
import { RedisSessionStore } from "./redis/session-store.js";
import { RedisThrottleStore } from "./redis/throttle-store.js";
import { createSqlStores } from "./sql/index.js";
import type { MedusaV1Stores } from "./medusa-v1/open.js";
import { migrateToLatest, openSqlRuntime, type SqlRuntime } from "./sql/runtime.js";
import type { Stores } from "./types.js";

/** Thrown when a backend cannot be reached at start; the message names it and what to check. */
export class BackendUnavailableError extends Error {}

/** A warning logger that says at most one thing every 10 s (a failing connection retries often). */
function warnAtMostEvery10s(log: FastifyBaseLogger) {
  let lastWarned = 0;
  return (fields: object, message: string) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    log.warn(fields, message);
  };
}

async function connectRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  // Loaded only when used: a server on SQLite alone never holds the Redis (or PostgreSQL) client.
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail fast while disconnected (the request gets a 503) instead of queueing without bound.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in one turn of the event loop (one per concurrent request) go out as one
    // pipeline: one socket write and one wake-up of Redis for the lot, not one each.
    enableAutoPipelining: true,
  });
  const warn = warnAtMostEvery10s(log);
  redis.on("error", (error: Error) =>
    warn({ err: error, redis: redactUrl(url) }, "Redis connection problem; reconnecting"),
  );
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new BackendUnavailableError(
      `cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}. ` +
        "Check that Redis is running and that REDIS_URL (host, port, password, TLS) is right.",
    );
  }
  return redis;
}

/** Sessions and rate-limit counters in Redis instead of SQL. */
function withRedis(
  sql: Stores,
  redis: Redis,
  ReplyError: new () => Error,
  config: Readonly<Config>,
): Stores {
  return {
    ...sql,
    sessions: guardRedis(
      new RedisSessionStore(redis, config.redisPrefix, config.session.idleTimeoutMs),
      ReplyError,
    ),
    throttle: guardRedis(new RedisThrottleStore(redis, config.redisPrefix), ReplyError),
    async ping() {
      const [checks, cache] = await Promise.all([
        sql.ping(),
        redis.ping().then(
          () => "ok" as const,
          (error: Error) => error,
        ),
      ]);
      return { ...checks, redis: cache };
    },
    async close() {
      redis.disconnect();
      await sql.close();
    },
  };
}

/**
 * The read cache in front of the hot stores, kept exact by the changes the SQL database and
 * Redis report (cache/change-feed.ts), each on a connection of its own.
 */
function withReadCache(
  stores: Stores,
  runtime: SqlRuntime,
  redis: { client: Redis; prefix: string } | undefined,
  sessionsOnly: boolean,
  warn: Warn,
): Stores {
  const feeds = [
    runtime.changes(warn),
    ...(redis ? [trackSessionChanges(redis.client, redis.prefix, warn)] : []),
  ];
  const cache = new ReadCache(allFeeds(feeds));
  return {
    ...stores,
    // Medusa's tables report no changes (Gatehouse adds no trigger to them): not cached.
    ...(sessionsOnly ? cache.wrap({ sessions: stores.sessions }) : cache.wrap(stores)),
    async close() {
      await Promise.all(feeds.map((feed) => feed.close()));
      await stores.close();
    },
  };
}

/** Medusa v1's database, its tables checked, or a BackendUnavailableError saying what is wrong. */
async function openMedusaV1(url: string, poolSize: number): Promise<MedusaV1Stores> {
  const { medusaV1Stores, medusaV1Problem } = await import("./medusa-v1/open.js");
  const medusa = medusaV1Stores(url, poolSize);
  let problem: string | null;
  try {
    problem = await medusaV1Problem(medusa.runtime);
  } catch (error) {
    problem =
      `cannot reach it: ${(error as Error).message}. ` +
      "Check that it is running and that the URL, user and password are right";
  }
  if (problem !== null) {
    await medusa.runtime.close();
    throw new BackendUnavailableError(`MEDUSA_DATABASE_URL (${redactUrl(url)}): ${problem}.`);
  }
  return medusa;
}

/** Customers and addresses in Medusa's own tables; everything else stays in Gatehouse's. */
function withMedusaV1(sql: Stores, medusa: MedusaV1Stores): Stores {
  return {
    ...sql,
    customers: medusa.customers,
    addresses: medusa.addresses,
    async ping() {
      const [checks, medusaDatabase] = await Promise.all([
        sql.ping(),
        medusa.runtime.ping().then(
          () => "ok" as const,
          (error: Error) => error,
        ),
      ]);
      return { ...checks, medusa_database: medusaDatabase };
    },
    async close() {
      await sql.close();
      await medusa.runtime.close();
    },
  };
}

export async function openStores(
  config: Readonly<Config>,
  log: FastifyBaseLogger,
): Promise<Stores> {
  const runtime = await openSqlRuntime(config);
  try {
    const applied = await migrateToLatest(runtime.db);
    if (applied.length > 0) log.info({ migrations: applied }, "database migrated");
  } catch (error) {
    await runtime.close();
    const where = config.databaseUrl ? runtime.location : `${runtime.location} (SQLite)`;
    throw new BackendUnavailableError(
      `cannot use the database at ${where}: ${(error as Error).message}. ` +
        "Check that the server is running and reachable, and that the URL, user and password are right.",
    );
  }
  let redis: Redis | undefined;
  if (config.redisUrl) {
    try {
      redis = await connectRedis(config.redisUrl, log);
    } catch (error) {
      await runtime.close();
      throw error;
    }
  }
  let medusa: MedusaV1Stores | undefined;
  if (config.medusaDatabaseUrl) {
    try {
      medusa = await openMedusaV1(config.medusaDatabaseUrl, config.databasePoolSize);
    } catch (error) {
      redis?.disconnect();
      await runtime.close();
      throw error;
    }
  }
  const sql = createSqlStores(runtime);
  const own = medusa ? withMedusaV1(sql, medusa) : sql;
  const stores = redis ? withRedis(own, redis, (await import("ioredis")).ReplyError, config) : own;
  if (!config.readCache) return stores;
  const warnOnce10s = warnAtMostEvery10s(log);
  const warn: Warn = (message, error) => warnOnce10s({ err: error }, message);
  return withReadCache(
    stores,
    runtime,
    redis && { client: redis, prefix: config.redisPrefix },
    medusa !== undefined,
    warn,
  );
}
