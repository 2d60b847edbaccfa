/**
 * Medusa v2's own tables (@medusajs/medusa 2.x: the customer and auth modules, MikroORM
 * migrations), as Gatehouse reads and writes them: times are `timestamptz` (node-postgres returns
 * Dates), metadata is `jsonb`. Gatehouse never alters these tables; its one addition is an index
 * (open.ts, docs/medusa.md).
 */
import type { Metadata } from "../../domain.js";

export interface MedusaV2CustomerTable {
  id: string;
  company_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  has_account: boolean;
  metadata: Metadata | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface MedusaV2AddressTable {
  id: string;
  customer_id: string;
  address_name: string | null;
  is_default_shipping: boolean;
  is_default_billing: boolean;
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
  metadata: Metadata | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** One per (email, provider), shared by every actor type: `app_metadata` names the customer. */
export interface AuthIdentityTable {
  id: string;
  app_metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** emailpass: `entity_id` is the email as typed, `provider_metadata.password` the scrypt hash. */
export interface ProviderIdentityTable {
  id: string;
  entity_id: string;
  provider: string;
  auth_identity_id: string;
  user_metadata: Record<string, unknown> | null;
  provider_metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface ApiKeyTable {
  id: string;
  token: string;
  type: string;
  revoked_at: Date | null;
  deleted_at: Date | null;
}

export interface MedusaV2Database {
  customer: MedusaV2CustomerTable;
  customer_address: MedusaV2AddressTable;
  auth_identity: AuthIdentityTable;
  provider_identity: ProviderIdentityTable;
  api_key: ApiKeyTable;
}

/** The auth provider whose identities Gatehouse serves (Medusa's `@medusajs/auth-emailpass`). */
export const EMAILPASS = "emailpass";
