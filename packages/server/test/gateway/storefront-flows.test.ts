/**
 * A storefront's whole flows with Gatehouse as its only base URL, in front of the real Medusa v1
 * and its database (MEDUSA_BACKEND_URL + MEDUSA_DATABASE_URL), driven by the published
 * @medusajs/medusa-js 6.1.10 and by @gatehouse/client: browse, a guest's order, a customer Medusa
 * registered before Gatehouse buys with a saved address, a guest cart claimed after login, a
 * registration through Gatehouse then a purchase, logout, Medusa's errors.
 *
 * medusa-js keeps no credentials in Node: its visitor relays `connect.sid` and sends the bearer
 * token through `customHeaders`, as a server-rendered storefront does. @gatehouse/client keeps both;
 * it has no cart resources, so carts go through `medusa.client.request`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Medusa from "@gatehouse/client";
import MedusaJsModule from "@medusajs/medusa-js";
import { STRONG_PASSWORD, client } from "../../../../testing/http.js";
import { queryMedusa, seededStore, startGateway, testMedusa } from "../../../../testing/medusa.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";

// medusa-js's typings describe its CommonJS build; at run time the default import is the class.
const MedusaJs = ((MedusaJsModule as any).default ?? MedusaJsModule) as new (config: {
  baseUrl: string;
  maxRetries: number;
}) => any;

const ADDRESS = {
  first_name: "Alec",
  last_name: "Reynolds",
  address_1: "Unter den Linden 1",
  city: "Berlin",
  country_code: "de",
  postal_code: "10117",
};

type Body = any;

/** What a storefront does, in medusa-js's words; each driver does it with its client. */
interface Shop {
  register(fields: Record<string, string>): Promise<Body>;
  login(email: string, password: string): Promise<Body>;
  session(): Promise<Body>;
  logout(): Promise<Body>;
  addAddress(address: typeof ADDRESS): Promise<Body>;
  products(query: Record<string, string>): Promise<Body>;
  product(id: string): Promise<Body>;
  createCart(body: Record<string, unknown>): Promise<Body>;
  updateCart(id: string, body: Record<string, unknown>): Promise<Body>;
  addLine(id: string, body: Record<string, unknown>): Promise<Body>;
  shippingOptions(id: string): Promise<Body>;
  addShippingMethod(id: string, body: Record<string, unknown>): Promise<Body>;
  paymentSessions(id: string): Promise<Body>;
  setPaymentSession(id: string, body: Record<string, unknown>): Promise<Body>;
  complete(id: string): Promise<Body>;
  orders(): Promise<Body>;
  /** The credentials this visitor sends now: the session cookie and the bearer token. */
  credentials(): { cookie?: string; token?: string };
}

/** medusa-js: cookie and token relayed by hand, as a server-rendered storefront does. */
function medusaJsShop(baseUrl: string): Shop {
  const m = new MedusaJs({ baseUrl, maxRetries: 3 });
  let cookie: string | undefined;
  let token: string | undefined;
  const h = () => ({
    ...(cookie ? { Cookie: cookie } : {}),
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  });
  const keep = (result: Body) => {
    const set: string[] = result.response.headers["set-cookie"] ?? [];
    const header = set.find((line) => line.startsWith("connect.sid="));
    if (header !== undefined) {
      const pair = header.split(";")[0]!;
      cookie = pair === "connect.sid=" || /max-age=0/i.test(header) ? undefined : pair;
    }
    return result;
  };
  const signIn = async (result: Body, email: string, password: string) => {
    keep(result);
    ({ access_token: token } = await m.auth.getToken({ email, password }, h()));
    return result;
  };
  return {
    register: async (fields) =>
      signIn(await m.customers.create(fields, h()), fields.email!, fields.password!),
    login: async (email, password) =>
      signIn(await m.auth.authenticate({ email, password }, h()), email, password),
    session: () => m.auth.getSession(h()),
    logout: async () => {
      const result = keep(await m.auth.deleteSession(h()));
      token = undefined;
      return result;
    },
    addAddress: (address) => m.customers.addresses.addAddress({ address }, h()),
    products: (query) => m.products.list(query, h()),
    product: (id) => m.products.retrieve(id, h()),
    createCart: (body) => m.carts.create(body, h()),
    updateCart: (id, body) => m.carts.update(id, body, h()),
    addLine: (id, body) => m.carts.lineItems.create(id, body, h()),
    shippingOptions: (id) => m.shippingOptions.listCartOptions(id, h()),
    addShippingMethod: (id, body) => m.carts.addShippingMethod(id, body, h()),
    paymentSessions: (id) => m.carts.createPaymentSessions(id, h()),
    setPaymentSession: (id, body) => m.carts.setPaymentSession(id, body, h()),
    complete: (id) => m.carts.complete(id, h()),
    orders: () => m.customers.listOrders({}, h()),
    credentials: () => ({ cookie, token }),
  };
}

