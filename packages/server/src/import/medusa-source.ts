/**
 * Customers from a Medusa v1 or v2 database (its tables: stores/medusa-v1/schema.ts,
 * stores/medusa-v2/schema.ts), read-only: one connection, in one READ ONLY transaction with
 * REPEATABLE READ held for the whole run, so that every pass sees the same snapshot and nothing
 * can be written. Each pass reads one cursor over the live customers in id order (v2: joined with
 * their emailpass identities in the same query), a batch at a time, and each batch's addresses by
 * an indexed lookup, so memory stays flat and each table is read once per pass. Deleted customers
 * and addresses are left out.
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Address, Metadata } from "../domain.js";
import { detectMedusaVersion } from "../stores/medusa-version.js";
import { toCustomer } from "../stores/medusa-v1/rows.js";
import { toMs } from "../stores/medusa-rows.js";
import { EMAILPASS } from "../stores/medusa-v2/schema.js";
import { redactUrl } from "../stores/redact-url.js";
import { problemOf, type ImportCustomer, type SourceItem } from "./records.js";
import { SourceError, type ImportSource } from "./source.js";

type Time = Date | string;

interface CustomerRow {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company_name: string | null;
  has_account: boolean;
  password_hash: string | null;
  billing_address_id: string | null;
  metadata: Metadata | null;
  created_at: Time;
  updated_at: Time;
  /** Medusa v2: the emailpass identities naming the customer; null when none does (and v1). */
  identities: IdentityRow[] | null;
}

interface AddressRow extends Omit<Address, "created_at" | "updated_at" | "deleted_at"> {
  created_at: Time;
  updated_at: Time;
}

interface IdentityRow {
  id: string;
  email: string;
  password_hash: string | null;
  created_at: Time;
}

type Db = Kysely<unknown>;

/**
 * Medusa v2: the live emailpass identities that name a customer, one row per customer with its
 * identities as a JSON array (oldest first). Medusa links an identity to its customer only in
 * `app_metadata`, which it does not index, so this is read once per pass and joined, never
 * looked up per page.
 */
const identitiesByCustomer = sql`
  select ai.app_metadata->>'customer_id' as customer_id,
    json_agg(json_build_object('id', ai.id, 'email', pi.entity_id,
      'password_hash', pi.provider_metadata->>'password', 'created_at', ai.created_at)
      order by ai.created_at, ai.id) as identities
  from auth_identity ai
  join provider_identity pi on pi.auth_identity_id = ai.id
  where pi.provider = ${EMAILPASS} and ai.deleted_at is null and pi.deleted_at is null
    and ai.app_metadata->>'customer_id' is not null
  group by 1`;

/**
 * A cursor over every live customer in id order (v1 and v2 name their columns alike), v2's with
 * their identities: one query, so PostgreSQL reads each table once per pass, however many pages
 * are fetched from it.
 */
function declareCustomers(db: Db, cursor: string, version: 1 | 2) {
  const v1 = version === 1;
  return sql`
    declare ${sql.id(cursor)} no scroll cursor for
    select c.id, c.email, c.first_name, c.last_name, c.phone, c.has_account, c.metadata,
      c.created_at, c.updated_at,
      ${v1 ? sql`null` : sql`c.company_name`} as company_name,
      ${v1 ? sql`c.password_hash` : sql`null`} as password_hash,
      ${v1 ? sql`c.billing_address_id` : sql`null`} as billing_address_id,
      ${v1 ? sql`null` : sql`i.identities`} as identities
    from customer c
    ${v1 ? sql`` : sql`left join (${identitiesByCustomer}) i on i.customer_id = c.id`}
    where c.deleted_at is null
    order by c.id`.execute(db);
}

/** The next `size` customers of the cursor; none at its end. */
const fetchCustomers = (db: Db, cursor: string, size: number) =>
  sql<CustomerRow>`fetch forward ${sql.lit(size)} from ${sql.id(cursor)}`.execute(db);

/** The live addresses of these customers (v1: with their billing addresses). */
function addressesOf(db: Db, version: 1 | 2, ids: string[], billingIds: string[]) {
  const common = sql`id, customer_id, company, first_name, last_name, address_1, address_2, city,
    country_code, province, postal_code, phone, metadata, created_at, updated_at`;
  if (version === 1) {
    // Two indexed lookups (an OR of the two would scan the table for every page).
    const v1 = sql`${common}, null as address_name, false as is_default_shipping,
      false as is_default_billing from address where deleted_at is null`;
    return sql<AddressRow>`
      select ${v1} and customer_id = any(${ids})
      union
      select ${v1} and id = any(${billingIds})`.execute(db);
  }
  return sql<AddressRow>`
    select ${common}, address_name, is_default_shipping, is_default_billing
    from customer_address
    where deleted_at is null and customer_id = any(${ids})`.execute(db);
}

const toAddress = (row: AddressRow): Address => ({
  ...row,
  created_at: toMs(row.created_at),
  updated_at: toMs(row.updated_at),
  deleted_at: null,
});

function toItem(row: CustomerRow, addresses: Address[], version: 1 | 2): SourceItem {
  const at = `customer ${row.id}`;
  const identities = row.identities ?? [];
  if (row.email === null) return { at, id: row.id, problem: "no email" };
  if (identities.length > 1) {
    return { at, id: row.id, problem: `${identities.length} emailpass identities name it` };
  }
  const identity = identities[0];
  const customer: ImportCustomer = {
    ...toCustomer({ ...row, email: row.email, deleted_at: null }),
    company_name: row.company_name,
    password_hash: version === 1 ? row.password_hash : (identity?.password_hash ?? null),
    addresses,
    identity: identity
      ? { id: identity.id, email: identity.email, created_at: toMs(identity.created_at) }
      : null,
  };
  if (!customer.has_account && customer.identity) {
    return { at, id: row.id, problem: "a guest (has_account false) has an emailpass identity" };
  }
  const problem = problemOf(customer);
  return problem === null ? { at, customer } : { at, id: row.id, problem };
}

