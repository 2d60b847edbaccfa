/**
 * Opens every store the configuration asks for: the SQL database always (SQLite or PostgreSQL),
 * Redis for sessions and rate-limit counters when REDIS_URL is set, Medusa's own database (v1 or
 * v2, detected) for customers when MEDUSA_DATABASE_URL is set, and the read cache in front unless
 * READ_CACHE=off.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import type { Config, MedusaVersion } from "../config.js";
import { allFeeds, type Warn } from "./cache/change-feed.js";
import { ReadCache } from "./cache/read-cache.js";
import { trackSessionChanges } from "./cache/redis-tracking-feed.js";
import { redactUrl } from "./redact-url.js";
import { guardRedis } from "./unavailable.js";
import { RedisSessionStore } from "./redis/session-store.js";
import { RedisThrottleStore } from "./redis/throttle-store.js";
import { createSqlStores } from "./sql/index.js";
import type { MedusaV1Stores } from "./medusa-v1/open.js";
import type { MedusaV2Stores } from "./medusa-v2/open.js";
import { detectMedusaVersion } from "./medusa-version.js";
import { migrateToLatest, openSqlRuntime, type SqlRuntime } from "./sql/runtime.js";
import type { PublishableKeys, Stores } from "./types.js";
import type { PoolUse, ReadCacheCounts, RedisUse } from "../metrics.js";

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
): Stores & { cacheCounts: ReadCacheCounts } {
  const feeds = [
    runtime.changes(warn),
    ...(redis ? [trackSessionChanges(redis.client, redis.prefix, warn)] : []),
  ];
  const cache = new ReadCache(allFeeds(feeds));
  return {
    ...stores,
    cacheCounts: cache.counts,
    // Medusa's tables report no changes (Gatehouse adds no trigger to them): not cached.
    ...(sessionsOnly ? cache.wrap({ sessions: stores.sessions }) : cache.wrap(stores)),
    async close() {
      await Promise.all(feeds.map((feed) => feed.close()));
      await stores.close();
    },
  };
}

/** Medusa's database as the stores of its version open it. */
type MedusaStores = { version: 1; stores: MedusaV1Stores } | { version: 2; stores: MedusaV2Stores };

/**
 * Medusa's database: its version detected from its tables (an explicit MEDUSA_VERSION must agree),
 * its tables checked, or a BackendUnavailableError saying what is wrong.
 */
async function openMedusa(config: Readonly<Config>, url: string): Promise<MedusaStores> {
  const { medusaV1Stores, medusaV1Problem } = await import("./medusa-v1/open.js");
  const v1 = medusaV1Stores(url, config.databasePoolSize);
  const { runtime } = v1;
  let opened: MedusaStores | undefined;
  let problem: string | null;
  try {
    const detected = await detectMedusaVersion(runtime);
    const version = detected?.version ?? config.medusaVersion;
    if (detected && config.medusaVersionExplicit && detected.version !== config.medusaVersion) {
      problem =
        `MEDUSA_VERSION=${config.medusaVersion} but it is a Medusa v${detected.version} database ` +
        `(it has ${detected.evidence.join(", ")}). Set MEDUSA_VERSION=${detected.version}, or ` +
        "leave it unset to use the version of the database";
    } else if (version === 1) {
      problem = await medusaV1Problem(runtime);
      opened = { version: 1, stores: v1 };
    } else {
      const { medusaV2Problem, ensureEmailIndex, medusaV2Stores } =
        await import("./medusa-v2/open.js");
      problem = (await medusaV2Problem(runtime)) ?? (await ensureEmailIndex(runtime));
      opened = { version: 2, stores: medusaV2Stores(runtime) };
    }
  } catch (error) {
    problem =
      `cannot reach it: ${(error as Error).message}. ` +
      "Check that it is running and that the URL, user and password are right";
  }
  if (problem !== null || !opened) {
    await runtime.close();
    throw new BackendUnavailableError(`MEDUSA_DATABASE_URL (${redactUrl(url)}): ${problem}.`);
  }
  return opened;
}

/** Customers and addresses (in v2 also identities and publishable keys) in Medusa's own tables. */
function withMedusa(sql: Stores, medusa: MedusaStores): Stores {
  const { stores } = medusa;
  return {
    ...sql,
    customers: stores.customers,
    addresses: stores.addresses,
    ...(medusa.version === 2 && {
      identities: medusa.stores.identities,
      publishableKeys: medusa.stores.publishableKeys,
    }),
    async ping() {
      const [checks, medusaDatabase] = await Promise.all([
        sql.ping(),
        stores.runtime.ping().then(
          () => "ok" as const,
          (error: Error) => error,
        ),
      ]);
      return { ...checks, medusa_database: medusaDatabase };
    },
    async close() {
      await sql.close();
      await stores.runtime.close();
    },
  };
}

/** What the metrics read of the storage when scraped (metrics.ts). */
export interface StorageUse {
  pools(): PoolUse[];
  redis(): RedisUse[];
  readCache(): ReadCacheCounts | null;
}

/**
 * The stores, the Medusa version they serve (detected from Medusa's database in front of it),
 * and their use for the metrics.
 */
export type OpenedStores = Stores & { medusaVersion: MedusaVersion; use: StorageUse };

/**
 * Standalone publishable keys (Medusa v2 mode without Medusa's database): PUBLISHABLE_API_KEYS
 * lists the accepted ones; unset, any key is accepted (the header is still required).
 */
function listedKeys(keys: readonly string[]): PublishableKeys {
  const accepted = new Set(keys);
  return { isValid: async (key) => accepted.size === 0 || accepted.has(key) };
}

export async function openStores(
  config: Readonly<Config>,
  log: FastifyBaseLogger,
): Promise<OpenedStores> {
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
  let medusa: MedusaStores | undefined;
  if (config.medusaDatabaseUrl) {
    try {
      medusa = await openMedusa(config, config.medusaDatabaseUrl);
    } catch (error) {
      redis?.disconnect();
      await runtime.close();
      throw error;
    }
  }
  const medusaVersion = medusa?.version ?? config.medusaVersion;
  const sql = {
    ...createSqlStores(runtime),
    publishableKeys: listedKeys(config.publishableApiKeys),
  };
  const own = medusa ? withMedusa(sql, medusa) : sql;
  const stores = redis ? withRedis(own, redis, (await import("ioredis")).ReplyError, config) : own;
  const poolOf = (pool: string, of: SqlRuntime): PoolUse[] => {
    const use = of.poolUse?.();
    return use ? [{ pool, ...use }] : [];
  };
  const use = (cacheCounts: ReadCacheCounts | null): StorageUse => ({
    pools: () => [
      ...poolOf("gatehouse", runtime),
      ...(medusa ? poolOf("medusa", medusa.stores.runtime) : []),
    ],
    redis: () => (redis ? [{ connection: "commands", ready: redis.status === "ready" }] : []),
    readCache: () => cacheCounts,
  });
  if (!config.readCache) return { ...stores, medusaVersion, use: use(null) };
  const warnOnce10s = warnAtMostEvery10s(log);
  const warn: Warn = (message, error) => warnOnce10s({ err: error }, message);
  const cached = withReadCache(
    stores,
    runtime,
    redis && { client: redis, prefix: config.redisPrefix },
    medusa !== undefined,
    warn,
  );
  return { ...cached, medusaVersion, use: use(cached.cacheCounts) };
}