/** @gatehouse/client: the instance keeps cookie and token; carts through `client.request`. */
function gatehouseShop(baseUrl: string): Shop {
  const m = new Medusa({ baseUrl, maxRetries: 3 });
  const call = (method: "GET" | "POST", path: string, body?: Record<string, unknown>) =>
    m.client.request<Body>(method, path, body);
  const signIn = async (result: Body, email: string, password: string) => {
    await m.auth.getToken({ email, password });
    return result;
  };
  return {
    register: async (fields) =>
      signIn(
        await m.customers.create(fields as { email: string; password: string }),
        fields.email!,
        fields.password!,
      ),
    login: async (email, password) =>
      signIn(await m.auth.authenticate({ email, password }), email, password),
    session: () => m.auth.getSession(),
    logout: () => m.auth.deleteSession(),
    addAddress: (address) => m.customers.addresses.addAddress({ address }),
    products: (query) => call("GET", `/store/products?${new URLSearchParams(query)}`),
    product: (id) => call("GET", `/store/products/${id}`),
    createCart: (body) => call("POST", "/store/carts", body),
    updateCart: (id, body) => call("POST", `/store/carts/${id}`, body),
    addLine: (id, body) => call("POST", `/store/carts/${id}/line-items`, body),
    shippingOptions: (id) => call("GET", `/store/shipping-options/${id}`),
    addShippingMethod: (id, body) => call("POST", `/store/carts/${id}/shipping-methods`, body),
    paymentSessions: (id) => call("POST", `/store/carts/${id}/payment-sessions`),
    setPaymentSession: (id, body) => call("POST", `/store/carts/${id}/payment-session`, body),
    complete: (id) => call("POST", `/store/carts/${id}/complete`),
    orders: () => call("GET", "/store/customers/me/orders"),
    credentials: () => ({
      cookie: m.client.cookieJar
        ?.all()
        .filter((entry) => entry.name === "connect.sid")
        .map((entry) => `${entry.name}=${entry.value}`)[0],
      token: m.client.accessToken,
    }),
  };
}

/** The body of a resolved call, without the client's `response`. */
function body(result: Body): Body {
  const { response: _response, ...rest } = result;
  return rest;
}

/** The status and body a rejected call carries (axios error or MedusaError, same shape). */
async function failure(call: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await call;
  } catch (error) {
    const { status, data } = (error as { response: { status: number; data: unknown } }).response;
    return { status, data };
  }
  assert.fail("the call resolved");
}

const drivers = [
  { name: "@medusajs/medusa-js 6.1.10", shop: medusaJsShop },
  { name: "@gatehouse/client", shop: gatehouseShop },
];

