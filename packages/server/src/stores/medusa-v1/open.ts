/**
 * Medusa v1's database (MEDUSA_DATABASE_URL): its customer and address stores, once its tables
 * are found to be the ones Gatehouse knows (Medusa 1.x: `customer` and `address` with the columns
 * of schema.ts). Nothing here creates or changes a table of Medusa's.
 */
import { sql } from "kysely";
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
export async function medusaV1Problem(runtime: SqlRuntime): Promise<string | null> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema()
      and table_name in ('customer', 'address')`.execute(runtime.db);
  const found = new Map<string, Set<string>>();
  for (const { table_name, column_name } of rows) {
    if (!found.has(table_name)) found.set(table_name, new Set());
    found.get(table_name)!.add(column_name);
  }
  const problems: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED)) {
    const have = found.get(table);
    if (!have) {
      problems.push(`no table "${table}"`);
      continue;
    }
    const missing = columns.filter((column) => !have.has(column));
    if (missing.length > 0) problems.push(`table "${table}" lacks ${missing.join(", ")}`);
  }
  if (problems.length === 0) return null;
  return (
    `${problems.join("; ")}: is it Medusa's database, migrated (npx medusa migrations run), ` +
    "and a Medusa 1.x version?"
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
