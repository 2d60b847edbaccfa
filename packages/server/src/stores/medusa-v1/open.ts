/**
 * Medusa v1's database (MEDUSA_DATABASE_URL): its customer and address stores, once its tables
 * are found to be the ones Gatehouse knows (Medusa 1.x: `customer` and `address` with the columns
 * of schema.ts). Nothing here creates or changes a table of Medusa's.
 */
import { missingColumns } from "../medusa-version.js";
import { ADDRESS_V1_FIELDS, CUSTOMER_V1_FIELDS } from "../../domain.js";
import { openPostgres } from "../sql/postgres.js";
import type { SqlRuntime } from "../sql/runtime.js";
import { MedusaAddressStore } from "./address-store.js";
import { MedusaCustomerStore } from "./customer-store.js";

/** The columns Gatehouse reads and writes: Medusa v1's fields of the domain, and the password hash. */
const REQUIRED: Record<string, readonly string[]> = {
  customer: [...CUSTOMER_V1_FIELDS, "password_hash"],
  address: ADDRESS_V1_FIELDS,
};

/** Why the database is not a Medusa v1 database Gatehouse can use, or null when it is. */
export function medusaV1Problem(runtime: SqlRuntime): Promise<string | null> {
  return missingColumns(
    runtime,
    REQUIRED,
    "is it Medusa's database, migrated (npx medusa migrations run), and a Medusa 1.x version?",
  );
}

export interface MedusaV1Stores {
  runtime: SqlRuntime;
  customers: MedusaCustomerStore;
  addresses: MedusaAddressStore;
}

export function medusaV1Stores(databaseUrl: string, poolSize: number): MedusaV1Stores {
  const runtime = openPostgres({
    databaseUrl,
    databasePoolSize: poolSize,
    databaseListenUrl: undefined,
    databaseSchema: undefined,
  });
  return {
    runtime,
    customers: new MedusaCustomerStore(runtime),
    addresses: new MedusaAddressStore(runtime),
  };
}
