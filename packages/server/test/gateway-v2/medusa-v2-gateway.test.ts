/**
 * Gatehouse in v2 mode in front of the real Medusa v2, over real HTTP, with Medusa answering
 * directly beside it: customers Medusa made log in through Gatehouse; every spelling of an email
 * (case, fullwidth) is one identity, even in a burst; what Gatehouse writes
 * (passwords, resets, addresses) is what Medusa's own login and routes see (rollback safety);
 * a logout, a refresh or a password change revokes the other tokens on Gatehouse's routes and
 * Medusa's alike, and an expired token is a guest's there; a token forged with Medusa's secret
 * authenticates nobody; Medusa's errors and outages reach the client
 * as documented; and `GET /store/customers/me?fields=*orders` is Medusa's answer while the plain
 * /me stays Gatehouse's. Gatehouse's own database is the backend's of this run.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { request, type RequestOptions } from "../../../../testing/http.js";
import {
  medusaV2Skip,
  queryMedusaV2,
  startGatewayV2,
  testMedusaV2,
  type TestMedusaV2,
} from "../../../../testing/medusa-v2.js";
import { relayTo, type Relay } from "../../../../testing/relay.js";
import { storedSessions } from "../../../../testing/sessions.js";
import { emailVariant, startServer, type TestServer } from "../../../../testing/server.js";
import {
  CUSTOMER_KEYS,
  INVALID_CREDENTIALS,
  INVALID_TOKEN,
  PASSWORD,
  UNAUTHORIZED,
  V2_ADDRESS,
  assertJson,
  claimsOf,
  gatehouseTarget,
  newAccount,
  placeOrder,
  raw,
  sdkFor,
  signedInThrice,
  type V2Target,
} from "../../../../testing/v2-storefront.js";

const NEW_PASSWORD = "Another-Horse-9-staple";
const RESET_PASSWORD = "Third-Horse-9-staple";

describe("Gatehouse in front of Medusa v2: the issue's checks", { skip: medusaV2Skip }, () => {
  let medusa: TestMedusaV2;
  let relay: Relay;
  let server: TestServer;
  let target: V2Target;
  let regionId: string;
  /** Straight to Medusa, with its publishable key. */
  const direct = (method: string, path: string, options: RequestOptions = {}) =>
    request(medusa.url, method, path, {
      ...options,
      headers: { "x-publishable-api-key": medusa.publishableKey, ...options.headers },
    });
  /** Through Gatehouse, with the publishable key. */
  const through = (method: string, path: string, options: RequestOptions & { pk?: boolean } = {}) =>
    raw(target, method, path, options);
  /** Medusa's own login (what a rollback would use): its status and token. */
  const medusaLogin = async (email: string, password: string) => {
    const res = await direct("POST", "/auth/customer/emailpass", { body: { email, password } });
    return { status: res.status, body: res.body, token: res.body?.token as string | undefined };
  };
  /** What Medusa received through the relay since `from`. */
  const medusaSaw = (from: number) => relay.sent().slice(from);

  before(async () => {
    medusa = testMedusaV2();
    relay = await relayTo(medusa.url, { record: true });
    server = await startGatewayV2({ env: { MEDUSA_BACKEND_URL: relay.url } });
    target = gatehouseTarget(server, { publishableKey: medusa.publishableKey, commerce: true });
    const regions = await direct("GET", "/store/regions");
    regionId = regions.body.regions.find(
      (region: { name: string }) => region.name === "Gatehouse EU",
    ).id;
  });
  after(async () => {
    await server?.stop();
    await relay?.close();
  });

  it("a customer Medusa created (mixed-case email) logs in through Gatehouse, as typed and lower-cased", async () => {
    const email = `Mixed-Case-${randomBytes(5).toString("hex")}@Example.COM`;
    const registered = await direct("POST", "/auth/customer/emailpass/register", {
      body: { email, password: PASSWORD },
    });
    assert.equal(registered.status, 200, registered.text);
    const created = await direct("POST", "/store/customers", {
      body: { email, first_name: "Made", last_name: "ByMedusa" },
      token: registered.body.token,
    });
    assert.equal(created.status, 200, created.text);
    const customer = created.body.customer;

    for (const typed of [email, email.toLowerCase()]) {
      const login = await through("POST", "/auth/customer/emailpass", {
        pk: false,
        body: { email: typed, password: PASSWORD },
      });
      assert.equal(login.status, 200, `${typed}: ${login.text}`);
      assert.equal(claimsOf(login.body.token).actor_id, customer.id);
      const me = await through("GET", "/store/customers/me", { token: login.body.token });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(
        { ...me.body.customer, updated_at: undefined },
        { ...customer, updated_at: undefined },
      );
    }
    const wrong = await through("POST", "/auth/customer/emailpass", {
      pk: false,
      body: { email: email.toLowerCase(), password: NEW_PASSWORD },
    });
    assertJson(wrong, 401, INVALID_CREDENTIALS);
  });

  it("50 concurrent registrations of spellings of one email (case, fullwidth): one identity, found by every spelling and by Medusa's own login as typed", async () => {
    const email = `burst-${randomBytes(5).toString("hex")}@example.com`;
    const spellings = Array.from({ length: 50 }, (_, i) => emailVariant(email, i));
    const answers = await Promise.all(
      spellings.map((spelling) =>
        through("POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email: spelling, password: PASSWORD },
        }),
      ),
    );
    // The one creation, and registrations again with its password after it: one identity.
    const made = answers.filter((res) => res.status === 200);
    const identities = new Set(made.map((res) => claimsOf(res.body.token).auth_identity_id));
    assert.equal(identities.size, 1, String(answers.map((res) => res.status)));
    // The others: beaten to the creation, or registering again as a login would (throttled).
    for (const res of answers.filter((one) => one.status !== 200)) {
      assert.ok([401, 429].includes(res.status), res.text);
      if (res.status === 401) assert.equal(res.body.message, "Identity with email already exists");
    }
    const rows = await queryMedusaV2<{ entity_id: string; auth_identity_id: string }>(
      `select entity_id, auth_identity_id from provider_identity
       where lower(normalize(entity_id, NFKC)) = $1`,
      [email],
    );
    assert.equal(rows.length, 1);
    const [identity] = identities;
    assert.equal(rows[0]!.auth_identity_id, identity);
    for (const spelling of [email, email.toUpperCase(), ...spellings.slice(40)]) {
      const login = await through("POST", "/auth/customer/emailpass", {
        pk: false,
        body: { email: spelling, password: PASSWORD },
      });
      assert.equal(login.status, 200, `${spelling}: ${login.text}`);
      assert.equal(claimsOf(login.body.token).auth_identity_id, identity);
    }
    // Medusa compares exactly: the spelling stored (as typed) logs in at Medusa itself.
    const theirs = await medusaLogin(rows[0]!.entity_id, PASSWORD);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.equal(claimsOf(theirs.token!).auth_identity_id, identity);
  });

  it("refuses (400) an email whose key PostgreSQL computes differently from Gatehouse, and stores nothing", async () => {
    // İ (U+0130): JavaScript lower-cases it to i + U+0307, PostgreSQL in this locale to i.
    const email = `\u0130nci-${randomBytes(5).toString("hex")}@example.com`;
    const res = await through("POST", "/auth/customer/emailpass/register", {
      pk: false,
      body: { email, password: PASSWORD },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.type, "invalid_data");
    assert.match(res.body.message, /^email cannot be used with this store: Medusa's database/);
    const rows = await queryMedusaV2("select id from provider_identity where entity_id = $1", [
      email,
    ]);
    assert.deepEqual(rows, []);
  });

  it("rollback: Medusa's own login takes the password set through Gatehouse, changed, then reset", async () => {
    const account = await newAccount(target);
    const { email, customer } = account;
    const first = await medusaLogin(email, PASSWORD);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(claimsOf(first.token!).actor_id, customer.id);
    const mine = await direct("GET", "/store/customers/me", { token: first.token });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.customer.id, customer.id);

    // A change with a login token and the old password.
    const changed = await through("POST", "/auth/customer/emailpass/update", {
      pk: false,
      token: account.token,
      body: { password: NEW_PASSWORD, old_password: PASSWORD },
    });
    assertJson(changed, 200, { success: true });
    assert.equal((await medusaLogin(email, NEW_PASSWORD)).status, 200);
    assert.deepEqual((await medusaLogin(email, PASSWORD)).body, INVALID_CREDENTIALS);

    // A reset: the token of the account event, then update with it as the bearer token.
    const resetToken = await target.resetToken(email, async () => {
      const asked = await through("POST", "/auth/customer/emailpass/reset-password", {
        pk: false,
        body: { identifier: email },
      });
      assert.equal(asked.status, 201, asked.text);
    });
    const reset = await through("POST", "/auth/customer/emailpass/update", {
      pk: false,
      token: resetToken,
      body: { password: RESET_PASSWORD },
    });
    assertJson(reset, 200, { success: true });
    const afterReset = await medusaLogin(email, RESET_PASSWORD);
    assert.equal(afterReset.status, 200, JSON.stringify(afterReset.body));
    assert.equal(claimsOf(afterReset.token!).actor_id, customer.id);
    assert.deepEqual((await medusaLogin(email, NEW_PASSWORD)).body, INVALID_CREDENTIALS);
  });

  it("rollback: an identity Medusa registered without a customer resets through Gatehouse; Medusa's own login takes the new password", async () => {
    const email = `No-Customer-${randomBytes(5).toString("hex")}@example.com`;
    const registered = await direct("POST", "/auth/customer/emailpass/register", {
      body: { email, password: PASSWORD },
    });
    assert.equal(registered.status, 200, registered.text);
    const identityId = claimsOf(registered.body.token).auth_identity_id as string;
    const resetToken = await target.resetToken(email, async () => {
      const asked = await through("POST", "/auth/customer/emailpass/reset-password", {
        pk: false,
        body: { identifier: email },
      });
      assert.equal(asked.status, 201, asked.text);
    });
    const update = () =>
      through("POST", "/auth/customer/emailpass/update", {
        pk: false,
        token: resetToken,
        body: { password: RESET_PASSWORD },
      });
    assertJson(await update(), 200, { success: true });
    assertJson(await update(), 401, INVALID_TOKEN);
    const theirs = await medusaLogin(email, RESET_PASSWORD);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.equal(claimsOf(theirs.token!).actor_id, "");
    assert.equal(claimsOf(theirs.token!).auth_identity_id, identityId);
    assert.deepEqual((await medusaLogin(email, PASSWORD)).body, INVALID_CREDENTIALS);
    // Medusa creates the customer with its own token; the password stays the reset one.
    const created = await direct("POST", "/store/customers", {
      body: { email },
      token: theirs.token,
    });
    assert.equal(created.status, 200, created.text);
    const ours = await through("POST", "/auth/customer/emailpass", {
      pk: false,
      body: { email, password: RESET_PASSWORD },
    });
    assert.equal(ours.status, 200, ours.text);
    assert.equal(claimsOf(ours.body.token).actor_id, created.body.customer.id);
  });

  it("rollback: addresses added through Gatehouse are Medusa's, default flags included", async () => {
    const { email, token, customer } = await newAccount(target);
    const add = (body: Record<string, unknown>) =>
      through("POST", "/store/customers/me/addresses", { token, body });
    const home = await add({ ...V2_ADDRESS, address_name: "Home", is_default_shipping: true });
    assert.equal(home.status, 200, home.text);
    // The office takes the shipping default from home, and is the billing default.
    const office = await add({
      ...V2_ADDRESS,
      address_1: "2 Office Rd",
      address_name: "Office",
      is_default_shipping: true,
      is_default_billing: true,
    });
    assert.equal(office.status, 200, office.text);
    const ours = office.body.customer.addresses;

    const login = await medusaLogin(email, PASSWORD);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const theirs = await direct("GET", "/store/customers/me", { token: login.token });
    assert.equal(theirs.status, 200, theirs.text);
    assert.equal(theirs.body.customer.id, customer.id);
    const summary = (addresses: any[]) =>
      addresses
        .map((address) => [
          address.address_name,
          address.address_1,
          address.city,
          address.country_code,
          address.is_default_shipping,
          address.is_default_billing,
        ])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(summary(theirs.body.customer.addresses), [
      ["Home", "1 Harbour St", "Berlin", "de", false, false],
      ["Office", "2 Office Rd", "Berlin", "de", true, true],
    ]);
    const ids = (addresses: any[]) => addresses.map((address) => address.id).sort();
    assert.deepEqual(ids(theirs.body.customer.addresses), ids(ours));
  });

  it("logout revokes the token everywhere: 401 on Gatehouse's /me, a guest on Medusa's routes", async () => {
    const { token } = await newAccount(target);
    assert.equal((await through("GET", "/store/orders", { token })).status, 200);
    assertJson(await through("DELETE", "/auth/session", { pk: false, token }), 200, {
      success: true,
    });
    assertJson(await through("GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
    assertJson(await through("GET", "/store/orders", { token }), 401, UNAUTHORIZED);
    const cart = await through("POST", "/store/carts", { token, body: { region_id: regionId } });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, null);
  });

  it("refresh: the replaced token is revoked everywhere (and its replay ends the session)", async () => {
    const { token } = await newAccount(target);
    const refreshed = await through("POST", "/auth/token/refresh", { pk: false, token });
    assert.equal(refreshed.status, 200, refreshed.text);
    const next = refreshed.body.token as string;
    assert.equal((await through("GET", "/store/orders", { token: next })).status, 200);
    assertJson(await through("GET", "/store/orders", { token }), 401, UNAUTHORIZED);
    assertJson(await through("GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
    // The old token came back: it leaked, so its session is over, the new token with it.
    assertJson(await through("GET", "/store/orders", { token: next }), 401, UNAUTHORIZED);
    assertJson(await through("GET", "/store/customers/me", { token: next }), 401, UNAUTHORIZED);
  });

  it("a password change ends the other sessions on Medusa's routes too; Medusa's own login takes the new password", async () => {
    const { account, a, b, c } = await signedInThrice(target);
    const others = [{ token: b }, { cookie: c }];
    for (const credential of [{ token: a }, ...others]) {
      assert.equal((await through("GET", "/store/orders", credential)).status, 200);
    }
    const changed = await through("POST", "/auth/customer/emailpass/update", {
      pk: false,
      token: a,
      body: { password: NEW_PASSWORD, old_password: account.password },
    });
    assertJson(changed, 200, { success: true });

    for (const credential of others) {
      assertJson(await through("GET", "/store/customers/me", credential), 401, UNAUTHORIZED);
      assertJson(await through("GET", "/store/orders", credential), 401, UNAUTHORIZED);
      const from = relay.sent().length;
      const cart = await through("POST", "/store/carts", {
        ...credential,
        body: { region_id: regionId },
      });
      assert.equal(cart.status, 200, cart.text);
      assert.equal(cart.body.cart.customer_id, null);
      // Forwarded as a guest: Medusa got no token (and never the client's credentials).
      assert.doesNotMatch(medusaSaw(from), /\r\n(authorization|cookie):/i);
    }
    // The caller's token lives on, on Gatehouse's routes and Medusa's.
    assert.equal((await through("GET", "/store/customers/me", { token: a })).status, 200);
    const cart = await through("POST", "/store/carts", {
      token: a,
      body: { region_id: regionId },
    });
    assert.equal(cart.body.cart?.customer_id, account.customer.id, cart.text);
    assert.equal((await storedSessions(server, account.customer.id)).length, 1);

    const theirs = await medusaLogin(account.email, NEW_PASSWORD);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.equal(claimsOf(theirs.token!).actor_id, account.customer.id);
    assert.deepEqual(
      (await medusaLogin(account.email, account.password)).body,
      INVALID_CREDENTIALS,
    );
  });

  it("a token forged with Medusa's secret (v2 claims, even a live session's) authenticates nobody", async () => {
    const { token, customer } = await newAccount(target);
    // Every claim of a real login token, the session's included, signed as Medusa signs.
    const forged = await new SignJWT(claimsOf(token))
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(medusa.jwtSecret));
    const atMedusa = await direct("GET", "/store/customers/me", { token: forged });
    assert.equal(atMedusa.status, 200, "Medusa itself takes the forgery");
    assert.equal(atMedusa.body.customer.id, customer.id);

    assertJson(await through("GET", "/store/customers/me", { token: forged }), 401, UNAUTHORIZED);
    assertJson(await through("GET", "/store/orders", { token: forged }), 401, UNAUTHORIZED);
    const cart = await through("POST", "/store/carts", {
      token: forged,
      body: { region_id: regionId },
    });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, null);
    // The real token still works: the forgery ended nothing.
    assert.equal((await through("GET", "/store/customers/me", { token })).status, 200);
  });

  it("passes Medusa's errors through unchanged (status, body, content type)", async () => {
    const { token } = await newAccount(target);
    const cases: Array<[string, string, RequestOptions]> = [
      ["POST", "/store/carts", { token, body: { region_id: "reg_does_not_exist" } }],
      ["GET", "/store/products/prod_does_not_exist", {}],
      ["POST", "/store/carts", { body: { region_id: regionId, not_a_field: 1 } }],
    ];
    for (const [method, path, options] of cases) {
      const theirs = await direct(method, path, { ...options, token: undefined });
      const ours = await through(method, path, options);
      assert.ok(theirs.status >= 400, `${path}: ${theirs.status} ${theirs.text}`);
      assert.equal(ours.status, theirs.status, `${method} ${path}: ${ours.text}`);
      assert.deepEqual(ours.body, theirs.body);
      assert.equal(ours.headers.get("content-type"), theirs.headers.get("content-type"));
    }
  });

  it("GET /store/customers/me?fields=*orders is Medusa's answer with the order; the plain /me is Gatehouse's", async () => {
    const account = await newAccount(target);
    const orderId = await placeOrder(account);

    // Fields Gatehouse holds: answered by Gatehouse, Medusa never asked.
    const from = relay.sent().length;
    for (const query of ["", "?fields=*addresses,%2Bemail,addresses.city", "?fields=id,email"]) {
      const me = await through("GET", `/store/customers/me${query}`, { token: account.token });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(Object.keys(me.body.customer), CUSTOMER_KEYS, query);
    }
    assert.doesNotMatch(medusaSaw(from), /\/store\/customers\/me/);

    // What Medusa's Next.js starter asks: the customer with their orders, as the js-sdk sends it.
    const { customer } = await account.sdk.store.customer.retrieve({ fields: "*orders" });
    assert.equal(customer.id, account.customer.id);
    assert.ok(Array.isArray((customer as any).orders), "Medusa answered, with the orders");
    assert.deepEqual(
      (customer as any).orders.map((order: any) => order.id),
      [orderId],
    );
    assert.match(medusaSaw(from), /^GET \/store\/customers\/me\?fields=(\*|%2A)orders HTTP/m);

    // No customer, no forwarding: Gatehouse's 401.
    const sent = relay.sent().length;
    assertJson(await through("GET", "/store/customers/me?fields=*orders"), 401, UNAUTHORIZED);
    assert.equal(medusaSaw(sent), "");
  });

  it("without Medusa (standalone v2), /me?fields=*orders answers Gatehouse's default fields", async () => {
    const standalone = await startServer({ env: { MEDUSA_VERSION: "2" } });
    try {
      const alone = gatehouseTarget(standalone, { publishableKey: "pk_any", commerce: false });
      const { sdk } = await newAccount(alone);
      const { customer } = await sdk.store.customer.retrieve({ fields: "*orders" });
      assert.deepEqual(Object.keys(customer), CUSTOMER_KEYS);
    } finally {
      await standalone.stop();
    }
  });

  it("Medusa down: forwarded routes answer 502 JSON, /ready 503 names medusa, Gatehouse's own routes work", async () => {
    let down = await relayTo(medusa.url);
    const port = Number(new URL(down.url).port);
    const gateway = await startGatewayV2({
      env: { MEDUSA_BACKEND_URL: down.url, MEDUSA_TIMEOUT: "5s" },
    });
    try {
      const at = gatehouseTarget(gateway, {
        publishableKey: medusa.publishableKey,
        commerce: true,
      });
      const { token, email } = await newAccount(at);
      assert.equal((await raw(at, "GET", "/ready")).status, 200);

      await down.close();
      for (const path of ["/store/products", "/store/customers/me?fields=*orders"]) {
        const res = await raw(at, "GET", path, { token });
        assert.equal(res.status, 502, `${path}: ${res.text}`);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        assert.equal(res.body.type, "unknown_error");
        assert.equal(res.body.code, "bad_gateway");
        assert.match(res.body.message, /Medusa/);
      }
      const ready = await raw(at, "GET", "/ready");
      assert.equal(ready.status, 503, ready.text);
      assert.equal(ready.body.checks.medusa, "unavailable");
      // Gatehouse's own routes: the customers are in Medusa's database, which is up.
      assert.equal((await raw(at, "GET", "/store/customers/me", { token })).status, 200);
      const login = await sdkFor(at).auth.login("customer", "emailpass", {
        email,
        password: PASSWORD,
      });
      assert.equal(typeof login, "string");

      down = await relayTo(medusa.url, { port });
      assert.equal((await raw(at, "GET", "/store/products")).status, 200);
      assert.equal((await raw(at, "GET", "/ready")).status, 200);
    } finally {
      await gateway.stop();
      await down.close();
    }
  });
});

