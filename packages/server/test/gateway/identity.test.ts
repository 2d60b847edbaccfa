/**
 * Identity through the gateway: Gatehouse's session or token, and nothing else, tells Medusa who the
 * customer is; logout, revocation and password change take effect on Medusa's routes at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STRONG_PASSWORD, client, getToken, register } from "../../../../testing/http.js";
import {
  addMedusaCustomer,
  medusaToken,
  seededStore,
  startGateway,
  testMedusa,
} from "../../../../testing/medusa.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";

const NEW_PASSWORD = "another correct horse battery";

describe("gateway: who the customer is, as Medusa sees it", () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let medusa: ReturnType<typeof client>;
  let regionId: string;

  /** A customer registered in Gatehouse and known to Medusa, with a cookie and a bearer token. */
  async function customer() {
    const email = uniqueEmail("gateway");
    const { cookie, customer } = await register(server.url, email);
    await addMedusaCustomer({ id: customer.id, email });
    const token = await getToken(server.url, email);
    return { id: customer.id as string, email, cookie, token };
  }

  const newCart = (options: {
    cookie?: string;
    token?: string;
    headers?: Record<string, string>;
  }) => api.post("/store/carts", { region_id: regionId }, options);

  before(async () => {
    server = await startGateway();
    api = client(server.url);
    medusa = client(testMedusa().url);
    ({ regionId } = await seededStore());
  });
  after(() => server?.stop());

  it("forwards a live session or token as the customer: orders 200, a cart bound to them", async () => {
    const { id, email, cookie, token } = await customer();
    for (const credential of [{ cookie }, { token }]) {
      const orders = await api.get("/store/customers/me/orders", credential);
      assert.equal(orders.status, 200, orders.text);
      assert.deepEqual(orders.body.orders, []);
      const cart = await newCart(credential);
      assert.equal(cart.status, 200, cart.text);
      assert.equal(cart.body.cart.customer_id, id);
      assert.equal(cart.body.cart.email, email);
    }
  });

  it("forwards without credentials as anonymous: Medusa answers 401 where it needs a customer", async () => {
    const orders = await api.get("/store/customers/me/orders");
    assert.equal(orders.status, 401);
    const cart = await newCart({});
    assert.equal(cart.body.cart.customer_id, null);
  });

  it("authenticates nobody with a token minted with Medusa's secret, or Medusa's own connect.sid", async () => {
    const { id } = await customer();
    const forged = await medusaToken(id);
    assert.equal((await medusa.get("/store/customers/me/orders", { token: forged })).status, 200);
    assert.equal((await api.get("/store/customers/me/orders", { token: forged })).status, 401);
    assert.equal((await newCart({ token: forged })).body.cart.customer_id, null);

    const registered = await medusa.post("/store/customers", {
      email: uniqueEmail("medusa-own"),
      password: STRONG_PASSWORD,
      first_name: "Medusa",
      last_name: "Own",
    });
    assert.equal(registered.status, 200, registered.text);
    const medusaCookie = registered.setCookies
      .find((cookie) => cookie.startsWith("connect.sid="))!
      .split(";")[0]!;
    const mine = await medusa.get("/store/customers/me/orders", { cookie: medusaCookie });
    assert.equal(mine.status, 200, "Medusa itself honours its cookie");
    const through = await api.get("/store/customers/me/orders", { cookie: medusaCookie });
    assert.equal(through.status, 401);
    assert.equal((await newCart({ cookie: medusaCookie })).body.cart.customer_id, null);
  });

  it("a logout, a revoked token and a password change are anonymous on the next forwarded request", async () => {
    const { email, cookie, token } = await customer();
    const second = await getToken(server.url, email);
    const other = (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).setCookies
      .find((line) => line.startsWith("connect.sid="))!
      .split(";")[0]!;
    for (const credential of [{ cookie }, { token }, { token: second }, { cookie: other }]) {
      assert.equal((await api.get("/store/customers/me/orders", credential)).status, 200);
    }

    assert.equal((await api.delete("/store/auth", { cookie })).status, 200);
    assert.equal((await api.get("/store/customers/me/orders", { cookie })).status, 401);

    const sessions = await api.get("/store/auth/sessions", { token });
    const current = sessions.body.sessions.find((entry: { current: boolean }) => entry.current);
    const revoked = await api.delete(`/store/auth/sessions/${current.id}`, { cookie: other });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal((await api.get("/store/customers/me/orders", { token })).status, 401);

    const changed = await api.post(
      "/store/customers/me",
      { password: NEW_PASSWORD },
      { cookie: other },
    );
    assert.equal(changed.status, 200, changed.text);
    assert.equal((await api.get("/store/customers/me/orders", { token: second })).status, 401);
    assert.equal((await newCart({ token: second })).body.cart.customer_id, null);
    // The session that made the change lives on.
    assert.equal((await api.get("/store/customers/me/orders", { cookie: other })).status, 200);
  });

  it("refuses a cross-site write authenticated by the cookie, as on Gatehouse's own routes", async () => {
    const { id, cookie } = await customer();
    const foreign = await newCart({ cookie, headers: { origin: "http://evil.example" } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.type, "not_allowed");
    const store = await newCart({ cookie, headers: { origin: "http://localhost:8000" } });
    assert.equal(store.status, 200, store.text);
    assert.equal(store.body.cart.customer_id, id);
  });

  it("never crosses identities in a burst of 50 concurrent requests with mixed credentials", async () => {
    const customers = await Promise.all([customer(), customer(), customer()]);
    const forged = await medusaToken(customers[0]!.id);
    const cases = Array.from({ length: 50 }, (_, index) => {
      const who = customers[index % 3]!;
      switch (index % 5) {
        case 0:
          return { options: { cookie: who.cookie }, expected: who.id };
        case 1:
          return { options: { token: who.token }, expected: who.id };
        case 2:
          return { options: {}, expected: null };
        case 3:
          return { options: { token: forged }, expected: null };
        default:
          return {
            options: { cookie: who.cookie, token: customers[(index + 1) % 3]!.token },
            expected: who.id,
          };
      }
    });
    const carts = await Promise.all(cases.map(({ options }) => newCart(options)));
    carts.forEach((cart, index) => {
      assert.equal(cart.status, 200, cart.text);
      assert.equal(cart.body.cart.customer_id, cases[index]!.expected, `request ${index}`);
    });
  });
});

describe("gateway: expired Gatehouse credentials", () => {
  let server: TestServer;
  before(async () => {
    server = await startGateway(undefined, {
      env: { SESSION_IDLE_TIMEOUT: "1s", SESSION_ABSOLUTE_TIMEOUT: "1s", JWT_TTL: "1s" },
    });
  });
  after(() => server?.stop());

  it("forwards an expired session or token anonymously", async () => {
    const api = client(server.url);
    const email = uniqueEmail("expiring");
    const { cookie, customer } = await register(server.url, email);
    await addMedusaCustomer({ id: customer.id, email });
    const token = await getToken(server.url, email);
    assert.equal((await api.get("/store/customers/me/orders", { token })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const credential of [{ cookie }, { token }]) {
      assert.equal((await api.get("/store/customers/me/orders", credential)).status, 401);
    }
  });
});
