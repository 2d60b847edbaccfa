/**
 * The PostgreSQL runtime (DATABASE_URL), with node-postgres: a pool for queries, named prepared
 * statements for the hot path, the reads of one turn batched into one statement, row locks for
 * read-modify-write steps, and a LISTEN connection of its own for the read cache's invalidations.
 */
import pg from "pg";
import { Kysely, PostgresDialect, sql, type PostgresPool } from "kysely";
import { jsonArrayFrom, jsonObjectFrom } from "kysely/helpers/postgres";
import type { Config } from "../../config.js";
import { batchedReader } from "../../runtime/batched-reader.js";
import { listenForChanges } from "../cache/postgres-notify-feed.js";
import { redactUrl } from "../redact-url.js";
import { StorageUnavailableError, isProgrammingError } from "../unavailable.js";
import { param, prepare } from "./prepared.js";
import { retryDeadlocks, writesOf, type SqlRuntime } from "./runtime.js";
import type { Database } from "./schema.js";

const INT8_OID = 20;

/** SQLSTATEs of a server that cannot serve: connection exceptions, shutting down, starting up. */
const UNAVAILABLE_STATE = /^(08\d{3}|57P0[1-3])$/;

/**
 * What node-postgres throws, sorted: the server's answer is a `DatabaseError` with a SQLSTATE;
 * anything else the driver throws (refused, terminated, timed out) means it was not reached.
 */
function classify(error: unknown): never {
  if (isProgrammingError(error)) throw error;
  if (error instanceof pg.DatabaseError && !UNAVAILABLE_STATE.test(error.code ?? "")) throw error;
  throw new StorageUnavailableError("PostgreSQL", error);
}

/** The pool as Kysely sees it, its outages classified. */
function classifiedPool(pool: pg.Pool): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, ReturnType<typeof wrap>>();
  const wrap = (client: pg.PoolClient) => ({
    query: (...args: unknown[]) => {
      const result: unknown = (client.query as (...a: unknown[]) => unknown)(...args);
      return result instanceof Promise ? result.catch(classify) : result;
    },
    release: () => client.release(),
  });
  return {
    async connect() {
      const client = await pool.connect().catch(classify);
      let wrapped = clients.get(client);
      if (!wrapped) clients.set(client, (wrapped = wrap(client)));
      return wrapped as unknown as Awaited<ReturnType<PostgresPool["connect"]>>;
    },
    end: () => pool.end(),
  };
}

export function openPostgres(
  config: Pick<Config, "databaseListenUrl" | "databasePoolSize" | "databaseSchema"> & {
    databaseUrl: string;
  },
): SqlRuntime {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    // Gatehouse's own schema, when it shares Medusa's database (config.ts, databaseSchema).
    ...(config.databaseSchema && { options: `-c search_path=${config.databaseSchema}` }),
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
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: classifiedPool(pool) }),
  });
  const runtime: SqlRuntime = {
    db,
    location: redactUrl(config.databaseUrl),
    async runCompiled<Row>(name: string, text: string, values: readonly unknown[]) {
      const result = await pool.query({ name, text, values: values as unknown[] }).catch(classify);
      return result.rows as Row[];
    },
    flushWrites: () => {},
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    readerByKey(column, query, keyOf) {
      const many = prepare(runtime, () =>
        query(sql<boolean>`${sql.ref(column)} = any(${param(0)})`),
      );
      return batchedReader(async (keys: string[]) => {
        const rows = await many(keys);
        return new Map(rows.map((row) => [keyOf(row), row]));
      });
    },
    jsonArrayFrom,
    jsonObjectFrom,
    forUpdate: (query, { skipLocked = false } = {}) =>
      skipLocked ? query.forUpdate().skipLocked() : query.forUpdate(),
    readModifyWrite: ({ lock, read, decide }) =>
      retryDeadlocks(() =>
        db.transaction().execute(async (trx) => {
          for (const statement of lock ?? []) await trx.executeQuery(statement.compile());
          const { rows } = await trx.executeQuery(read.compile());
          const decision = decide(rows);
          let written: unknown[] = [];
          for (const write of writesOf(decision)) {
            written = (await trx.executeQuery(write.compile())).rows;
          }
          return decision.returned ? decision.returned(written) : decision.result;
        }),
      ),
    changes: (warn) =>
      listenForChanges(
        pg.Client,
        {
          connectionString: config.databaseListenUrl ?? config.databaseUrl,
          connectionTimeoutMillis: 5000,
          query_timeout: 10_000,
          application_name: "gatehouse-changes",
          // A connection cut without a word (a NAT or balancer dropping it) is found out.
          keepAlive: true,
        },
        warn,
      ),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
  return runtime;
}
