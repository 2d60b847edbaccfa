/**
 * Account deletion in front of Medusa v2's database: Medusa's customer row scrubbed and
 * soft-deleted, its customer_address rows erased, its auth and provider identities deleted, and
 * the email registers again (a new identity and customer).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADDRESS } from "../../../../testing/expect.js";
import { STRONG_PASSWORD, client, registerV2 } from "../../../../testing/http.js";
import {
  medusaV2OrSkip,
  queryMedusaV2,
  type TestMedusaV2,
} from "../../../../testing/medusa-v2-db.js";
import { startServer, uniqueEmail, type TestServer } from "../../../../testing/server.js";

const target = medusaV2OrSkip();

describe("account deletion in front of Medusa v2's database", { skip: target.skip }, () => {
  const medusa = (target as { medusa: TestMedusaV2 }).medusa;
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const query = (text: string, values: unknown[] = []) =>
    queryMedusaV2(medusa.databaseUrl, text, values);

  before(async () => {
    server = await startServer({
      env: { MEDUSA_VERSION: "2", MEDUSA_DATABASE_URL: medusa.databaseUrl },
    });
    api = client(server.url);
  });
  after(() => server?.stop());

  it("erases the customer, its addresses and identity; the email registers again", async () => {
    const store = { "x-publishable-api-key": medusa.publishableKey };
    const email = uniqueEmail("delete-medusa-v2");
    const { id, token } = await registerV2(api, email, store, {
      profile: { first_name: "Ada", last_name: "Lovelace", company_name: "Engines" },
      address: { ...ADDRESS, is_default_shipping: true },
    });

    const wrong = await api.delete("/store/customers/me", {
      token,
      headers: store,
      body: { password: "not the password" },
    });
    assert.equal(wrong.status, 401, wrong.text);
    const res = await api.delete("/store/customers/me", {
      token,
      headers: store,
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id, object: "customer", deleted: true });
    assert.equal((await api.get("/store/customers/me", { token, headers: store })).status, 401);

    const [row] = await query("select * from customer where id = $1", [id]);
    assert.equal(row!.email, `deleted+${id.toLowerCase()}@invalid`);
    for (const field of ["first_name", "last_name", "phone", "company_name", "metadata"]) {
      assert.equal(row![field], null, field);
    }
    assert.notEqual(row!.deleted_at, null);
    const addresses = await query("select * from customer_address where customer_id = $1", [id]);
    assert.equal(addresses.length, 1);
    for (const address of addresses) {
      assert.equal(address.address_1, null);
      assert.equal(address.city, null);
      assert.equal(address.is_default_shipping, false);
      assert.notEqual(address.deleted_at, null);
    }
    const identities = await query(
      "select id from auth_identity where app_metadata->>'customer_id' = $1",
      [id],
    );
    assert.equal(identities.length, 0);
    const providers = await query(
      "select id from provider_identity where lower(entity_id) = lower($1)",
      [email],
    );
    assert.equal(providers.length, 0);

    // The email registers again, as a new customer.
    const again = await registerV2(api, email, store);
    assert.notEqual(again.id, id);
  });
});
