/** Request bodies, named after medusa-js's types. */
import { Type, type Static } from "@sinclair/typebox";
import { CHECKS_KEYWORD } from "../validation.js";
import { Body, Email, Metadata, Nested, NotEmpty, NullableStr, Str } from "./fields.js";

export const StorePostAuthReq = Body(
  { email: Email("The customer's email"), password: NotEmpty("The customer's password") },
  "Credentials for a cookie session or a bearer token",
);
export type StorePostAuthReq = Static<typeof StorePostAuthReq>;

export const StorePostCustomersReq = Body({
  first_name: Type.Optional(Str("The customer's first name")),
  last_name: Type.Optional(Str("The customer's last name")),
  email: Email("The customer's email; stored lower-cased"),
  password: Str(
    "At least 8 characters (configurable), at most 128; very common passwords are refused",
  ),
  phone: Type.Optional(Str("The customer's phone number")),
});
export type StorePostCustomersReq = Static<typeof StorePostCustomersReq>;

const addressFields = {
  company: Type.Optional(NullableStr()),
  first_name: Type.Optional(NullableStr()),
  last_name: Type.Optional(NullableStr()),
  address_1: Type.Optional(NullableStr()),
  address_2: Type.Optional(NullableStr()),
  city: Type.Optional(NullableStr()),
  country_code: Type.Optional(NullableStr("Two-letter ISO country code; stored lower-case")),
  province: Type.Optional(NullableStr()),
  postal_code: Type.Optional(NullableStr()),
  phone: Type.Optional(NullableStr()),
  metadata: Type.Optional(Metadata()),
};

/** Medusa's AddressPayload: every field optional. */
export const AddressPayload = Body(addressFields, "An address");
export type AddressPayload = Static<typeof AddressPayload>;

/** Medusa's AddressCreatePayload: names, first line, city, country and postal code required. */
export const AddressCreatePayload = Body(
  {
    ...addressFields,
    first_name: Str(),
    last_name: Str(),
    address_1: Str(),
    city: Str(),
    country_code: Str("Two-letter ISO country code; stored lower-case"),
    postal_code: Str(),
  },
  "A new address",
);

export const StorePostCustomersCustomerReq = Body({
  first_name: Type.Optional(NullableStr("The customer's first name")),
  last_name: Type.Optional(NullableStr("The customer's last name")),
  billing_address: Type.Optional(
    Type.Union([AddressPayload, Type.String()], {
      description: "An address object, or the id of one of the customer's addresses",
      [CHECKS_KEYWORD]: ["isAddressOrId"],
      "x-object": AddressPayload,
    }),
  ),
  password: Type.Optional(Str("A new password; signs out every other session")),
  phone: Type.Optional(NullableStr("The customer's phone number")),
  email: Type.Optional(Email("A new email; stored lower-cased")),
  metadata: Type.Optional(Metadata()),
});
export type StorePostCustomersCustomerReq = Static<typeof StorePostCustomersCustomerReq>;

export const StorePostCustomersCustomerAddressesReq = Body({
  address: Nested(AddressCreatePayload),
});
export type StorePostCustomersCustomerAddressesReq = Static<
  typeof StorePostCustomersCustomerAddressesReq
>;

export const StorePostCustomersCustomerPasswordTokenReq = Body({ email: Email() });

export const StorePostCustomersResetPasswordReq = Body({
  email: Email(),
  token: Str("The token from the password-reset notification"),
  password: Str("The new password"),
});
export type StorePostCustomersResetPasswordReq = Static<typeof StorePostCustomersResetPasswordReq>;

export const EmailParams = Type.Object({
  email: Type.String({ description: "The email to look up (URL-encoded)" }),
});
export const IdParams = Type.Object({ id: Type.String() });
