/**
 * What `gatehouse import` copies (docs/cli.md, "import"): one customer with its addresses, its
 * password hash as it is, and (Medusa v2) the id and email of its emailpass identity. Every source
 * turns its rows into these, and a row that cannot be one is a problem with a place and a reason.
 */
import type { Address, Customer, Metadata } from "../domain.js";
import { isValidEmail } from "../http/validation.js";
import { isMedusaScryptHash } from "../services/medusa-scrypt.js";

export interface ImportIdentity {
  id: string;
  /** The email the identity was registered with (Medusa v2: provider_identity.entity_id). */
  email: string;
  created_at: number;
}

export interface ImportCustomer extends Customer {
  password_hash: string | null;
  addresses: Address[];
  identity: ImportIdentity | null;
}

/** One item of a source: a customer, or a row that is none, with where it is and why. */
export type SourceItem =
  { at: string; customer: ImportCustomer } | { at: string; problem: string; id?: string };

/** Argon2id in its PHC string form, as Gatehouse writes it. */
const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/**
 * Ids as Medusa makes them (`cus_01H…`, `addr_…`, `cuaddr_…`, `authid_…`: a prefix and a ULID, 30
 * to 33 characters), with room to spare: they appear in URLs, logs and this command's output.
 */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const badId = (kind: string, id: string) =>
  `${kind} ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)} is not an id ` +
  "(1 to 64 letters, digits, _ or -)";

/** Why a customer cannot be imported, or null: the checks every source's rows go through. */
export function problemOf(customer: ImportCustomer): string | null {
  if (!ID.test(customer.id)) return badId("id", customer.id);
  const address = customer.addresses.find(({ id }) => !ID.test(id));
  if (address) return badId("address id", address.id);
  if (customer.identity && !ID.test(customer.identity.id)) {
    return badId("auth_identity_id", customer.identity.id);
  }
  if (!isValidEmail(customer.email)) return `email ${JSON.stringify(customer.email)} is invalid`;
  const hash = customer.password_hash;
  if (hash !== null) {
    if (!customer.has_account) return "a guest (has_account false) has a password hash";
    if (!isMedusaScryptHash(hash) && !ARGON2ID.test(hash)) {
      return "password_hash is neither a Medusa scrypt-kdf hash (base64) nor an Argon2id PHC string";
    }
  }
  return null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

class BadField extends Error {}

function text(row: Record<string, unknown>, field: string, required = false): string | null {
  const value = row[field];
  if (value === undefined || value === null || value === "") {
    if (required) throw new BadField(`${field} is missing`);
    return null;
  }
  if (typeof value !== "string") throw new BadField(`${field} must be a string`);
  return value;
}

function flag(row: Record<string, unknown>, field: string): boolean {
  const value = row[field];
  if (value === undefined || value === null || value === "") return false;
  if (typeof value === "boolean") return value;
  // CSV cells are text.
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new BadField(`${field} must be true or false`);
}

/** A time as ISO 8601 text or epoch milliseconds; `fallback` when absent. */
function time(row: Record<string, unknown>, field: string, fallback: number): number {
  const value = row[field];
  if (value === undefined || value === null || value === "") return fallback;
  const ms =
    typeof value === "number"
      ? value
      : typeof value === "string"
        ? /^\d+$/.test(value)
          ? Number(value)
          : Date.parse(value)
        : NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new BadField(`${field} must be an ISO 8601 time or epoch milliseconds`);
  }
  return ms;
}

/** An object, or JSON text of one (CSV). */
function objectField(row: Record<string, unknown>, field: string): Record<string, unknown> | null {
  let value = row[field];
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new BadField(`${field} is not valid JSON`);
    }
  }
  if (!isObject(value)) throw new BadField(`${field} must be an object`);
  return value;
}

function arrayField(row: Record<string, unknown>, field: string): unknown[] {
  let value = row[field];
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new BadField(`${field} is not valid JSON`);
    }
  }
  if (!Array.isArray(value)) throw new BadField(`${field} must be an array`);
  return value;
}

function addressFrom(value: unknown, index: number, customer: Customer): Address {
  if (!isObject(value)) throw new BadField(`addresses[${index}] must be an object`);
  const field = (name: string, required = false) => {
    try {
      return text(value, name, required);
    } catch (error) {
      throw new BadField(`addresses[${index}].${(error as Error).message}`);
    }
  };
  const id = field("id", true)!;
  const created_at = time(value, "created_at", customer.created_at);
  return {
    id,
    created_at,
    updated_at: time(value, "updated_at", created_at),
    deleted_at: null,
    customer_id: customer.id,
    company: field("company"),
    first_name: field("first_name"),
    last_name: field("last_name"),
    address_1: field("address_1"),
    address_2: field("address_2"),
    city: field("city"),
    country_code: field("country_code")?.toLowerCase() ?? null,
    province: field("province"),
    postal_code: field("postal_code"),
    phone: field("phone"),
    metadata: objectField(value, "metadata") as Metadata | null,
    address_name: field("address_name"),
    is_default_shipping: flag(value, "is_default_shipping"),
    is_default_billing: flag(value, "is_default_billing"),
  };
}

/**
 * A customer from one line of a file (a JSON object, or a CSV record keyed by its header), or the
 * reason it is none. The format is docs/cli.md's.
 */
export function customerFromFields(row: unknown, now: number): ImportCustomer | string {
  if (!isObject(row)) return "not a JSON object";
  try {
    const created_at = time(row, "created_at", now);
    const customer: ImportCustomer = {
      id: text(row, "id", true)!,
      created_at,
      updated_at: time(row, "updated_at", created_at),
      deleted_at: null,
      email: text(row, "email", true)!,
      first_name: text(row, "first_name"),
      last_name: text(row, "last_name"),
      billing_address_id: text(row, "billing_address_id"),
      phone: text(row, "phone"),
      has_account: flag(row, "has_account"),
      metadata: objectField(row, "metadata") as Metadata | null,
      company_name: text(row, "company_name"),
      password_hash: text(row, "password_hash"),
      addresses: [],
      identity: null,
    };
    customer.addresses = arrayField(row, "addresses").map((address, index) =>
      addressFrom(address, index, customer),
    );
    const identityId = text(row, "auth_identity_id");
    if (identityId !== null) {
      customer.identity = { id: identityId, email: customer.email, created_at };
    }
    if (
      customer.billing_address_id !== null &&
      !customer.addresses.some((address) => address.id === customer.billing_address_id)
    ) {
      return `billing_address_id ${customer.billing_address_id} is not one of its addresses`;
    }
    return problemOf(customer) ?? customer;
  } catch (error) {
    if (error instanceof BadField) return error.message;
    throw error;
  }
}
