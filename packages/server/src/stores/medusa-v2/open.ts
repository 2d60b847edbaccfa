/**
 * Medusa v2's database (MEDUSA_DATABASE_URL): its customer, address, identity and publishable-key
 * stores, once its tables are found to be the ones Gatehouse knows (Medusa 2.x: the columns of
 * schema.ts). Gatehouse's one addition to it is the index of `ensureEmailIndex`.
 */
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
 * Gatehouse's index on Medusa's `provider_identity`: emails are found whatever their case
 * (Medusa stores them as typed and compares them exactly) without reading the whole table.
 */
export const EMAIL_INDEX = "gatehouse_provider_identity_lower_entity_id";

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
 * index a failed build left invalid is built again. Null when done, else what to do by hand.
 */
export async function ensureEmailIndex(runtime: SqlRuntime): Promise<string | null> {
  const create = sql`create index concurrently if not exists ${sql.id(EMAIL_INDEX)} on provider_identity (lower(entity_id))`;
  try {
    const { rows } = await sql<{ valid: boolean }>`
      select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname = ${EMAIL_INDEX} and c.relnamespace = current_schema()::regnamespace`.execute(
      runtime.db,
    );
    if (rows[0]?.valid) return null;
    if (rows[0])
      await sql`drop index concurrently if exists ${sql.id(EMAIL_INDEX)}`.execute(runtime.db);
    await create.execute(runtime.db);
    return null;
  } catch (error) {
    return (
      `cannot create Gatehouse's index on Medusa's provider_identity: ${(error as Error).message}. ` +
      `Create it as the owner of Medusa's tables: CREATE INDEX CONCURRENTLY ${EMAIL_INDEX} ` +
      "ON provider_identity (lower(entity_id))"
    );
  }
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
