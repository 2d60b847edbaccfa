/**
 * `medusa.customers` against a real Gatehouse server process: registration, profile, addresses,
 * password reset, and the error shapes of validation failures and duplicates.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServer, uniqueEmail, type TestServer } from "../../../testing/server.js";
import Medusa from "../src/index.js";
import type { StorePostCustomersReq } from "../src/index.js";
import { PASSWORD, register, rejection } from "./helpers.js";

let server: TestServer;
let baseUrl: string;

before(async () => {
  server = await startServer();
  baseUrl = server.url;
});

after(async () => {
  await server?.stop();
});

const address = {
  first_name: "Celia",
  last_name: "Schumm",
  address_1: "225 Bednar Curve",
  city: "Danielville",
  country_code: "US",
  postal_code: "85137",
};

describe("customers: registration", () => {
  it("create registers and logs in; retrieve then works through the cookie jar", async () => {
    const medusa = new Medusa({ baseUrl });
    const email = uniqueEmail("register");
    const created = await medusa.customers.create({
      email: email.toUpperCase(),
      password: PASSWORD,
      first_name: "Alec",
      last_name: "Reynolds",
    });
    assert.equal(created.response.status, 200);
    const { customer } = created;
    assert.match(customer.id, /^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(customer.email, email, "stored lower-cased");
    assert.equal(customer.first_name, "Alec");
    assert.equal(customer.last_name, "Reynolds");
    assert.equal(customer.phone, null);
    assert.equal(customer.has_account, true);
    assert.equal(customer.billing_address, null);
    assert.deepEqual(customer.shipping_addresses, []);
    assert.equal("password" in customer || "password_hash" in customer, false);
    assert.ok(medusa.client.cookieJar?.all().some((c) => c.name === "connect.sid"));

    const me = await medusa.customers.retrieve();
    assert.equal(me.customer.id, customer.id);
    assert.equal(me.response.status, 200);
    assert.equal((await medusa.auth.getSession()).customer.id, customer.id);
  });

  it("retrieve without a session rejects with 401", async () => {
    const err = await rejection(new Medusa({ baseUrl }).customers.retrieve());
    assert.equal(err.status, 401);
    assert.equal(err.response.data.type, "unauthorized");
  });

  it("a duplicate registration rejects with 422 duplicate_error", async () => {
    const { email } = await register(baseUrl);
    const err = await rejection(
      new Medusa({ baseUrl }).customers.create({ email, password: "another-Password-42" }),
    );
    assert.equal(err.status, 422);
    assert.equal(err.type, "duplicate_error");
    assert.equal(err.code, "invalid_request_error");
    assert.equal(err.response.status, 422);
    assert.deepEqual(err.response.data, {
      code: "invalid_request_error",
      type: "duplicate_error",
      message: "A customer with the given email already has an account. Log in instead",
    });
  });

  it("validation errors reject with 400 invalid_data naming the field", async () => {
    const medusa = new Medusa({ baseUrl });
    const badEmail = await rejection(
      medusa.customers.create({ email: "not-an-email", password: PASSWORD }),
    );
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.type, "invalid_data");
    assert.equal(badEmail.response.data.type, "invalid_data");
    assert.match(badEmail.message, /email must be an email/);

    const shortPassword = await rejection(
      medusa.customers.create({ email: uniqueEmail(), password: "short" }),
    );
    assert.equal(shortPassword.status, 400);
    assert.equal(shortPassword.type, "invalid_data");
    assert.match(shortPassword.message, /password/);

    const extra = { email: uniqueEmail(), password: PASSWORD, foo: 1 } as StorePostCustomersReq;
    const unknownProperty = await rejection(medusa.customers.create(extra));
    assert.equal(unknownProperty.status, 400);
    assert.match(unknownProperty.message, /property foo should not exist/);
    assert.equal(medusa.client.cookieJar?.all().length, 0, "no session after failures");
  });
});

describe("customers: profile", () => {
  it("update changes the profile", async () => {
    const { medusa, customer } = await register(baseUrl);
    const updated = await medusa.customers.update({
      first_name: "Laury",
      phone: "+1 555 0100",
      metadata: { newsletter: true },
    });
    assert.equal(updated.response.status, 200);
    assert.equal(updated.customer.id, customer.id);
    assert.equal(updated.customer.first_name, "Laury");
    assert.equal(updated.customer.phone, "+1 555 0100");
    assert.deepEqual(updated.customer.metadata, { newsletter: true });
    assert.equal((await medusa.customers.retrieve()).customer.first_name, "Laury");
  });

  it("changing the password ends the customer's other sessions", async () => {
    const { medusa, email } = await register(baseUrl);
    const elsewhere = new Medusa({ baseUrl });
    await elsewhere.auth.authenticate({ email, password: PASSWORD });

    const newPassword = "a-New-Password-2024!";
    await medusa.customers.update({ password: newPassword });
    assert.equal((await medusa.customers.retrieve()).customer.email, email);
    const err = await rejection(elsewhere.customers.retrieve());
    assert.equal(err.status, 401);

    const again = new Medusa({ baseUrl });
    await rejection(again.auth.authenticate({ email, password: PASSWORD }));
    assert.equal(
      (await again.auth.authenticate({ email, password: newPassword })).customer.email,
      email,
    );
  });
});

describe("customers: addresses", () => {
  it("adds, updates and deletes an address", async () => {
    const { medusa, customer } = await register(baseUrl);

    const added = await medusa.customers.addresses.addAddress({ address });
    assert.equal(added.response.status, 200);
    assert.equal(added.customer.id, customer.id);
    const [saved] = added.customer.shipping_addresses;
    assert.ok(saved);
    assert.match(saved.id, /^addr_/);
    assert.equal(saved.customer_id, customer.id);
    assert.equal(saved.address_1, address.address_1);
    assert.equal(saved.country_code, "us");

    const updated = await medusa.customers.addresses.updateAddress(saved.id, {
      first_name: "Gina",
      company: "Acme",
    });
    const changed = updated.customer.shipping_addresses.find((a) => a.id === saved.id);
    assert.equal(changed?.first_name, "Gina");
    assert.equal(changed?.company, "Acme");
    assert.equal(changed?.city, address.city);

    const deleted = await medusa.customers.addresses.deleteAddress(saved.id);
    assert.equal(deleted.response.status, 200);
    assert.deepEqual(deleted.customer.shipping_addresses, []);
  });

  it("another customer's address, or an unknown one, is not found", async () => {
    const alice = await register(baseUrl);
    const bob = await register(baseUrl);
    const added = await alice.medusa.customers.addresses.addAddress({ address });
    const id = added.customer.shipping_addresses[0]?.id;
    assert.ok(id);

    const update = await rejection(bob.medusa.customers.addresses.updateAddress(id, { city: "X" }));
    assert.equal(update.status, 404);
    assert.equal(update.type, "not_found");
    const remove = await rejection(bob.medusa.customers.addresses.deleteAddress("addr_unknown"));
    assert.equal(remove.status, 404);
    const still = await alice.medusa.customers.retrieve();
    assert.equal(still.customer.shipping_addresses[0]?.city, address.city);
  });

  it("addresses require a session", async () => {
    const err = await rejection(
      new Medusa({ baseUrl }).customers.addresses.addAddress({ address }),
    );
    assert.equal(err.status, 401);
  });
});

describe("customers: password reset", () => {
  it("generatePasswordToken resolves to { response } with status 204, for any email", async () => {
    const { email } = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    for (const target of [email, uniqueEmail("unknown")]) {
      const res = await medusa.customers.generatePasswordToken({ email: target });
      assert.deepEqual(Object.keys(res), ["response"]);
      assert.equal(res.response.status, 204);
    }
  });

  it("resetPassword with an invalid token rejects with 401", async () => {
    const { email } = await register(baseUrl);
    const err = await rejection(
      new Medusa({ baseUrl }).customers.resetPassword({
        email,
        token: "not-a-real-token",
        password: "brand-New-Password-9",
      }),
    );
    assert.equal(err.status, 401);
    assert.equal(err.type, "unauthorized");
    assert.equal(err.response.data.type, "unauthorized");
  });
});
