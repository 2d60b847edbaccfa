/**
 * Medusa's customers (MEDUSA_DATABASE_URL): customers and addresses live in Medusa v1's own tables,
 * Medusa's customers log in through Gatehouse, Gatehouse's are Medusa's, and Medusa itself keeps
 * accepting every current password (rollback). Gatehouse's own tables in their own database
 * (the backend's), or in schema `gatehouse` of Medusa's database.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ADDRESS } from "../../../../testing/expect.js";
import { STRONG_PASSWORD, client, login } from "../../../../testing/http.js";
import { queryMedusa, startGateway, testMedusa } from "../../../../testing/medusa.js";
import {
  loggedResetToken,
  serverEntry,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";

const NEW_PASSWORD = "a quite different horse battery";

/** The scrypt-kdf cost parameter (log2 N) a stored Medusa-format hash declares. */
const logN = (hash: string) => Buffer.from(hash, "base64")[7];

async function customerRow(email: string) {
  const [row] = await queryMedusa<{ id: string; password_hash: string; metadata: unknown }>(
    "SELECT id, password_hash, metadata, phone FROM customer WHERE email = $1 AND has_account",
    [email],
  );
  return row;
}

for (const layout of ["own database", "Medusa's database, schema gatehouse"] as const) {
  describe(`in front of Medusa's database (${layout})`, () => {
    let server: TestServer;
    let api: ReturnType<typeof client>;
    /** Medusa's own Store API, bypassing Gatehouse (a store that switched back). */
    const medusa = client(testMedusa().url);

    before(async () => {
      server = await startGateway(undefined, {
        env: {
          MEDUSA_DATABASE_URL: testMedusa().databaseUrl,
          ...(layout !== "own database" && { DATABASE_URL: testMedusa().databaseUrl }),
        },
      });
      api = client(server.url);
    });
    after(async () => {
      await server?.stop();
      // Medusa's database is kept between runs: leave it as it was.
      if (layout !== "own database") {
        await withMedusaDb((db) => db.query("DROP SCHEMA IF EXISTS gatehouse CASCADE"));
      }
    });

    if (layout !== "own database") {
      it("Gatehouse's tables live in schema gatehouse; Medusa's schema gains none", async () => {
        const { rows } = await withMedusaDb((db) =>
          db.query<{ table_schema: string }>(
            "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name IN ('session', 'throttle', 'account_event', 'signing_key', 'kysely_migration')",
          ),
        );
        assert.deepEqual(
          rows.map((row) => row.table_schema),
          ["gatehouse"],
        );
      });
    }

    it("a customer Medusa registered logs in with their password; the hash becomes a strong one Medusa still accepts", async () => {
      const email = uniqueEmail("medusa-era");
      const made = await medusa.post("/store/customers", {
        email,
        password: "medusa era password",
        first_name: "Ada",
        last_name: "Lovelace",
      });
      assert.equal(made.status, 200, made.text);
      assert.equal(logN((await customerRow(email))!.password_hash), 1, "Medusa's own N = 2");

      const res = await api.post("/store/auth", { email, password: "medusa era password" });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.customer.id, made.body.customer.id);
      assert.equal(res.body.customer.first_name, "Ada");
      assert.equal(logN((await customerRow(email))!.password_hash), 15, "upgraded at login");

      const back = await medusa.post("/store/auth", { email, password: "medusa era password" });
      assert.equal(back.status, 200, "Medusa verifies the upgraded hash");
      const wrong = await api.post("/store/auth", { email, password: "not the password" });
      assert.equal(wrong.status, 401);
    });

    it("a customer registered through Gatehouse is a row of Medusa's: Medusa logs them in, carts and orders name them", async () => {
      const email = uniqueEmail("gatehouse-era");
      const res = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        first_name: "Grace",
        last_name: "Hopper",
      });
      assert.equal(res.status, 200, res.text);
      const row = await customerRow(email);
      assert.equal(row?.id, res.body.customer.id);
      assert.equal(logN(row!.password_hash), 15);

      const direct = await medusa.post("/store/auth", { email, password: STRONG_PASSWORD });
      assert.equal(direct.status, 200, direct.text);
      assert.equal(direct.body.customer.id, row!.id);

      const { cookie } = await login(server.url, email);
      const orders = await api.get("/store/customers/me/orders", { cookie });
      assert.equal(orders.status, 200, orders.text);
      const regions = await api.get("/store/regions");
      const cart = await api.post(
        "/store/carts",
        { region_id: regions.body.regions[0].id },
        { cookie },
      );
      assert.equal(cart.status, 200, cart.text);
      assert.equal(cart.body.cart.customer_id, row!.id);
    });

    it("profile and addresses are written in Medusa's tables, metadata as jsonb", async () => {
      const email = uniqueEmail("book");
      const { cookie } = await (async () => {
        await api.post("/store/customers", { email, password: STRONG_PASSWORD });
        return login(server.url, email);
      })();
      const added = await api.post(
        "/store/customers/me/addresses",
        {
          address: { ...ADDRESS, metadata: { floor: 3 } },
        },
        { cookie },
      );
      assert.equal(added.status, 200, added.text);
      const [address] = added.body.customer.shipping_addresses;
      const [stored] = await queryMedusa<{ city: string; country_code: string; metadata: unknown }>(
        "SELECT city, country_code, metadata FROM address WHERE id = $1",
        [address.id],
      );
      assert.deepEqual(stored, { city: "København", country_code: "dk", metadata: { floor: 3 } });

      const updated = await api.post(
        "/store/customers/me",
        { phone: "+45 1234", metadata: { vip: true } },
        { cookie },
      );
      assert.equal(updated.status, 200, updated.text);
      const again = await api.post("/store/customers/me", { metadata: { tier: 2 } }, { cookie });
      assert.deepEqual(again.body.customer.metadata, { vip: true, tier: 2 });
      assert.deepEqual((await customerRow(email))!.metadata, { vip: true, tier: 2 });

      // Medusa's admin sees the customer as its own.
      const admin = await medusa.post("/admin/auth", {
        email: "admin@example.com",
        password: "supersecret",
      });
      const adminCookie = admin.setCookies[0]!.split(";")[0]!;
      const listed = await medusa.get(`/admin/customers?q=${encodeURIComponent(email)}`, {
        headers: { cookie: adminCookie },
      });
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.customers[0].phone, "+45 1234");
      const one = await medusa.get(`/admin/customers/${listed.body.customers[0].id}`, {
        headers: { cookie: adminCookie },
      });
      assert.deepEqual(
        one.body.customer.shipping_addresses.map((a: { id: string }) => a.id),
        [address.id],
      );
    });

    it("a password change and a reset through Gatehouse: Medusa accepts the new password and refuses the old", async () => {
      const email = uniqueEmail("change");
      await api.post("/store/customers", { email, password: STRONG_PASSWORD });
      const { cookie } = await login(server.url, email);
      const changed = await api.post(
        "/store/customers/me",
        { password: NEW_PASSWORD, old_password: STRONG_PASSWORD },
        { cookie },
      );
      assert.equal(changed.status, 200, changed.text);
      assert.equal(
        (await medusa.post("/store/auth", { email, password: NEW_PASSWORD })).status,
        200,
      );
      assert.equal(
        (await medusa.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        401,
      );

      const from = server.logs.length;
      await api.post("/store/customers/password-token", { email });
      const token = await loggedResetToken(server, email, from);
      const reset = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: STRONG_PASSWORD,
      });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(
        (await medusa.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
      assert.equal(
        (await medusa.post("/store/auth", { email, password: NEW_PASSWORD })).status,
        401,
      );
    });

    it("bursts on Medusa's tables: 50 registrations of one email give one account; 60 additions fill a book of 50", async () => {
      const email = uniqueEmail("burst");
      const registrations = await Promise.all(
        Array.from({ length: 50 }, () =>
          api.post("/store/customers", { email, password: STRONG_PASSWORD }),
        ),
      );
      assert.deepEqual(registrations.map((res) => res.status).sort(), [
        200,
        ...Array.from({ length: 49 }, () => 422),
      ]);
      const accounts = await queryMedusa("SELECT id FROM customer WHERE email = $1", [email]);
      assert.equal(accounts.length, 1);

      const { cookie } = await login(server.url, email);
      const added = await Promise.all(
        Array.from({ length: 60 }, () =>
          api.post("/store/customers/me/addresses", { address: ADDRESS }, { cookie }),
        ),
      );
      const statuses = added.map((res) => res.status);
      assert.equal(statuses.filter((status) => status === 200).length, 50);
      assert.equal(statuses.filter((status) => status === 400).length, 10);
      const [book] = await queryMedusa<{ live: string }>(
        "SELECT count(*) AS live FROM address WHERE customer_id = $1 AND deleted_at IS NULL",
        [accounts[0]!.id],
      );
      assert.equal(Number(book?.live), 50);
    });

    it("a guest row Medusa made and a registration with the same email are two rows, as in Medusa", async () => {
      const email = uniqueEmail("guest");
      const regions = await medusa.get("/store/regions");
      const cart = await medusa.post("/store/carts", { region_id: regions.body.regions[0].id });
      const guest = await medusa.post(`/store/carts/${cart.body.cart.id}`, { email });
      assert.equal(guest.status, 200, guest.text);
      const res = await api.post("/store/customers", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 200, res.text);
      const rows = await queryMedusa<{ has_account: boolean }>(
        "SELECT has_account FROM customer WHERE email = $1 ORDER BY has_account",
        [email],
      );
      assert.deepEqual(
        rows.map((row) => row.has_account),
        [false, true],
      );
      const again = await api.post("/store/customers", { email, password: STRONG_PASSWORD });
      assert.equal(again.status, 422);
    });
  });
}

