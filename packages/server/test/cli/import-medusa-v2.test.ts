/**
 * `gatehouse import --from <Medusa v2's database>` into a fresh Gatehouse store in Medusa v2 mode:
 * a customer registered through the real Medusa v2's own API (its emailpass hash), then logged in
 * at Gatehouse's /auth/customer/emailpass with that password. Medusa's database is shared by the
 * whole run: the assertions are about this file's customers only.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { runCli } from "../../../../testing/cli.js";
import { eventually } from "../../../../testing/expect.js";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, client, registerV2 } from "../../../../testing/http.js";
import { medusaV2Skip, queryMedusaV2, testMedusaV2 } from "../../../../testing/medusa-v2.js";
import { uniqueEmail } from "../../../../testing/server.js";

describe("gatehouse import from Medusa v2's database", { skip: medusaV2Skip }, () => {
  const app = useServer({ env: { MEDUSA_VERSION: "2" } });
  const importMedusa = (args: string[], env: Record<string, string> = {}) =>
    runCli(app.server.env, ["import", "--from", testMedusaV2().databaseUrl, ...args], env, 60_000);

  it("keeps the customer, address and auth identity ids; login upgrades the hash", async () => {
    const medusa = client(testMedusaV2().url);
    const store = { "x-publishable-api-key": testMedusaV2().publishableKey };
    const email = uniqueEmail("import-v2");
    const registered = await registerV2(medusa, email, store, {
      profile: { first_name: "Ada", company_name: "Engines" },
      address: {
        city: "Oslo",
        country_code: "no",
        address_1: "Karl Johans gate 1",
        is_default_billing: true,
      },
    });
    const customerId = registered.id;
    const addressId = registered.addressIds[0]!;
    const [identity] = await queryMedusaV2<{ id: string; password: string }>(
      `SELECT ai.id, pi.provider_metadata->>'password' AS password FROM auth_identity ai
       JOIN provider_identity pi ON pi.auth_identity_id = ai.id
       WHERE ai.app_metadata->>'customer_id' = $1`,
      [customerId],
    );
    // A second account whose email differs only in case, added by SQL (Medusa compares exactly).
    const upperId = `cus_${randomBytes(12).toString("hex").toUpperCase()}`;
    await queryMedusaV2(
      `INSERT INTO customer (id, email, has_account, created_at, updated_at)
       VALUES ($1, upper($2), true, now(), now())`,
      [upperId, email],
    );

    const refused = await importMedusa([], { MEDUSA_VERSION: "1" });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is Medusa v2, but MEDUSA_VERSION=1: .*set MEDUSA_VERSION=2\n$/);

    const dry = await importMedusa(["--dry-run", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as {
      decision_groups: Array<{ customers: Array<{ id: string }> }>;
    };
    const group = planned.decision_groups.find((candidate) =>
      candidate.customers.some((customer) => customer.id === upperId),
    );
    assert.deepEqual(
      group?.customers.map((customer) => customer.id).sort(),
      [customerId, upperId].sort(),
    );
    assert.equal((await app.db.query("SELECT id FROM customer")).length, 0);

    // Resolved in the source, as an operator would: the stray row goes, the import takes the rest.
    await queryMedusaV2("UPDATE customer SET deleted_at = now() WHERE id = $1", [upperId]);
    const run = await importMedusa([]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^imported: \d+ customers, \d+ addresses, \d+ auth identities$/m);
    assert.match(run.stdout, /^note: \d+ deleted customers in the source are not imported$/m);
    const row = await app.customerRow(customerId);
    assert.equal(row.company_name, "Engines");
    assert.equal(row.password_hash, identity!.password);
    const [gatehouseIdentity] = await app.db.query(
      "SELECT id, customer_id, email FROM auth_identity WHERE customer_id = $1",
      [customerId],
    );
    assert.deepEqual(gatehouseIdentity, { id: identity!.id, customer_id: customerId, email });
    assert.equal(Boolean((await app.addressRow(addressId)).is_default_billing), true);

    const gatehouseLogin = await app.api.post("/auth/customer/emailpass", {
      email,
      password: STRONG_PASSWORD,
    });
    assert.equal(gatehouseLogin.status, 200, gatehouseLogin.text);
    await eventually(
      async () =>
        String((await app.customerRow(customerId)).password_hash).startsWith("$argon2id$"),
      5000,
    );
    const me = await app.api.get("/store/customers/me", {
      token: gatehouseLogin.body.token,
      headers: { "x-publishable-api-key": "pk_any" },
    });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.customer.id, customerId);
    assert.equal(me.body.customer.addresses[0].id, addressId);

    const count = async () => (await app.db.query("SELECT id FROM customer")).length;
    const before = await count();
    const again = await importMedusa(["--json"]);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { imported: number; already_present: number };
    assert.ok(second.already_present >= 1);
    assert.equal((await count()) - before, second.imported, "nothing imported twice");
  });

  it("joins each customer's live emailpass identities: two is a bad row, and so is a guest's", async () => {
    const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex").toUpperCase()}`;
    const [twice, guest, single] = [newId("cus"), newId("cus"), newId("cus")];
    for (const [id, hasAccount] of [
      [twice, true],
      [guest, false],
      [single, true],
    ] as const) {
      await queryMedusaV2(
        `INSERT INTO customer (id, email, has_account, created_at, updated_at)
         VALUES ($1, $2, $3, now(), now())`,
        [id, uniqueEmail("import-v2-join"), hasAccount],
      );
    }
    /** An emailpass identity naming `customer`; `deleted` marks its auth identity deleted. */
    const identity = async (customer: string, deleted = false) => {
      const id = newId("authid");
      await queryMedusaV2(
        `INSERT INTO auth_identity (id, app_metadata, created_at, updated_at, deleted_at)
         VALUES ($1, jsonb_build_object('customer_id', $2::text), now(), now(),
           CASE WHEN $3 THEN now() END)`,
        [id, customer, deleted],
      );
      await queryMedusaV2(
        `INSERT INTO provider_identity (id, entity_id, provider, auth_identity_id, provider_metadata)
         VALUES ($1, $2, 'emailpass', $3, '{}')`,
        [newId("provid"), uniqueEmail("import-v2-join"), id],
      );
      return id;
    };
    await identity(twice);
    await identity(twice);
    await identity(guest);
    await identity(single, true);
    const live = await identity(single);
    // A time before 1970, to the millisecond, read in whatever time zone the server keeps.
    const landing = "1969-07-20T20:17:40.123Z";
    await queryMedusaV2("UPDATE auth_identity SET created_at = $1 WHERE id = $2", [landing, live]);

    const run = await importMedusa(["--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      bad_rows: Array<{ at: string; id?: string; reason: string }>;
    };
    const bad = (id: string) => report.bad_rows.find((row) => row.id === id);
    assert.deepEqual(bad(twice), {
      at: `customer ${twice}`,
      id: twice,
      reason: "2 emailpass identities name it",
    });
    assert.equal(bad(guest)?.reason, "a guest (has_account false) has an emailpass identity");
    assert.equal(bad(single), undefined);
    const [imported] = await app.db.query(
      "SELECT id, created_at FROM auth_identity WHERE customer_id = $1",
      [single],
    );
    assert.equal(imported?.id, live, "the deleted identity is left out");
    assert.equal(Number(imported.created_at), Date.parse(landing), "its time, to the millisecond");
    await queryMedusaV2("UPDATE customer SET deleted_at = now() WHERE id = ANY($1)", [
      [twice, guest, single],
    ]);
  });

  it("an account without an identity takes its email for one: another identity's email is a decision", async () => {
    const medusa = client(testMedusaV2().url);
    const store = { "x-publishable-api-key": testMedusaV2().publishableKey };
    const email = uniqueEmail("import-v2-identity");
    // B registered with `email`, then changed its customer email; A, an account with no emailpass
    // identity (another provider's), has `email` as its customer email.
    const b = (await registerV2(medusa, email, store)).id;
    await queryMedusaV2("UPDATE customer SET email = $2 WHERE id = $1", [
      b,
      uniqueEmail("import-v2-moved"),
    ]);
    const a = `cus_${randomBytes(12).toString("hex").toUpperCase()}`;
    await queryMedusaV2(
      `INSERT INTO customer (id, email, has_account, created_at, updated_at)
       VALUES ($1, $2, true, now(), now())`,
      [a, email],
    );
    const run = await importMedusa(["--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      decision_groups: Array<{ reason: string; customers: Array<{ id: string }> }>;
    };
    const group = report.decision_groups.find((candidate) =>
      candidate.customers.some((customer) => customer.id === a),
    );
    assert.equal(group?.reason, "accounts whose emailpass identities share an email, up to case");
    assert.deepEqual(group.customers.map((customer) => customer.id).sort(), [a, b].sort());
    assert.equal(
      (await app.db.query("SELECT id FROM customer WHERE id = $1 OR id = $2", [a, b])).length,
      0,
    );
    await queryMedusaV2("UPDATE customer SET deleted_at = now() WHERE id = $1", [a]);
  });
});
