/**
 * Seeds a benchmark store by writing rows straight into its database (the server has already
 * created the schema): registered customers that all share one precomputed Argon2id hash of
 * BENCH_PASSWORD, each with one address in their address book. Schema: migrations/0001-initial.ts
 * (times are epoch ms, `has_account` 0/1 on SQLite and boolean on PostgreSQL, metadata JSON text).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { ulid } from "ulid";
import { hash } from "@node-rs/argon2";
import { ARGON2_OPTIONS } from "./argon2-options.js";
import { ADDRESS_FIELDS as ADDRESS_COLUMNS, CUSTOMER_FIELDS } from "../src/domain.js";

export const BENCH_PASSWORD = "correct horse battery staple";

/** The email of the i-th seeded customer (0-based). */
export const benchEmail = (index: number) =>
  `customer-${String(index).padStart(6, "0")}@bench.example.com`;

/** One Argon2id hash of BENCH_PASSWORD with the server's default parameters. */
export function benchPasswordHash(): Promise<string> {
  return hash(BENCH_PASSWORD, ARGON2_OPTIONS);
}

const CUSTOMER_COLUMNS = [...CUSTOMER_FIELDS, "password_hash"] as const;

type Row = Record<string, string | number | boolean | null>;

function rowsFor(
  index: number,
  passwordHash: string,
  now: number,
): { customer: Row; address: Row } {
  const created = now - (index + 1) * 60_000;
  const id = `cus_${ulid(created)}`;
  const n = String(index).padStart(6, "0");
  return {
    customer: {
      id,
      created_at: created,
      updated_at: created,
      deleted_at: null,
      email: benchEmail(index),
      first_name: `First${n}`,
      last_name: `Last${n}`,
      billing_address_id: null,
      phone: `+1555${n}`,
      has_account: 1,
      metadata: JSON.stringify({ source: "bench", segment: index % 7 }),
      password_hash: passwordHash,
    },
    address: {
      id: `addr_${ulid(created)}`,
      customer_id: id,
      company: null,
      first_name: `First${n}`,
      last_name: `Last${n}`,
      address_1: `${(index % 999) + 1} Market Street`,
      address_2: null,
      city: "Springfield",
      country_code: "us",
      province: "IL",
      postal_code: "62701",
      phone: `+1555${n}`,
      metadata: null,
      created_at: created,
      updated_at: created,
      deleted_at: null,
    },
  };
}

/** SQLite: one transaction of prepared inserts into DATA_DIR/gatehouse.sqlite. */
export function seedSqlite(dataDir: string, count: number, passwordHash: string): void {
  const db = new Database(join(dataDir, "gatehouse.sqlite"));
  try {
    db.pragma("busy_timeout = 5000");
    const insertCustomer = db.prepare(
      `INSERT INTO customer (${CUSTOMER_COLUMNS.join(", ")}) VALUES (${CUSTOMER_COLUMNS.map((c) => `@${c}`).join(", ")})`,
    );
    const insertAddress = db.prepare(
      `INSERT INTO address (${ADDRESS_COLUMNS.join(", ")}) VALUES (${ADDRESS_COLUMNS.map((c) => `@${c}`).join(", ")})`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (let index = 0; index < count; index++) {
        const { customer, address } = rowsFor(index, passwordHash, now);
        insertCustomer.run(customer);
        insertAddress.run(address);
      }
    })();
  } finally {
    db.close();
  }
}

/** Multi-row INSERT of `rows` into `table`, in batches that stay under PostgreSQL's 65535 parameters. */
async function insertBatches(
  client: pg.Client,
  table: string,
  columns: readonly string[],
  rows: Row[],
): Promise<void> {
  const batchSize = Math.floor(60_000 / columns.length);
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const placeholders = columns.map((column) => {
        values.push(row[column]);
        return `$${values.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await client.query(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
      values,
    );
  }
}

/** PostgreSQL: multi-row INSERTs in one transaction, then ANALYZE so the planner knows the sizes. */
export async function seedPostgres(
  url: string,
  count: number,
  passwordHash: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    const chunk = 20_000;
    await client.query("BEGIN");
    for (let first = 0; first < count; first += chunk) {
      const customers: Row[] = [];
      const addresses: Row[] = [];
      for (let index = first; index < Math.min(count, first + chunk); index++) {
        const { customer, address } = rowsFor(index, passwordHash, now);
        customers.push({ ...customer, has_account: true });
        addresses.push(address);
      }
      await insertBatches(client, "customer", CUSTOMER_COLUMNS, customers);
      await insertBatches(client, "address", ADDRESS_COLUMNS, addresses);
    }
    await client.query("COMMIT");
    await client.query("ANALYZE customer");
    await client.query("ANALYZE address");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
