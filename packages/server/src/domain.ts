/**
 * Domain objects. Field names are Medusa's wire names; times are epoch milliseconds
 * (the HTTP layer renders them as ISO-8601 strings).
 */

export type Metadata = Record<string, unknown>;

/**
 * A list of every field of `T`, checked at compile time: a field missing from the list is a type
 * error naming it. The one source of each shape's field list (columns, key lists, seeds).
 */
const fieldsOf =
  <T>() =>
  <const L extends ReadonlyArray<keyof T>>(
    list: L &
      (Exclude<keyof T, L[number]> extends never
        ? unknown
        : { missing: Exclude<keyof T, L[number]> }),
  ): L =>
    list;

export interface Customer {
  id: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  billing_address_id: string | null;
  phone: string | null;
  has_account: boolean;
  metadata: Metadata | null;
  /** Medusa v2 only (always null in Medusa v1's tables). */
  company_name: string | null;
}

export interface Address {
  id: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
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
  metadata: Metadata | null;
  /** Medusa v2 only (null in Medusa v1's tables). */
  address_name: string | null;
  /** Medusa v2 only: at most one live address of each kind per customer (false in Medusa v1's tables). */
  is_default_shipping: boolean;
  is_default_billing: boolean;
}

/** The fields of a customer Medusa v1 has, in the order it serializes them (v1's wire, its tables). */
export const CUSTOMER_V1_FIELDS = [
  "id",
  "created_at",
  "updated_at",
  "deleted_at",
  "email",
  "first_name",
  "last_name",
  "billing_address_id",
  "phone",
  "has_account",
  "metadata",
] as const satisfies ReadonlyArray<keyof Customer>;

/** Every field of a customer: Medusa v1's, then v2's own. */
export const CUSTOMER_FIELDS = fieldsOf<Customer>()([...CUSTOMER_V1_FIELDS, "company_name"]);

/** The fields of an address a customer writes in Medusa v1. */
export const ADDRESS_EDITABLE_FIELDS = [
  "company",
  "first_name",
  "last_name",
  "address_1",
  "address_2",
  "city",
  "country_code",
  "province",
  "postal_code",
  "phone",
  "metadata",
] as const satisfies ReadonlyArray<keyof Address>;

/** The fields of an address only Medusa v2 has (a customer writes them too, in v2). */
export const ADDRESS_V2_FIELDS = [
  "address_name",
  "is_default_shipping",
  "is_default_billing",
] as const satisfies ReadonlyArray<keyof Address>;

/** The fields of an address Medusa v1 has, in the order it serializes them (v1's wire, its tables). */
export const ADDRESS_V1_FIELDS = [
  "id",
  "created_at",
  "updated_at",
  "deleted_at",
  "customer_id",
  ...ADDRESS_EDITABLE_FIELDS,
] as const satisfies ReadonlyArray<keyof Address>;

/** Every field of an address: Medusa v1's, then v2's own. */
export const ADDRESS_FIELDS = fieldsOf<Address>()([...ADDRESS_V1_FIELDS, ...ADDRESS_V2_FIELDS]);

/** The editable fields of an address (v2's own included: v1's routes never send them). */
export type AddressFields = Partial<
  Pick<Address, (typeof ADDRESS_EDITABLE_FIELDS)[number] | (typeof ADDRESS_V2_FIELDS)[number]>
>;

export type SessionKind = "cookie" | "bearer";

export interface Session {
  /** Public id (`sess_…`): named in JWTs and the session list, never a credential by itself. */
  id: string;
  customer_id: string;
  kind: SessionKind;
  created_at: number;
  last_seen_at: number;
  /** Absolute expiry; the idle timeout is applied on top from `last_seen_at`. */
  expires_at: number;
  user_agent: string | null;
  /** Starts at 0, one more at each bearer-token refresh (v2's rotation): a token names its version. */
  token_version: number;
}

export const SESSION_FIELDS = fieldsOf<Session>()([
  "id",
  "customer_id",
  "kind",
  "created_at",
  "last_seen_at",
  "expires_at",
  "user_agent",
  "token_version",
]);

/**
 * Medusa v2's auth identity: email+password credentials that may exist before any customer does
 * (v2 registers the identity first, then creates the customer and links it).
 */
export interface AuthIdentity {
  /** `authid_…` */
  id: string;
  email: string;
  customer_id: string | null;
  created_at: number;
}

/**
 * The auth identity a v2 token names for a customer: its identity's id, or, for a customer with no
 * identity row (made by the v1 API), `authid_` and the customer id's suffix, stable per customer.
 */
export const authIdentityIdOf = (customerId: string, identityId: string | null): string =>
  identityId ?? `authid_${customerId.replace(/^cus_/, "")}`;

export interface SigningKey {
  kid: string;
  algorithm: string;
  /** JSON Web Key, public part. */
  publicJwk: Record<string, unknown>;
  /** Encrypted private JWK (opaque to stores). */
  privateJwk: string;
  created_at: number;
}
