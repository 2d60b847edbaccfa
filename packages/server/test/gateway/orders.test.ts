/**
 * A purchase through the gateway, as the customer Gatehouse knows: the order is the customer's in
 * Medusa, and `POST/GET /store/auth` show it in `orders`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STRONG_PASSWORD, client, register } from "../../../../testing/http.js";
import { addMedusaCustomer, seededStore, startGateway } from "../../../../testing/medusa.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";

const ADDRESS = {
  first_name: "Alec",
  last_name: "Reynolds",
  address_1: "Unter den Linden 1",
  city: "Berlin",
  country_code: "de",
  postal_code: "10117",
};

describe("gateway: orders", () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let store: { regionId: string; variantId: string };

  before(async () => {
    server = await startGateway();
    api = client(server.url);
    store = await seededStore();
  });
  after(() => server?.stop());

  it("checks out as the logged-in customer; the order shows in /me/orders and in /store/auth", async () => {
    const email = uniqueEmail("buyer");
    const { cookie, customer } = await register(server.url, email);
    await addMedusaCustomer({ id: customer.id, email });
    const as = { cookie };
    assert.deepEqual((await api.get("/store/auth", as)).body.customer.orders, []);

    const step = async (method: string, path: string, body?: unknown) => {
      const response = await api.request(method, path, { ...as, body });
      assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
      return response.body;
    };
    let { cart } = await step("POST", "/store/carts", { region_id: store.regionId });
    assert.equal(cart.customer_id, customer.id);
    await step("POST", `/store/carts/${cart.id}/line-items`, {
      variant_id: store.variantId,
      quantity: 1,
    });
    await step("POST", `/store/carts/${cart.id}`, {
      shipping_address: ADDRESS,
      billing_address: ADDRESS,
    });
    const { shipping_options } = await step("GET", `/store/shipping-options/${cart.id}`);
    await step("POST", `/store/carts/${cart.id}/shipping-methods`, {
      option_id: shipping_options[0].id,
    });
    await step("POST", `/store/carts/${cart.id}/payment-sessions`);
    ({ cart } = await step("POST", `/store/carts/${cart.id}/payment-session`, {
      provider_id: "system",
    }));
    const completed = await step("POST", `/store/carts/${cart.id}/complete`);
    assert.equal(completed.type, "order");
    const order = completed.data;
    assert.equal(order.customer_id, customer.id);

    const mine = await step("GET", "/store/customers/me/orders");
    assert.deepEqual(
      mine.orders.map((entry: { id: string }) => entry.id),
      [order.id],
    );
    // The checkout went through the gateway: /store/auth shows the order at once.
    const session = await api.get("/store/auth", as);
    assert.deepEqual(
      session.body.customer.orders.map((entry: { id: string }) => entry.id),
      [order.id],
    );
    assert.equal(session.body.customer.orders[0].total, 2300);
    const login = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
    assert.equal(login.status, 200);
    assert.deepEqual(
      login.body.customer.orders.map((entry: { id: string }) => entry.id),
      [order.id],
    );
    // Another customer sees none of it.
    const other = await register(server.url, uniqueEmail("other"));
    await addMedusaCustomer({ id: other.customer.id, email: other.customer.email });
    assert.deepEqual(
      (await api.get("/store/auth", { cookie: other.cookie })).body.customer.orders,
      [],
    );
  });
});
