/**
 * Direct access to a test server's database, to check what was stored (and to plant rows a
 * migration from Medusa would bring). Opens the same SQLite file or PostgreSQL database.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { TestServer } from "./server.js";

export interface TestDb {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `$1, $2…` placeholders work on both dialects. */
export async function openTestDb(server: TestServer): Promise<TestDb> {
  const url = server.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      async query<T>(sql: string, params: unknown[] = []) {
        return (await client.query(sql, params)).rows as T[];
      },
      close: () => client.end(),
    };
  }
  const sqlite = new Database(join(server.env.DATA_DIR!, "gatehouse.sqlite"));
  sqlite.pragma("busy_timeout = 5000");
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const statement = sqlite.prepare(sql.replace(/\$(\d+)/g, "@p$1"));
      const values = Object.fromEntries(
        params.map((value, index) => [
          `p${index + 1}`,
          typeof value === "boolean" ? Number(value) : value,
        ]),
      );
      return (statement.reader ? statement.all(values) : (statement.run(values), [])) as T[];
    },
    close: async () => {
      sqlite.close();
    },
  };
}

/** One statement on a test server's database, on a connection of its own. */
export async function queryTestDb<T = Record<string, unknown>>(
  server: TestServer,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const db = await openTestDb(server);
  try {
    return await db.query<T>(sql, params);
  } finally {
    await db.close();
  }
}
