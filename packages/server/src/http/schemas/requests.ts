/** Request bodies, named after medusa-js's types. */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { ADDRESS_EDITABLE_FIELDS } from "../../domain.js";
import { CHECKS_KEYWORD } from "../validation.js";
import { Body, Email, Metadata, Nested, NotEmpty, Opt, Str } from "./fields.js";

export const StorePostAuthReq = Body(
  { email: Email("The customer's email"), password: NotEmpty("The customer's password") },
  "Credentials for a cookie session or a bearer token",
  [{ email: "jane@example.com", password: "correct horse battery staple" }],
);
export type StorePostAuthReq = Static<typeof StorePostAuthReq>;

export const StorePostCustomersReq = Body(
  {
    first_name: Opt(Str("The customer's first name")),
    last_name: Opt(Str("The customer's last name")),
    email: Email("The customer's email; stored lower-cased"),
    password: Str(
      "At least 8 characters (configurable), at most 128; common, repetitive and sequential passwords and ones made of the customer's email or name are refused",
    ),
    phone: Opt(Str("The customer's phone number")),
  },
  "A new customer account",
  [
    {
      first_name: "Jane",
      last_name: "Doe",
      email: "jane@example.com",
      password: "correct horse battery staple",
    },
  ],
);
export type StorePostCustomersReq = Static<typeof StorePostCustomersReq>;

const addressFields = {
  company: Opt(Str()),
  first_name: Opt(Str()),
  last_name: Opt(Str()),
  address_1: Opt(Str()),
  address_2: Opt(Str()),
  city: Opt(Str()),
  country_code: Opt(Str("Two-letter ISO country code; stored lower-case")),
  province: Opt(Str()),
  postal_code: Opt(Str()),
  phone: Opt(Str()),
  metadata: Opt(Metadata()),
} satisfies Record<(typeof ADDRESS_EDITABLE_FIELDS)[number], TSchema>;

/** Medusa's AddressPayload: every field optional. */
export const AddressPayload = Body(addressFields, "An address", [
  { address_2: "2nd floor", phone: "+45 12 34 56 78" },
]);
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
  [
    {
      first_name: "Jane",
      last_name: "Doe",
      address_1: "Vesterbrogade 1",
      city: "Copenhagen",
      country_code: "dk",
      postal_code: "1620",
    },
  ],
);

export const StorePostCustomersCustomerReq = Body(
  {
    first_name: Opt(Str("The customer's first name")),
    last_name: Opt(Str("The customer's last name")),
    billing_address: Opt(
      Type.Union([AddressPayload, Type.String()], {
        description: "An address object, or the id of one of the customer's addresses",
        [CHECKS_KEYWORD]: ["isAddressOrId"],
        "x-object": AddressPayload,
      }),
    ),
    password: Opt(Str("A new password; signs out every other session")),
    phone: Opt(Str("The customer's phone number")),
    email: Opt(Email("A new email; stored lower-cased")),
    metadata: Opt(Metadata()),
    old_password: Opt(
      Str(
        "The current password: proof for a new password or email, needed unless the session is fresh (a Gatehouse addition)",
      ),
    ),
  },
  "The fields to change",
  [{ first_name: "Janet", metadata: { newsletter: "weekly" } }],
);
export type StorePostCustomersCustomerReq = Static<typeof StorePostCustomersCustomerReq>;

export const DeleteCustomersCustomerReq = Body(
  { password: Str("The current password: deleting the account always needs it") },
  "Proof for deleting the account (a Gatehouse addition)",
  [{ password: "correct horse battery staple" }],
);

export const StorePostCustomersCustomerAddressesReq = Body(
  { address: Nested(AddressCreatePayload) },
  "The address to add",
  [
    {
      address: {
        first_name: "Jane",
        last_name: "Doe",
        address_1: "Vesterbrogade 1",
        city: "Copenhagen",
        country_code: "dk",
        postal_code: "1620",
      },
    },
  ],
);
export type StorePostCustomersCustomerAddressesReq = Static<
  typeof StorePostCustomersCustomerAddressesReq
>;

export const StorePostCustomersCustomerPasswordTokenReq = Body(
  { email: Email() },
  "The email of the account",
  [{ email: "jane@example.com" }],
);

export const StorePostCustomersResetPasswordReq = Body(
  {
    email: Email(),
    token: Str("The token from the password-reset notification"),
    password: Str("The new password"),
  },
  "The token from the notification and a new password",
  [{ email: "jane@example.com", token: "<token>", password: "a new horse battery staple" }],
);
export type StorePostCustomersResetPasswordReq = Static<typeof StorePostCustomersResetPasswordReq>;

export const EmailParams = Type.Object({
  email: Type.String({ description: "The email to look up (URL-encoded)" }),
});
export const IdParams = Type.Object({ id: Type.String() });
