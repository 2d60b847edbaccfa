/** Row types of the SQL schema (see migrations/). Times are epoch milliseconds. */

export interface CustomerTable {
  id: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  billing_address_id: string | null;
  phone: string | null;
  /** Stored as boolean (PostgreSQL) or 0/1 (SQLite); written as 0/1. */
  has_account: number | boolean;
  /** JSON text. */
  metadata: string | null;
  password_hash: string | null;
  company_name: string | null;
}

export interface AddressTable {
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
  metadata: string | null;
  address_name: string | null;
  /** Stored as boolean (PostgreSQL) or 0/1 (SQLite); written as 0/1. */
  is_default_shipping: number | boolean;
  is_default_billing: number | boolean;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface SessionTable {
  id: string;
  /** HMAC of the cookie's secret value; null for bearer sessions. */
  token_hash: string | null;
  customer_id: string;
  kind: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string | null;
  token_version: number;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: string;
  public_jwk: string;
  /** The private JWK, encrypted with a key derived from JWT_SECRET. */
  private_jwk: string;
  created_at: number;
}

export interface PasswordResetTable {
  token_hash: string;
  /** Exactly one of the two is set (0007): a customer's token, or an identity's without one. */
  customer_id: string | null;
  auth_identity_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface ThrottleTable {
  key: string;
  count: number;
  window_started_at: number;
  blocked_until: number;
}

export interface AccountEventTable {
  id: string;
  type: string;
  /** JSON text. */
  payload: string;
  created_at: number;
  /** pending, delivered, logged (no webhook set) or failed (given up). */
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** The lease of the worker delivering it (0: none). */
  locked_until: number;
  locked_by: string | null;
  delivered_at: number | null;
  last_error: string | null;
}

export interface AuthIdentityTable {
  id: string;
  /** As the customer typed it. */
  email: string;
  /** The email normalized: unique, so one identity per email case-insensitively. */
  email_key: string;
  /** The password while unlinked; null once linked (the customer row holds it then). */
  password_hash: string | null;
  customer_id: string | null;
  created_at: number;
}

export interface Database {
  customer: CustomerTable;
  address: AddressTable;
  session: SessionTable;
  signing_key: SigningKeyTable;
  password_reset: PasswordResetTable;
  throttle: ThrottleTable;
  account_event: AccountEventTable;
  auth_identity: AuthIdentityTable;
}
