/**
 * `gatehouse import --from <Medusa v1's database>` into a fresh Gatehouse store: customers
 * registered through the real Medusa's own API (so their hashes are Medusa's), and case-variant
 * and guest rows added by SQL. Medusa's database is shared by the whole run: the assertions are
 * about this file's customers only.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import pg from "pg";
import { runCli } from "../../../../testing/cli.js";
import { eventually } from "../../../../testing/expect.js";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, client, login, register } from "../../../../testing/http.js";
import { queryMedusa, testMedusa } from "../../../../testing/medusa.js";
import { uniqueEmail } from "../../../../testing/server.js";

const ADDRESS = {
  first_name: "Ann",
  last_name: "Lee",
  address_1: "Nørregade 1",
  city: "København",
  country_code: "dk",
  postal_code: "1165",
};

interface Report {
  imported: number;
  already_present: number;
  decision_groups: Array<{ reason: string; customers: Array<{ id: string; email: string }> }>;
  guest_and_account: Array<{ email: string; guest: string; account: string }>;
}

const groupOf = (report: Report, id: string) =>
  report.decision_groups.find((group) => group.customers.some((customer) => customer.id === id));

describe("gatehouse import from Medusa v1's database", () => {
  const app = useServer();
  const medusa = client(testMedusa().url);
  const importMedusa = (...args: string[]) =>
    runCli(app.server.env, ["import", "--from", testMedusa().databaseUrl, ...args], {}, 60_000);

  /** Registers through Medusa's API; returns the customer id and Medusa's session cookie. */
  async function registerInMedusa(email: string) {
    const { customer } = await register(testMedusa().url, email, STRONG_PASSWORD, {
      first_name: "Ann",
      last_name: "Lee",
    });
    const { cookie } = await login(testMedusa().url, email);
    return { id: customer.id as string, cookie };
  }

  it("dry run, import, login with the Medusa password (hash upgraded), re-run", async () => {
    const email = uniqueEmail("import-v1");
    const ann = await registerInMedusa(email);
    const added = await medusa.post(
      "/store/customers/me/addresses",
      { address: ADDRESS },
      { cookie: ann.cookie },
    );
    assert.equal(added.status, 200, added.text);
    const addressId = added.body.customer.shipping_addresses[0].id as string;
    const billing = await medusa.post(
      "/store/customers/me",
      { billing_address: { ...ADDRESS, address_1: "Bredgade 2" } },
      { cookie: ann.cookie },
    );
    assert.equal(billing.status, 200, billing.text);
    const billingId = billing.body.customer.billing_address_id as string;
    assert.ok(billingId);
    const guestId = `cus_${randomBytes(12).toString("hex").toUpperCase()}`;
    await queryMedusa(
      "INSERT INTO customer (id, email, has_account, created_at, updated_at) VALUES ($1, $2, false, now(), now())",
      [guestId, email],
    );
    // Medusa compares emails exactly: two accounts whose emails differ only in case.
    const variantEmail = uniqueEmail("import-v1-case");
    const variant = await registerInMedusa(variantEmail);
    const upperId = `cus_${randomBytes(12).toString("hex").toUpperCase()}`;
    await queryMedusa(
      `INSERT INTO customer (id, email, first_name, last_name, password_hash, has_account, created_at, updated_at)
       SELECT $1, upper(email), first_name, last_name, password_hash, true, now(), now() FROM customer WHERE id = $2`,
      [upperId, variant.id],
    );
    const [medusaRow] = await queryMedusa<{ password_hash: string }>(
      "SELECT password_hash FROM customer WHERE id = $1",
      [ann.id],
    );

    const dry = await importMedusa("--dry-run", "--json");
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as Report;
    assert.match(JSON.stringify(planned), /Medusa v1 database/);
    assert.deepEqual(
      groupOf(planned, variant.id)
        ?.customers.map((customer) => customer.id)
        .sort(),
      [variant.id, upperId].sort(),
    );
    assert.equal(groupOf(planned, variant.id)?.reason, "accounts whose emails differ only in case");
    assert.equal(
      (await app.db.query("SELECT id FROM customer")).length,
      0,
      "a dry run writes nothing",
    );

    const run = await importMedusa("--json");
    assert.equal(run.code, 0, run.stderr);
    const first = JSON.parse(run.stdout) as Report;
    assert.ok(first.imported >= 2);
    assert.ok(groupOf(first, upperId));
    assert.deepEqual(
      first.guest_and_account.find((pair) => pair.email === email),
      { email, guest: guestId, account: ann.id },
    );
    const row = await app.customerRow(ann.id);
    assert.equal(row.email, email);
    assert.equal(row.password_hash, medusaRow?.password_hash);
    assert.equal(row.billing_address_id, billingId);
    assert.equal((await app.addressRow(addressId)).city, "København");
    assert.equal((await app.addressRow(billingId)).address_1, "Bredgade 2");
    assert.equal(Boolean((await app.customerRow(guestId)).has_account), false);
    const skipped = await app.db.query("SELECT id FROM customer WHERE id = $1 OR id = $2", [
      variant.id,
      upperId,
    ]);
    assert.equal(skipped.length, 0, "the case-variant accounts wait for a decision");

    const login = await app.api.post("/store/auth", { email, password: STRONG_PASSWORD });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.customer.id, ann.id);
    await eventually(
      async () => String((await app.customerRow(ann.id)).password_hash).startsWith("$argon2id$"),
      5000,
    );
    const upgraded = (await app.customerRow(ann.id)).password_hash;

    const count = async () => (await app.db.query("SELECT id FROM customer")).length;
    const before = await count();
    const again = await importMedusa("--json");
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as Report;
    // Other tests may add Medusa customers meanwhile: only those are new, nothing twice.
    assert.ok(second.already_present >= 2);
    assert.equal((await count()) - before, second.imported);
    assert.equal((await app.customerRow(ann.id)).password_hash, upgraded, "Gatehouse's copy kept");
  });

  it("stops with one line when its connection to Medusa's database is lost mid-run", async () => {
    // Holds Medusa's address table, so the import waits on its first address read, then ends
    // that import's connection as a restart or a network failure would.
    const locker = new pg.Client({ connectionString: testMedusa().databaseUrl });
    await locker.connect();
    try {
      await locker.query("BEGIN; LOCK TABLE address IN ACCESS EXCLUSIVE MODE");
      const source = `${testMedusa().databaseUrl}?application_name=gatehouse-import-lost`;
      const run = runCli(app.server.env, ["import", "--from", source, "--dry-run"], {}, 60_000);
      await eventually(async () => {
        // Another connection: pg_stat_activity stays as first seen within a transaction.
        const rows = await queryMedusa(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE application_name = 'gatehouse-import-lost' AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0;
      }, 20_000);
      await locker.query("ROLLBACK");
      const { code, stdout, stderr } = await run;
      assert.equal(code, 1, stdout);
      assert.match(
        stderr,
        /^reading the Medusa database at postgres:\/\/.*failed \(terminating connection due to administrator command\): the import stopped after its last whole batch; run it again\n$/,
      );
    } finally {
      await locker.end();
    }
  });
});