/** Opens a Medusa database read-only, or throws a SourceError saying why it cannot be read. */
export async function openMedusaSource(url: string): Promise<ImportSource> {
  // One client held for the whole run (not a pool, which closes an idle connection): the READ
  // ONLY transaction begun on it is the snapshot every pass reads, so losing it stops the import.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  let lost: Error | null = null;
  client.on("error", (error) => (lost ??= error));
  client.on("end", () => (lost ??= new Error("the connection was closed")));
  const location = redactUrl(url);
  const stopped = (error: Error) =>
    new SourceError(
      `reading the Medusa database at ${location} failed (${error.message}): the import ` +
        "stopped after its last whole batch; run it again",
    );
  const db: Db = new Kysely({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => {
          if (lost) throw stopped(lost);
          return Object.assign(client, { release: () => {} });
        },
        end: async () => {
          if (!lost) await client.end();
        },
      },
    }),
  });
  /** Reads on the held connection; any failure (most likely its loss) stops the import. */
  const read = async <T>(query: () => Promise<T>): Promise<T> => {
    try {
      return await query();
    } catch (error) {
      throw error instanceof SourceError ? error : stopped(lost ?? (error as Error));
    }
  };
  const fail = async (message: string): Promise<never> => {
    await db.destroy();
    throw new SourceError(message);
  };
  let detected: Awaited<ReturnType<typeof detectMedusaVersion>>;
  try {
    await client.connect();
    await sql`begin transaction isolation level repeatable read read only`.execute(db);
    // A pass reads its cursor to the end: planned for all its rows, and never with a nested loop,
    // which would join the identities by a scan per customer (a plan quick to start, or one
    // misled by stale statistics). The identities' times come as JSON text, in UTC: Date.parse
    // reads those exactly, as node-postgres reads the other columns' times.
    await sql`set local cursor_tuple_fraction = 1`.execute(db);
    await sql`set local enable_nestloop = off`.execute(db);
    await sql`set local time zone 'UTC'`.execute(db);
    detected = await detectMedusaVersion({ db });
  } catch (error) {
    return fail(`cannot read the Medusa database at ${location}: ${(error as Error).message}`);
  }
  if (!detected) {
    return fail(
      `${location} is not a Medusa database: it has neither Medusa v1's customer and address ` +
        "tables nor Medusa v2's customer_address, auth_identity and provider_identity",
    );
  }
  const version = detected.version;
  let passes = 0;
  return {
    description: `Medusa v${version} database at ${location}`,
    version,
    async *batches(size: number, withAddresses: boolean) {
      // A cursor of its own for each pass, closed when the pass ends (or is abandoned).
      const cursor = `gatehouse_import_${++passes}`;
      await read(() => declareCustomers(db, cursor, version));
      try {
        for (;;) {
          const { rows } = await read(() => fetchCustomers(db, cursor, size));
          if (rows.length === 0) return;
          const ids = rows.map((row) => row.id);
          const billingIds = rows.flatMap((row) => row.billing_address_id ?? []);
          const addresses = withAddresses
            ? await read(() => addressesOf(db, version, ids, billingIds))
            : { rows: [] };
          const addressesByCustomer = new Map<string, Address[]>();
          const billing = new Map<string, Address>();
          for (const row of addresses.rows) {
            const address = toAddress(row);
            billing.set(address.id, address);
            if (address.customer_id === null) continue;
            const list = addressesByCustomer.get(address.customer_id) ?? [];
            list.push(address);
            addressesByCustomer.set(address.customer_id, list);
          }
          yield rows.map((row) => {
            const own = addressesByCustomer.get(row.id) ?? [];
            const bill = row.billing_address_id ? billing.get(row.billing_address_id) : undefined;
            // A v1 billing address may belong to no customer (customer_id null): it comes along.
            if (bill && !own.includes(bill)) own.push(bill);
            return toItem(row, own, version);
          });
        }
      } finally {
        await sql`close ${sql.id(cursor)}`.execute(db).catch(() => {});
      }
    },
    notes: () =>
      read(async () => {
        const { rows } = await sql<{ count: string }>`
        select count(*) as count from customer where deleted_at is not null`.execute(db);
        const deleted = Number(rows[0]?.count ?? 0);
        const notes =
          deleted > 0 ? [`${deleted} deleted customers in the source are not imported`] : [];
        if (version === 2) {
          const { rows: unlinked } = await sql<{ count: string }>`
          select count(*) as count from auth_identity ai
          join provider_identity pi on pi.auth_identity_id = ai.id
          where pi.provider = ${EMAILPASS} and ai.deleted_at is null and pi.deleted_at is null
            and ai.app_metadata->>'customer_id' is null`.execute(db);
          const count = Number(unlinked[0]?.count ?? 0);
          if (count > 0) {
            notes.push(
              `${count} emailpass identities without a customer (registrations never finished) ` +
                "are not imported",
            );
          }
        }
        return notes;
      }),
    async close() {
      await sql`rollback`.execute(db).catch(() => {});
      await db.destroy();
    },
  };
}
