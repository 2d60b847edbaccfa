/**
 * What the v2 scenarios (testing/v2-scenarios.ts) are made of: the target they run against (a base
 * URL of the real Medusa v2 or of Gatehouse in v2 mode), the real @medusajs/js-sdk 2.21.2 set up
 * as a storefront in Node sets it up, raw HTTP with the publishable key, v2's body shapes and error
 * bodies, and an account made the v2 way (register → customer create → login).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import MedusaModule, { FetchError } from "@medusajs/js-sdk";
import { request, sessionCookie, type ApiResponse, type RequestOptions } from "./http.js";
import { loggedResetToken, type TestServer } from "./server.js";

// The js-sdk's typings describe its ESM build as CommonJS (no "type": "module"), so TypeScript
// sees the default import as the module; at run time it is the class.
const Medusa = ((MedusaModule as any).default ?? MedusaModule) as typeof MedusaModule.default;
type Medusa = InstanceType<typeof Medusa>;

export type V2Kind = "medusa" | "gatehouse";

export interface V2Target {
  kind: V2Kind;
  baseUrl: string;
  /** A live publishable API key of the target (`x-publishable-api-key`). */
  publishableKey: string;
  /**
   * Runs `request` (a password-reset request for `email`) and returns the reset token it issued,
   * as the shop's mailer would get it (Medusa: its `auth.password_reset` event; Gatehouse: the
   * account event).
   */
  resetToken(email: string, request: () => Promise<void>): Promise<string>;
  /** Whether the seeded store of the Medusa v2 harness is behind the base URL (cart → order). */
  commerce: boolean;
}

export interface V2Scenario {
  name: string;
  /** The kind it runs for, when Gatehouse differs from Medusa on purpose. */
  only?: V2Kind;
  /** Needs the seeded store of the Medusa v2 harness (`V2Target.commerce`). */
  commerce?: boolean;
  run(target: V2Target): Promise<void>;
}

export const PASSWORD = "Correct-Horse-9-staple";

/** A customer's keys in every v2 customer body (`{customer}`), in Medusa's order. */
export const CUSTOMER_KEYS = [
  "id",
  "email",
  "company_name",
  "first_name",
  "last_name",
  "phone",
  "metadata",
  "has_account",
  "deleted_at",
  "created_at",
  "updated_at",
  "addresses",
];
/** An address's keys inside `customer.addresses`. */
export const CUSTOMER_ADDRESS_KEYS = [
  "id",
  "address_name",
  "is_default_shipping",
  "is_default_billing",
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
  "customer_id",
  "created_at",
  "updated_at",
  "deleted_at",
];
/** An address's keys in `GET /store/customers/me/addresses[/:id]` (no deleted_at). */
export const ADDRESS_KEYS = CUSTOMER_ADDRESS_KEYS.filter((key) => key !== "deleted_at");

export const V2_ADDRESS = {
  first_name: "Grace",
  last_name: "Hopper",
  address_1: "1 Harbour St",
  city: "Berlin",
  country_code: "de",
  postal_code: "10115",
};

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UNAUTHORIZED = { message: "Unauthorized" };
export const INVALID_CREDENTIALS = { type: "unauthorized", message: "Invalid email or password" };
export const INVALID_TOKEN = { type: "unauthorized", message: "Invalid token" };

export function uniqueV2Email(prefix = "v2"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
}

/** The js-sdk as a storefront in Node sets it up: Node has no localStorage, so "memory". */
export function sdkFor(target: V2Target): Medusa {
  return new Medusa({
    baseUrl: target.baseUrl,
    publishableKey: target.publishableKey,
    auth: { type: "jwt", jwtTokenStorageMethod: "memory" },
  });
}

/** The js-sdk in session mode: the token becomes a cookie (`POST /auth/session`), kept by `jar`. */
export function sessionSdkFor(target: V2Target): Medusa {
  return new Medusa({
    baseUrl: target.baseUrl,
    publishableKey: target.publishableKey,
    auth: { type: "session" },
  });
}

/** Raw HTTP to the target, with its publishable key unless `pk: false`. */
export function raw(
  target: V2Target,
  method: string,
  path: string,
  options: RequestOptions & { pk?: boolean } = {},
): Promise<ApiResponse> {
  const headers = { ...options.headers };
  if (options.pk !== false) headers["x-publishable-api-key"] ??= target.publishableKey;
  return request(target.baseUrl, method, path, { ...options, headers });
}

export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

/** A JSON answer with exactly this status and body. */
export function assertJson(res: ApiResponse, status: number, body: unknown) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(res.body, body);
}

/** The sdk call fails with this status and message (FetchError, as a storefront catches it). */
export async function rejects(call: Promise<unknown>, status: number, message: string) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof FetchError, String(error));
    assert.equal(error.status, status, error.message);
    assert.equal(error.message, message);
    return true;
  });
}

