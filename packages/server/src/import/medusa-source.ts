/**
 * Customers from a Medusa v1 or v2 database (its tables: stores/medusa-v1/schema.ts,
 * stores/medusa-v2/schema.ts), read-only: one connection, in one READ ONLY transaction with
 * REPEATABLE READ held for the whole run, so that every pass sees the same snapshot and nothing
 * can be written. Customers
 * come by keyset pagination on their id (the primary key), a batch at a time, each with its
 * addresses and (v2) its emailpass identity, so memory stays flat. Deleted customers and addresses
 * are left out.
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
}

interface AddressRow extends Omit<Address, "created_at" | "updated_at" | "deleted_at"> {
  created_at: Time;
  updated_at: Time;
}

interface IdentityRow {
  id: string;
  customer_id: string;
  email: string;
  password_hash: string | null;
  created_at: Time;
}

type Db = Kysely<unknown>;

/** One page of customers after `after`, in id order (v1 and v2 name their columns alike). */
function customerPage(db: Db, version: 1 | 2, after: string, size: number) {
  const v1 = version === 1;
  return sql<CustomerRow>`
    select id, email, first_name, last_name, phone, has_account, metadata, created_at, updated_at,
      ${v1 ? sql`null` : sql.ref("company_name")} as company_name,
      ${v1 ? sql.ref("password_hash") : sql`null`} as password_hash,
      ${v1 ? sql.ref("billing_address_id") : sql`null`} as billing_address_id
    from customer
    where deleted_at is null and id > ${after}
    order by id
    limit ${size}`.execute(db);
}

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

/** Medusa v2: the live emailpass identities of these customers, with their password hashes. */
function identitiesOf(db: Db, ids: string[]) {
  return sql<IdentityRow>`
    select ai.id, ai.app_metadata->>'customer_id' as customer_id, pi.entity_id as email,
      pi.provider_metadata->>'password' as password_hash, ai.created_at
    from auth_identity ai
    join provider_identity pi on pi.auth_identity_id = ai.id
    where pi.provider = ${EMAILPASS} and ai.deleted_at is null and pi.deleted_at is null
      and ai.app_metadata->>'customer_id' = any(${ids})
    order by ai.created_at, ai.id`.execute(db);
}

const toAddress = (row: AddressRow): Address => ({
  ...row,
  created_at: toMs(row.created_at),
  updated_at: toMs(row.updated_at),
  deleted_at: null,
});

function toItem(
  row: CustomerRow,
  addresses: Address[],
  identities: IdentityRow[],
  version: 1 | 2,
): SourceItem {
  const at = `customer ${row.id}`;
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
  return {
    description: `Medusa v${version} database at ${location}`,
    version,
    async *batches(size: number, withAddresses: boolean) {
      let after = "";
      for (;;) {
        const { rows } = await read(() => customerPage(db, version, after, size));
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!.id;
        const ids = rows.map((row) => row.id);
        const billingIds = rows.flatMap((row) => row.billing_address_id ?? []);
        const [addresses, identities] = await read(() =>
          Promise.all([
            withAddresses ? addressesOf(db, version, ids, billingIds) : { rows: [] },
            version === 2 ? identitiesOf(db, ids) : Promise.resolve({ rows: [] }),
          ]),
        );
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
        const identitiesByCustomer = new Map<string, IdentityRow[]>();
        for (const row of identities.rows) {
          identitiesByCustomer.set(row.customer_id, [
            ...(identitiesByCustomer.get(row.customer_id) ?? []),
            row,
          ]);
        }
        yield rows.map((row) => {
          const own = addressesByCustomer.get(row.id) ?? [];
          const bill = row.billing_address_id ? billing.get(row.billing_address_id) : undefined;
          // A v1 billing address may belong to no customer (customer_id null): it comes along.
          if (bill && !own.includes(bill)) own.push(bill);
          return toItem(row, own, identitiesByCustomer.get(row.id) ?? [], version);
        });
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