describe("Gatehouse in front of Medusa v2: an expired token", { skip: medusaV2Skip }, () => {
  let medusa: TestMedusaV2;
  let relay: Relay;
  let server: TestServer;
  let target: V2Target;
  const through = (method: string, path: string, options: RequestOptions = {}) =>
    raw(target, method, path, options);

  before(async () => {
    medusa = testMedusaV2();
    relay = await relayTo(medusa.url, { record: true });
    // Tokens (and the sessions behind them) live a second: not revoked, only expired.
    server = await startGatewayV2({ env: { MEDUSA_BACKEND_URL: relay.url, JWT_TTL: "1s" } });
    target = gatehouseTarget(server, { publishableKey: medusa.publishableKey, commerce: true });
  });
  after(async () => {
    await server?.stop();
    await relay?.close();
  });

  it("is a guest's on GET /store/products and POST /store/carts, and 401 on /store/orders", async () => {
    const { token, customer } = await newAccount(target);
    const claims = claimsOf(token);
    assert.equal(claims.actor_id, customer.id);
    assert.equal(claims.exp - claims.iat, 1);
    await new Promise((resolve) => setTimeout(resolve, (claims.exp + 1) * 1000 - Date.now()));

    const regions = await through("GET", "/store/regions");
    const regionId = regions.body.regions.find(
      (region: { name: string }) => region.name === "Gatehouse EU",
    ).id;
    const from = relay.sent().length;
    const products = await through("GET", "/store/products?handle=gatehouse-tee", { token });
    assert.equal(products.status, 200, products.text);
    assert.equal(products.body.products[0]?.handle, "gatehouse-tee");
    const cart = await through("POST", "/store/carts", { token, body: { region_id: regionId } });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, null);
    assertJson(await through("GET", "/store/orders", { token }), 401, UNAUTHORIZED);
    const sent = relay.sent().slice(from);
    for (const line of ["GET /store/products", "POST /store/carts", "GET /store/orders"]) {
      assert.ok(sent.includes(line), `${line} was forwarded`);
    }
    assert.doesNotMatch(sent, /\r\nauthorization:/i, "as a guest: no token for Medusa");
    assertJson(await through("GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
  });
});
