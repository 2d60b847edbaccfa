/**
 * Medusa v1's own `customer` and `address` tables (@medusajs/medusa 1.20, TypeORM migrations), as
 * Gatehouse reads and writes them: times are `timestamptz` (node-postgres returns Dates), metadata
 * is `jsonb`. Gatehouse never creates, alters or migrates these tables.
 */
import type { Metadata } from "../../domain.js";

export interface MedusaCustomerTable {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  billing_address_id: string | null;
  password_hash: string | null;
  phone: string | null;
  has_account: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  metadata: Metadata | null;
}

export interface MedusaAddressTable {
  id: string;
  customer_id: string | null;
  company: string | null;
  first_name: string | null;
  last_name: string | null;
  address_1: string | null;
  address_2: string | null;
  city: string | null;
  country_code: string | null;
  province: string | null;
  postal_code: string | null;
  phone: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  metadata: Metadata | null;
}

export interface MedusaV1Database {
  customer: MedusaCustomerTable;
  address: MedusaAddressTable;
}
