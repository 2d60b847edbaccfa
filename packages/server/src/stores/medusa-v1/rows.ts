/** Medusa's rows ↔ Gatehouse's domain objects (times as epoch ms). */
import { sql, type Selectable } from "kysely";
import type { Address, Customer, Metadata } from "../../domain.js";
import type { MedusaAddressTable, MedusaCustomerTable } from "./schema.js";

/** A time as node-postgres returns it (a Date), or as JSON built in a query returns it (text). */
export const toMs = (value: Date | string): number =>
  value instanceof Date ? value.getTime() : Date.parse(value);
const toMsOrNull = (value: Date | string | null): number | null =>
  value === null ? null : toMs(value);
export const toDate = (ms: number): Date => new Date(ms);

type Times<T> = Omit<T, "created_at" | "updated_at" | "deleted_at"> & {
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
};

export const toCustomer = (
  row: Times<Omit<Selectable<MedusaCustomerTable>, "password_hash">>,
): Customer => ({
  id: row.id,
  created_at: toMs(row.created_at),
  updated_at: toMs(row.updated_at),
  deleted_at: toMsOrNull(row.deleted_at),
  email: row.email,
  first_name: row.first_name,
  last_name: row.last_name,
  billing_address_id: row.billing_address_id,
  phone: row.phone,
  has_account: row.has_account,
  metadata: row.metadata,
  company_name: null,
});

export const toAddress = (row: Times<Selectable<MedusaAddressTable>>): Address => ({
  id: row.id,
  created_at: toMs(row.created_at),
  updated_at: toMs(row.updated_at),
  deleted_at: toMsOrNull(row.deleted_at),
  customer_id: row.customer_id,
  company: row.company,
  first_name: row.first_name,
  last_name: row.last_name,
  address_1: row.address_1,
  address_2: row.address_2,
  city: row.city,
  country_code: row.country_code,
  province: row.province,
  postal_code: row.postal_code,
  phone: row.phone,
  metadata: row.metadata,
  address_name: null,
  is_default_shipping: false,
  is_default_billing: false,
});

/** An address as a row to insert: Medusa v1's columns only (v2's fields have none there). */
export const addressRow = (address: Address) => ({
  id: address.id,
  customer_id: address.customer_id,
  company: address.company,
  first_name: address.first_name,
  last_name: address.last_name,
  address_1: address.address_1,
  address_2: address.address_2,
  city: address.city,
  country_code: address.country_code,
  province: address.province,
  postal_code: address.postal_code,
  phone: address.phone,
  created_at: toDate(address.created_at),
  updated_at: toDate(address.updated_at),
  deleted_at: address.deleted_at === null ? null : toDate(address.deleted_at),
  metadata: asJsonb(address.metadata === null ? null : JSON.stringify(address.metadata)),
});

/**
 * Metadata for a compare-and-set merge (sql/json.ts, writeMerged) on a `jsonb` column: read as
 * text, which is one text per jsonb value, so comparing texts compares values; written back cast.
 */
export const metadataText = () => sql<string | null>`metadata::text`.as("metadata");
export const asJsonb = (text: string | null) => sql<Metadata | null>`cast(${text} as jsonb)`;
export const metadataStill = (expected: string | null) =>
  expected === null ? sql<boolean>`metadata is null` : sql<boolean>`metadata::text = ${expected}`;
