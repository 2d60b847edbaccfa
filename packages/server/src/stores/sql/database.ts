/**
 * Opens the SQL database: PostgreSQL when DATABASE_URL is set, otherwise the embedded
 * SQLite file under DATA_DIR. The driver-level differences live here (connection, pragmas,
 * error codes, each dialect's extras on `SqlDatabase`); a few stores still branch on `dialect`
 * where a query differs (customer-store.ts, address-store.ts, event-store.ts, throttle-store.ts).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import SqliteDatabase from "better-sqlite3";
import type { Config } from "../../config.js";
import { migrationProvider } from "../../migrations/index.js";
import type { Database } from "./schema.js";
import type { ChangeFeed, Warn } from "../cache/change-feed.js";
import { listenForChanges } from "../cache/postgres-notify-feed.js";
import { changeCounter } from "../cache/sqlite-wal-index.js";
import { writesPerTurn } from "../../runtime/sqlite-group-commit.js";

export type Dialect = "sqlite" | "postgres";

/**
 * Rows of a compiled query, run straight on the driver (see `prepared.ts`). `perTurn`: a write
 * that may be committed together with the other such writes of the same turn of the event loop
 * (SQLite; see write-batch.ts). It still resolves only once committed.
 */
export type RunCompiled = <Row>(
  name: string,
  sql: string,
  parameters: readonly unknown[],
  perTurn?: boolean,
) => Promise<Row[]>;

export interface SqlDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * Runs a compiled query without Kysely's executor: on SQLite a cached statement called
   * synchronously (no connection mutex, no promise chain), on PostgreSQL a named prepared
   * statement (parsed and planned once per connection). Only for the hot-path queries.
   */
  runCompiled: RunCompiled;
  /**
   * SQLite only: a number that changes whenever another connection (another process, a shell)
   * has committed to the database file since the last call. Cheap: one read of the WAL-index
   * header, and `PRAGMA data_version` only when that has changed (wal-index.ts).
   */
  dataVersion?: () => number;
  /**
   * PostgreSQL only: starts listening for the changes committed to customers, addresses and
   * sessions (change-feed.ts). Called once the migrations have run: the triggers must exist.
   */
  listenForChanges?: (warn: Warn) => ChangeFeed;
  /** SQLite only: commits the queued per-turn writes now (write-batch.ts). */
  flushWrites?: () => void;
  /**
   * SQLite only: runs `work` in one `BEGIN IMMEDIATE` transaction, its statements synchronous
   * (after the queued per-turn writes), so that nothing else runs in between.
   */
  atomically?: <T>(
    work: (run: (sql: string, parameters: readonly unknown[]) => unknown[]) => T,
  ) => T;
  /** Human-readable location, with any password removed. */
  location: string;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** SQLite's page cache, in KiB (see configuration.md, "Fixed limits"). */
const SQLITE_CACHE_KIB = 4096;

/** Query parameters that can carry a credential (libpq's `password`, `sslpassword`, `sslkey`…). */
const CREDENTIAL_PARAMETER = /pass|secret|key|token|cert|auth|cred/i;

/** Masks every credential in a connection URL (userinfo password, credential parameters) before it is logged or shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const name of new Set(parsed.searchParams.keys())) {
      if (CREDENTIAL_PARAMETER.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    return "<unparseable URL>";
  }
}

export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "databaseListenUrl" | "databasePoolSize" | "dataDir">,
): Promise<SqlDatabase> {
  if (config.databaseUrl) {
    // Loaded only when used, like the Redis client.
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.databasePoolSize,
      // Bounded waits: a request fails with 503 instead of hanging when PostgreSQL is away.
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
      // Times are stored as epoch milliseconds in BIGINT columns: read them as numbers.
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client that loses its connection must not crash the process.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const listenUrl = config.databaseListenUrl ?? config.databaseUrl;
    return {
      db,
      dialect: "postgres",
      listenForChanges: (warn) =>
        listenForChanges(
          pg.Client,
          {
            connectionString: listenUrl,
            connectionTimeoutMillis: 5000,
            query_timeout: 10_000,
            application_name: "gatehouse-changes",
            // A connection cut without a word (a NAT or balancer dropping it) is found out.
            keepAlive: true,
          },
          warn,
        ),
      runCompiled: async <Row>(name: string, text: string, values: readonly unknown[]) => {
        const result = await pool.query({ name, text, values: values as unknown[] });
        return result.rows as Row[];
      },
      location: redactUrl(config.databaseUrl),
      close: () => db.destroy(),
    };
  }
  // Customer data: readable by this user only, whatever the umask (docs/security.md).
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, "gatehouse.sqlite");
  closeSync(openSync(file, "a", 0o600));
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma("journal_mode = WAL");
  // SQLite gives -wal and -shm the database file's mode when it creates them; older files are
  // tightened here where this user owns them.
  for (const own of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(own, 0o600);
    } catch {
      // Absent, or another user's: not ours to change.
    }
  }
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // 4 MiB of pages cached in the process (better-sqlite3's default is 16 MiB, all of it RSS):
  // enough for every index's upper levels and the hot rows; the kernel caches the rest of the
  // file anyway, and the hot sessions and customers are in the read cache (read-cache.ts).
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  // Statement journals (an upsert inside the per-turn write transaction needs one) in memory, not
  // in a temporary file: 12 µs → 4.5 µs an upsert. They hold a few pages at most.
  sqlite.pragma("temp_store = MEMORY");
  const statements = cachingStatements(sqlite);
  const batchedWrites = writesPerTurn(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  const dataVersion = sqlite.prepare("PRAGMA data_version").pluck();
  const changes = changeCounter(file, () => dataVersion.get() as number);
  return {
    db,
    dialect: "sqlite",
    dataVersion: changes,
    flushWrites: batchedWrites.flush,
    atomically: (work) => {
      batchedWrites.flush();
      const run = (text: string, parameters: readonly unknown[]) => {
        const statement = statements.prepare(text);
        return statement.reader ? statement.all(parameters) : (statement.run(parameters), []);
      };
      return sqlite.transaction(() => work(run)).immediate();
    },
    // better-sqlite3 is synchronous and Gatehouse opens no transaction across an `await` (the
    // per-turn writes begin and commit in one synchronous call), so a statement can run at once
    // without waiting for Kysely's connection mutex.
    runCompiled: <Row>(
      _name: string,
      text: string,
      parameters: readonly unknown[],
      perTurn = false,
    ) => {
      try {
        const statement = statements.prepare(text);
        if (perTurn) return batchedWrites.write(statement, parameters) as Promise<Row[]>;
        return Promise.resolve(
          (statement.reader ? statement.all(parameters) : (statement.run(parameters), [])) as Row[],
        );
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    location: file,
    close: async () => {
      await db.destroy();
      // After the connection: closing a descriptor of -shm drops SQLite's locks on it.
      changes.close();
    },
  };
}

/**
 * Kysely prepares every query afresh; SQLite statements are reusable, so keep the most recently
 * used ones (the hot path runs the same few queries over and over).
 */
function cachingStatements(sqlite: SqliteDatabase.Database, size = 256) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) return statement;
      statement = sqlite.prepare(text);
      cache.set(text, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

/** Runs every pending migration. On PostgreSQL, Kysely holds an advisory lock while it does. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Reverts the newest migration (used by `npm run migrate -- down` and the migration test). */
export async function migrateDown(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateDown();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** True when an error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/** A cheap round trip, for /ready. */
export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
