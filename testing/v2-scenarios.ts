/**
 * Medusa v2's customer-auth API as a storefront sees it, written once and run against any base
 * URL: the real Medusa v2 (kind "medusa", test/gateway-v2/medusa-reference.once.test.ts, which
 * proves these scenarios describe v2 faithfully) and Gatehouse in v2 mode (kind "gatehouse"),
 * standalone or in front of that Medusa. Each scenario drives the real @medusajs/js-sdk 2.21.2
 * where the sdk has the call, and raw fetch where it has none (or to see headers and cookies).
 * Where Gatehouse deliberately differs from Medusa (docs/compatibility.md), a scenario runs for one
 * kind only: Gatehouse's behaviour, and Medusa's where it is cheap to show.
 * Every scenario makes its own customers (unique emails), so they run in any order.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import MedusaModule, { FetchError } from "@medusajs/js-sdk";
import { CookieJar, jarFetch, withCookieJar } from "./cookie-jar.js";
import { request, type ApiResponse, type RequestOptions } from "./http.js";
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

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UNAUTHORIZED = { message: "Unauthorized" };
const INVALID_CREDENTIALS = { type: "unauthorized", message: "Invalid email or password" };
const INVALID_TOKEN = { type: "unauthorized", message: "Invalid token" };

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
function sessionSdkFor(target: V2Target): Medusa {
  return new Medusa({
    baseUrl: target.baseUrl,
    publishableKey: target.publishableKey,
    auth: { type: "session" },
  });
}

/** Raw HTTP to the target, with its publishable key unless `pk: false`. */
function raw(
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
function assertJson(res: ApiResponse, status: number, body: unknown) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(res.body, body);
}

/** The sdk call fails with this status and message (FetchError, as a storefront catches it). */
async function rejects(call: Promise<unknown>, status: number, message: string) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof FetchError, String(error));
    assert.equal(error.status, status, error.message);
    assert.equal(error.message, message);
    return true;
  });
}

/** The shape of a customer body: Medusa's keys, formats and has_account. */
function assertCustomer(customer: any, email: string) {
  assert.deepEqual(Object.keys(customer).sort(), [...CUSTOMER_KEYS].sort());
  assert.match(customer.id, /^cus_[0-9A-Z]{26}$/);
  assert.equal(customer.email, email);
  assert.equal(customer.has_account, true);
  assert.equal(customer.deleted_at, null);
  assert.match(customer.created_at, ISO);
  assert.match(customer.updated_at, ISO);
  assert.ok(Array.isArray(customer.addresses));
}

