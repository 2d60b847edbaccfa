/**
 * Which Medusa a database belongs to, from its tables: Medusa v2 has `customer_address`,
 * `auth_identity` and `provider_identity`; Medusa v1 has `customer` and `address` and none of them.
 */
import { sql, type QueryExecutorProvider } from "kysely";
import type { MedusaVersion } from "../config.js";
import type { SqlRuntime } from "./sql/runtime.js";

const V2_TABLES = ["customer_address", "auth_identity", "provider_identity"];
const V1_TABLES = ["customer", "address"];

/** The version, with the tables that tell it; null when the database has neither's tables. */
export async function detectMedusaVersion(runtime: {
  db: QueryExecutorProvider;
}): Promise<{ version: MedusaVersion; evidence: string[] } | null> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema()
      and table_name in (${sql.join([...V1_TABLES, ...V2_TABLES])})`.execute(runtime.db);
  const tables = new Set(rows.map((row) => row.table_name));
  const v2 = V2_TABLES.filter((table) => tables.has(table));
  if (v2.length > 0) return { version: 2, evidence: v2 };
  if (V1_TABLES.every((table) => tables.has(table))) return { version: 1, evidence: V1_TABLES };
  return null;
}

/**
 * What a Medusa database lacks of the tables and columns Gatehouse uses (`required`), as one
 * message ending with `hint`; null when nothing is missing.
 */
export async function missingColumns(
  runtime: SqlRuntime,
  required: Record<string, readonly string[]>,
  hint: string,
): Promise<string | null> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema()
      and table_name in (${sql.join(Object.keys(required))})`.execute(runtime.db);
  const found = new Map<string, Set<string>>();
  for (const { table_name, column_name } of rows) {
    if (!found.has(table_name)) found.set(table_name, new Set());
    found.get(table_name)!.add(column_name);
  }
  const problems: string[] = [];
  for (const [table, columns] of Object.entries(required)) {
    const have = found.get(table);
    if (!have) {
      problems.push(`no table "${table}"`);
      continue;
    }
    const missing = columns.filter((column) => !have.has(column));
    if (missing.length > 0) problems.push(`table "${table}" lacks ${missing.join(", ")}`);
  }
  return problems.length === 0 ? null : `${problems.join("; ")}: ${hint}`;
}
