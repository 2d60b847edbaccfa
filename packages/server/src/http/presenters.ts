/** Domain objects → Medusa's JSON shapes (times as ISO-8601 strings with milliseconds). */
import type { FastifyReply } from "fastify";
import {
  ADDRESS_V1_FIELDS,
  CUSTOMER_V1_FIELDS,
  type Address,
  type Customer,
  type Session,
} from "../domain.js";
import type { CustomerWithAddresses } from "../stores/types.js";

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
/** Frozen at run time, typed as before (the response schemas' types are not readonly). */
const frozen = <T>(value: T): T => Object.freeze(value) as T;

/** Only the listed fields of `value`, in the list's order (v1's shapes leave out v2's fields). */
function pick<T, K extends keyof T>(value: T, fields: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const field of fields) picked[field] = value[field];
  return picked;
}

/**
 * Presents each object once: the read cache hands out the same frozen customer and address
 * objects until they change, on every backend, so their presented forms are kept beside them
 * (and dropped with them). Presented forms are frozen too, nested objects and arrays included,
 * as they are shared.
 */
function presentedOnce<T extends object, P>(present: (value: T) => P): (value: T) => P {
  const presented = new WeakMap<T, P>();
  return (value) => {
    let result = presented.get(value);
    if (result === undefined) {
      result = Object.freeze(present(value));
      presented.set(value, result);
    }
    return result;
  };
}

export const presentAddress = presentedOnce((address: Address) => ({
  ...pick(address, ADDRESS_V1_FIELDS),
  created_at: iso(address.created_at),
  updated_at: iso(address.updated_at),
  deleted_at: isoOrNull(address.deleted_at),
}));

export const presentCustomer = presentedOnce((customer: Customer) => ({
  ...pick(customer, CUSTOMER_V1_FIELDS),
  created_at: iso(customer.created_at),
  updated_at: iso(customer.updated_at),
  deleted_at: isoOrNull(customer.deleted_at),
}));

/** The shape of `POST/GET /store/auth`: `orders` (empty; gateway/orders.ts fills them) then `shipping_addresses`. */
export const presentAuthCustomer = presentedOnce((view: CustomerWithAddresses) => ({
  customer: frozen({
    ...presentCustomer(view.customer),
    orders: frozen([]),
    shipping_addresses: frozen(view.shippingAddresses.map(presentAddress)),
  }),
}));

/** The shape of `/store/customers…`: `billing_address` then `shipping_addresses`. */
export const presentCustomerWithAddresses = presentedOnce((view: CustomerWithAddresses) => ({
  customer: frozen({
    ...presentCustomer(view.customer),
    billing_address: view.billingAddress ? presentAddress(view.billingAddress) : null,
    shipping_addresses: frozen(view.shippingAddresses.map(presentAddress)),
  }),
}));

export const presentSession = (session: Session, currentId: string | undefined) => ({
  id: session.id,
  kind: session.kind,
  created_at: iso(session.created_at),
  last_seen_at: iso(session.last_seen_at),
  expires_at: iso(session.expires_at),
  user_agent: session.user_agent,
  current: session.id === currentId,
});

/**
 * Sends a route's 200 body, serialized (by the route's response schema) once per presented
 * object: a customer read from the read cache is the same object, presented once, until
 * it changes. One per route, as each route has its own schema.
 */
export function serializedOnce(): (reply: FastifyReply, body: object) => FastifyReply {
  const serialized = new WeakMap<object, string>();
  return (reply, body) => {
    let json = serialized.get(body);
    if (json === undefined) {
      // The route's schema-compiled serializer (fast-json-stringify) returns a string.
      json = reply.serialize(body) as string;
      serialized.set(body, json);
    }
    return reply.type("application/json; charset=utf-8").send(json);
  };
}

/** (v2) An address with v2's fields (its name and default flags). */
export const presentAddressV2 = presentedOnce((address: Address) => ({
  ...address,
  created_at: iso(address.created_at),
  updated_at: iso(address.updated_at),
  deleted_at: isoOrNull(address.deleted_at),
}));

/** (v2) `{customer}` with its address book as `addresses` (v2 has no separate billing address). */
export const presentCustomerV2 = presentedOnce((view: CustomerWithAddresses) => ({
  customer: frozen({
    ...view.customer,
    created_at: iso(view.customer.created_at),
    updated_at: iso(view.customer.updated_at),
    deleted_at: isoOrNull(view.customer.deleted_at),
    addresses: frozen(view.shippingAddresses.map(presentAddressV2)),
  }),
}));