interface Account {
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
async function newAccount(
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

export const v2Scenarios: V2Scenario[] = [
  {
    name: "register → customer create → login → retrieve, through the js-sdk",
    async run(target) {
      const email = uniqueV2Email();
      const sdk = sdkFor(target);
      const registration = await sdk.auth.register("customer", "emailpass", {
        email,
        password: PASSWORD,
      });
      const reg = claimsOf(registration);
      assert.equal(reg.actor_id, "");
      assert.equal(reg.actor_type, "customer");
      assert.match(reg.auth_identity_id, /^authid_/);
      assert.equal(reg.auth_provider, "emailpass");
      assert.deepEqual(reg.app_metadata, {});

      const { customer } = await sdk.store.customer.create({
        email,
        first_name: "Grace",
        last_name: "Hopper",
        phone: "+49 30 1234567",
        company_name: "Navy",
        metadata: { source: "scenario" },
      });
      assertCustomer(customer, email);
      assert.equal(customer.first_name, "Grace");
      assert.equal(customer.last_name, "Hopper");
      assert.equal(customer.phone, "+49 30 1234567");
      assert.equal(customer.company_name, "Navy");
      assert.deepEqual(customer.metadata, { source: "scenario" });
      assert.deepEqual(customer.addresses, []);

      const token = await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
      assert.equal(typeof token, "string");
      const claims = claimsOf(token as string);
      assert.equal(claims.actor_id, customer.id);
      assert.equal(claims.actor_type, "customer");
      assert.equal(claims.auth_identity_id, reg.auth_identity_id);
      assert.equal(claims.auth_provider, "emailpass");
      assert.deepEqual(claims.app_metadata, { customer_id: customer.id });
      assert.equal(claims.mfa_enabled, false);
      assert.equal(claims.mfa_challenge_completed_at, null);
      assert.deepEqual(claims.user_metadata, {});
      assert.ok(claims.exp > claims.iat);

      const { customer: me } = await sdk.store.customer.retrieve();
      assert.deepEqual(me, customer);
    },
  },
  {
    name: "the profile: sdk.store.customer.update, then retrieve",
    async run(target) {
      const { sdk, email, token } = await newAccount(target, { profile: { first_name: "Grace" } });
      const { customer } = await sdk.store.customer.update({
        first_name: "Ada",
        last_name: "Lovelace",
        company_name: "Analytical Engines",
        phone: "+44 20 7946 0000",
        metadata: { tier: "gold" },
      });
      assertCustomer(customer, email);
      assert.equal(customer.first_name, "Ada");
      assert.equal(customer.last_name, "Lovelace");
      assert.equal(customer.company_name, "Analytical Engines");
      assert.equal(customer.phone, "+44 20 7946 0000");
      assert.deepEqual(customer.metadata, { tier: "gold" });
      const { customer: me } = await sdk.store.customer.retrieve();
      assert.deepEqual(me, customer);
      // An unknown field is refused, and nothing changes.
      const res = await raw(target, "POST", "/store/customers/me", {
        token,
        body: { first_name: "X", foo: 1 },
      });
      assertJson(res, 400, {
        type: "invalid_data",
        message: "Invalid request: Unrecognized fields: 'foo'",
      });
      assert.equal((await sdk.store.customer.retrieve()).customer.first_name, "Ada");
    },
  },
  {
    name: "addresses: create, list, retrieve, update, delete, one default of each kind",
    async run(target) {
      const { sdk, customer } = await newAccount(target);
      const first = await sdk.store.customer.createAddress({
        ...V2_ADDRESS,
        address_name: "Home",
        is_default_shipping: true,
      });
      assert.equal(first.customer.id, customer.id);
      assert.equal(first.customer.addresses.length, 1);
      const home = first.customer.addresses[0];
      assert.deepEqual(Object.keys(home).sort(), [...CUSTOMER_ADDRESS_KEYS].sort());
      assert.match(home.id, /^cuaddr_[0-9A-Z]{26}$/);
      assert.equal(home.customer_id, customer.id);
      assert.equal(home.address_name, "Home");
      assert.equal(home.is_default_shipping, true);
      assert.equal(home.is_default_billing, false);
      assert.equal(home.city, "Berlin");

      const list = await sdk.store.customer.listAddress();
      assert.deepEqual(
        { count: list.count, offset: list.offset, limit: list.limit },
        { count: 1, offset: 0, limit: 50 },
      );
      assert.deepEqual(Object.keys(list.addresses[0]).sort(), [...ADDRESS_KEYS].sort());
      const { address } = await sdk.store.customer.retrieveAddress(home.id);
      assert.deepEqual(Object.keys(address).sort(), [...ADDRESS_KEYS].sort());
      assert.equal(address.id, home.id);
      assert.equal(address.postal_code, "10115");

      // A second default shipping (and billing) address takes the flag from the first.
      const second = await sdk.store.customer.createAddress({
        ...V2_ADDRESS,
        address_name: "Office",
        city: "Hamburg",
        postal_code: "20095",
        is_default_shipping: true,
        is_default_billing: true,
      });
      const byName = (name: string) =>
        second.customer.addresses.find((entry: any) => entry.address_name === name);
      assert.equal(second.customer.addresses.length, 2);
      assert.equal(byName("Home").is_default_shipping, false);
      assert.equal(byName("Office").is_default_shipping, true);
      assert.equal(byName("Office").is_default_billing, true);
      const office = byName("Office").id;

      // Update answers with the whole customer; setting a default moves it back.
      const updated = await sdk.store.customer.updateAddress(home.id, {
        city: "Potsdam",
        is_default_billing: true,
      });
      const after = (id: string) =>
        updated.customer.addresses.find((entry: any) => entry.id === id);
      assert.equal(after(home.id).city, "Potsdam");
      assert.equal(after(home.id).is_default_billing, true);
      assert.equal(after(office).is_default_billing, false);
      assert.equal(after(office).is_default_shipping, true);

      // Delete: `{object, deleted, parent}` (Medusa's `id` there is the customer's; not checked).
      const deleted = await sdk.store.customer.deleteAddress(office);
      assert.equal(deleted.object, "address");
      assert.equal(deleted.deleted, true);
      assert.equal(deleted.parent?.id, customer.id);
      assert.deepEqual(
        deleted.parent?.addresses.map((entry: any) => entry.id),
        [home.id],
      );
      const { count } = await sdk.store.customer.listAddress();
      assert.equal(count, 1);
      await rejects(
        sdk.store.customer.retrieveAddress(office),
        404,
        `Address with id: ${office} was not found`,
      );
    },
  },
  {
    name: "refresh: a new token for the same customer; a registration token refreshes into a login token",
    async run(target) {
      const { sdk, customer, registrationToken } = await newAccount(target);
      const { token } = await sdk.auth.refresh();
      const claims = claimsOf(token);
      assert.equal(claims.actor_id, customer.id);
      assert.deepEqual(claims.app_metadata, { customer_id: customer.id });
      assert.equal((await sdk.store.customer.retrieve()).customer.id, customer.id);

      // The registration token of a customer that now exists refreshes into one with the actor.
      const res = await raw(target, "POST", "/auth/token/refresh", {
        pk: false,
        token: registrationToken,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(claimsOf(res.body.token).actor_id, customer.id);

      assertJson(
        await raw(target, "POST", "/auth/token/refresh", { pk: false }),
        401,
        UNAUTHORIZED,
      );
    },
  },
  {
    name: "session mode over raw HTTP: POST /auth/session → cookie only → DELETE /auth/session",
    async run(target) {
      const { token, customer } = await newAccount(target);
      const jar = new CookieJar();
      const fetchWithJar = jarFetch(jar);
      const created = await fetchWithJar(new URL("/auth/session", target.baseUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(created.status, 200);
      const { user } = (await created.json()) as any;
      assert.equal(user.actor_id, customer.id);
      assert.equal(user.actor_type, "customer");
      const setCookie = jar.received.find((line) => line.startsWith("connect.sid="));
      assert.ok(setCookie, `no session cookie in ${JSON.stringify(jar.received)}`);
      assert.match(setCookie, /;\s*HttpOnly/i);
      assert.match(setCookie, /;\s*Path=\//i);
      assert.match(setCookie, /;\s*SameSite=Lax/i);

      const me = await fetchWithJar(new URL("/store/customers/me", target.baseUrl), {
        headers: { "x-publishable-api-key": target.publishableKey },
      });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as any).customer.id, customer.id);
      const refreshed = await fetchWithJar(new URL("/auth/token/refresh", target.baseUrl), {
        method: "POST",
      });
      assert.equal(refreshed.status, 200);

      const cookie = `connect.sid=${jar.get("connect.sid")}`;
      const ended = await raw(target, "DELETE", "/auth/session", { pk: false, cookie });
      assertJson(ended, 200, { success: true });
      const cleared = ended.setCookies.find((line) => line.startsWith("connect.sid="));
      assert.ok(cleared, "the session cookie is cleared");
      assert.match(cleared, /^connect\.sid=;/);
      assertJson(await raw(target, "GET", "/store/customers/me", { cookie }), 401, UNAUTHORIZED);

      // No bearer to make a session of, no session to end.
      assertJson(await raw(target, "POST", "/auth/session", { pk: false }), 401, UNAUTHORIZED);
      assertJson(await raw(target, "DELETE", "/auth/session", { pk: false }), 401, UNAUTHORIZED);
    },
  },
  {
    name: "session mode through the js-sdk (auth.type session, a browser's cookie jar)",
    async run(target) {
      const { email, customer } = await newAccount(target);
      const jar = new CookieJar();
      const sdk = sessionSdkFor(target);
      await withCookieJar(jar, async () => {
        const token = await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
        assert.equal(typeof token, "string");
        assert.ok(jar.get("connect.sid"), "the sdk's login made a session cookie");
        const { customer: me } = await sdk.store.customer.retrieve();
        assert.equal(me.id, customer.id);
        await sdk.auth.logout();
        assert.equal(jar.get("connect.sid"), undefined);
        await rejects(sdk.store.customer.retrieve(), 401, "Unauthorized");
      });
    },
  },
  {
    name: "reset password: 201 text/plain Created for known and unknown identifiers, then update",
    async run(target) {
      const { email, customer } = await newAccount(target);
      const sdk = sdkFor(target);
      const resetToken = await target.resetToken(email, () =>
        sdk.auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      for (const identifier of [email, uniqueV2Email("nobody")]) {
        const res = await raw(target, "POST", "/auth/customer/emailpass/reset-password", {
          pk: false,
          body: { identifier },
        });
        assert.equal(res.status, 201, res.text);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
        assert.equal(res.text, "Created");
      }
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass/reset-password", {
          pk: false,
          body: {},
        }),
        400,
        { type: "invalid_data", message: "Invalid request: Field 'identifier' is required" },
      );

      // The token of the last request (a newer request replaces older tokens in Medusa).
      const latest = await target.resetToken(email, () =>
        sdk.auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      assert.notEqual(latest, resetToken);
      const update = (token: string | undefined, password: string) =>
        raw(target, "POST", "/auth/customer/emailpass/update", {
          pk: false,
          token,
          body: { password },
        });
      assertJson(await update(undefined, "x-Another-9-staple"), 401, INVALID_TOKEN);
      await sdk.auth.updateProvider(
        "customer",
        "emailpass",
        { password: `${PASSWORD}-new` },
        latest,
      );
      await rejects(
        sdkFor(target).auth.login("customer", "emailpass", { email, password: PASSWORD }),
        401,
        INVALID_CREDENTIALS.message,
      );
      const token = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: `${PASSWORD}-new`,
      });
      assert.equal(claimsOf(token as string).actor_id, customer.id);
      assertJson(await update(latest, "Yet-Another-9-staple"), 401, INVALID_TOKEN);
    },
  },
  {
    name: "providers: GET /auth/customer/providers",
    async run(target) {
      const providers = await sdkFor(target).auth.listProviders("customer");
      assert.deepEqual(providers, {
        providers: [
          {
            id: "emailpass",
            identifier: "emailpass",
            display_name: "Email/Password Authentication",
            flow: "credentials",
          },
        ],
      });
    },
  },
  {
    name: "registration errors: another password, idempotent same password, missing password",
    async run(target) {
      const email = uniqueV2Email();
      const register = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass/register", { pk: false, body });
      const first = await register({ email, password: PASSWORD });
      assert.equal(first.status, 200, first.text);
      // Before the customer exists the same credentials register again (an actor-less token).
      const again = await register({ email, password: PASSWORD });
      assert.equal(again.status, 200, again.text);
      assert.equal(claimsOf(again.body.token).actor_id, "");
      assert.equal(
        claimsOf(again.body.token).auth_identity_id,
        claimsOf(first.body.token).auth_identity_id,
      );
      assertJson(await register({ email, password: "Another-Horse-9-staple" }), 401, {
        type: "unauthorized",
        message: "Identity with email already exists",
      });
      await rejects(
        sdkFor(target).auth.register("customer", "emailpass", {
          email,
          password: "Another-Horse-9-staple",
        }),
        401,
        "Identity with email already exists",
      );
      assertJson(await register({ email: uniqueV2Email() }), 401, {
        type: "unauthorized",
        message: "Password should be a string",
      });
      const notJson = await raw(target, "POST", "/auth/customer/emailpass/register", {
        pk: false,
        raw: "not json",
      });
      assert.equal(notJson.status, 400, notJson.text);
      assert.equal(notJson.body.type, "invalid_data");

      // Once the customer exists, registering again is refused even with the same password.
      const sdk = sdkFor(target);
      await sdk.auth.register("customer", "emailpass", { email, password: PASSWORD });
      await sdk.store.customer.create({ email });
      assertJson(await register({ email, password: PASSWORD }), 401, {
        type: "unauthorized",
        message: "Identity with email already exists",
      });
    },
  },
  {
    name: "login errors: wrong password and unknown email get the same 401",
    async run(target) {
      const { email } = await newAccount(target);
      const login = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass", { pk: false, body });
      assertJson(
        await login({ email, password: "Wrong-Horse-9-staple" }),
        401,
        INVALID_CREDENTIALS,
      );
      assertJson(
        await login({ email: uniqueV2Email("nobody"), password: PASSWORD }),
        401,
        INVALID_CREDENTIALS,
      );
      await rejects(
        sdkFor(target).auth.login("customer", "emailpass", { email, password: "nope" }),
        401,
        INVALID_CREDENTIALS.message,
      );
    },
  },
  {
    name: "customer create errors: a second create 422, a login token 400, no token 401, bad fields 400",
    async run(target) {
      const { email, registrationToken, token } = await newAccount(target);
      const create = (body: Record<string, unknown>, bearer?: string) =>
        raw(target, "POST", "/store/customers", { token: bearer, body });
      assertJson(await create({ email }, registrationToken), 422, {
        code: "invalid_request_error",
        type: "duplicate_error",
        message: "Customer with this email already has an account",
      });
      assertJson(await create({ email }, token), 400, {
        type: "invalid_data",
        message: "Request already authenticated as a customer.",
      });
      assertJson(await create({ email }), 401, UNAUTHORIZED);

      const sdk = sdkFor(target);
      const fresh = uniqueV2Email();
      const freshToken = await sdk.auth.register("customer", "emailpass", {
        email: fresh,
        password: PASSWORD,
      });
      assertJson(await create({ email: fresh, foo: "bar" }, freshToken), 400, {
        type: "invalid_data",
        message: "Invalid request: Unrecognized fields: 'foo'",
      });
      assertJson(await create({ email: fresh, first_name: 5 }, freshToken), 400, {
        type: "invalid_data",
        message: "Invalid request: Expected type: 'string' for field 'first_name', got: '5'",
      });
      // The token was not used up by the refused requests.
      assert.equal((await sdk.store.customer.create({ email: fresh })).customer.email, fresh);
    },
  },
  {
    name: "publishable key: missing or unknown → 400 on /store/*, not needed on /auth/*",
    async run(target) {
      const { token } = await newAccount(target);
      assertJson(await raw(target, "GET", "/store/customers/me", { pk: false, token }), 400, {
        type: "not_allowed",
        message:
          "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
      });
      const unknown = await raw(target, "GET", "/store/customers/me", {
        token,
        headers: { "x-publishable-api-key": `pk_${"0".repeat(64)}` },
      });
      assertJson(unknown, 400, {
        type: "not_allowed",
        message: "A valid publishable key is required to proceed with the request",
      });
      // The key is checked before authentication.
      assertJson(await raw(target, "GET", "/store/customers/me", { pk: false }), 400, {
        type: "not_allowed",
        message:
          "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
      });
      const providers = await raw(target, "GET", "/auth/customer/providers", { pk: false });
      assert.equal(providers.status, 200, providers.text);
    },
  },
  {
    name: "bad bearer tokens: 401 {message: Unauthorized} on /store/customers/me",
    async run(target) {
      const { token } = await newAccount(target);
      const [header, payload] = token.split(".");
      const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${payload}.`;
      const fresh = sdkFor(target);
      const actorless = await fresh.auth.register("customer", "emailpass", {
        email: uniqueV2Email(),
        password: PASSWORD,
      });
      for (const bad of ["garbage", "not.a.jwt", forged, none, actorless]) {
        assertJson(
          await raw(target, "GET", "/store/customers/me", { token: bad }),
          401,
          UNAUTHORIZED,
        );
      }
      await rejects(fresh.store.customer.retrieve(), 401, "Unauthorized");
    },
  },
  {
    name: "cart → order as the logged-in customer; sdk.store.order.list shows it",
    commerce: true,
    async run(target) {
      const { sdk, email, customer } = await newAccount(target);
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
      const { shipping_options } = await sdk.store.fulfillment.listCartOptions({
        cart_id: cart.id,
      });
      assert.ok(shipping_options.length > 0, "a shipping option");
      ({ cart } = await sdk.store.cart.addShippingMethod(cart.id, {
        option_id: shipping_options[0]!.id,
      }));
      await sdk.store.payment.initiatePaymentSession(cart, { provider_id: "pp_system_default" });
      const done = await sdk.store.cart.complete(cart.id);
      assert.equal(done.type, "order", JSON.stringify(done).slice(0, 300));
      const order = (done as any).order;

      const { orders } = await sdk.store.order.list({ fields: "id,customer_id,email" });
      assert.deepEqual(
        orders.map((entry: any) => [entry.id, entry.customer_id]),
        [[order.id, customer.id]],
      );
    },
  },

  // ---- Where Gatehouse differs from Medusa on purpose (docs/compatibility.md)
  {
    name: "Medusa: logout is client-side only; the JWT stays valid, DELETE /auth/session with a bearer is 401",
    only: "medusa",
    async run(target) {
      const { sdk, token } = await newAccount(target);
      await sdk.auth.logout();
      await rejects(sdk.store.customer.retrieve(), 401, "Unauthorized");
      assertJson(
        await raw(target, "DELETE", "/auth/session", { pk: false, token }),
        401,
        UNAUTHORIZED,
      );
      assert.equal((await raw(target, "GET", "/store/customers/me", { token })).status, 200);
    },
  },
  {
    name: "Gatehouse: DELETE /auth/session with a bearer token revokes it",
    only: "gatehouse",
    async run(target) {
      const { token } = await newAccount(target);
      assertJson(await raw(target, "DELETE", "/auth/session", { pk: false, token }), 200, {
        success: true,
      });
      assertJson(await raw(target, "GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
    },
  },
  {
    name: "Medusa: refresh leaves the old token valid",
    only: "medusa",
    async run(target) {
      const { sdk, token } = await newAccount(target);
      // Medusa's tokens carry seconds: a refresh in the same second gives the very same token.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const { token: next } = await sdk.auth.refresh();
      assert.notEqual(next, token);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token })).status, 200);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token: next })).status, 200);
    },
  },
  {
    name: "Gatehouse: refresh rotates; the replayed old token ends the session",
    only: "gatehouse",
    async run(target) {
      const { sdk, token } = await newAccount(target);
      const { token: next } = await sdk.auth.refresh();
      assert.notEqual(next, token);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token: next })).status, 200);
      assertJson(await raw(target, "GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
      // Reuse of a refreshed token means it leaked: the whole session ends.
      assertJson(
        await raw(target, "GET", "/store/customers/me", { token: next }),
        401,
        UNAUTHORIZED,
      );
      await rejects(sdk.auth.refresh(), 401, "Unauthorized");
    },
  },
  {
    name: "Medusa: the reset token is a JWT (purpose reset, 15 minutes); a login token cannot update",
    only: "medusa",
    async run(target) {
      const { email, token } = await newAccount(target);
      const reset = await target.resetToken(email, () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      const claims = claimsOf(reset);
      assert.equal(claims.purpose, "reset");
      assert.equal(claims.entity_id, email);
      assert.equal(claims.exp - claims.iat, 900);
      const res = await raw(target, "POST", "/auth/customer/emailpass/update", {
        pk: false,
        token,
        body: { password: "Another-Horse-9-staple", old_password: PASSWORD },
      });
      assertJson(res, 401, INVALID_TOKEN);
    },
  },
  {
    name: "Gatehouse: the reset token is random, not a JWT, and arrives through the account event",
    only: "gatehouse",
    async run(target) {
      const { email } = await newAccount(target);
      const reset = await target.resetToken(email, () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      assert.ok(reset.length >= 32, reset);
      assert.equal(reset.split(".").length, 1, "not a JWT");
    },
  },
  {
    name: "Gatehouse: a login token and the old password update the password",
    only: "gatehouse",
    async run(target) {
      const { email, token } = await newAccount(target);
      const update = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass/update", { pk: false, token, body });
      const wrong = await update({ password: "Another-Horse-9-staple", old_password: "nope" });
      assert.equal(wrong.status, 401, wrong.text);
      assertJson(
        await update({ password: "Another-Horse-9-staple", old_password: PASSWORD }),
        200,
        {
          success: true,
        },
      );
      const login = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: "Another-Horse-9-staple",
      });
      assert.equal(typeof login, "string");
    },
  },
  {
    name: "Medusa: emails are case-sensitive (another case is another identity)",
    only: "medusa",
    async run(target) {
      const { email } = await newAccount(target, { email: `Case-${uniqueV2Email()}` });
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass", {
          pk: false,
          body: { email: email.toLowerCase(), password: PASSWORD },
        }),
        401,
        INVALID_CREDENTIALS,
      );
    },
  },
  {
    name: "Gatehouse: emails are case-insensitive (login and registration)",
    only: "gatehouse",
    async run(target) {
      const { email, customer } = await newAccount(target, { email: `Case-${uniqueV2Email()}` });
      const token = await sdkFor(target).auth.login("customer", "emailpass", {
        email: email.toLowerCase(),
        password: PASSWORD,
      });
      assert.equal(claimsOf(token as string).actor_id, customer.id);
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email: email.toUpperCase(), password: "Another-Horse-9-staple" },
        }),
        401,
        { type: "unauthorized", message: "Identity with email already exists" },
      );
    },
  },
];

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

/**
 * Registers one test per scenario of `kind` in a `describe`. `target` is called when a test runs
 * (after the suite's `before` hooks; it may start what it needs itself). `todo` marks them as not
 * yet expected to pass.
 */
export function describeV2Scenarios(
  title: string,
  kind: V2Kind,
  target: () => V2Target | Promise<V2Target>,
  options: { todo?: string; skip?: string | false } = {},
): void {
  describe(title, () => {
    for (const scenario of v2Scenarios) {
      if (scenario.only && scenario.only !== kind) continue;
      it(scenario.name, { todo: options.todo, skip: options.skip || undefined }, async (t) => {
        const against = await target();
        if (scenario.commerce && !against.commerce) {
          t.skip("no store behind this target (cart → order needs Medusa's seeded store)");
          return;
        }
        return scenario.run(against);
      });
    }
  });
}
