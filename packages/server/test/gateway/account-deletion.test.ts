/**
 * Account deletion in front of Medusa v1's database (MEDUSA_DATABASE_URL): the customer row in
 * Medusa's table is scrubbed and soft-deleted, an address an order still refers to stays as the
 * order's record (detached from the customer), the others are erased, and the email registers again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADDRESS } from "../../../../testing/expect.js";
import { STRONG_PASSWORD, client, register } from "../../../../testing/http.js";
import { queryMedusa } from "../../../../testing/medusa.js";
import { startServer, uniqueEmail, type TestServer } from "../../../../testing/server.js";

const databaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_DATABASE_URL;
const skip =
  databaseUrl || process.env.CI === "true"
    ? false
    : "no Medusa v1 database: run with scripts/test.mjs, which starts one";

describe("account deletion in front of Medusa v1's database", { skip }, () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const orders: string[] = [];

  before(async () => {
    server = await startServer({ env: { MEDUSA_DATABASE_URL: databaseUrl! } });
    api = client(server.url);
  });
  after(async () => {
    // Medusa's database is kept between runs: remove the order this suite made.
    if (orders.length > 0) await queryMedusa('delete from "order" where id = any($1)', [orders]);
    await server?.stop();
  });

  it("erases the customer and its addresses but the one an order keeps; the email registers again", async () => {
    const email = uniqueEmail("delete-medusa");
    const { cookie, customer } = await register(server.url, email, STRONG_PASSWORD, {
      first_name: "Ada",
      last_name: "Lovelace",
      phone: "+45 1234 5678",
    });
    const id = customer.id as string;
    for (const city of ["Aarhus", "Odense"]) {
      const added = await api.post(
        "/store/customers/me/addresses",
        { address: { ...ADDRESS, city } },
        { cookie },
      );
      assert.equal(added.status, 200, added.text);
    }
    const [ordered, other] = (
      await queryMedusa<{ id: string }>(
        "select id from address where customer_id = $1 order by city",
        [id],
      )
    ).map((row) => row.id);
    const [region] = await queryMedusa<{ id: string; currency_code: string }>(
      "select id, currency_code from region where deleted_at is null limit 1",
    );
    assert.ok(region, "Medusa's database has a region");
    const orderId = `order_DELETE${Date.now()}`;
    orders.push(orderId);
    await queryMedusa(
      `insert into "order" (id, customer_id, email, region_id, currency_code, shipping_address_id)
       values ($1, $2, $3, $4, $5, $6)`,
      [orderId, id, email, region.id, region.currency_code, ordered],
    );

    const res = await api.delete("/store/customers/me", {
      cookie,
      body: { password: STRONG_PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id, object: "customer", deleted: true });
    assert.equal((await api.get("/store/customers/me", { cookie })).status, 401);

    const [row] = await queryMedusa("select * from customer where id = $1", [id]);
    assert.equal(row!.email, `deleted+${id.toLowerCase()}@invalid`);
    for (const field of ["first_name", "last_name", "phone", "metadata", "password_hash"]) {
      assert.equal(row![field], null, field);
    }
    assert.notEqual(row!.deleted_at, null);
    const [kept] = await queryMedusa("select * from address where id = $1", [ordered]);
    assert.equal(kept!.customer_id, null);
    assert.equal(kept!.city, "Aarhus");
    assert.equal(kept!.deleted_at, null);
    const [erased] = await queryMedusa("select * from address where id = $1", [other]);
    assert.equal(erased!.city, null);
    assert.equal(erased!.first_name, null);
    assert.notEqual(erased!.deleted_at, null);
    const [order] = await queryMedusa('select * from "order" where id = $1', [orderId]);
    assert.equal(order!.shipping_address_id, ordered);
    assert.equal(order!.customer_id, id);

    const again = await register(server.url, email);
    assert.notEqual(again.customer.id, id);
  });
});
