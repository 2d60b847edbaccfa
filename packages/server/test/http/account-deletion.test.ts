/**
 * Account deletion (`DELETE /store/customers/me`, a Gatehouse addition) over real HTTP, in v1 and
 * v2 modes on every backend: the current password is the proof, the personal data and addresses
 * are erased in storage, every session and token ends, `customer.deleted` is in the outbox, the
 * email registers again, and a burst of deletions has exactly one winner.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer, type Row, type ServerFixture } from "../../../../testing/fixture.js";
import { ADDRESS, eventually } from "../../../../testing/expect.js";
import { STRONG_PASSWORD, getToken, register, registerV2 } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";
import { ADDRESS_EDITABLE_FIELDS } from "../../src/domain.js";

const BURST = 50;
/** Every field a customer writes in an address is personal: the erased ones. */
const PERSONAL_ADDRESS_FIELDS = ADDRESS_EDITABLE_FIELDS;

/** The customer row is scrubbed and soft-deleted, its addresses too, no session is left. */
async function assertErased(app: ServerFixture, customerId: string, addressIds: string[]) {
  const row = await app.customerRow(customerId);
  assert.equal(row.email, `deleted+${customerId.toLowerCase()}@invalid`);
  for (const field of [
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "metadata",
    "password_hash",
    "billing_address_id",
  ]) {
    assert.equal(row[field], null, field);
  }
  assert.notEqual(row.deleted_at, null);
  assert.ok(addressIds.length > 0);
  for (const id of addressIds) {
    const address = await app.addressRow(id);
    for (const field of PERSONAL_ADDRESS_FIELDS) assert.equal(address[field], null, field);
    assert.notEqual(address.deleted_at, null);
  }
  assert.equal(await app.sessionCount(customerId), 0);
  const resets = await app.db.query(
    "select token_hash from password_reset where customer_id = $1",
    [customerId],
  );
  assert.equal(resets.length, 0);
}

/** The `customer.deleted` event in the outbox: the id and the old email, nothing secret. */
async function assertDeletedEvent(app: ServerFixture, customerId: string, email: string) {
  const events = (
    await app.db.query<Row>("select payload from account_event where type = $1", [
      "customer.deleted",
    ])
  ).map((row) => JSON.parse(row.payload as string) as Record<string, unknown>);
  const mine = events.filter((data) => data.id === customerId);
  assert.deepEqual(mine, [{ id: customerId, email }]);
}

/** A burst of deletions: exactly one 200, the customer erased once, no 5xx. */
async function assertOneDeletion(
  app: ServerFixture,
  answers: Array<{ status: number }>,
  customerId: string,
  email: string,
) {
  const statuses = answers.map((res) => res.status);
  assert.equal(statuses.filter((status) => status === 200).length, 1, String(statuses));
  // The others: the session already gone (401), the customer gone (404), the login limits (429).
  for (const status of statuses) assert.ok([200, 401, 404, 429].includes(status), String(statuses));
  assert.notEqual((await app.customerRow(customerId)).deleted_at, null);
  assert.equal(await app.sessionCount(customerId), 0);
  await assertDeletedEvent(app, customerId, email);
}

async function assertUntouched(app: ServerFixture, customerId: string, email: string) {
  const row = await app.customerRow(customerId);
  assert.equal(row.email, email);
  assert.equal(row.deleted_at, null);
  assert.notEqual(row.password_hash, null);
}

