/** Response shapes. fast-json-stringify serializes only what is listed: no hash can ever leak. */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { ADDRESS_V1_FIELDS, CUSTOMER_V1_FIELDS } from "../../domain.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });
// Typed as a record for TypeScript; the JSON Schema is the plain open object.
const JsonObject = Type.Unsafe<Record<string, unknown>>(
  Type.Object({}, { additionalProperties: true }),
);

export const Address = Type.Object(
  {
    id: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Nullable(Timestamp),
    customer_id: Nullable(Type.String()),
    company: Nullable(Type.String()),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    address_1: Nullable(Type.String()),
    address_2: Nullable(Type.String()),
    city: Nullable(Type.String()),
    country_code: Nullable(Type.String()),
    province: Nullable(Type.String()),
    postal_code: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    metadata: Nullable(JsonObject),
  } satisfies Record<(typeof ADDRESS_V1_FIELDS)[number], TSchema>,
  { $id: "Address" },
);

const customerScalars = {
  id: Type.String({ description: "cus_ followed by a ULID" }),
  created_at: Timestamp,
  updated_at: Timestamp,
  deleted_at: Nullable(Timestamp),
  email: Type.String(),
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
  billing_address_id: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  has_account: Type.Boolean(),
  metadata: Nullable(JsonObject),
} satisfies Record<(typeof CUSTOMER_V1_FIELDS)[number], TSchema>;

const AddressRef = Type.Unsafe<Static<typeof Address>>(Type.Ref("Address"));

/** `POST/GET /store/auth`: the customer with `orders` (from Medusa when Gatehouse is in front of it, else empty) and addresses. */
export const CustomerWithOrders = Type.Object({
  ...customerScalars,
  orders: Type.Array(JsonObject, {
    description:
      "The customer's orders in Medusa when MEDUSA_BACKEND_URL is set (as GET /store/customers/me/orders shows them); otherwise always empty",
  }),
  shipping_addresses: Type.Array(AddressRef),
});

/** `/store/customers…`: the customer with its billing and shipping addresses. */
export const CustomerWithAddresses = Type.Object({
  ...customerScalars,
  billing_address: Type.Union([AddressRef, Type.Null()]),
  shipping_addresses: Type.Array(AddressRef),
});

export const CustomerScalars = Type.Object(customerScalars);

export const ErrorBody = Type.Object(
  {
    code: Type.Optional(Type.String()),
    type: Type.Optional(
      Type.String({
        description:
          "Medusa's error type: invalid_data, unauthorized, not_found, … (absent only in Medusa v2's 401 {message: \"Unauthorized\"})",
      }),
    ),
    message: Type.String(),
  },
  {
    $id: "Error",
    examples: [{ type: "unauthorized", message: "Wrong email or password" }],
  },
);

export const SessionInfo = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal("cookie"), Type.Literal("bearer")]),
  created_at: Timestamp,
  last_seen_at: Timestamp,
  expires_at: Timestamp,
  user_agent: Nullable(Type.String()),
  current: Type.Boolean(),
});

const errorRef = Type.Ref("Error");

/** Standard error responses of a route, for the OpenAPI document. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, errorRef]));

/** A deleted account, as Medusa's delete routes answer (`{id, object, deleted}`). */
export const DeletedCustomer = Type.Object({
  id: Type.String(),
  object: Type.Literal("customer"),
  deleted: Type.Boolean(),
});