/** The shape of a customer body: Medusa's keys, formats and has_account. */
export function assertCustomer(customer: any, email: string) {
  assert.deepEqual(Object.keys(customer).sort(), [...CUSTOMER_KEYS].sort());
  assert.match(customer.id, /^cus_[0-9A-Z]{26}$/);
  assert.equal(customer.email, email);
  assert.equal(customer.has_account, true);
  assert.equal(customer.deleted_at, null);
  assert.match(customer.created_at, ISO);
  assert.match(customer.updated_at, ISO);
  assert.ok(Array.isArray(customer.addresses));
}

export interface Account {
  email: string;
  password: string;
  sdk: Medusa;
  customer: any;
  /** The registration token (actor-less), after the customer was created with it. */
  registrationToken: string;
  /** A login token (the sdk holds it). */
  token: string;
}

/** register → POST /store/customers with the registration token → login, through the js-sdk. */
export async function newAccount(
  target: V2Target,
  { email = uniqueV2Email(), profile = {} as Record<string, unknown> } = {},
): Promise<Account> {
  const sdk = sdkFor(target);
  const registrationToken = await sdk.auth.register("customer", "emailpass", {
    email,
    password: PASSWORD,
  });
  const { customer } = await sdk.store.customer.create({ email, ...profile });
  const token = await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
  assert.equal(typeof token, "string");
  return { email, password: PASSWORD, sdk, customer, registrationToken, token: token as string };
}

/** What ordering needs of an account: its signed-in sdk (JWT or session mode), email, customer. */
export type Shopper = Pick<Account, "sdk" | "email" | "customer">;

/**
 * An account signed in three times: `a`, the login token of `newAccount`; `b`, the token of a
 * second login; `c`, the cookie (`connect.sid=…`) of the session `POST /auth/session` made from
 * `b`. Three sessions of one customer, each live.
 */
export async function signedInThrice(target: V2Target) {
  const account = await newAccount(target);
  const login = await raw(target, "POST", "/auth/customer/emailpass", {
    pk: false,
    body: { email: account.email, password: account.password },
  });
  assert.equal(login.status, 200, login.text);
  const b = login.body.token as string;
  const session = await raw(target, "POST", "/auth/session", { pk: false, token: b });
  assert.equal(session.status, 200, session.text);
  const c = sessionCookie(session);
  assert.ok(c, "POST /auth/session set the session cookie");
  return { account, a: account.token, b, c };
}

/**
 * Cart → order as the account's customer, through `account.sdk`, in the seeded store (a region
 * with Germany, the product gatehouse-tee); the order id.
 */
export async function placeOrder(account: Shopper): Promise<string> {
  const { sdk, email, customer } = account;
  const { regions } = await sdk.store.region.list();
  const region = regions.find((entry: any) =>
    entry.countries?.some((country: any) => country.iso_2 === "de"),
  );
  assert.ok(region, "the seeded region with Germany");
  const { products } = await sdk.store.product.list({
    handle: "gatehouse-tee",
    region_id: region.id,
    fields: "*variants.calculated_price",
  });
  const variant = products[0]?.variants?.[0];
  assert.ok(variant, "the seeded product gatehouse-tee");
  let { cart } = await sdk.store.cart.create({ region_id: region.id });
  assert.equal(cart.customer_id, customer.id);
  ({ cart } = await sdk.store.cart.createLineItem(cart.id, {
    variant_id: variant.id,
    quantity: 1,
  }));
  ({ cart } = await sdk.store.cart.update(cart.id, {
    email,
    shipping_address: V2_ADDRESS,
    billing_address: V2_ADDRESS,
  }));
  const { shipping_options } = await sdk.store.fulfillment.listCartOptions({ cart_id: cart.id });
  assert.ok(shipping_options.length > 0, "a shipping option");
  ({ cart } = await sdk.store.cart.addShippingMethod(cart.id, {
    option_id: shipping_options[0]!.id,
  }));
  await sdk.store.payment.initiatePaymentSession(cart, { provider_id: "pp_system_default" });
  const done = await sdk.store.cart.complete(cart.id);
  assert.equal(done.type, "order", JSON.stringify(done).slice(0, 300));
  return (done as any).order.id as string;
}

/** Cart → order (`placeOrder`), then `sdk.store.order.list` shows that order, the customer's only one. */
export async function placeOrderAndList(account: Shopper): Promise<void> {
  const orderId = await placeOrder(account);
  const { orders } = await account.sdk.store.order.list({ fields: "id,customer_id,email" });
  assert.deepEqual(
    orders.map((entry: any) => [entry.id, entry.customer_id]),
    [[orderId, account.customer.id]],
  );
}

/**
 * A Gatehouse test server as a target: its reset tokens are the ones its account events carry
 * (logged when no webhook is set).
 */
export function gatehouseTarget(
  server: TestServer,
  { publishableKey, commerce }: { publishableKey: string; commerce: boolean },
): V2Target {
  return {
    kind: "gatehouse",
    baseUrl: server.url,
    publishableKey,
    commerce,
    async resetToken(email, request) {
      const from = server.logs.length;
      await request();
      return loggedResetToken(server, email, from);
    },
  };
}