describe("DELETE /store/customers/me (v1)", () => {
  const app = useServer();
  const { api } = app;

  /** A customer with a name, phone, metadata, an address book, a billing address and a token. */
  async function fullAccount(email: string) {
    const { cookie, customer } = await register(app.url, email, STRONG_PASSWORD, {
      first_name: "Ada",
      last_name: "Lovelace",
      phone: "+45 1234 5678",
    });
    const profile = await api.post(
      "/store/customers/me",
      { metadata: { note: "personal" }, billing_address: ADDRESS },
      { cookie },
    );
    assert.equal(profile.status, 200, profile.text);
    const added = await api.post("/store/customers/me/addresses", { address: ADDRESS }, { cookie });
    assert.equal(added.status, 200, added.text);
    const addressIds = [
      profile.body.customer.billing_address_id as string,
      ...(added.body.customer.shipping_addresses as Array<{ id: string }>).map((a) => a.id),
    ];
    const token = await getToken(app.url, email);
    return { cookie, token, id: customer.id as string, addressIds };
  }

  it("needs the current password: missing is 400, wrong is 401 and changes nothing", async () => {
    const email = uniqueEmail("delete-proof");
    const { cookie, id } = await fullAccount(email);
    const missing = await api.delete("/store/customers/me", { cookie, body: {} });
    assert.equal(missing.status, 400, missing.text);
    const wrong = await api.delete("/store/customers/me", {
      cookie,
      body: { password: "not the password" },
    });
    assert.equal(wrong.status, 401, wrong.text);
    assert.deepEqual(wrong.body, { type: "unauthorized", message: "password is incorrect" });
    await assertUntouched(app, id, email);
    assert.equal((await api.get("/store/customers/me", { cookie })).status, 200);
    const anonymous = await api.delete("/store/customers/me", {
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(anonymous.status, 401);
  });

  it("erases the customer, ends every session and token, reports it, and frees the email", async () => {
    const email = uniqueEmail("delete-v1");
    const { cookie, token, id, addressIds } = await fullAccount(email);
    const reset = await api.post("/store/customers/password-token", { email });
    assert.equal(reset.status, 204, reset.text);
    await eventually(
      async () =>
        (await app.db.query("select 1 from password_reset where customer_id = $1", [id])).length ===
        1,
    );

    const res = await api.delete("/store/customers/me", {
      cookie,
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id, object: "customer", deleted: true });
    const cleared = res.setCookies.find((header) => header.startsWith("connect.sid="));
    assert.ok(cleared, "the session cookie is cleared");
    assert.match(cleared, /Expires=Thu, 01 Jan 1970|Max-Age=0/);

    assert.equal((await api.get("/store/customers/me", { cookie })).status, 401);
    assert.equal((await api.get("/store/customers/me", { token })).status, 401);
    assert.equal((await api.get("/store/auth", { token })).status, 401);
    await assertErased(app, id, addressIds);
    await assertDeletedEvent(app, id, email);
    const login = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
    assert.equal(login.status, 401);
    assert.equal((await api.get(`/store/auth/${encodeURIComponent(email)}`)).body.exists, false);

    const again = await register(app.url, email);
    assert.notEqual(again.customer.id, id);
    assert.equal((await api.get("/store/customers/me", { cookie: again.cookie })).status, 200);
  });

  it(`${BURST} concurrent deletions with the right password: exactly one 200, no 5xx`, async () => {
    const email = uniqueEmail("delete-burst");
    const { cookie, id } = await fullAccount(email);
    const answers = await Promise.all(
      Array.from({ length: BURST }, () =>
        api.delete("/store/customers/me", { cookie, body: { password: STRONG_PASSWORD } }),
      ),
    );
    await assertOneDeletion(app, answers, id, email);
  });
});

describe("DELETE /store/customers/me (v2)", () => {
  const KEY = "pk_delete_test_key";
  const app = useServer({ env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY } });
  const { api } = app;
  const store = { "x-publishable-api-key": KEY };

  /** A customer with a profile, an address, a login token and a cookie session made from it. */
  async function fullAccount(email: string) {
    const { id, token, addressIds } = await registerV2(api, email, store, {
      profile: {
        first_name: "Ada",
        last_name: "Lovelace",
        phone: "+45 1234 5678",
        company_name: "Analytical Engines",
        metadata: { note: "personal" },
      },
      address: { ...ADDRESS, address_name: "Home", is_default_shipping: true },
    });
    const session = await api.post("/auth/session", undefined, { token });
    assert.equal(session.status, 200, session.text);
    const cookie = session.setCookies
      .find((header) => header.startsWith("connect.sid="))!
      .split(";")[0]!;
    return { token, cookie, id, addressIds };
  }

  it("needs the publishable key and the current password; a wrong one changes nothing", async () => {
    const email = uniqueEmail("delete-v2-proof");
    const { token, id } = await fullAccount(email);
    const noKey = await api.delete("/store/customers/me", {
      token,
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(noKey.status, 400, noKey.text);
    const missing = await api.delete("/store/customers/me", { token, headers: store, body: {} });
    assert.equal(missing.status, 400, missing.text);
    const wrong = await api.delete("/store/customers/me", {
      token,
      headers: store,
      body: { password: "not the password" },
    });
    assert.equal(wrong.status, 401, wrong.text);
    await assertUntouched(app, id, email);
    assert.equal((await api.get("/store/customers/me", { token, headers: store })).status, 200);
  });

  it("erases the customer and its identity, ends every session and token, frees the email", async () => {
    const email = uniqueEmail("delete-v2");
    const { token, cookie, id, addressIds } = await fullAccount(email);
    const res = await api.delete("/store/customers/me", {
      token,
      headers: store,
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id, object: "customer", deleted: true });

    assert.equal((await api.get("/store/customers/me", { token, headers: store })).status, 401);
    assert.equal((await api.get("/store/customers/me", { cookie, headers: store })).status, 401);
    assert.equal((await api.post("/auth/token/refresh", undefined, { token })).status, 401);
    await assertErased(app, id, addressIds);
    const defaults = await app.db.query<Row>(
      "select is_default_shipping, address_name from address where customer_id = $1",
      [id],
    );
    for (const address of defaults) {
      assert.equal(Boolean(address.is_default_shipping), false);
      assert.equal(address.address_name, null);
    }
    const identities = await app.db.query(
      "select id from auth_identity where customer_id = $1 or email_key = $2",
      [id, email],
    );
    assert.equal(identities.length, 0);
    await assertDeletedEvent(app, id, email);
    const login = await api.post("/auth/customer/emailpass", { email, password: STRONG_PASSWORD });
    assert.equal(login.status, 401);

    // The email registers again, as a new customer.
    const again = await registerV2(api, email, store);
    assert.notEqual(again.id, id);
  });

  it(`${BURST} concurrent deletions with the right password: exactly one 200, no 5xx`, async () => {
    const email = uniqueEmail("delete-v2-burst");
    const { token, id } = await fullAccount(email);
    const answers = await Promise.all(
      Array.from({ length: BURST }, () =>
        api.delete("/store/customers/me", {
          token,
          headers: store,
          body: { password: STRONG_PASSWORD },
        }),
      ),
    );
    await assertOneDeletion(app, answers, id, email);
  });
});
