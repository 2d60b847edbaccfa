/**
 * The drop-in proof in Node: one table of storefront scenarios, run against a real Gatehouse server
 * with the published @medusajs/medusa-js 6.1.10 (as published, no patches) and with
 * @gatehouse/client. Both are created with `maxRetries: 3`, as medusa-react does, so every POST
 * carries an `Idempotency-Key`.
 *
 * medusa-js keeps no cookies and attaches no JWT in Node, so for it the scenarios do what a
 * server-rendered storefront does: relay the `connect.sid` cookie from `response.headers["set-cookie"]`
 * and send `Authorization: Bearer …` through `customHeaders`. @gatehouse/client keeps both per
 * instance, so for it nothing is forwarded.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Medusa from "@gatehouse/client";
import MedusaJsModule from "@medusajs/medusa-js";
import {
  loggedResetToken,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../testing/server.js";

/**
 * medusa-js's package sends `import` to an ES module whose default export is the client class, but
 * its typings describe the CommonJS build, so TypeScript sees the module object. At run time
 * (tsx, Node) the default import is the class.
 */
const MedusaJs = ((MedusaJsModule as any).default ?? MedusaJsModule) as new (config: {
  baseUrl: string;
  maxRetries: number;
  publishableApiKey?: string;
}) => unknown;

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a brand new passphrase for the shop";
const STORE_ORIGIN = "https://shop.example.com";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const CUSTOMER_KEYS = [
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
];
const LOG_IN_FIRST = "Log in first: send the session cookie or an Authorization: Bearer token";
const SESSION_ENDED = "The session has expired or was revoked; log in again";
const TOKEN_REFUSED =
  "The bearer token is invalid, expired or revoked; get a new one with POST /store/auth/token";

/** The Set-Cookie headers of a resolved value: an axios header object or a fetch `Headers`. */
function setCookies(result: { response: unknown }): string[] {
  const headers = (result.response as { headers: any }).headers;
  if (headers instanceof Headers) return headers.getSetCookie();
  return headers["set-cookie"] ?? [];
}

/** `connect.sid=…` as set by a response, `null` when it expires the cookie, undefined if untouched. */
function sessionCookie(result: { response: unknown }): string | null | undefined {
  const header = setCookies(result).find((cookie) => cookie.startsWith("connect.sid="));
  if (header === undefined) return undefined;
  const pair = header.split(";")[0]!;
  return pair === "connect.sid=" || /;\s*max-age=0/i.test(header) ? null : pair;
}

/** One storefront visitor: a client instance and the credentials the storefront holds for them. */
interface Visitor {
  medusa: Medusa;
  email: string;
  /** `customHeaders` that carry this visitor's cookie and token (empty when the client keeps them). */
  headers(): Record<string, string>;
  /** Takes up the session cookie a response set or expired, as a storefront server relays it. */
  keep(result: { response: unknown }): void;
  /** Uses an access token on the later requests. */
  useToken(token: string): void;
  /** The value of request header `name` sent for `result` (the latest call for @gatehouse/client). */
  sent(result: { response: unknown }, name: string): string | undefined;
}

interface Driver {
  name: string;
  /** Whether the instance keeps the session cookie and the token itself. */
  keepsCredentials: boolean;
  /** The request path as sent, when the client exposes it. */
  sentPath?(result: { response: unknown }): string;
  visitor(baseUrl: string, options?: { publishableApiKey?: string }): Visitor;
}

