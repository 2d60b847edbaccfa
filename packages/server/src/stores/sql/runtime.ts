/**
 * The SQL runtime: what a store may ask of its database, with one implementation per dialect
 * (sqlite.ts, postgres.ts), in the way Kysely keeps each dialect behind one interface. Stores
 * never ask which dialect they run on; where the dialects differ in how a query runs (batched
 * reads, row locks, group commit, change detection), the runtime decides.
 */
import {
  Migrator,
  sql,
  type Compilable,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
} from "kysely";
import type { jsonArrayFrom, jsonObjectFrom } from "kysely/helpers/postgres";
import type { Config } from "../../config.js";
import { migrationProvider } from "../../migrations/index.js";
import type { ChangeFeed, Warn } from "../cache/change-feed.js";
import type { Database } from "./schema.js";

/**
 * The writes `decide` asks for (run in order, in the same transaction), and what the call then
 * answers: `result`, or, when `returned` is given, what it makes of the rows the last write
 * returned (RETURNING).
 */
export interface Decision<T> {
  result: T;
  write: Compilable<unknown> | Array<Compilable<unknown>> | null;
  returned?: (rows: unknown[]) => T;
}

/** A decision's writes as a list. */
export const writesOf = (decision: Decision<unknown>): Array<Compilable<unknown>> =>
  decision.write === null ? [] : Array.isArray(decision.write) ? decision.write : [decision.write];

export interface SqlRuntime {
  readonly db: Kysely<Database>;
  /** Where the database is, with any password masked. */
  readonly location: string;
  /**
   * Runs a compiled query straight on the driver, without Kysely's executor (prepared.ts): on
   * SQLite a cached statement, on PostgreSQL a named prepared statement. `perTurn`: a write that
   * may share one commit with the turn's other such writes; it resolves once committed.
   */
  runCompiled<Row>(
    name: string,
    sql: string,
    parameters: readonly unknown[],
    perTurn?: boolean,
  ): Promise<Row[]>;
  /** Commits the `perTurn` writes queued so far now (before a read that must see them). */
  flushWrites(): void;
  /**
   * A reader of the row whose `column` equals a key, compiled once. On PostgreSQL the keys asked
   * for in one turn are read with one statement (`= any($1)`); on SQLite each is one indexed read.
   */
  readerByKey<Row>(
    column: string,
    query: (matches: RawBuilder<boolean>) => Compilable<Row>,
    keyOf: (row: Row) => string,
  ): (key: string) => Promise<Row | undefined>;
  /** Kysely's JSON helpers for this dialect (nested rows in one statement). */
  readonly jsonArrayFrom: typeof jsonArrayFrom;
  readonly jsonObjectFrom: typeof jsonObjectFrom;
  /**
   * The rows `query` selects, locked until the transaction ends where rows are locked
   * (PostgreSQL; `skipLocked`: rows another transaction holds are left out). SQLite runs one
   * write at a time, so there the query is unchanged.
   */
  forUpdate<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
    options?: { skipLocked?: boolean },
  ): SelectQueryBuilder<DB, TB, O>;
  /**
   * Reads `read`'s rows, lets `decide` choose a write, and runs it, as one step no other
   * `readModifyWrite` on the same rows interleaves with. SQLite: one `BEGIN IMMEDIATE`
   * transaction, run synchronously (`lock` is not needed: one write at a time). PostgreSQL: one
   * transaction that first runs `lock` (statements that take row locks, `forUpdate`, or create
   * the rows to lock), then `read` in a statement of its own, so that it sees what the
   * transactions it waited for committed; retried on deadlock.
   */
  readModifyWrite<Row, T>(step: {
    lock?: Array<Compilable<unknown>>;
    read: Compilable<Row>;
    decide: (rows: Row[]) => Decision<T>;
  }): Promise<T>;
  /**
   * What other connections commit to the tables the read cache keeps, as this database can tell
   * it: SQLite, its data version; PostgreSQL, the notifications of migration 0003's triggers.
   */
  changes(warn: Warn): ChangeFeed;
  /** A cheap round trip, for /ready. */
  ping(): Promise<void>;
  /** The connection pool's use, for the metrics (PostgreSQL; SQLite has no pool). */
  poolUse?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** PostgreSQL's deadlock_detected: the statement was chosen to break a lock cycle. */
const DEADLOCK = "40P01";
const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs `work` again when PostgreSQL broke a deadlock by cancelling it. Statements lock rows in
 * key order, so cycles are rare, but one must cost a retry, never a failed request. (SQLite has
 * no deadlocks: it runs one write at a time.)
 */
export async function retryDeadlocks<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= DEADLOCK_ATTEMPTS)
        throw error;
    }
  }
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

/**
 * Opens the SQL database: PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file
 * under DATA_DIR. The PostgreSQL driver is loaded only when used.
 */
export async function openSqlRuntime(
  config: Pick<
    Config,
    "databaseUrl" | "databaseListenUrl" | "databasePoolSize" | "databaseSchema" | "dataDir"
  >,
): Promise<SqlRuntime> {
  const { databaseUrl, databaseSchema } = config;
  if (databaseUrl) {
    const { openPostgres } = await import("./postgres.js");
    const runtime = openPostgres({ ...config, databaseUrl });
    if (databaseSchema) {
      try {
        await sql`create schema if not exists ${sql.id(databaseSchema)}`.execute(runtime.db);
      } catch (error) {
        await runtime.close();
        throw error;
      }
    }
    return runtime;
  }
  const { openSqlite } = await import("./sqlite.js");
  return openSqlite(config.dataDir);
}

/** Runs every pending migration. On PostgreSQL, Kysely holds an advisory lock while it does. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** The migrations not yet applied (for `gatehouse doctor`). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const all = await migrator.getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map((m) => m.name);
}

/** Reverts the newest migration (used by `npm run migrate -- down` and the migration test). */
export async function migrateDown(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateDown();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
