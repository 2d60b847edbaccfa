/**
 * Seeds a benchmark store by writing rows straight into its database (the server has already
 * created the schema): registered customers that all share one precomputed Argon2id hash of
 * BENCH_PASSWORD, each with one address in their address book. Schema: migrations/0001-initial.ts and 0006
 * (times are epoch ms, `has_account` 0/1 on SQLite and boolean on PostgreSQL, metadata JSON text).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { ulid } from "ulid";
import { hash } from "@node-rs/argon2";
import { ARGON2_OPTIONS } from "./argon2-options.js";
import { Redis } from "ioredis";
import { ADDRESS_FIELDS as ADDRESS_COLUMNS, CUSTOMER_FIELDS, type Session } from "../src/domain.js";
import { RedisSessionStore } from "../src/stores/redis/session-store.js";
import { hashSecretToken, newId, newSecretToken } from "../src/services/ids.js";

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
      company_name: null,
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
      address_name: null,
      is_default_shipping: 0,
      is_default_billing: 0,
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

/** Where a benchmark server keeps its data: its SQLite directory, or PostgreSQL (and Redis). */
export interface SeedTarget {
  dataDir: string;
  env: Record<string, string>;
}

/**
 * Cookie sessions written straight into the store (as a login would write them, without the
 * Argon2id hash each login costs), spread over the first `customers` seeded customers; returns
 * their cookie values. Sessions live in Redis when the server uses it, otherwise in SQL.
 */
export async function seedCookieSessions(
  target: SeedTarget,
  customers: number,
  count: number,
  cookieSecret: string,
): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) =>
    benchEmail(Math.floor((i * customers) / count)),
  );
  const now = Date.now();
  const sessions: Array<{ session: Session; tokenHash: string; token: string }> = [];
  const idByEmail = await customerIds(target, [...new Set(emails)]);
  for (const email of emails) {
    const token = newSecretToken();
    sessions.push({
      token,
      tokenHash: hashSecretToken(cookieSecret, token),
      session: {
        id: newId("sess"),
        customer_id: idByEmail.get(email)!,
        kind: "cookie",
        created_at: now,
        last_seen_at: now,
        expires_at: now + 7 * 24 * 3_600_000,
        user_agent: "bench",
        token_version: 0,
      },
    });
  }
  const { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl } = target.env;
  if (redisUrl) {
    const redis = new Redis(redisUrl);
    try {
      const store = new RedisSessionStore(redis, prefix ?? "", 24 * 3_600_000);
      for (let i = 0; i < sessions.length; i += 256) {
        await Promise.all(
          sessions.slice(i, i + 256).map((s) => store.create(s.session, s.tokenHash)),
        );
      }
    } finally {
      redis.disconnect();
    }
  } else {
    const rows: Row[] = sessions.map(({ session, tokenHash }) => ({
      ...session,
      token_hash: tokenHash,
    }));
    const columns = Object.keys(rows[0]!);
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await insertBatches(client, "session", columns, rows);
        await client.query("ANALYZE session");
      } finally {
        await client.end();
      }
    } else {
      const db = new Database(join(target.dataDir, "gatehouse.sqlite"));
      try {
        db.pragma("busy_timeout = 5000");
        const insert = db.prepare(
          `INSERT INTO session (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
        );
        db.transaction(() => rows.forEach((row) => insert.run(row)))();
      } finally {
        db.close();
      }
    }
  }
  return sessions.map(({ token }) => token);
}

/** Sets every SQL session's last-seen time to `lastSeenAt` (the touch scenario's reset). */
export async function setSessionsLastSeen(target: SeedTarget, lastSeenAt: number): Promise<void> {
  if (target.env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: target.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query("UPDATE session SET last_seen_at = $1", [lastSeenAt]);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(join(target.dataDir, "gatehouse.sqlite"));
  try {
    db.pragma("busy_timeout = 5000");
    db.prepare("UPDATE session SET last_seen_at = ?").run(lastSeenAt);
  } finally {
    db.close();
  }
}

async function customerIds(target: SeedTarget, emails: string[]): Promise<Map<string, string>> {
  let rows: Array<{ id: string; email: string }>;
  if (target.env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: target.env.DATABASE_URL });
    await client.connect();
    try {
      rows = (
        await client.query<{ id: string; email: string }>(
          "SELECT id, email FROM customer WHERE email = any($1)",
          [emails],
        )
      ).rows;
    } finally {
      await client.end();
    }
  } else {
    const db = new Database(join(target.dataDir, "gatehouse.sqlite"), { readonly: true });
    try {
      rows = db.prepare("SELECT id, email FROM customer").all() as typeof rows;
    } finally {
      db.close();
    }
  }
  return new Map(rows.map((row) => [row.email, row.id]));
}
