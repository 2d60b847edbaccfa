/** Medusa's rows ↔ Gatehouse's domain objects (times as epoch ms). */
import type { Selectable } from "kysely";
import type { Address, Customer } from "../../domain.js";
import { asJsonb, timesOf, toDate, toDateOrNull, type Times } from "../medusa-rows.js";
import type { MedusaAddressTable, MedusaCustomerTable } from "./schema.js";

export const toCustomer = (
  row: Times<Omit<Selectable<MedusaCustomerTable>, "password_hash">>,
): Customer => ({
  id: row.id,
  ...timesOf(row),
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
  deleted_at: toDateOrNull(address.deleted_at),
  metadata: asJsonb(address.metadata === null ? null : JSON.stringify(address.metadata)),
});
