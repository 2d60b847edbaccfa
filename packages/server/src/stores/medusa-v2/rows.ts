/** Medusa v2's rows ↔ Gatehouse's domain objects (times as epoch ms). */
import type { Selectable } from "kysely";
import type { Address, Customer } from "../../domain.js";
import { asJsonb, timesOf, toDate, toDateOrNull, type Times } from "../medusa-rows.js";
import type { MedusaV2AddressTable, MedusaV2CustomerTable } from "./schema.js";

/** The customer columns read (every one the domain has, but v1's billing address). */
export const CUSTOMER_COLUMNS = [
  "id",
  "created_at",
  "updated_at",
  "deleted_at",
  "email",
  "first_name",
  "last_name",
  "phone",
  "has_account",
  "metadata",
  "company_name",
] as const;

export type CustomerRow = Pick<
  Selectable<MedusaV2CustomerTable>,
  (typeof CUSTOMER_COLUMNS)[number]
>;

export const toCustomer = (row: Times<CustomerRow>): Customer => ({
  id: row.id,
  ...timesOf(row),
  // Medusa v2 allows a guest without an email; Gatehouse's customers always have one.
  email: row.email ?? "",
  first_name: row.first_name,
  last_name: row.last_name,
  // Medusa v2 has no billing address of the customer: its addresses carry default flags instead.
  billing_address_id: null,
  phone: row.phone,
  has_account: row.has_account,
  metadata: row.metadata,
  company_name: row.company_name,
});

export const toAddress = (row: Times<Selectable<MedusaV2AddressTable>>): Address => ({
  id: row.id,
  ...timesOf(row),
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
  address_name: row.address_name,
  is_default_shipping: row.is_default_shipping,
  is_default_billing: row.is_default_billing,
});

/** An address as a row to insert (Medusa v2 keeps every address in a customer's book). */
export function addressRow(address: Address & { customer_id: string }) {
  return {
    ...address,
    created_at: toDate(address.created_at),
    updated_at: toDate(address.updated_at),
    deleted_at: toDateOrNull(address.deleted_at),
    metadata: asJsonb(address.metadata === null ? null : JSON.stringify(address.metadata)),
  };
}
