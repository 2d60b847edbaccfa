/** Shapes and assertions shared by the route suites. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ADDRESS_V1_FIELDS,
  CUSTOMER_V1_FIELDS,
  type Address,
} from "../packages/server/src/domain.js";
import type { ApiResponse } from "./http.js";

/** A customer's scalar fields and an address's fields, in the order Medusa v1 serializes them (contract §1.5). */
export const CUSTOMER_KEYS: readonly string[] = CUSTOMER_V1_FIELDS;
export const ADDRESS_KEYS: readonly string[] = ADDRESS_V1_FIELDS;

/** A valid address payload (Medusa's AddressCreatePayload). */
export const ADDRESS = {
  first_name: "Alec",
  last_name: "Reynolds",
  address_1: "Nørregade 1",
  city: "København",
  country_code: "DK",
  postal_code: "1165",
};

/** An address record as the stores keep it (the store contract suites): `id` and its owner given. */
export function addressRecord<Owner extends string | null>(
  id: string,
  customerId: Owner,
  overrides: Partial<Omit<Address, "id" | "customer_id">> = {},
): Address & { customer_id: Owner } {
  const now = Date.now();
  return {
    id,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    customer_id: customerId,
    company: null,
    first_name: "Ada",
    last_name: "Lovelace",
    address_1: "Main 1",
    address_2: null,
    city: "Berlin",
    country_code: "de",
    province: null,
    postal_code: "10115",
    phone: null,
    metadata: null,
    address_name: null,
    is_default_shipping: false,
    is_default_billing: false,
    ...overrides,
  };
}

export const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const ADDRESS_ID = /^addr_[0-9A-HJKMNP-TV-Z]{26}$/;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A customer id of the right shape that the server never issued. */
export const fakeCustomerId = () =>
  `cus_${Array.from(randomBytes(26), (byte) => CROCKFORD[byte % 32]).join("")}`;

/** A JSON error with exactly this status and body. */
export function assertJsonError(res: ApiResponse, status: number, body: Record<string, string>) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  assert.deepEqual(res.body, body);
}

/** Polls `check` every 250 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A throttled request's answer, the same in both API versions: 429 JSON
 * `{type: "not_allowed", code: "rate_limited", message}` with a `Retry-After` of whole seconds.
 */
export function assertRateLimited(res: ApiResponse, message: RegExp) {
  assert.equal(res.status, 429, res.text);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  assert.deepEqual(Object.keys(res.body).sort(), ["code", "message", "type"], res.text);
  assert.equal(res.body.type, "not_allowed");
  assert.equal(res.body.code, "rate_limited");
  assert.match(res.body.message, message);
  assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
}
