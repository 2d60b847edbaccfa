/**
 * Medusa v2's Store API shapes (js-sdk 2.x): request bodies as Medusa's zod validators have them
 * (`api/store/customers/validators`), responses in the key order Medusa answers with.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { Metadata, Str } from "./fields.js";
import { V2_BODY } from "../validation-v2.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });
const JsonObject = Type.Unsafe<Record<string, unknown>>(
  Type.Object({}, { additionalProperties: true }),
);
/** zod's `.nullish()`: absent, null or the type. */
const Nullish = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

/** A v2 request body: closed, and its errors worded as Medusa's (validation-v2.ts). */
const V2Body = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  description: string,
  examples: Array<Record<string, unknown>>,
) => Type.Object(properties, { additionalProperties: false, description, examples, ...V2_BODY });

export const EmailPassBody = Type.Object(
  { email: Type.Optional(Type.Unknown()), password: Type.Optional(Type.Unknown()) },
  {
    description: "Email and password (other fields are ignored, as Medusa's emailpass does)",
    examples: [{ email: "jane@example.com", password: "correct horse battery staple" }],
  },
);

export const ResetPasswordBody = V2Body(
  { identifier: Str("The customer's email") },
  "Whose password to reset",
  [{ identifier: "jane@example.com" }],
);

export const UpdatePasswordBody = Type.Object(
  {
    password: Str("The new password"),
    old_password: Type.Optional(
      Str("The current password: needed with a login token (a Gatehouse addition)"),
    ),
  },
  {
    description: "A new password",
    examples: [{ password: "a new long passphrase" }],
    ...V2_BODY,
  },
);

export const DeleteCustomerBody = V2Body(
  { password: Str("The current password: deleting the account always needs it") },
  "Proof for deleting the account (a Gatehouse addition)",
  [{ password: "correct horse battery staple" }],
);

export const CreateCustomerBody = V2Body(
  {
    email: Nullish(Str("The identity's email (any other is refused)")),
    company_name: Nullish(Str()),
    first_name: Nullish(Str()),
    last_name: Nullish(Str()),
    phone: Nullish(Str()),
    metadata: Nullish(Metadata()),
  },
  "The customer of the registered identity",
  [{ email: "jane@example.com", first_name: "Jane", last_name: "Doe" }],
);

export const UpdateCustomerBody = V2Body(
  {
    company_name: Nullish(Str()),
    first_name: Nullish(Str()),
    last_name: Nullish(Str()),
    phone: Nullish(Str()),
    metadata: Nullish(Metadata()),
  },
  "Profile changes",
  [{ first_name: "Jane", phone: "+45 12 34 56 78" }],
);

export const AddressBody = V2Body(
  {
    address_name: Nullish(Str()),
    is_default_shipping: Type.Optional(Type.Boolean()),
    is_default_billing: Type.Optional(Type.Boolean()),
    company: Nullish(Str()),
    first_name: Nullish(Str()),
    last_name: Nullish(Str()),
    address_1: Nullish(Str()),
    address_2: Nullish(Str()),
    city: Nullish(Str()),
    country_code: Nullish(Str("Two-letter ISO country code; stored lower-case")),
    province: Nullish(Str()),
    postal_code: Nullish(Str()),
    phone: Nullish(Str()),
    metadata: Nullish(Metadata()),
  },
  "An address",
  [{ first_name: "Jane", address_1: "Main St 1", city: "Copenhagen", country_code: "dk" }],
);

/** `?fields=` and the like: accepted and ignored (Gatehouse answers Medusa's default fields). */
export const SelectQuery = Type.Object(
  { fields: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

export const ListQuery = Type.Object(
  {
    fields: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })),
    offset: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
  },
  { additionalProperties: true },
);

const addressCore = {
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
};

/** An address inside a customer, in Medusa's key order there. */
export const CustomerAddressV2 = Type.Object(
  {
    id: Type.String({ description: "cuaddr_ followed by a ULID" }),
    address_name: Nullable(Type.String()),
    is_default_shipping: Type.Boolean(),
    is_default_billing: Type.Boolean(),
    ...addressCore,
    customer_id: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Nullable(Timestamp),
  },
  { $id: "CustomerAddressV2" },
);

/** An address on its own (`/me/addresses`), in Medusa's key order there. */
export const AddressV2 = Type.Object(
  {
    id: Type.String(),
    address_name: Nullable(Type.String()),
    company: addressCore.company,
    customer_id: Nullable(Type.String()),
    first_name: addressCore.first_name,
    last_name: addressCore.last_name,
    address_1: addressCore.address_1,
    address_2: addressCore.address_2,
    city: addressCore.city,
    province: addressCore.province,
    postal_code: addressCore.postal_code,
    country_code: addressCore.country_code,
    phone: addressCore.phone,
    metadata: addressCore.metadata,
    is_default_shipping: Type.Boolean(),
    is_default_billing: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: "AddressV2" },
);

export const CustomerV2 = Type.Object(
  {
    id: Type.String({ description: "cus_ followed by a ULID" }),
    email: Type.String(),
    company_name: Nullable(Type.String()),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    metadata: Nullable(JsonObject),
    has_account: Type.Boolean(),
    deleted_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
    addresses: Type.Array(Type.Ref(CustomerAddressV2)),
  },
  { $id: "CustomerV2" },
);

export const CustomerResponse = Type.Object({ customer: Type.Ref(CustomerV2) });
export const TokenResponse = Type.Object(
  { token: Type.String({ description: "A JWT with Medusa v2's claims, bound to a session" }) },
  { examples: [{ token: "eyJhbGciOiJFZERTQSJ9…" }] },
);
export const SuccessResponse = Type.Object({ success: Type.Boolean() });
