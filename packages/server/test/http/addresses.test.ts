/** The address book over real HTTP: POST/DELETE /store/customers/me/addresses… (contract §1.5, Medusa shapes). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer, type Row } from "../../../../testing/fixture.js";
import { getToken, register, type ApiResponse } from "../../../../testing/http.js";
import {
  ADDRESS,
  ADDRESS_ID,
  ADDRESS_KEYS,
  ISO_MS,
  assertJsonError,
} from "../../../../testing/expect.js";
import { uniqueEmail } from "../../../../testing/server.js";

const ADDRESS_KEYS_SORTED = [...ADDRESS_KEYS].sort();

function assertCustomerResponse(res: ApiResponse) {
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(Object.keys(res.body), ["customer"]);
  assert.ok(Array.isArray(res.body.customer.shipping_addresses));
  assert.ok("billing_address" in res.body.customer);
  assert.ok(!/password|\$argon2/i.test(res.text), "no password or hash in the body");
}

describe("address book", () => {
  const app = useServer();
  const { api, db, addressRow } = app;
  const addressRowsOf = (customerId: string) =>
    db.query<Row>("select * from address where customer_id = $1", [customerId]);

  /** A new customer with one address; returns its cookie, id and the address. */
  async function customerWithAddress(prefix: string) {
    const { cookie, customer } = await register(app.url, uniqueEmail(prefix));
    const res = await api.post("/store/customers/me/addresses", { address: ADDRESS }, { cookie });
    assertCustomerResponse(res);
    return { cookie, customer, address: res.body.customer.shipping_addresses[0] };
  }

  describe("POST /store/customers/me/addresses", () => {
    it("adds an address: 200 customer with it in shipping_addresses (addr_ id, country_code lower-cased, customer_id set)", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("add"));
      const res = await api.post("/store/customers/me/addresses", { address: ADDRESS }, { cookie });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.id, customer.id);
      assert.equal(res.body.customer.billing_address, null);
      assert.equal(res.body.customer.billing_address_id, null);
      const addresses = res.body.customer.shipping_addresses;
      assert.equal(addresses.length, 1);
      const [address] = addresses;
      assert.deepEqual(Object.keys(address).sort(), ADDRESS_KEYS_SORTED);
      assert.match(address.id, ADDRESS_ID);
      assert.match(address.created_at, ISO_MS);
      assert.match(address.updated_at, ISO_MS);
      assert.deepEqual(
        { ...address, id: undefined, created_at: undefined, updated_at: undefined },
        {
          ...ADDRESS,
          id: undefined,
          created_at: undefined,
          updated_at: undefined,
          deleted_at: null,
          customer_id: customer.id,
          company: null,
          address_2: null,
          country_code: "dk",
          province: null,
          phone: null,
          metadata: null,
        },
      );

      const row = await addressRow(address.id);
      assert.ok(row, "the address is stored");
      assert.equal(row.customer_id, customer.id);
      assert.equal(row.country_code, "dk");
      assert.equal(row.city, "København");
      assert.equal(row.deleted_at, null);
      assert.equal(Number(row.created_at), Date.parse(address.created_at));

      const me = await api.get("/store/customers/me", { cookie });
      assert.deepEqual(me.body.customer.shipping_addresses, addresses);
    });

    it("keeps earlier addresses and accepts the optional fields (company, address_2, province, phone, metadata)", async () => {
      const { cookie, address: first } = await customerWithAddress("add-more");
      const res = await api.post(
        "/store/customers/me/addresses",
        {
          address: {
            ...ADDRESS,
            city: "Aarhus",
            company: "ACME ApS",
            address_2: "2. sal",
            province: "Midtjylland",
            phone: "+45 87 65 43 21",
            metadata: { door: "B" },
          },
        },
        { cookie },
      );
      assertCustomerResponse(res);
      const addresses = res.body.customer.shipping_addresses;
      assert.equal(addresses.length, 2);
      assert.deepEqual(
        addresses.find((address: { id: string }) => address.id === first.id),
        first,
      );
      const second = addresses.find((address: { id: string }) => address.id !== first.id);
      assert.equal(second.city, "Aarhus");
      assert.equal(second.company, "ACME ApS");
      assert.equal(second.address_2, "2. sal");
      assert.equal(second.province, "Midtjylland");
      assert.equal(second.phone, "+45 87 65 43 21");
      assert.deepEqual(second.metadata, { door: "B" });
    });

    it("works with a Bearer token too", async () => {
      const email = uniqueEmail("add-bearer");
      const { customer } = await register(app.url, email);
      const token = await getToken(app.url, email);
      const res = await api.post("/store/customers/me/addresses", { address: ADDRESS }, { token });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.shipping_addresses[0].customer_id, customer.id);
    });

    it("refuses missing required fields with class-validator messages (address.city must be a string, …)", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("add-missing"));
      const { city: _city, ...withoutCity } = ADDRESS;
      const cases: Array<[unknown, string]> = [
        [{ address: withoutCity }, "address.city must be a string"],
        [{ address: { ...ADDRESS, postal_code: 1165 } }, "address.postal_code must be a string"],
        [
          { address: {} },
          "address.first_name must be a string, address.last_name must be a string, " +
            "address.address_1 must be a string, address.city must be a string, " +
            "address.country_code must be a string, address.postal_code must be a string",
        ],
        [{ address: { ...ADDRESS, foo: 1 } }, "property address.foo should not exist"],
        [{ address: ADDRESS, foo: 1 }, "property foo should not exist"],
        [{ address: "addr_x" }, "address must be an object"],
      ];
      for (const [body, message] of cases) {
        const res = await api.post("/store/customers/me/addresses", body, { cookie });
        assertJsonError(res, 400, { type: "invalid_data", message });
      }
      assert.equal((await addressRowsOf(customer.id)).length, 0, "nothing stored");
    });

    it("treats null optional fields (metadata, company, …) as absent, as class-validator's IsOptional", async () => {
      const { cookie } = await register(app.url, uniqueEmail("add-nulls"));
      const res = await api.post(
        "/store/customers/me/addresses",
        { address: { ...ADDRESS, company: null, province: null, metadata: null } },
        { cookie },
      );
      assertCustomerResponse(res);
      const [address] = res.body.customer.shipping_addresses;
      assert.equal(address.company, null);
      assert.equal(address.metadata, null);
      const update = await api.post(
        `/store/customers/me/addresses/${address.id}`,
        { city: "Aarhus", metadata: null },
        { cookie },
      );
      assertCustomerResponse(update);
      assert.equal(update.body.customer.shipping_addresses[0].city, "Aarhus");
    });

    it("answers {} with 400", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("add-empty"));
      const res = await api.post("/store/customers/me/addresses", {}, { cookie });
      assertJsonError(res, 400, { type: "invalid_data", message: "address must be an object" });
      assert.equal((await addressRowsOf(customer.id)).length, 0);
    });

    it("refuses a cookie-authenticated add from a cross-site Origin with 403", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("add-csrf"));
      const res = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie, headers: { origin: "https://evil.example" } },
      );
      assert.equal(res.status, 403);
      assert.equal(res.body.type, "not_allowed");
      assert.equal((await addressRowsOf(customer.id)).length, 0);
    });
  });

  describe("POST /store/customers/me/addresses/:id", () => {
    it("updates the fields sent (country_code lower-cased, null clears) and keeps the others", async () => {
      const { cookie, customer, address } = await customerWithAddress("update");
      const res = await api.post(
        `/store/customers/me/addresses/${address.id}`,
        {
          city: "Aarhus",
          postal_code: "8000",
          country_code: "SE",
          address_2: "2. sal",
          company: "ACME ApS",
          metadata: { door: "B", floor: 2 },
        },
        { cookie },
      );
      assertCustomerResponse(res);
      assert.equal(res.body.customer.shipping_addresses.length, 1);
      const [updated] = res.body.customer.shipping_addresses;
      assert.equal(updated.id, address.id);
      assert.equal(updated.customer_id, customer.id);
      assert.equal(updated.city, "Aarhus");
      assert.equal(updated.postal_code, "8000");
      assert.equal(updated.country_code, "se");
      assert.equal(updated.address_2, "2. sal");
      assert.equal(updated.company, "ACME ApS");
      assert.deepEqual(updated.metadata, { door: "B", floor: 2 });
      assert.equal(updated.first_name, "Alec", "fields not sent are kept");
      assert.equal(updated.address_1, "Nørregade 1");
      assert.equal(updated.created_at, address.created_at);
      assert.ok(Date.parse(updated.updated_at) >= Date.parse(address.updated_at));
      let row = await addressRow(address.id);
      assert.equal(row.city, "Aarhus");
      assert.equal(row.country_code, "se");
      assert.equal(row.address_2, "2. sal");

      const cleared = await api.post(
        `/store/customers/me/addresses/${address.id}`,
        { address_2: null, company: null, metadata: { door: "" } },
        { cookie },
      );
      assertCustomerResponse(cleared);
      const [after] = cleared.body.customer.shipping_addresses;
      assert.equal(after.address_2, null);
      assert.equal(after.company, null);
      assert.equal(after.city, "Aarhus");
      assert.deepEqual(after.metadata, { floor: 2 }, 'metadata merges; "" removes a key');
      row = await addressRow(address.id);
      assert.equal(row.address_2, null);
      assert.deepEqual(JSON.parse(row.metadata), { floor: 2 });
    });

    it("validates the body: unknown properties and non-string fields are 400", async () => {
      const { cookie, address } = await customerWithAddress("update-bad");
      const cases: Array<[unknown, string]> = [
        [{ foo: 1 }, "property foo should not exist"],
        [{ city: 5 }, "city must be a string"],
        [{ metadata: "x" }, "metadata must be an object"],
      ];
      for (const [body, message] of cases) {
        const res = await api.post(`/store/customers/me/addresses/${address.id}`, body, {
          cookie,
        });
        assertJsonError(res, 400, { type: "invalid_data", message });
      }
      assert.equal((await addressRow(address.id)).city, ADDRESS.city);
    });

    it("answers 404 for another customer's address (or an unknown id) and changes nothing", async () => {
      const owner = await customerWithAddress("update-owner");
      const before = await addressRow(owner.address.id);
      const { cookie } = await register(app.url, uniqueEmail("update-thief"));
      for (const id of [owner.address.id, "addr_01J00000000000000000000000", "nope"]) {
        const res = await api.post(
          `/store/customers/me/addresses/${id}`,
          { city: "Mallorytown" },
          { cookie },
        );
        assertJsonError(res, 404, {
          type: "not_found",
          message: `Address with id ${id} was not found`,
        });
      }
      assert.deepEqual(await addressRow(owner.address.id), before);
      const me = await api.get("/store/customers/me", { cookie: owner.cookie });
      assert.equal(me.body.customer.shipping_addresses[0].city, ADDRESS.city);
    });
  });

  describe("DELETE /store/customers/me/addresses/:id", () => {
    it("removes the address from shipping_addresses; the row is soft-deleted (deleted_at set)", async () => {
      const { cookie, customer, address } = await customerWithAddress("delete");
      const kept = await api.post(
        "/store/customers/me/addresses",
        { address: { ...ADDRESS, city: "Odense" } },
        { cookie },
      );
      const keptAddress = kept.body.customer.shipping_addresses.find(
        (entry: { city: string }) => entry.city === "Odense",
      );
      assert.ok(keptAddress);
      const started = Date.now();
      const res = await api.delete(`/store/customers/me/addresses/${address.id}`, { cookie });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.id, customer.id);
      assert.deepEqual(res.body.customer.shipping_addresses, [keptAddress]);

      const row = await addressRow(address.id);
      assert.ok(row, "the row is kept");
      assert.notEqual(row.deleted_at, null);
      assert.ok(Number(row.deleted_at) >= started - 1000 && Number(row.deleted_at) <= Date.now());
      assert.equal((await addressRow(keptAddress.id)).deleted_at, null);

      const me = await api.get("/store/customers/me", { cookie });
      assert.deepEqual(me.body.customer.shipping_addresses, [keptAddress]);
      const update = await api.post(
        `/store/customers/me/addresses/${address.id}`,
        { city: "Zombie" },
        { cookie },
      );
      assert.equal(update.status, 404, "a deleted address cannot be edited");
    });

    it("answers 404 when deleting the same address twice", async () => {
      const { cookie, address } = await customerWithAddress("delete-twice");
      assert.equal(
        (await api.delete(`/store/customers/me/addresses/${address.id}`, { cookie })).status,
        200,
      );
      const again = await api.delete(`/store/customers/me/addresses/${address.id}`, { cookie });
      assertJsonError(again, 404, {
        type: "not_found",
        message: `Address with id ${address.id} was not found`,
      });
    });

    it("answers 404 for another customer's address and leaves it alone", async () => {
      const owner = await customerWithAddress("delete-owner");
      const { cookie } = await register(app.url, uniqueEmail("delete-thief"));
      const res = await api.delete(`/store/customers/me/addresses/${owner.address.id}`, {
        cookie,
      });
      assertJsonError(res, 404, {
        type: "not_found",
        message: `Address with id ${owner.address.id} was not found`,
      });
      assert.equal((await addressRow(owner.address.id)).deleted_at, null);
      const me = await api.get("/store/customers/me", { cookie: owner.cookie });
      assert.equal(me.body.customer.shipping_addresses.length, 1);
    });
  });

  it("requires authentication on every address route (401 JSON)", async () => {
    const { address } = await customerWithAddress("anon-target");
    const attempts = [
      api.post("/store/customers/me/addresses", { address: ADDRESS }),
      api.post(`/store/customers/me/addresses/${address.id}`, { city: "Anon" }),
      api.delete(`/store/customers/me/addresses/${address.id}`),
      api.post("/store/customers/me/addresses", { address: ADDRESS }, { token: "not.a.token" }),
    ];
    for (const res of await Promise.all(attempts)) {
      assert.equal(res.status, 401, res.text);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.body.type, "unauthorized");
      assert.equal(typeof res.body.message, "string");
    }
    const row = await addressRow(address.id);
    assert.equal(row.city, ADDRESS.city);
    assert.equal(row.deleted_at, null);
  });
});
