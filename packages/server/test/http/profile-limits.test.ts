/**
 * Bounded profile data over real HTTP: metadata is merged into the stored value (Medusa's rule)
 * and the merged value is bounded (customer 16 KiB / 50 keys, address 4 KiB / 20 keys); an
 * address book holds at most 50 live addresses. Refusals are 400 invalid_data naming the limit,
 * nothing of a refused request is stored, and the bounds hold under concurrent requests.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { register } from "../../../../testing/http.js";
import { ADDRESS } from "../../../../testing/expect.js";
import { uniqueEmail } from "../../../../testing/server.js";

const CUSTOMER_MAX_BYTES = 16_384;
const CUSTOMER_MAX_KEYS = 50;
const ADDRESS_MAX_BYTES = 4_096;
const ADDRESS_MAX_KEYS = 20;
const ADDRESS_BOOK_LIMIT = 50;

const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const keys = (count: number, from = 0, value: unknown = 1) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${from + i}`, value]));

describe("bounded metadata and address book", () => {
  const app = useServer();
  const { api, db } = app;

  const storedCustomer = async (id: string) => {
    const [row] = await db.query<{ metadata: string | null; first_name: string | null }>(
      "select metadata, first_name from customer where id = $1",
      [id],
    );
    return { ...row!, metadata: row!.metadata === null ? null : JSON.parse(row!.metadata) };
  };
  const liveAddresses = async (customerId: string) =>
    Number(
      (
        await db.query<{ n: number | string }>(
          "select count(*) as n from address where customer_id = $1 and deleted_at is null",
          [customerId],
        )
      )[0]!.n,
    );
  const storedAddressMetadata = async (id: string) => {
    const [row] = await db.query<{ metadata: string | null }>(
      "select metadata from address where id = $1",
      [id],
    );
    return row!.metadata === null ? null : JSON.parse(row!.metadata);
  };
  const assertInvalid = (res: { status: number; body: any; text: string }, message: string) => {
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, { type: "invalid_data", message });
  };

  describe("customer metadata", () => {
    it("refuses an update whose merged metadata would exceed 16384 bytes, and stores none of it", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("meta-size"));
      const chunk = "y".repeat(5000);
      let expected: Record<string, unknown> = {};
      for (const key of ["a", "b", "c"]) {
        const res = await api.post(
          "/store/customers/me",
          { metadata: { [key]: chunk } },
          { cookie },
        );
        assert.equal(res.status, 200, res.text);
        expected = { ...expected, [key]: chunk };
      }
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Ignored", metadata: { d: chunk } },
        { cookie },
      );
      assertInvalid(
        res,
        `metadata must be at most ${CUSTOMER_MAX_BYTES} bytes once merged (it would be ${sizeOf({ ...expected, d: chunk })})`,
      );
      assert.deepEqual(await storedCustomer(customer.id), { metadata: expected, first_name: null });

      // Removing a key ("" as in Medusa) makes room again.
      const freed = await api.post(
        "/store/customers/me",
        { metadata: { a: "", d: chunk } },
        { cookie },
      );
      assert.equal(freed.status, 200, freed.text);
      assert.deepEqual(freed.body.customer.metadata, { b: chunk, c: chunk, d: chunk });
      assert.deepEqual((await storedCustomer(customer.id)).metadata, {
        b: chunk,
        c: chunk,
        d: chunk,
      });
    });

    it("refuses more than 50 keys once merged", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("meta-keys"));
      const first = await api.post("/store/customers/me", { metadata: keys(40) }, { cookie });
      assert.equal(first.status, 200, first.text);
      const res = await api.post("/store/customers/me", { metadata: keys(11, 40) }, { cookie });
      assertInvalid(
        res,
        `metadata must have at most ${CUSTOMER_MAX_KEYS} keys once merged (it would have 51)`,
      );
      assert.deepEqual((await storedCustomer(customer.id)).metadata, keys(40));
      const fits = await api.post("/store/customers/me", { metadata: keys(10, 40) }, { cookie });
      assert.equal(fits.status, 200, fits.text);
      assert.equal(Object.keys((await storedCustomer(customer.id)).metadata).length, 50);
    });

    it("a burst of 60 concurrent merges loses none and never stores more than the bound", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("meta-burst"));
      const value = "z".repeat(1000);
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          api.post("/store/customers/me", { metadata: { [`k${10 + i}`]: value } }, { cookie }),
        ),
      );
      const statuses = answers.map((res) => res.status);
      assert.deepEqual(
        statuses.filter((status) => status !== 200 && status !== 400),
        [],
        answers.map((res) => res.text).join("\n"),
      );
      const stored = (await storedCustomer(customer.id)).metadata as Record<string, string>;
      assert.ok(sizeOf(stored) <= CUSTOMER_MAX_BYTES, `stored ${sizeOf(stored)} bytes`);
      // Every key of equal size: exactly as many fit as the bound allows, each accepted one is kept.
      let fit = 0;
      while (sizeOf(keys(fit + 1, 10, value)) <= CUSTOMER_MAX_BYTES) fit++;
      assert.equal(Object.keys(stored).length, fit);
      assert.equal(statuses.filter((status) => status === 200).length, fit);
      for (const res of answers.filter((answer) => answer.status === 400)) {
        assert.match(res.body.message, /^metadata must be at most 16384 bytes once merged/);
      }
    });
  });

  describe("address book", () => {
    it("a burst of 60 concurrent additions stores exactly 50; deleting one makes room", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("book"));
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          api.post(
            "/store/customers/me/addresses",
            { address: { ...ADDRESS, address_2: `Flat ${i}` } },
            { cookie },
          ),
        ),
      );
      const statuses = answers.map((res) => res.status);
      assert.equal(statuses.filter((status) => status === 200).length, ADDRESS_BOOK_LIMIT);
      const refused = answers.filter((res) => res.status !== 200);
      assert.equal(refused.length, 60 - ADDRESS_BOOK_LIMIT);
      for (const res of refused) {
        assertInvalid(
          res,
          `an address book holds at most ${ADDRESS_BOOK_LIMIT} addresses; delete one first`,
        );
      }
      assert.equal(await liveAddresses(customer.id), ADDRESS_BOOK_LIMIT);

      const me = await api.get("/store/customers/me", { cookie });
      const addresses = me.body.customer.shipping_addresses as Array<{ id: string }>;
      assert.equal(addresses.length, ADDRESS_BOOK_LIMIT);
      const removed = await api.delete(`/store/customers/me/addresses/${addresses[0]!.id}`, {
        cookie,
      });
      assert.equal(removed.status, 200, removed.text);
      const added = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie },
      );
      assert.equal(added.status, 200, added.text);
      const over = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie },
      );
      assertInvalid(
        over,
        `an address book holds at most ${ADDRESS_BOOK_LIMIT} addresses; delete one first`,
      );
      assert.equal(await liveAddresses(customer.id), ADDRESS_BOOK_LIMIT);
    });

    it("bounds each address's metadata: on creation, on update and on the billing address", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("addr-meta"));
      const tooMany = await api.post(
        "/store/customers/me/addresses",
        { address: { ...ADDRESS, metadata: keys(21) } },
        { cookie },
      );
      assertInvalid(
        tooMany,
        `address.metadata must have at most ${ADDRESS_MAX_KEYS} keys once merged (it would have 21)`,
      );
      assert.equal(await liveAddresses(customer.id), 0);

      const chunk = "q".repeat(2000);
      const created = await api.post(
        "/store/customers/me/addresses",
        { address: { ...ADDRESS, metadata: { a: chunk } } },
        { cookie },
      );
      assert.equal(created.status, 200, created.text);
      const id = created.body.customer.shipping_addresses[0].id as string;
      const grow = await api.post(
        `/store/customers/me/addresses/${id}`,
        { city: "Aarhus", metadata: { b: chunk, c: chunk } },
        { cookie },
      );
      assertInvalid(
        grow,
        `metadata must be at most ${ADDRESS_MAX_BYTES} bytes once merged (it would be ${sizeOf({ a: chunk, b: chunk, c: chunk })})`,
      );
      assert.deepEqual(await storedAddressMetadata(id), { a: chunk });
      const [row] = await db.query<{ city: string }>("select city from address where id = $1", [
        id,
      ]);
      assert.equal(row!.city, ADDRESS.city);

      const billing = await api.post(
        "/store/customers/me",
        { billing_address: { ...ADDRESS, metadata: { a: chunk, b: chunk, c: chunk } } },
        { cookie },
      );
      assertInvalid(
        billing,
        `billing_address.metadata must be at most ${ADDRESS_MAX_BYTES} bytes once merged (it would be ${sizeOf({ a: chunk, b: chunk, c: chunk })})`,
      );
      assert.equal(
        (await api.get("/store/customers/me", { cookie })).body.customer.billing_address,
        null,
      );
    });

    it("concurrent merges into one address lose none and stay within the bound", async () => {
      const { cookie } = await register(app.url, uniqueEmail("addr-burst"));
      const created = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie },
      );
      const id = created.body.customer.shipping_addresses[0].id as string;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.post(
            `/store/customers/me/addresses/${id}`,
            { metadata: { [`k${10 + i}`]: 1 } },
            { cookie },
          ),
        ),
      );
      const accepted = answers.filter((res) => res.status === 200).length;
      assert.equal(accepted, ADDRESS_MAX_KEYS, answers.map((res) => res.text).join("\n"));
      for (const res of answers.filter((answer) => answer.status !== 200)) {
        assert.equal(res.status, 400, res.text);
        assert.match(res.body.message, /^metadata must have at most 20 keys once merged/);
      }
      assert.equal(Object.keys(await storedAddressMetadata(id)).length, ADDRESS_MAX_KEYS);
    });
  });
});
