/**
 * The SQLite runtime: the embedded database file under DATA_DIR, opened with better-sqlite3.
 * One connection, synchronous: a statement runs at once (no connection mutex, no promise chain),
 * and the turn's rate-limit writes share one commit (runtime/sqlite-group-commit.ts).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { Kysely, SqliteDialect, sql, type Compilable } from "kysely";
import { jsonArrayFrom, jsonObjectFrom } from "kysely/helpers/sqlite";
import SqliteDatabase from "better-sqlite3";
import { writesPerTurn } from "../../runtime/sqlite-group-commit.js";
import { dataVersionFeed } from "../cache/sqlite-data-version.js";
import { prepare, param } from "./prepared.js";
import { writesOf, type SqlRuntime } from "./runtime.js";
import type { Database } from "./schema.js";

/** SQLite's page cache, in KiB (see configuration.md, "Fixed limits"). */
const SQLITE_CACHE_KIB = 4096;

export function openSqlite(dataDir: string): SqlRuntime {
  // Customer data: readable by this user only, whatever the umask (docs/security.md).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "gatehouse.sqlite");
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
  // file anyway, and the hot sessions and customers are in the read cache.
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  // Statement journals (an upsert inside the per-turn write transaction needs one) in memory, not
  // in a temporary file: 12 µs → 4.5 µs an upsert. They hold a few pages at most.
  sqlite.pragma("temp_store = MEMORY");
  const statements = cachingStatements(sqlite);
  const batchedWrites = writesPerTurn(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  // Moves whenever another connection has committed to the file since the last call.
  const dataVersion = sqlite.prepare("PRAGMA data_version").pluck();
  const runNow = (text: string, parameters: readonly unknown[]): unknown[] => {
    const statement = statements.prepare(text);
    return statement.reader ? statement.all(parameters) : (statement.run(parameters), []);
  };
  const runtime: SqlRuntime = {
    db,
    location: file,
    // Gatehouse opens no transaction across an `await` (the per-turn writes begin and commit in
    // one synchronous call), so a statement can run at once without Kysely's connection mutex.
    runCompiled<Row>(_name: string, text: string, parameters: readonly unknown[], perTurn = false) {
      try {
        if (perTurn) {
          return batchedWrites.write(statements.prepare(text), parameters) as Promise<Row[]>;
        }
        return Promise.resolve(runNow(text, parameters) as Row[]);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    flushWrites: batchedWrites.flush,
    readerByKey(column, query) {
      const one = prepare(runtime, () => query(sql<boolean>`${sql.ref(column)} = ${param(0)}`));
      return async (key) => (await one(key))[0];
    },
    jsonArrayFrom: jsonArrayFrom as SqlRuntime["jsonArrayFrom"],
    jsonObjectFrom: jsonObjectFrom as SqlRuntime["jsonObjectFrom"],
    forUpdate: (query) => query,
    readModifyWrite({ read, decide }) {
      try {
        // After the queued per-turn writes; nothing else runs until COMMIT.
        batchedWrites.flush();
        const run = (query: Compilable<unknown>) => {
          const { sql: text, parameters } = query.compile();
          return runNow(text, parameters);
        };
        return Promise.resolve(
          sqlite
            .transaction(() => {
              const decision = decide(run(read) as never);
              let rows: unknown[] = [];
              for (const write of writesOf(decision)) rows = run(write);
              return decision.returned ? decision.returned(rows) : decision.result;
            })
            .immediate(),
        );
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    changes: () => dataVersionFeed(() => dataVersion.get() as number),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
  return runtime;
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
