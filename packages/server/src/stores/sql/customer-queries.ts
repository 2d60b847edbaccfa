/**
 * Queries both customer schemas answer alike (Gatehouse's own tables and Medusa v1's): the
 * customer with its address book and billing address in one statement, and an address added to
 * a book under the customer's lock. Only the columns named in domain.ts are used: all of them in
 * Gatehouse's schema, Medusa v1's lists in Medusa's.
 */
import type { Compilable, Kysely, RawBuilder } from "kysely";
import type { ADDRESS_FIELDS, CUSTOMER_FIELDS } from "../../domain.js";
import type { SqlRuntime } from "./runtime.js";

/** Either schema's Kysely instance (their table types differ; the columns used do not). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySchema = Kysely<any>;

/** The tables and columns these queries touch, in either schema. */
interface CustomerTables {
  customer: Record<(typeof CUSTOMER_FIELDS)[number], unknown>;
  address: Record<(typeof ADDRESS_FIELDS)[number], unknown>;
}

/** The columns a schema has: all of the domain's (Gatehouse's), or Medusa v1's. */
export interface SchemaColumns {
  customer: ReadonlyArray<(typeof CUSTOMER_FIELDS)[number]>;
  address: ReadonlyArray<(typeof ADDRESS_FIELDS)[number]>;
}

/**
 * The live customer matching `matches`, its live addresses (as JSON, oldest first) and its live
 * billing address. `db` is either schema's Kysely instance, `columns` the columns it has; `Row`
 * is how that schema's rows read.
 */
export function customerWithAddresses<Row>(
  runtime: SqlRuntime,
  db: AnySchema,
  columns: SchemaColumns,
): (matches: RawBuilder<boolean>) => Compilable<Row> {
  const { jsonArrayFrom, jsonObjectFrom } = runtime;
  const tables = db as unknown as Kysely<CustomerTables>;
  return (matches) =>
    tables
      .selectFrom("customer")
      .select(columns.customer)
      .select((eb) =>
        jsonArrayFrom(
          eb
            .selectFrom("address")
            .select(columns.address)
            .whereRef("address.customer_id", "=", "customer.id")
            .where("address.deleted_at", "is", null)
            .orderBy("address.created_at")
            .orderBy("address.id"),
        ).as("addresses"),
      )
      .select((eb) =>
        jsonObjectFrom(
          eb
            .selectFrom("address as billing")
            .select(columns.address)
            .whereRef("billing.id", "=", "customer.billing_address_id")
            .where("billing.deleted_at", "is", null),
        ).as("billing_address"),
      )
      .where("customer.deleted_at", "is", null)
      .where(matches) as unknown as Compilable<Row>;
}

/**
 * Runs `insert` unless the customer's book already holds `limit` live addresses; true if it ran.
 * The customer's row is locked first: concurrent additions queue, each counting after the last.
 */
export function addToBook(
  runtime: SqlRuntime,
  db: AnySchema,
  customerId: string,
  limit: number,
  insert: Compilable<unknown>,
): Promise<boolean> {
  const tables = db as unknown as Kysely<CustomerTables>;
  return runtime.readModifyWrite({
    lock: [
      runtime.forUpdate(tables.selectFrom("customer").select("id").where("id", "=", customerId)),
    ],
    read: tables
      .selectFrom("address")
      .select((eb) => eb.fn.countAll<number>().as("live"))
      .where("customer_id", "=", customerId)
      .where("deleted_at", "is", null),
    decide: (rows) =>
      Number(rows[0]?.live ?? 0) >= limit
        ? { result: false, write: null }
        : { result: true, write: insert },
  });
}
