/**
 * One server per suite: `useServer()` registers `before`/`after` hooks in the calling `describe`
 * that start a server (testing/server.ts), make a client bound to it, and stop it afterwards,
 * closing its database connection if one was opened. `withServer()` gives one test a server of
 * its own.
 *
 *     const app = useServer({ env: { TRUST_PROXY: "true" } });
 *     const { api, db } = app;
 *     it("…", async () => {
 *       const { cookie, customer } = await register(app.url, uniqueEmail());
 *       const res = await api.get("/store/customers/me", { cookie });
 *       const row = await app.customerRow(customer.id);
 *     });
 */
import { after, before } from "node:test";
import { openTestDb, type TestDb } from "./db.js";
import { fakeCustomerId } from "./expect.js";
import { client, type Client } from "./http.js";
import { storedSessions } from "./sessions.js";
import { startServer, type StartOptions, type TestServer } from "./server.js";

/** A stored row, as the test database returns it. */
export type Row = Record<string, any>;

export interface ServerFixture {
  /** The running server (from the suite's `before` on). */
  readonly server: TestServer;
  /** Its base URL. */
  readonly url: string;
  /** A client bound to it (usable once the server runs; it may be destructured at once). */
  readonly api: Client;
  /** Its database, on a connection opened at first use and closed after the suite. */
  readonly db: TestDb;
  /** The `customer` row with this id. */
  customerRow(id: string): Promise<Row>;
  /** The `address` row with this id. */
  addressRow(id: string): Promise<Row>;
  /** How many sessions the server stores for a customer (SQL or Redis). */
  sessionCount(customerId: string): Promise<number>;
  /** Stores a guest customer (no account, as Medusa's guest checkouts leave); returns its id. */
  insertGuest(email: string, options?: { id?: string; createdAt?: number }): Promise<string>;
}

/**
 * Starts a server before the suite's tests and stops it after them. `options` may be a function,
 * called in `before`, for settings known only then (a receiver started by an earlier hook).
 */
export function useServer(
  options: StartOptions | (() => StartOptions | Promise<StartOptions>) = {},
): ServerFixture {
  let server: TestServer | undefined;
  let connection: Promise<TestDb> | undefined;
  const running = (): TestServer => {
    if (!server) throw new Error("useServer: the server starts in the suite's before hook");
    return server;
  };
  const api = client(() => running().url);
  const db: TestDb = {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<T[]> {
      connection ??= openTestDb(running());
      return (await connection).query<T>(sql, params);
    },
    async close() {
      const opened = connection;
      connection = undefined;
      if (opened) await (await opened).close();
    },
  };
  const rowById = async (table: string, id: string): Promise<Row> => {
    const [row] = await db.query<Row>(`select * from ${table} where id = $1`, [id]);
    return row as Row;
  };

  before(async () => {
    server = await startServer(typeof options === "function" ? await options() : options);
  });
  after(async () => {
    await db.close();
    await server?.stop();
  });

  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
    api,
    db,
    customerRow: (id) => rowById("customer", id),
    addressRow: (id) => rowById("address", id),
    sessionCount: async (customerId) => (await storedSessions(running(), customerId)).length,
    async insertGuest(email, { id = fakeCustomerId(), createdAt = Date.now() } = {}) {
      await db.query(
        "insert into customer (id, created_at, updated_at, email, has_account) values ($1, $2, $2, $3, $4)",
        [id, createdAt, email, false],
      );
      return id;
    },
  };
}

/** Runs `use` with a server of its own, started with `env` and stopped afterwards. */
export async function withServer<T>(
  env: Record<string, string>,
  use: (server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await startServer({ env });
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}
