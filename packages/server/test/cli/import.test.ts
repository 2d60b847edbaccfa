/**
 * `gatehouse import` from JSON Lines and CSV files into a running server's store (no Medusa
 * needed): the customers then log in over HTTP with their Medusa passwords, and their hashes are
 * upgraded to Argon2id at that login; re-running imports nothing twice; a dry run writes nothing;
 * bad lines are reported with their numbers and the others imported.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../../../../testing/cli.js";
import { eventually } from "../../../../testing/expect.js";
import { useServer, type ServerFixture } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";
import { hashMedusaScrypt } from "../../src/services/medusa-scrypt.js";

/** Medusa v1's own parameters (N = 2): the hashes its customers have. */
const MEDUSA_V1 = { logN: 1, r: 1, p: 1 };

const id = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex").toUpperCase()}`;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "gatehouse-import-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonl(lines: unknown[]): Promise<string> {
  const path = join(dir, `${id("file")}.jsonl`);
  await writeFile(
    path,
    lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n") + "\n",
  );
  return path;
}

async function hashOf(app: ServerFixture, customerId: string): Promise<string> {
  return (await app.customerRow(customerId)).password_hash as string;
}

describe("gatehouse import from files (MEDUSA_VERSION=1)", () => {
  const app = useServer();
  const importFrom = (args: string[], env: Record<string, string> = {}) =>
    runCli(app.server.env, ["import", ...args], env);

  it("imports JSON Lines: login with the Medusa password upgrades the hash; a re-run imports nothing", async () => {
    const hash = await hashMedusaScrypt(STRONG_PASSWORD, MEDUSA_V1);
    const ann = { id: id("cus"), email: uniqueEmail("import-ann") };
    const variant = uniqueEmail("import-case");
    const shared = uniqueEmail("import-shared");
    const [upper, lower, guest, account] = [id("cus"), id("cus"), id("cus"), id("cus")];
    const addressId = id("addr");
    const file = await jsonl([
      {
        ...ann,
        first_name: "Ann",
        last_name: "Lee",
        phone: "+45 1234",
        has_account: true,
        password_hash: hash,
        created_at: "2024-03-01T10:00:00.000Z",
        metadata: { tier: "gold" },
        billing_address_id: addressId,
        addresses: [{ id: addressId, address_1: "1 Main St", city: "Paris", country_code: "FR" }],
      },
      { id: upper, email: variant.toUpperCase(), has_account: true, password_hash: hash },
      { id: lower, email: variant, has_account: true, password_hash: hash },
      { id: guest, email: shared, has_account: false },
      { id: account, email: shared, has_account: true, password_hash: hash },
      "{not json",
      { id: id("cus"), email: "not-an-email", has_account: false },
      { id: guest, email: uniqueEmail("import-again"), has_account: false },
      { id: `${upper}\n${lower}`, email: uniqueEmail("import-id"), has_account: false },
      {
        id: id("cus"),
        email: uniqueEmail("import-id"),
        addresses: [{ id: "addr 1", city: "Lyon" }],
      },
    ]);

    const dry = await importFrom(["--from", file, "--dry-run", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout);
    assert.equal(planned.dry_run, true);
    assert.equal(planned.imported, 3);
    assert.equal(planned.need_decision, 2);
    assert.deepEqual(
      planned.decision_groups.map((group: { customers: Array<{ id: string }> }) =>
        group.customers.map((customer) => customer.id),
      ),
      [[upper, lower]],
    );
    assert.deepEqual(
      (await app.db.query("select id from customer where id = $1", [ann.id])).length,
      0,
    );

    const run = await importFrom(["--from", file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^imported: 3 customers, 1 addresses$/m);
    assert.match(run.stdout, /^need a decision: 2$/m);
    assert.match(
      run.stdout,
      new RegExp(`^decision: accounts whose emails differ only in case: ${upper} .*${lower} `, "m"),
    );
    assert.match(run.stdout, /^bad row: line 6: not JSON/m);
    assert.match(run.stdout, /^bad row: line 7: email "not-an-email" is invalid$/m);
    assert.match(run.stdout, new RegExp(`^bad row: line 8: id ${guest} appears again$`, "m"));
    assert.match(
      run.stdout,
      new RegExp(
        `^bad row: line 9: id "${upper}\\\\n${lower}" is not an id \\(1 to 64 letters, digits, _ or -\\)$`,
        "m",
      ),
    );
    assert.match(run.stdout, /^bad row: line 10: address id "addr 1" is not an id /m);
    assert.match(
      run.stdout,
      new RegExp(`^guest and account: ${shared}: guest ${guest}, account ${account}$`, "m"),
    );
    assert.equal(run.stderr, "", "no progress bar when stderr is not a terminal");

    const row = await app.customerRow(ann.id);
    assert.equal(row.email, ann.email);
    assert.equal(row.first_name, "Ann");
    assert.equal(Number(row.created_at), Date.parse("2024-03-01T10:00:00.000Z"));
    assert.equal(row.billing_address_id, addressId);
    assert.equal((await app.addressRow(addressId)).city, "Paris");
    assert.equal(await hashOf(app, ann.id), hash);
    for (const skipped of [upper, lower]) {
      assert.equal(
        (await app.db.query("select id from customer where id = $1", [skipped])).length,
        0,
      );
    }

    const login = await app.api.post("/store/auth", {
      email: ann.email.toUpperCase(),
      password: STRONG_PASSWORD,
    });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.customer.id, ann.id);
    assert.equal(login.body.customer.billing_address_id, addressId);
    assert.deepEqual(login.body.customer.metadata, { tier: "gold" });
    await eventually(async () => (await hashOf(app, ann.id)).startsWith("$argon2id$"), 5000);
    const upgraded = await hashOf(app, ann.id);
    const wrong = await app.api.post("/store/auth", {
      email: ann.email,
      password: "not it at all",
    });
    assert.equal(wrong.status, 401);

    const again = await importFrom(["--from", file, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout);
    assert.equal(second.imported, 0);
    assert.equal(second.already_present, 3);
    assert.equal(await hashOf(app, ann.id), upgraded, "the upgraded hash is kept");
  });

  it("imports CSV: a malformed line and a bad row are reported with their line numbers", async () => {
    const hash = await hashMedusaScrypt(STRONG_PASSWORD, MEDUSA_V1);
    const [good, plain] = [id("cus"), id("cus")];
    const email = uniqueEmail("import-csv");
    const path = join(dir, "customers.csv");
    await writeFile(
      path,
      [
        "id,email,first_name,last_name,phone,has_account,password_hash,created_at,metadata",
        `${good},${email},Cee,Ess,,true,${hash},2024-01-01T00:00:00Z,"{""source"":""csv""}"`,
        `${id("cus")},broken,row`,
        `${id("cus")},${uniqueEmail("import-csv")},,,,maybe,,,`,
        `${plain},${uniqueEmail("import-csv")},,,,false,,,`,
      ].join("\n") + "\n",
    );
    const run = await importFrom(["--from", path, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.imported, 2);
    assert.deepEqual(
      report.bad_rows.map((bad: { at: string; reason: string }) => [bad.at, bad.reason]),
      [
        ["line 3", "Invalid Record Length: columns length is 9, got 3 on line 3"],
        ["line 4", "has_account must be true or false"],
      ],
    );
    assert.deepEqual(JSON.parse((await app.customerRow(good)).metadata as string), {
      source: "csv",
    });
    const login = await app.api.post("/store/auth", { email, password: STRONG_PASSWORD });
    assert.equal(login.status, 200, login.text);
  });

  it("reads a JSONL file with a byte order mark; a line over 1 MiB and bad rows past 1,000 are counted", async () => {
    const [first, last] = [id("cus"), id("cus")];
    const customer = (customerId: string) =>
      JSON.stringify({ id: customerId, email: uniqueEmail("import-bom"), has_account: false });
    const path = join(dir, `${id("file")}.jsonl`);
    await writeFile(
      path,
      [
        `\uFEFF${customer(first)}`,
        JSON.stringify({ id: id("cus"), email: "x".repeat(1024 * 1024) }),
        ...Array.from({ length: 1000 }, () => "[]"),
        customer(last),
      ].join("\n") + "\n",
    );
    const run = await importFrom(["--from", path, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.imported, 2);
    assert.equal(report.bad_row_count, 1001);
    assert.equal(report.bad_rows.length, 1000);
    assert.deepEqual(report.bad_rows[0], { at: "line 2", reason: "longer than 1048576 bytes" });
    assert.deepEqual(report.bad_rows[999], { at: "line 1001", reason: "not a JSON object" });
    const text = await importFrom(["--from", path, "--dry-run"]);
    assert.match(text.stdout, /^bad rows: 1001$/m);
    assert.match(text.stdout, /^… and 1 more bad rows \(only the first 1000 are kept\)$/m);

    const csv = join(dir, `${id("file")}.csv`);
    await writeFile(csv, `id,email\n${id("cus")},"${"x".repeat(1024 * 1024)}\n`);
    const stray = await importFrom(["--from", csv]);
    assert.equal(stray.code, 1);
    assert.match(
      stray.stderr,
      /^.*\.csv: the record at line 2 is longer than 1048576 bytes \(a stray quote\?\); nothing was imported\n$/,
    );
  });

  it("keeps the first 1,000 decision groups and conflicts and counts them all", async () => {
    const guest = (email: string) => ({ id: id("cus"), email, has_account: false });
    const held = Array.from({ length: 1001 }, () => uniqueEmail("import-held"));
    const first = await importFrom(["--from", await jsonl(held.map(guest))]);
    assert.equal(first.code, 0, first.stderr);
    const variants = Array.from({ length: 1001 }, () => uniqueEmail("import-variant"));
    const file = await jsonl([
      ...held.map(guest),
      ...variants.flatMap((email) => [guest(email), guest(email.toUpperCase())]),
    ]);

    const run = await importFrom(["--from", file, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.imported, 0);
    assert.equal(report.decision_group_count, 1001);
    assert.equal(report.decision_groups.length, 1000);
    assert.equal(report.conflict_count, 1001);
    assert.equal(report.conflicts.length, 1000);
    assert.equal(report.need_decision, 2 * 1001 + 1001);
    assert.match(report.conflicts[999].reason, /^Gatehouse already has a guest with this email: /);

    const text = await importFrom(["--from", file, "--dry-run"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^need a decision: 3003$/m);
    assert.equal(text.stdout.match(/^decision: /gm)?.length, 1000);
    assert.equal(text.stdout.match(/^conflict: /gm)?.length, 1000);
    assert.match(text.stdout, /^… and 1 more decision groups \(only the first 1000 are kept\)$/m);
    assert.match(text.stdout, /^… and 1 more conflicts \(only the first 1000 are kept\)$/m);
  });

  it("never hands one customer's address to another: a shared address id, or one Gatehouse has", async () => {
    const [a, b, c] = [id("cus"), id("cus"), id("cus")];
    const [shared, own] = [id("addr"), id("addr")];
    const withAddress = (customer: string, addressId: string, city: string) => ({
      id: customer,
      email: uniqueEmail("import-addr"),
      has_account: false,
      billing_address_id: addressId,
      addresses: [{ id: addressId, city }],
    });
    const sharing = await jsonl([withAddress(a, shared, "Rome"), withAddress(b, shared, "Nice")]);
    const first = await importFrom(["--from", sharing, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.imported, 0);
    assert.deepEqual(report.decision_groups, [
      {
        reason: "customers with the same address id",
        customers: [
          { id: a, email: report.decision_groups[0].customers[0].email, has_account: false },
          { id: b, email: report.decision_groups[0].customers[1].email, has_account: false },
        ],
      },
    ]);

    const owner = await jsonl([withAddress(a, own, "Rome")]);
    assert.equal((await importFrom(["--from", owner])).code, 0);
    const taker = await jsonl([withAddress(c, own, "Nice")]);
    const second = await importFrom(["--from", taker, "--json"]);
    assert.equal(second.code, 0, second.stderr);
    const conflicts = JSON.parse(second.stdout).conflicts;
    assert.deepEqual(
      conflicts.map((conflict: { id: string; reason: string }) => [conflict.id, conflict.reason]),
      [[c, `Gatehouse already has the address ${own} (customer ${a})`]],
    );
    assert.equal((await app.db.query("select id from customer where id = $1", [c])).length, 0);
    const address = await app.addressRow(own);
    assert.equal(address.customer_id, a);
    assert.equal(address.city, "Rome");
  });

  it("refuses, in one line: in front of Medusa's database, an unknown source, a missing file", async () => {
    const file = await jsonl([]);
    const inFront = await importFrom(["--from", file], {
      MEDUSA_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/medusa",
    });
    assert.equal(inFront.code, 1);
    assert.match(
      inFront.stderr,
      /^import copies customers into Gatehouse's own store, but MEDUSA_DATABASE_URL is set: .*makes no sense\n$/,
    );
    const unknown = await importFrom(["--from", join(dir, "customers.txt")]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^--from takes a Medusa database URL \(postgres:\/\/…\) or a \.jsonl or \.csv file/,
    );
    const missing = await importFrom(["--from", join(dir, "missing.jsonl")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cannot read .*missing\.jsonl: ENOENT/);
    const other = await importFrom(["--from", "postgresql+psycopg://ann:s3cret@127.0.0.1/shop"]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /not postgresql\+psycopg:\/\/ann:\*\*\*@127\.0\.0\.1\/shop\n$/);
    assert.doesNotMatch(other.stderr, /s3cret/);
    const noFrom = await importFrom([]);
    assert.equal(noFrom.code, 1);
    assert.match(noFrom.stderr, /--from <source>/);
  });
});

describe("gatehouse import from files (MEDUSA_VERSION=2)", () => {
  const app = useServer({ env: { MEDUSA_VERSION: "2" } });

  it("links each account to an auth identity; login at /auth/customer/emailpass upgrades the hash", async () => {
    const hash = await hashMedusaScrypt(STRONG_PASSWORD, { logN: 15, r: 8, p: 1 });
    const customer = { id: id("cus"), email: uniqueEmail("import-v2") };
    const identityId = id("authid");
    const addressId = id("cuaddr");
    const [twinA, twinB, twinIdentity] = [id("cus"), id("cus"), id("authid")];
    const file = await jsonl([
      {
        ...customer,
        company_name: "Engines",
        has_account: true,
        password_hash: hash,
        auth_identity_id: identityId,
        addresses: [{ id: addressId, city: "Oslo", country_code: "no", is_default_shipping: true }],
      },
      // Two accounts naming one auth identity: neither is imported until the operator decides.
      ...[twinA, twinB].map((twin) => ({
        id: twin,
        email: uniqueEmail("import-twin"),
        has_account: true,
        password_hash: hash,
        auth_identity_id: twinIdentity,
      })),
    ]);
    const run = await runCli(app.server.env, ["import", "--from", file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^imported: 1 customers, 1 addresses, 1 auth identities$/m);
    assert.match(
      run.stdout,
      new RegExp(`^decision: customers with the same auth identity id: ${twinA} .*${twinB} `, "m"),
    );
    const [identity] = await app.db.query("select * from auth_identity where id = $1", [
      identityId,
    ]);
    assert.equal(identity?.customer_id, customer.id);
    assert.equal(identity?.password_hash, null);

    const login = await app.api.post("/auth/customer/emailpass", {
      email: customer.email,
      password: STRONG_PASSWORD,
    });
    assert.equal(login.status, 200, login.text);
    await eventually(async () => (await hashOf(app, customer.id)).startsWith("$argon2id$"), 5000);
    const me = await app.api.get("/store/customers/me", {
      token: login.body.token,
      headers: { "x-publishable-api-key": "pk_import" },
    });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.customer.company_name, "Engines");
    assert.equal(me.body.customer.addresses[0].id, addressId);
    assert.equal(me.body.customer.addresses[0].is_default_shipping, true);
  });
});