const medusaJs: Driver = {
  name: "@medusajs/medusa-js 6.1.10",
  keepsCredentials: false,
  sentPath: (result) => (result.response as any).request.path,
  visitor(baseUrl, options = {}) {
    // The scenarios call the methods @gatehouse/client also has, with the same arguments; its
    // type stands in for medusa-js's, whose payload types need the (absent) Medusa server package.
    const medusa = new MedusaJs({ baseUrl, maxRetries: 3, ...options }) as Medusa;
    let cookie: string | undefined;
    let token: string | undefined;
    return {
      medusa,
      email: uniqueEmail("medusa-js"),
      headers: () => ({
        ...(cookie ? { Cookie: cookie } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      }),
      keep(result) {
        const set = sessionCookie(result);
        if (set !== undefined) cookie = set ?? undefined;
      },
      useToken(value) {
        token = value;
      },
      sent(result, name) {
        const headers: Record<string, unknown> = (result.response as any).config.headers;
        const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
        return entry === undefined ? undefined : String(entry[1]);
      },
    };
  },
};

const gatehouse: Driver = {
  name: "@gatehouse/client",
  keepsCredentials: true,
  visitor(baseUrl, options = {}) {
    let last: Headers | undefined;
    const medusa = new Medusa({
      baseUrl,
      maxRetries: 3,
      ...options,
      // The real fetch; only the request headers are noted, for `sent`.
      fetch: (url, init) => {
        last = new Headers(init.headers);
        return fetch(url, init);
      },
    });
    return {
      medusa,
      email: uniqueEmail("gatehouse"),
      headers: () => ({}),
      keep() {},
      useToken() {},
      sent: (_result, name) => last?.get(name) ?? undefined,
    };
  },
};

/** Awaits a call that must reject and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to reject");
}

/** Asserts what medusa-js users read from a failed call: `err.response.status` and `.data`. */
async function expectError(
  promise: Promise<unknown>,
  status: number,
  type: string,
  message?: string | RegExp,
): Promise<any> {
  const err = await rejection(promise);
  assert.equal(err?.response?.status, status, `status of ${err}`);
  assert.equal(typeof err.response.data, "object", "a JSON body");
  assert.equal(err.response.data.type, type);
  assert.equal(typeof err.response.data.message, "string");
  if (typeof message === "string") assert.equal(err.response.data.message, message);
  else if (message) assert.match(err.response.data.message, message);
  return err;
}

interface Scenario {
  name: string;
  run(driver: Driver, server: TestServer): Promise<void>;
}

/** A new visitor who registered (and so is logged in). */
async function registered(driver: Driver, server: TestServer, extra: Record<string, string> = {}) {
  const visitor = driver.visitor(server.url);
  const created = await visitor.medusa.customers.create(
    { email: visitor.email, password: PASSWORD, ...extra },
    visitor.headers(),
  );
  visitor.keep(created);
  return { visitor, customer: created.customer, created };
}

const scenarios: Scenario[] = [
  {
    name: "customers.create registers and logs in, with Medusa's customer shape",
    async run(driver, server) {
      const visitor = driver.visitor(server.url);
      const created = await visitor.medusa.customers.create({
        email: visitor.email.toUpperCase(),
        password: PASSWORD,
        first_name: "Alec",
        last_name: "Reynolds",
        phone: "+45 12 34 56 78",
      });
      assert.equal(created.response.status, 200);
      assert.deepEqual(Object.keys(created).sort(), ["customer", "response"]);
      const { customer } = created;
      assert.deepEqual(Object.keys(customer), [
        ...CUSTOMER_KEYS,
        "billing_address",
        "shipping_addresses",
      ]);
      assert.match(customer.id, /^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.equal(customer.email, visitor.email, "stored lower-cased");
      assert.equal(customer.first_name, "Alec");
      assert.equal(customer.phone, "+45 12 34 56 78");
      assert.equal(customer.has_account, true);
      assert.equal(customer.billing_address, null);
      assert.deepEqual(customer.shipping_addresses, []);

      const cookie = setCookies(created).find((header) => header.startsWith("connect.sid="));
      assert.ok(cookie, "registration sets the session cookie");
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Lax/);
      visitor.keep(created);

      const session = await visitor.medusa.auth.getSession(visitor.headers());
      assert.equal(session.customer.id, customer.id);
      if (!driver.keepsCredentials) {
        // medusa-js in Node keeps no cookie: without the relayed cookie there is no session.
        await expectError(visitor.medusa.auth.getSession(), 401, "unauthorized", LOG_IN_FIRST);
      }
    },
  },
  {
    name: "auth.authenticate starts a new cookie session; auth.getSession reads it",
    async run(driver, server) {
      const { visitor: owner, customer, created } = await registered(driver, server);
      const visitor = driver.visitor(server.url);
      await expectError(
        visitor.medusa.auth.getSession(visitor.headers()),
        401,
        "unauthorized",
        LOG_IN_FIRST,
      );

      const login = await visitor.medusa.auth.authenticate(
        { email: owner.email, password: PASSWORD },
        visitor.headers(),
      );
      assert.equal(login.response.status, 200);
      assert.equal(login.customer.id, customer.id);
      assert.deepEqual(Object.keys(login.customer), [
        ...CUSTOMER_KEYS,
        "orders",
        "shipping_addresses",
      ]);
      assert.deepEqual(login.customer.orders, []);
      assert.deepEqual(login.customer.shipping_addresses, []);
      const cookie = sessionCookie(login);
      assert.ok(cookie, "login sets the session cookie");
      assert.notEqual(cookie, sessionCookie(created), "a new session, with a new id");
      visitor.keep(login);

      const session = await visitor.medusa.auth.getSession(visitor.headers());
      assert.equal(session.response.status, 200);
      assert.equal(session.customer.id, customer.id);
      assert.equal(session.customer.email, owner.email);
      assert.deepEqual(session.customer.orders, []);
      assert.equal(sessionCookie(session), undefined, "reading the session sets no cookie");
      // The registration's session is a different one, and still live.
      assert.equal((await owner.medusa.auth.getSession(owner.headers())).customer.id, customer.id);
    },
  },
  {
    name: "auth.exists is true for registered emails, plain and +-addressed, false otherwise",
    async run(driver, server) {
      const { visitor: plain } = await registered(driver, server);
      const tagged = driver.visitor(server.url);
      const plus = uniqueEmail("shopper+newsletter");
      await tagged.medusa.customers.create({ email: plus, password: PASSWORD });

      const anyone = driver.visitor(server.url);
      assert.equal((await anyone.medusa.auth.exists(plain.email)).exists, true);
      assert.equal((await anyone.medusa.auth.exists(plain.email.toUpperCase())).exists, true);
      const result = await anyone.medusa.auth.exists(plus);
      assert.equal(result.exists, true);
      assert.equal(result.response.status, 200);
      assert.deepEqual(Object.keys(result).sort(), ["exists", "response"]);
      // medusa-js does not URL-encode: the `+` goes literally, and a path's `+` is a plus.
      if (driver.sentPath) assert.equal(driver.sentPath(result), `/store/auth/${plus}`);
      assert.equal((await anyone.medusa.auth.exists(uniqueEmail("nobody"))).exists, false);
      assert.equal((await anyone.medusa.auth.exists(uniqueEmail("nobody+tag"))).exists, false);
    },
  },
  {
    name: "auth.getToken returns a bearer token that authenticates later requests",
    async run(driver, server) {
      const { visitor: owner, customer } = await registered(driver, server);
      const visitor = driver.visitor(server.url);
      const token = await visitor.medusa.auth.getToken({ email: owner.email, password: PASSWORD });
      assert.equal(token.response.status, 200);
      assert.match(token.access_token, JWT);
      assert.equal(token.token_type, "Bearer");
      assert.equal(typeof token.expires_in, "number");
      assert.deepEqual(setCookies(token), [], "a token request sets no cookie");

      if (!driver.keepsCredentials) {
        // medusa-js registers the JWT only when `window` exists: in Node it sends nothing.
        await expectError(visitor.medusa.customers.retrieve(), 401, "unauthorized", LOG_IN_FIRST);
      }
      visitor.useToken(token.access_token);
      const me = await visitor.medusa.customers.retrieve(visitor.headers());
      assert.equal(me.customer.id, customer.id);
      const session = await visitor.medusa.auth.getSession(visitor.headers());
      assert.equal(session.customer.email, owner.email);

      // The token works the same when passed explicitly, from any instance.
      const other = driver.visitor(server.url);
      const explicit = await other.medusa.customers.retrieve({
        Authorization: `Bearer ${token.access_token}`,
      });
      assert.equal(explicit.customer.id, customer.id);
    },
  },
  {
    name: "auth.deleteSession logs out: resolves { response }, expires the cookie, revokes the session",
    async run(driver, server) {
      const { visitor, created } = await registered(driver, server);
      const cookie = sessionCookie(created);
      assert.ok(cookie);

      const logout = await visitor.medusa.auth.deleteSession(visitor.headers());
      assert.equal(logout.response.status, 200);
      assert.deepEqual(Object.keys(logout), ["response"], "not medusa's {0:'O',1:'K'}");
      assert.equal(sessionCookie(logout), null, "an expiring Set-Cookie");
      visitor.keep(logout);
      await expectError(
        visitor.medusa.auth.getSession(visitor.headers()),
        401,
        "unauthorized",
        LOG_IN_FIRST,
      );
      // A copy of the old cookie no longer works.
      await expectError(
        visitor.medusa.auth.getSession({ Cookie: cookie }),
        401,
        "unauthorized",
        SESSION_ENDED,
      );

      // Logging out with a bearer token revokes the token.
      const holder = driver.visitor(server.url);
      const { access_token } = await holder.medusa.auth.getToken({
        email: visitor.email,
        password: PASSWORD,
      });
      holder.useToken(access_token);
      await holder.medusa.auth.deleteSession(holder.headers());
      await expectError(
        holder.medusa.customers.retrieve({ Authorization: `Bearer ${access_token}` }),
        401,
        "unauthorized",
        TOKEN_REFUSED,
      );
    },
  },
  {
    name: "customers.retrieve and customers.update read and change the profile",
    async run(driver, server) {
      const { visitor, customer } = await registered(driver, server, { first_name: "Alec" });
      const me = await visitor.medusa.customers.retrieve(visitor.headers());
      assert.equal(me.response.status, 200);
      assert.deepEqual(me.customer, customer);

      const newEmail = uniqueEmail("Moved").replace("@example.com", "@Example.COM");
      const updated = await visitor.medusa.customers.update(
        {
          first_name: "Laury",
          last_name: "Reynolds",
          phone: "555-0100",
          email: newEmail,
          metadata: { newsletter: true },
        },
        visitor.headers(),
      );
      assert.equal(updated.customer.id, customer.id);
      assert.equal(updated.customer.first_name, "Laury");
      assert.equal(updated.customer.last_name, "Reynolds");
      assert.equal(updated.customer.phone, "555-0100");
      assert.equal(updated.customer.email, newEmail.toLowerCase(), "lower-cased on update too");
      assert.deepEqual(updated.customer.metadata, { newsletter: true });
      assert.deepEqual(updated.customer.shipping_addresses, []);
      assert.deepEqual(
        (await visitor.medusa.customers.retrieve(visitor.headers())).customer,
        updated.customer,
      );

      // The customer logs in with the new email, however it is typed.
      const again = driver.visitor(server.url);
      const login = await again.medusa.auth.authenticate(
        { email: newEmail, password: PASSWORD },
        again.headers(),
      );
      assert.equal(login.customer.id, customer.id);
      again.keep(login);
      assert.equal((await again.medusa.auth.exists(visitor.email)).exists, false);

      // A new password keeps this session and ends the others (a cookie session and a token).
      const { access_token } = await driver
        .visitor(server.url)
        .medusa.auth.getToken({ email: newEmail, password: PASSWORD });
      await visitor.medusa.customers.update({ password: NEW_PASSWORD }, visitor.headers());
      assert.equal(
        (await visitor.medusa.auth.getSession(visitor.headers())).customer.id,
        customer.id,
      );
      await expectError(
        driver
          .visitor(server.url)
          .medusa.customers.retrieve({ Authorization: `Bearer ${access_token}` }),
        401,
        "unauthorized",
        TOKEN_REFUSED,
      );
      await expectError(
        again.medusa.auth.getSession(again.headers()),
        401,
        "unauthorized",
        SESSION_ENDED,
      );
      const fresh = driver.visitor(server.url);
      await fresh.medusa.auth.authenticate({ email: newEmail, password: NEW_PASSWORD });
    },
  },
  {
    name: "customers.addresses: addAddress, updateAddress, deleteAddress",
    async run(driver, server) {
      const { visitor } = await registered(driver, server);
      const added = await visitor.medusa.customers.addresses.addAddress(
        {
          address: {
            first_name: "Celia",
            last_name: "Schumm",
            address_1: "225 Bednar Curve",
            city: "Danielville",
            country_code: "US",
            postal_code: "85137",
            phone: "981-596-6748 x90188",
            company: "Wyman LLC",
            province: "Kentucky",
          },
        },
        visitor.headers(),
      );
      assert.equal(added.response.status, 200);
      const [address, ...rest] = added.customer.shipping_addresses;
      assert.ok(address);
      assert.deepEqual(rest, []);
      assert.match(address.id, /^addr_[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.equal(address.customer_id, added.customer.id);
      assert.equal(address.city, "Danielville");
      assert.equal(address.country_code, "us", "lower-cased, as Medusa does");
      assert.equal(address.address_2, null);

      const updated = await visitor.medusa.customers.addresses.updateAddress(
        address.id,
        { first_name: "Gina", address_2: "Apt. 4" },
        visitor.headers(),
      );
      const [changed] = updated.customer.shipping_addresses;
      assert.equal(changed?.id, address.id);
      assert.equal(changed?.first_name, "Gina");
      assert.equal(changed?.address_2, "Apt. 4");
      assert.equal(changed?.city, "Danielville");

      // Another customer cannot touch it.
      const { visitor: other } = await registered(driver, server);
      await expectError(
        other.medusa.customers.addresses.updateAddress(
          address.id,
          { first_name: "Mallory" },
          other.headers(),
        ),
        404,
        "not_found",
        `Address with id ${address.id} was not found`,
      );
      await expectError(
        other.medusa.customers.addresses.deleteAddress(address.id, other.headers()),
        404,
        "not_found",
      );
      await expectError(
        other.medusa.customers.update({ billing_address: address.id }, other.headers()),
        404,
        "not_found",
        `Address with id ${address.id} was not found`,
      );

      const deleted = await visitor.medusa.customers.addresses.deleteAddress(
        address.id,
        visitor.headers(),
      );
      assert.equal(deleted.response.status, 200);
      assert.deepEqual(deleted.customer.shipping_addresses, []);
    },
  },
  {
    name: "customers.generatePasswordToken resolves { response } (204); resetPassword uses the token",
    async run(driver, server) {
      const { visitor, customer } = await registered(driver, server);
      const anyone = driver.visitor(server.url);
      const from = server.logs.length;
      const requested = await anyone.medusa.customers.generatePasswordToken({
        email: visitor.email,
      });
      assert.equal(requested.response.status, 204);
      assert.deepEqual(Object.keys(requested), ["response"]);
      const unknown = await anyone.medusa.customers.generatePasswordToken({
        email: uniqueEmail("nobody"),
      });
      assert.equal(unknown.response.status, 204, "the same answer for an unknown email");

      const token = await loggedResetToken(server, visitor.email, from);
      const { access_token } = await driver
        .visitor(server.url)
        .medusa.auth.getToken({ email: visitor.email, password: PASSWORD });
      // A new password that breaks the policy is refused without spending the token.
      await expectError(
        anyone.medusa.customers.resetPassword({ email: visitor.email, token, password: "short" }),
        400,
        "invalid_data",
        "password must be at least 8 characters long",
      );
      const reset = await anyone.medusa.customers.resetPassword({
        email: visitor.email,
        token,
        password: NEW_PASSWORD,
      });
      assert.equal(reset.response.status, 200);
      assert.deepEqual(Object.keys(reset.customer), CUSTOMER_KEYS, "scalars only, as Medusa");
      assert.equal(reset.customer.id, customer.id);
      assert.equal(sessionCookie(reset), undefined, "a reset does not log in");

      // Every session and token ended; the new password works; the reset token is spent.
      await expectError(
        visitor.medusa.auth.getSession(visitor.headers()),
        401,
        "unauthorized",
        SESSION_ENDED,
      );
      await expectError(
        anyone.medusa.customers.retrieve({ Authorization: `Bearer ${access_token}` }),
        401,
        "unauthorized",
        TOKEN_REFUSED,
      );
      const login = await anyone.medusa.auth.authenticate({
        email: visitor.email,
        password: NEW_PASSWORD,
      });
      assert.equal(login.customer.id, customer.id);
      await expectError(
        anyone.medusa.customers.resetPassword({
          email: visitor.email,
          token,
          password: "yet another passphrase",
        }),
        401,
        "unauthorized",
        "Invalid or expired password reset token",
      );
    },
  },
  {
    name: "failures reject with err.response.status and err.response.data { type, message }",
    async run(driver, server) {
      const { visitor } = await registered(driver, server);
      const anyone = driver.visitor(server.url);

      // 400: validation, in class-validator's words.
      await expectError(
        anyone.medusa.customers.create({ email: "not-an-email", password: PASSWORD }),
        400,
        "invalid_data",
        "email must be an email",
      );
      // New passwords meet the policy; an empty one no longer creates a guest.
      for (const password of ["", "short"]) {
        await expectError(
          anyone.medusa.customers.create({ email: uniqueEmail("short"), password }),
          400,
          "invalid_data",
          "password must be at least 8 characters long",
        );
      }
      await expectError(
        anyone.medusa.auth.authenticate({ email: visitor.email, password: "" }),
        400,
        "invalid_data",
        "password should not be empty",
      );

      // 401: wrong credentials, and no credentials.
      const wrong = await expectError(
        anyone.medusa.auth.authenticate({ email: visitor.email, password: "not the password" }),
        401,
        "unauthorized",
        "Wrong email or password",
      );
      // medusa-js rejects with axios's own message; @gatehouse/client with the server's.
      assert.equal(
        wrong.message,
        driver.keepsCredentials ? "Wrong email or password" : "Request failed with status code 401",
      );
      await expectError(
        anyone.medusa.auth.getToken({ email: uniqueEmail("nobody"), password: PASSWORD }),
        401,
        "unauthorized",
        "Wrong email or password",
      );
      await expectError(anyone.medusa.customers.retrieve(), 401, "unauthorized", LOG_IN_FIRST);
      await expectError(
        anyone.medusa.customers.retrieve({ Authorization: "Bearer not.a.token" }),
        401,
        "unauthorized",
        TOKEN_REFUSED,
      );

      // 422: an email that already has an account.
      const duplicate = await expectError(
        anyone.medusa.customers.create({ email: visitor.email.toUpperCase(), password: PASSWORD }),
        422,
        "duplicate_error",
        "A customer with the given email already has an account. Log in instead",
      );
      assert.equal(duplicate.response.data.code, "invalid_request_error");
    },
  },
  {
    name: "with maxRetries: 3, POSTs carry an Idempotency-Key; a publishable key is accepted",
    async run(driver, server) {
      const owner = driver.visitor(server.url, { publishableApiKey: "pk_01HTEST" });
      const created = await owner.medusa.customers.create(
        { email: owner.email, password: PASSWORD },
        { Origin: STORE_ORIGIN },
      );
      owner.keep(created);
      const createKey = owner.sent(created, "idempotency-key");
      assert.match(createKey ?? "", UUID);
      assert.equal(owner.sent(created, "x-publishable-api-key"), "pk_01HTEST");
      assert.equal(created.response.status, 200);

      const login = await owner.medusa.auth.authenticate(
        { email: owner.email, password: PASSWORD },
        owner.headers(),
      );
      const loginKey = owner.sent(login, "idempotency-key");
      assert.match(loginKey ?? "", UUID);
      assert.notEqual(loginKey, createKey, "a new key for each call");
      owner.keep(login);

      const session = await owner.medusa.auth.getSession(owner.headers());
      assert.equal(owner.sent(session, "idempotency-key"), undefined, "none on GET");
      assert.equal(session.customer.email, owner.email);
    },
  },
];

for (const driver of [medusaJs, gatehouse]) {
  describe(`storefront scenarios with ${driver.name}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({ env: { STORE_CORS: STORE_ORIGIN } });
    });

    after(async () => {
      await server?.stop();
    });

    for (const scenario of scenarios) {
      it(scenario.name, () => scenario.run(driver, server));
    }
  });
}

describe("medusa-js beyond the scenario table", () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ env: { STORE_CORS: STORE_ORIGIN } });
  });

  after(async () => {
    await server?.stop();
  });

  it("customers.listOrders and customers.paymentMethods.list reject with a 404 not_found", async () => {
    const { visitor } = await registered(medusaJs, server);
    const medusa = visitor.medusa as any;
    await expectError(
      medusa.customers.listOrders({}, visitor.headers()),
      404,
      "not_found",
      "Cannot GET /store/customers/me/orders: no such route",
    );
    await expectError(
      medusa.customers.paymentMethods.list(visitor.headers()),
      404,
      "not_found",
      "Cannot GET /store/customers/me/payment-methods: no such route",
    );
  });

  it("auth.exists breaks on emails with / ? # or %, which medusa-js puts in the path unencoded", async () => {
    const stamp = Date.now().toString(36);
    const emails = ["/", "?", "#", "%"].map((c) => `shop${c}per-${stamp}@example.com`);
    const ours = gatehouse.visitor(server.url);
    for (const email of emails) {
      await ours.medusa.customers.create({ email, password: PASSWORD });
      assert.equal((await ours.medusa.auth.exists(email)).exists, true, email);
    }
    const theirs = medusaJs.visitor(server.url).medusa;
    const [slash, question, hash, percent] = emails as [string, string, string, string];
    await expectError(theirs.auth.exists(slash), 404, "not_found");
    assert.equal((await theirs.auth.exists(question)).exists, false);
    assert.equal((await theirs.auth.exists(hash)).exists, false);
    await expectError(
      theirs.auth.exists(percent),
      400,
      "invalid_data",
      "The URL is malformed (invalid percent-encoding)",
    );
  });

  const preflight = (origin: string, method: string, path: string) =>
    fetch(new URL(path, server.url), {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "idempotency-key,x-publishable-api-key,content-type",
      },
    });

  it("a CORS preflight for medusa-js's headers from an allowed origin is answered 204, allowing them", async () => {
    for (const [method, path] of [
      ["POST", "/store/auth"],
      ["GET", "/store/auth"],
      ["DELETE", "/store/auth"],
      ["POST", "/store/customers/me/addresses/addr_01HZZZZZZZZZZZZZZZZZZZZZZZ"],
    ] as const) {
      const res = await preflight(STORE_ORIGIN, method, path);
      assert.equal(res.status, 204, `${method} ${path}`);
      assert.equal(res.headers.get("access-control-allow-origin"), STORE_ORIGIN);
      assert.equal(res.headers.get("access-control-allow-credentials"), "true");
      const allowed = (res.headers.get("access-control-allow-headers") ?? "")
        .toLowerCase()
        .split(/\s*,\s*/);
      for (const header of ["idempotency-key", "x-publishable-api-key", "content-type"]) {
        assert.ok(allowed.includes(header), `${header} allowed for ${method} ${path}`);
      }
      const methods = (res.headers.get("access-control-allow-methods") ?? "").split(/\s*,\s*/);
      assert.ok(methods.includes(method), `${method} allowed`);
    }
  });

  it("a preflight from another origin gets no CORS headers", async () => {
    const res = await preflight("https://elsewhere.example.com", "POST", "/store/auth");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
    // Medusa's answer: 204 without CORS headers (the browser then blocks the request).
    assert.equal(res.status, 204);
  });
});