describe("storefront flows through Gatehouse in front of Medusa v1 and its database", () => {
  let server: TestServer;
  let store: { regionId: string; variantId: string };
  const medusa = client(() => testMedusa().url);
  const api = client(() => server.url);

  before(async () => {
    server = await startGateway(undefined, {
      env: { MEDUSA_DATABASE_URL: testMedusa().databaseUrl },
    });
    store = await seededStore();
  });
  after(() => server?.stop());

  /** Fills `cartId` with one tee and checks it out: Standard Shipping, the system provider. */
  async function checkout(shop: Shop, cartId: string, address: unknown = ADDRESS) {
    await shop.addLine(cartId, { variant_id: store.variantId, quantity: 1 });
    await shop.updateCart(cartId, { shipping_address: address, billing_address: address });
    const { shipping_options } = await shop.shippingOptions(cartId);
    const standard = shipping_options.find(
      (option: { name: string }) => option.name === "Standard Shipping",
    );
    assert.ok(standard, "the seeded Standard Shipping option is offered");
    await shop.addShippingMethod(cartId, { option_id: standard.id });
    const { cart } = await shop.paymentSessions(cartId);
    assert.deepEqual(
      cart.payment_sessions.map((session: { provider_id: string }) => session.provider_id),
      ["system"],
    );
    await shop.setPaymentSession(cartId, { provider_id: "system" });
    const completed = await shop.complete(cartId);
    assert.equal(completed.type, "order", JSON.stringify(body(completed)));
    assert.equal(completed.data.total, 2300, "1500 for the tee, 800 for shipping");
    return completed.data as { id: string; customer_id: string; email: string };
  }

  /** The order's row in Medusa's `order` table. */
  async function orderRow(id: string) {
    const [row] = await queryMedusa<{ customer_id: string; email: string; cart_id: string }>(
      'SELECT customer_id, email, cart_id FROM "order" WHERE id = $1',
      [id],
    );
    return row;
  }

  const ids = (list: Array<{ id: string }>) => list.map((entry) => entry.id);

  for (const { name, shop: newShop } of drivers) {
    describe(`with ${name}`, () => {
      const shop = () => newShop(server.url);

      it("browses products: what Medusa itself lists", async () => {
        const query = { handle: "gatehouse-test-tee" };
        const listed = await shop().products(query);
        const direct = await medusa.get(`/store/products?${new URLSearchParams(query)}`);
        assert.deepEqual(body(listed), direct.body);
        assert.equal(listed.products[0].variants[0].id, store.variantId);
      });

      it("a guest's cart becomes an order (Standard Shipping, system payment)", async () => {
        const guest = shop();
        const email = uniqueEmail("guest-buyer");
        const { cart } = await guest.createCart({ region_id: store.regionId });
        assert.equal(cart.customer_id, null);
        await guest.updateCart(cart.id, { email });
        const order = await checkout(guest, cart.id);
        assert.equal(order.email, email);
        const row = await orderRow(order.id);
        assert.equal(row?.cart_id, cart.id);
        const [customer] = await queryMedusa<{ has_account: boolean }>(
          "SELECT has_account FROM customer WHERE id = $1",
          [row!.customer_id],
        );
        assert.equal(customer?.has_account, false, "Medusa's guest row");
      });

      it("a customer Medusa registered before Gatehouse logs in and buys with a saved address: the order is theirs in Medusa, /me/orders and /store/auth", async () => {
        const email = uniqueEmail("medusa-era-buyer");
        const made = await medusa.post("/store/customers", {
          email,
          password: "medusa era password",
          first_name: "Ada",
          last_name: "Lovelace",
        });
        assert.equal(made.status, 200, made.text);
        const id = made.body.customer.id as string;

        const visitor = shop();
        const { customer } = await visitor.login(email, "medusa era password");
        assert.equal(customer.id, id);
        assert.deepEqual(customer.orders, []);
        const { cart } = await visitor.createCart({ region_id: store.regionId });
        assert.equal(cart.customer_id, id, "the cart is bound to the customer");
        assert.equal(cart.email, email);

        const added = await visitor.addAddress(ADDRESS);
        const [saved] = added.customer.shipping_addresses;
        const order = await checkout(visitor, cart.id, saved.id);
        assert.equal(order.customer_id, id);
        assert.equal((await orderRow(order.id))?.customer_id, id);

        assert.deepEqual(ids((await visitor.orders()).orders), [order.id]);
        const session = await visitor.session();
        assert.deepEqual(ids(session.customer.orders), [order.id]);
      });

      it("a guest cart is claimed after login: POST /store/carts/:id binds it to the customer", async () => {
        const email = uniqueEmail("claimer");
        const visitor = shop();
        const { cart } = await visitor.createCart({ region_id: store.regionId });
        await visitor.addLine(cart.id, { variant_id: store.variantId, quantity: 2 });
        assert.equal(cart.customer_id, null);

        const { customer } = await visitor.register({ email, password: STRONG_PASSWORD });
        const claimed = await visitor.updateCart(cart.id, {});
        assert.equal(claimed.cart.customer_id, customer.id);
        assert.equal(claimed.cart.email, email);
        assert.equal(claimed.cart.items[0].quantity, 2, "the guest's lines are kept");
      });

      it("registers through Gatehouse, then buys: the order is the new customer's", async () => {
        const email = uniqueEmail("new-buyer");
        const visitor = shop();
        const { customer } = await visitor.register({
          email,
          password: STRONG_PASSWORD,
          first_name: "Grace",
          last_name: "Hopper",
        });
        const [row] = await queryMedusa<{ id: string }>(
          "SELECT id FROM customer WHERE email = $1 AND has_account",
          [email],
        );
        assert.equal(row?.id, customer.id, "a row of Medusa's");
        const { cart } = await visitor.createCart({ region_id: store.regionId });
        const order = await checkout(visitor, cart.id);
        assert.equal((await orderRow(order.id))?.customer_id, customer.id);
        assert.deepEqual(ids((await visitor.orders()).orders), [order.id]);
      });

      it("logs out: the old cookie and the old token get no orders (401)", async () => {
        const email = uniqueEmail("leaver");
        const visitor = shop();
        await visitor.register({ email, password: STRONG_PASSWORD });
        const { cookie, token } = visitor.credentials();
        assert.ok(cookie && token);
        assert.equal((await api.get("/store/customers/me/orders", { cookie })).status, 200);
        assert.equal((await api.get("/store/customers/me/orders", { token })).status, 200);

        await visitor.logout();
        assert.deepEqual(visitor.credentials(), { cookie: undefined, token: undefined });
        assert.equal((await failure(visitor.orders())).status, 401);
        assert.equal((await api.get("/store/customers/me/orders", { cookie })).status, 401);
        assert.equal((await api.get("/store/customers/me/orders", { token })).status, 401);
      });

      it("Medusa's 404 and 400 reach the client unchanged", async () => {
        const direct = newShop(testMedusa().url);
        const through = shop();
        for (const call of [
          (s: Shop) => s.product("prod_does_not_exist"),
          (s: Shop) => s.createCart({ region_id: 42 }),
          (s: Shop) => s.addLine("cart_does_not_exist", { variant_id: store.variantId }),
        ]) {
          const expected = await failure(call(direct));
          assert.ok([400, 404].includes(expected.status), JSON.stringify(expected));
          assert.deepEqual(await failure(call(through)), expected);
        }
      });
    });
  }
});
