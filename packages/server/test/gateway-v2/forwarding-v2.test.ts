/**
 * The gateway in front of a real Medusa v2 (MEDUSA_VERSION=2): a forwarded request carries the
 * customer as a Medusa v2 token (its claims, its secret, a minute's life), the publishable key
 * passes, and nothing of the client's own credentials does: not a token forged with Medusa's
 * secret, not Medusa's own `connect.sid` (what Medusa receives is read from a recording relay).
 * Credentials that name no live session make the request a guest's, never an error. The
 * customer's session is stored directly (through the stores, as the server would), so these
 * tests do not depend on the v2 login routes.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import pino from "pino";
import { request, type RequestOptions } from "../../../../testing/http.js";
import { medusaV2OrSkip, type TestMedusaV2 } from "../../../../testing/medusa-v2-db.js";
import { relayTo, type Relay } from "../../../../testing/relay.js";
import { startServer, type TestServer } from "../../../../testing/server.js";
import { loadConfig } from "../../src/config.js";
import type { Customer } from "../../src/domain.js";
import { hashSecretToken, newId, newSecretToken } from "../../src/services/ids.js";
import { openStores, type OpenedStores } from "../../src/stores/open-stores.js";

const target = medusaV2OrSkip();
const ulidish = () => randomBytes(13).toString("hex").toUpperCase().slice(0, 26);
/** The head of the last request Medusa received that starts with `line` ("POST /store/carts"). */
function requestHead(sent: string, line: string): string {
  const at = sent.lastIndexOf(`${line}`);
  assert.ok(at >= 0, `Medusa received no ${line}`);
  return sent.slice(at, sent.indexOf("\r\n\r\n", at));
}
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("the gateway in front of Medusa v2", { skip: target.skip }, () => {
  const medusa = (target as { medusa: TestMedusaV2 }).medusa;
  let relay: Relay;
  let server: TestServer;
  let stores: OpenedStores;
  let customer: Customer;
  let cookie: string;
  let regionId: string;
  const key = { "x-publishable-api-key": medusa.publishableKey };
  const through = (method: string, path: string, options: RequestOptions = {}) =>
    request(server.url, method, path, { ...options, headers: { ...key, ...options.headers } });
  const direct = (method: string, path: string, options: RequestOptions = {}) =>
    request(medusa.url, method, path, { ...options, headers: { ...key, ...options.headers } });

  /** A live cookie session of `customerId`, stored as the server stores one; its cookie header. */
  async function sessionCookie(customerId: string): Promise<{ cookie: string; id: string }> {
    const token = newSecretToken();
    const now = Date.now();
    const id = newId("sess");
    await stores.sessions.create(
      {
        id,
        customer_id: customerId,
        kind: "cookie",
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3_600_000,
        user_agent: null,
        token_version: 0,
      },
      hashSecretToken(server.env.COOKIE_SECRET!, token),
    );
    return { cookie: `${server.env.SESSION_COOKIE_NAME ?? "connect.sid"}=${token}`, id };
  }

  before(async () => {
    relay = await relayTo(medusa.url, { record: true });
    server = await startServer({
      env: {
        MEDUSA_VERSION: "2",
        MEDUSA_BACKEND_URL: relay.url,
        MEDUSA_JWT_SECRET: medusa.jwtSecret,
        MEDUSA_DATABASE_URL: medusa.databaseUrl,
      },
    });
    stores = await openStores(loadConfig(server.env), pino({ level: "silent" }));
    const created = await stores.customers.create({
      id: `cus_${ulidish()}`,
      email: `gateway-v2-${randomBytes(5).toString("hex")}@example.com`,
      first_name: "Gate",
      last_name: "Way",
      phone: null,
      company_name: null,
      metadata: null,
      has_account: true,
      password_hash: "not-a-password-hash",
      created_at: Date.now(),
    });
    assert.ok(created);
    customer = created;
    cookie = (await sessionCookie(customer.id)).cookie;
    const regions = await direct("GET", "/store/regions");
    regionId = regions.body.regions.find(
      (region: { name: string }) => region.name === "Gatehouse EU",
    ).id;
  });
  after(async () => {
    await stores?.close();
    await server?.stop();
    await relay?.close();
  });

  it("forwards a guest's request with its publishable key, and Medusa's 400 without one", async () => {
    const products = await through("GET", "/store/products?handle=gatehouse-tee");
    assert.equal(products.status, 200, products.text);
    assert.equal(products.body.products[0]?.handle, "gatehouse-tee");
    const keyless = await request(server.url, "GET", "/store/products");
    assert.equal(keyless.status, 400);
    assert.equal(keyless.body.type, "not_allowed");
  });

  it("creates a cart for the signed-in customer, with a Medusa v2 token Medusa accepts", async () => {
    const cart = await through("POST", "/store/carts", { body: { region_id: regionId }, cookie });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, customer.id);
    assert.equal(cart.body.cart.email, customer.email);

    // The token Medusa received: v2's claims, signed with its secret, for a minute.
    const head = requestHead(relay.sent(), "POST /store/carts");
    const token = /\r\nauthorization: Bearer (\S+)/i.exec(head)?.[1];
    assert.ok(token, "Medusa received a bearer token");
    const claims = claimsOf(token);
    const identity = await stores.identities.findByCustomer(customer.id);
    assert.deepEqual(
      { ...claims, iat: undefined, exp: undefined },
      {
        actor_id: customer.id,
        actor_type: "customer",
        auth_identity_id: identity?.id,
        auth_provider: "emailpass",
        app_metadata: { customer_id: customer.id },
        user_metadata: {},
        iat: undefined,
        exp: undefined,
      },
    );
    assert.equal(Number(claims.exp) - Number(claims.iat), 60);
    assert.match(head, new RegExp(`\\r\\nx-publishable-api-key: ${medusa.publishableKey}`, "i"));
  });

  it("does not pass a client token forged with Medusa's secret", async () => {
    const forged = await new SignJWT({
      actor_id: customer.id,
      actor_type: "customer",
      auth_identity_id: "authid_forged",
      app_metadata: { customer_id: customer.id },
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(medusa.jwtSecret));
    // Medusa itself would take it: the forgery is real.
    const atMedusa = await direct("POST", "/store/carts", {
      body: { region_id: regionId },
      token: forged,
    });
    assert.equal(atMedusa.body.cart?.customer_id, customer.id);
    const cart = await through("POST", "/store/carts", {
      body: { region_id: regionId },
      token: forged,
    });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, null);
    const orders = await through("GET", "/store/orders", { token: forged });
    assert.equal(orders.status, 401);
    assert.deepEqual(orders.body, { message: "Unauthorized" });
  });

  it("does not pass Medusa's own session cookie", async () => {
    const email = `medusa-session-${randomBytes(5).toString("hex")}@example.com`;
    const login = await direct("POST", "/auth/customer/emailpass/register", {
      body: { email, password: "supersecret-1" },
    });
    const created = await direct("POST", "/store/customers", {
      body: { email },
      token: login.body.token,
    });
    assert.equal(created.status, 200, created.text);
    const refreshed = await direct("POST", "/auth/token/refresh", { token: login.body.token });
    const session = await direct("POST", "/auth/session", {
      token: refreshed.body.token,
      headers: { "x-forwarded-proto": "https" },
    });
    const medusaCookie = session.setCookies
      .find((c) => c.startsWith("connect.sid="))
      ?.split(";")[0];
    assert.ok(medusaCookie, "Medusa set its session cookie");
    assert.equal((await direct("GET", "/store/orders", { cookie: medusaCookie })).status, 200);
    const from = relay.sent().length;
    const orders = await through("GET", "/store/orders", { cookie: medusaCookie });
    assert.equal(orders.status, 401);
    assert.deepEqual(orders.body, { message: "Unauthorized" });
    const cart = await through("POST", "/store/carts", {
      body: { region_id: regionId },
      cookie: medusaCookie,
    });
    assert.equal(cart.status, 200, cart.text);
    assert.equal(cart.body.cart.customer_id, null);

    // Both were forwarded, as a guest's: no cookie and no token reached Medusa.
    const sent = relay.sent().slice(from);
    for (const line of ["GET /store/orders", "POST /store/carts"]) {
      const head = requestHead(sent, line);
      assert.doesNotMatch(head, /\r\ncookie:/i, line);
      assert.doesNotMatch(head, /\r\nauthorization:/i, line);
    }
    assert.ok(!sent.includes(medusaCookie.split("=")[1]!), "the session id never reached Medusa");
  });

  it("forwards a request with a revoked session or a bad token as a guest's", async () => {
    const revoked = await sessionCookie(customer.id);
    await stores.sessions.delete(revoked.id);
    for (const credentials of [
      { cookie: revoked.cookie },
      { token: "not-a-token" },
      {
        token: await new SignJWT({ sid: "sess_gone" })
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(server.env.JWT_SECRET!)),
      },
    ]) {
      const products = await through("GET", "/store/products", credentials);
      assert.equal(products.status, 200, products.text);
      const cart = await through("POST", "/store/carts", {
        ...credentials,
        body: { region_id: regionId },
      });
      assert.equal(cart.status, 200, cart.text);
      assert.equal(cart.body.cart.customer_id, null);
    }
  });
});