describe("a MEDUSA_DATABASE_URL Gatehouse cannot use refuses to start, saying why", () => {
  const v2Tables = (db: pg.Client) =>
    db.query("CREATE TABLE customer (id text); CREATE TABLE customer_address (id text)");
  for (const [what, prepare, expected, env] of [
    ["a database without Medusa's tables", async () => {}, /no table "customer"/, {}],
    [
      "a Medusa v2 database with MEDUSA_VERSION=1",
      v2Tables,
      /MEDUSA_VERSION=1 but it is a Medusa v2 database \(it has customer_address\)/,
      { MEDUSA_VERSION: "1" },
    ],
    [
      "a Medusa v2 database lacking columns",
      v2Tables,
      /no table "auth_identity".*a Medusa 2\.x version\?/,
      {},
    ],
  ] as const) {
    it(what, async () => {
      const name = `gatehouse_test_not_medusa_${process.pid}_${Date.now()}`;
      await withMedusaDb((db) => db.query(`CREATE DATABASE ${name}`));
      const url = new URL(testMedusa().databaseUrl);
      url.pathname = `/${name}`;
      try {
        const db = new pg.Client({ connectionString: url.toString() });
        await db.connect();
        await prepare(db);
        await db.end();
        const { code, stderr } = await startAndExit({
          MEDUSA_DATABASE_URL: url.toString(),
          ...env,
        });
        assert.equal(code, 1);
        assert.match(stderr, /MEDUSA_DATABASE_URL/);
        assert.match(stderr, expected);
      } finally {
        await withMedusaDb((db) => db.query(`DROP DATABASE IF EXISTS ${name}`));
      }
    });
  }

  it("the real Medusa v1 database with MEDUSA_VERSION=2, naming both, and adding nothing to it", async () => {
    const v2Tables = () =>
      queryMedusa(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('auth_identity', 'provider_identity', 'customer_address')",
      );
    const { code, stderr } = await startAndExit({
      MEDUSA_DATABASE_URL: testMedusa().databaseUrl,
      MEDUSA_VERSION: "2",
    });
    assert.equal(code, 1, stderr);
    assert.match(stderr, /MEDUSA_DATABASE_URL/);
    assert.match(
      stderr,
      /MEDUSA_VERSION=2 but it is a Medusa v1 database \(it has customer, address\)\. Set MEDUSA_VERSION=1, or leave it unset to use the version of the database/,
    );
    assert.deepEqual(await v2Tables(), [], "Medusa's database is as it was");
  });
});

async function withMedusaDb<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: testMedusa().databaseUrl });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Runs a server process that is expected to exit at start; its exit code and stderr. */
function startAndExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [serverEntry], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        PORT: "0",
        DATA_DIR: join(tmpdir(), `gatehouse-test-refused-${process.pid}`),
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
