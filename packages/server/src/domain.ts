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
}

/** A customer's fields, in the order Medusa v1 serializes them. */
export const CUSTOMER_FIELDS = fieldsOf<Customer>()([
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
]);

/** The fields of an address a customer writes. */
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

/** An address's fields, in the order Medusa v1 serializes them. */
export const ADDRESS_FIELDS = fieldsOf<Address>()([
  "id",
  "created_at",
  "updated_at",
  "deleted_at",
  "customer_id",
  ...ADDRESS_EDITABLE_FIELDS,
]);

/** The editable fields of an address. */
export type AddressFields = Partial<Pick<Address, (typeof ADDRESS_EDITABLE_FIELDS)[number]>>;

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
}

export const SESSION_FIELDS = fieldsOf<Session>()([
  "id",
  "customer_id",
  "kind",
  "created_at",
  "last_seen_at",
  "expires_at",
  "user_agent",
]);

export interface SigningKey {
  kid: string;
  algorithm: string;
  /** JSON Web Key, public part. */
  publicJwk: Record<string, unknown>;
  /** Encrypted private JWK (opaque to stores). */
  privateJwk: string;
  created_at: number;
}
