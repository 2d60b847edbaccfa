/**
 * Code written for @medusajs/medusa-js 6 (the documentation's examples and common storefront
 * patterns), unchanged except for the import line. It must type-check (`tsc` over the tests) and
 * run against a real Gatehouse server.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startServer, uniqueEmail, type TestServer } from "../../../testing/server.js";
// The only line that differs from a medusa-js storefront:
import Medusa from "../src/index.js";

let server: TestServer;
let MEDUSA_BACKEND_URL: string;

before(async () => {
  server = await startServer();
  MEDUSA_BACKEND_URL = server.url;
});

after(async () => {
  await server?.stop();
});

/** A storefront helper as people write them: axios-style error handling, `any` headers. */
async function getCustomer(
  medusa: Medusa,
  headers: Record<string, any> = {},
): Promise<{ id: string; email: string } | null> {
  try {
    const { customer } = await medusa.auth.getSession(headers);
    return { id: customer.id, email: customer.email };
  } catch (e: any) {
    if (e.response?.status === 401) return null;
    throw new Error(e.response?.data?.message ?? e.message);
  }
}

it("runs medusa-js code unchanged", async () => {
  const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 });
  const email = uniqueEmail("compat");
  const password = "compat-Password-4821";

  const { exists } = await medusa.auth.exists(email);
  assert.equal(exists, false);

  const customerId = await medusa.customers
    .create({
      first_name: "Alec",
      last_name: "Reynolds",
      email,
      password,
    })
    .then(({ customer }) => customer.id);

  await medusa.auth.deleteSession().then(() => {
    // customer logged out successfully
  });
  assert.equal(await getCustomer(medusa), null);

  await medusa.auth
    .authenticate({
      email,
      password,
    })
    .then(({ customer }) => {
      assert.equal(customer.id, customerId);
    });
  assert.equal((await getCustomer(medusa))?.id, customerId);

  await medusa.customers.retrieve().then(({ customer }) => {
    assert.equal(customer.id, customerId);
  });

  await medusa.customers
    .update({
      first_name: "Laury",
    })
    .then(({ customer }) => {
      assert.equal(customer.first_name, "Laury");
    });

  const addressId = await medusa.customers.addresses
    .addAddress({
      address: {
        first_name: "Celia",
        last_name: "Schumm",
        address_1: "225 Bednar Curve",
        city: "Danielville",
        country_code: "US",
        postal_code: "85137",
        phone: "981-596-6748 x90188",
        company: "Wyman LLC",
        address_2: "",
        province: "Kentucky",
        metadata: {},
      },
    })
    .then(({ customer }) => customer.shipping_addresses.map((a) => a.id).join(""));

  await medusa.customers.addresses
    .updateAddress(addressId, {
      first_name: "Gina",
    })
    .then(({ customer }) => {
      assert.deepEqual(
        customer.shipping_addresses.map((a) => a.first_name),
        ["Gina"],
      );
    });

  await medusa.customers.addresses.deleteAddress(addressId).then(({ customer }) => {
    assert.equal(customer.shipping_addresses.length, 0);
  });

  await medusa.customers
    .generatePasswordToken({
      email,
    })
    .then(() => {
      // successful
    })
    .catch(() => {
      assert.fail("generatePasswordToken failed");
    });

  const status = await medusa.customers
    .resetPassword({
      email,
      password: "another-Password-77",
      token: "supersecrettoken",
    })
    .then(({ customer }) => customer.id)
    .catch((err) => err.response.status);
  assert.equal(status, 401);

  const token = await medusa.auth
    .getToken({
      email,
      password,
    })
    .then(({ access_token }) => access_token);

  // medusa-js users forward the token themselves; that keeps working.
  const fresh = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 0 });
  assert.equal((await getCustomer(fresh, { Authorization: `Bearer ${token}` }))?.id, customerId);

  const res = await medusa.auth.getSession();
  assert.equal(res.response.status, 200);
});
