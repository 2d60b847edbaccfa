/**
 * Medusa v2's database (MEDUSA_DATABASE_URL): its customer, address, identity and publishable-key
 * stores, once its tables are found to be the ones Gatehouse knows (Medusa 2.x: the columns of
 * schema.ts). Gatehouse's one addition to it is the index of `ensureEmailIndex`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { missingColumns } from "../medusa-version.js";
import { openPostgres } from "../sql/postgres.js";
import type { SqlRuntime } from "../sql/runtime.js";
import { MedusaV2AddressStore } from "./address-store.js";
import { MedusaV2CustomerStore } from "./customer-store.js";
import { MedusaV2IdentityStore } from "./identity-store.js";
import { MedusaV2PublishableKeys } from "./publishable-keys.js";
import { CUSTOMER_COLUMNS } from "./rows.js";

/** The columns Gatehouse reads and writes. */
const REQUIRED: Record<string, readonly string[]> = {
  customer: CUSTOMER_COLUMNS,
  customer_address: [
    "id",
    "customer_id",
    "address_name",
    "is_default_shipping",
    "is_default_billing",
    "company",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "country_code",
    "province",
    "postal_code",
    "phone",
    "metadata",
    "created_at",
    "updated_at",
    "deleted_at",
  ],
  auth_identity: ["id", "app_metadata", "created_at", "updated_at", "deleted_at"],
  provider_identity: [
    "id",
    "entity_id",
    "provider",
    "auth_identity_id",
    "user_metadata",
    "provider_metadata",
    "created_at",
    "updated_at",
    "deleted_at",
  ],
  api_key: ["token", "type", "revoked_at", "deleted_at"],
};

/**
 * Gatehouse's index on Medusa's `provider_identity`: emails are found in any spelling with one key
 * (Medusa stores them as typed and compares them exactly) without reading the whole table. Its
 * expression is credentials.ts's `emailKeyOf`, which says why identities' keys agree with
 * Gatehouse's.
 */
export const EMAIL_INDEX = "gatehouse_provider_identity_email_key";
const EMAIL_INDEX_EXPRESSION = "lower(normalize(entity_id, NFKC))";
/** The index of earlier versions, on `lower(entity_id)`: replaced by EMAIL_INDEX. */
export const OLD_EMAIL_INDEX = "gatehouse_provider_identity_lower_entity_id";

/** Why the database is not a Medusa v2 database Gatehouse can use, or null when it is. */
export function medusaV2Problem(runtime: SqlRuntime): Promise<string | null> {
  return missingColumns(
    runtime,
    REQUIRED,
    "is it Medusa's database, migrated (npx medusa db:migrate), and a Medusa 2.x version?",
  );
}

/**
 * Creates the email index if it is missing, without blocking Medusa's writes (CONCURRENTLY); an
 * index a failed build left invalid is built again, and the index of earlier versions is dropped
 * once this one is built. Null when done, else what to do by hand.
 *
 * Instances starting together take turns (a session advisory lock, tried every
 * INDEX_TURN_POLL_MS): two concurrent builds on one table deadlock in PostgreSQL, and a blocking
 * wait for the lock would too (the build waits for every open transaction, the waiting one's
 * included). The later ones find the index built.
 */
export async function ensureEmailIndex(runtime: SqlRuntime): Promise<string | null> {
  const unicode = await unicodeProblem(runtime);
  if (unicode) return unicode;
  const turn = sql`hashtext(${EMAIL_INDEX})::bigint`;
  try {
    await runtime.db.connection().execute(async (db) => {
      for (;;) {
        const { rows } = await sql<{ taken: boolean }>`
          select pg_try_advisory_lock(${turn}) as taken`.execute(db);
        if (rows[0]?.taken) break;
        await sleep(INDEX_TURN_POLL_MS);
      }
      try {
        await buildEmailIndex(db);
      } finally {
        await sql`select pg_advisory_unlock(${turn})`.execute(db);
      }
    });
    return null;
  } catch (error) {
    return (
      `cannot create Gatehouse's index on Medusa's provider_identity: ${(error as Error).message}. ` +
      `Create it as the owner of Medusa's tables: CREATE INDEX CONCURRENTLY ${EMAIL_INDEX} ` +
      `ON provider_identity (${EMAIL_INDEX_EXPRESSION}); DROP INDEX CONCURRENTLY IF EXISTS ${OLD_EMAIL_INDEX}`
    );
  }
}

/** How often an instance waiting for another's index build looks again: a start is seconds. */
const INDEX_TURN_POLL_MS = 100;

async function buildEmailIndex(db: SqlRuntime["db"]): Promise<void> {
  const { rows } = await sql<{ name: string; valid: boolean }>`
    select c.relname as name, i.indisvalid as valid
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname in (${EMAIL_INDEX}, ${OLD_EMAIL_INDEX})
      and c.relnamespace = current_schema()::regnamespace`.execute(db);
  const current = rows.find((row) => row.name === EMAIL_INDEX);
  if (!current?.valid) {
    if (current) await sql`drop index concurrently if exists ${sql.id(EMAIL_INDEX)}`.execute(db);
    await sql`create index concurrently if not exists ${sql.id(EMAIL_INDEX)}
      on provider_identity (${sql.raw(EMAIL_INDEX_EXPRESSION)})`.execute(db);
  }
  if (rows.some((row) => row.name === OLD_EMAIL_INDEX)) {
    await sql`drop index concurrently if exists ${sql.id(OLD_EMAIL_INDEX)}`.execute(db);
  }
}

/**
 * PostgreSQL's `normalize()` (the index's NFKC) exists from PostgreSQL 13 and works in a UTF8
 * database only; Medusa's databases are UTF8, and Medusa 2 needs a newer PostgreSQL anyway.
 */
async function unicodeProblem(runtime: SqlRuntime): Promise<string | null> {
  const { rows } = await sql<{ encoding: string; version: number }>`
    select current_setting('server_encoding') as encoding,
      current_setting('server_version_num')::int as version`.execute(runtime.db);
  const { encoding, version } = rows[0]!;
  if (version < 130000) {
    return `it runs PostgreSQL ${Math.floor(version / 10000)}; Gatehouse compares emails with normalize(), which needs PostgreSQL 13 or later`;
  }
  if (encoding !== "UTF8") {
    return `its encoding is ${encoding}; Gatehouse compares emails with normalize(), which needs a UTF8 database`;
  }
  return null;
}

export interface MedusaV2Stores {
  runtime: SqlRuntime;
  customers: MedusaV2CustomerStore;
  addresses: MedusaV2AddressStore;
  identities: MedusaV2IdentityStore;
  publishableKeys: MedusaV2PublishableKeys;
}

export function medusaV2Stores(runtime: SqlRuntime): MedusaV2Stores {
  return {
    runtime,
    customers: new MedusaV2CustomerStore(runtime),
    addresses: new MedusaV2AddressStore(runtime),
    identities: new MedusaV2IdentityStore(runtime),
    publishableKeys: new MedusaV2PublishableKeys(runtime),
  };
}

/** Medusa's database, as either version's stores open it. */
export function openMedusaDatabase(databaseUrl: string, poolSize: number): SqlRuntime {
  return openPostgres({
    databaseUrl,
    databasePoolSize: poolSize,
    databaseListenUrl: undefined,
    databaseSchema: undefined,
  });
}
