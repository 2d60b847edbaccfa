/**
 * The stores over a real Medusa v2's database (MEDUSA_DATABASE_URL): its version detected, its
 * customers and Gatehouse's the same people (a password set by either side verifies on the
 * other), emails case-insensitive without duplicates, one default address of each kind, and its
 * publishable keys.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { createBackend, type Backend } from "../../../../testing/backend.js";
import {
  medusaV2OrSkip,
  queryMedusaV2,
  type TestMedusaV2,
} from "../../../../testing/medusa-v2-db.js";
import { addressRecord } from "../../../../testing/expect.js";
import { emailVariant, runSwitches } from "../../../../testing/server.js";
import { loadConfig } from "../../src/config.js";
import type { Address } from "../../src/domain.js";
import type { HttpError } from "../../src/errors.js";
import { normalizeEmail } from "../../src/services/emails.js";
import { MEDUSA_V2_SCRYPT_PARAMETERS } from "../../src/services/medusa-scrypt.js";
import { PasswordService } from "../../src/services/passwords.js";
import { MedusaV2PublishableKeys } from "../../src/stores/medusa-v2/publishable-keys.js";
import {
  EMAIL_INDEX,
  OLD_EMAIL_INDEX,
  openMedusaDatabase,
} from "../../src/stores/medusa-v2/open.js";
import { openStores, type OpenedStores } from "../../src/stores/open-stores.js";

const target = medusaV2OrSkip();
const PASSWORD = "correct horse battery staple";
/** The scrypt-kdf parameters a hash declares (Medusa v2's emailpass: logN 15, r 8, p 1). */
function scryptParameters(hash: string | null | undefined) {
  const bytes = Buffer.from(hash ?? "", "base64");
  if (bytes.length !== 96 || bytes.subarray(0, 6).toString() !== "scrypt") return null;
  return { logN: bytes[7], r: bytes.readUInt32BE(8), p: bytes.readUInt32BE(12) };
}
const MEDUSA_V2_PARAMETERS = { logN: 15, r: 8, p: 1 };

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString("hex")}`;
const ulidish = () => randomBytes(13).toString("hex").toUpperCase().slice(0, 26);
/** A new registered customer of Medusa's shape, with no profile. */
const account = (email: string, passwordHash: string) => ({
  id: `cus_${ulidish()}`,
  email,
  first_name: null,
  last_name: null,
  phone: null,
  company_name: null,
  metadata: null,
  has_account: true,
  password_hash: passwordHash,
  created_at: Date.now(),
});

describe("stores over Medusa v2's database", { skip: target.skip }, () => {
  const medusa = (target as { medusa: TestMedusaV2 }).medusa;
  let backend: Backend;
  let dataDir: string;
  let stores: OpenedStores;
  const passwords = new PasswordService(
    loadConfig({}).password,
    undefined,
    "medusa-scrypt",
    MEDUSA_V2_SCRYPT_PARAMETERS,
  );
  const configFor = (env: Record<string, string>) =>
    loadConfig({
      DATA_DIR: dataDir,
      ...runSwitches,
      ...backend.env,
      MEDUSA_DATABASE_URL: medusa.databaseUrl,
      ...env,
    });
  const query = <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
    queryMedusaV2<T>(medusa.databaseUrl, text, values);
  /** Medusa's own Store/Auth API, straight (no Gatehouse in between). */
  const medusaPost = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(new URL(path, medusa.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-publishable-api-key": medusa.publishableKey,
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const claims = (token: string) =>
    JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;

  before(async () => {
    backend = await createBackend();
    dataDir = await mkdtemp(join(tmpdir(), "gatehouse-medusa-v2-"));
    stores = await openStores(configFor({}), pino({ level: "silent" }));
  });
  after(async () => {
    await stores?.close();
    await backend?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("detects Medusa v2 from its tables, and adds its one index", async () => {
    assert.equal(stores.medusaVersion, 2);
    const [index] = await query<{ valid: boolean; definition: string }>(
      `select i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = $1`,
      [EMAIL_INDEX],
    );
    assert.equal(index?.valid, true);
    assert.match(
      index!.definition,
      /ON public\.provider_identity USING btree \(lower\(NORMALIZE\(entity_id, NFKC\)\)\)/,
    );
  });

  it("replaces the index of earlier versions (on lower(entity_id)) at start", async () => {
    await query(`drop index if exists ${EMAIL_INDEX}`);
    await query(
      `create index if not exists ${OLD_EMAIL_INDEX} on provider_identity (lower(entity_id))`,
    );
    const upgraded = await openStores(configFor({}), pino({ level: "silent" }));
    await upgraded.close();
    const indexes = await query<{ name: string; valid: boolean }>(
      `select c.relname as name, i.indisvalid as valid
       from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = any($1)`,
      [[EMAIL_INDEX, OLD_EMAIL_INDEX]],
    );
    assert.deepEqual(indexes, [{ name: EMAIL_INDEX, valid: true }]);
  });

  it("refuses to start when MEDUSA_VERSION=1 contradicts the database, naming both", async () => {
    await assert.rejects(
      openStores(configFor({ MEDUSA_VERSION: "1" }), pino({ level: "silent" })),
      (error: Error) => {
        assert.match(
          error.message,
          /MEDUSA_VERSION=1 but it is a Medusa v2 database \(it has customer_address, auth_identity, provider_identity\)/,
        );
        assert.match(error.message, /Set MEDUSA_VERSION=2, or leave it unset/);
        return true;
      },
    );
    const explicit = await openStores(
      configFor({ MEDUSA_VERSION: "2" }),
      pino({ level: "silent" }),
    );
    assert.equal(explicit.medusaVersion, 2);
    await explicit.close();
  });

  it("finds a customer registered through Medusa by email in any case, and its hash verifies", async () => {
    const email = `${unique("Medusa.Made")}@Example.COM`;
    const registered = await medusaPost("/auth/customer/emailpass/register", {
      email,
      password: PASSWORD,
    });
    assert.equal(registered.status, 200);
    const created = await medusaPost(
      "/store/customers",
      { email, first_name: "Ada", company_name: "Engines Ltd" },
      registered.body.token as string,
    );
    assert.equal(created.status, 200);
    const medusaCustomer = created.body.customer as { id: string };

    const found = await stores.customers.findAccountByEmail(email.toLowerCase());
    assert.equal(found?.customer.id, medusaCustomer.id);
    assert.equal(found.customer.email, email);
    assert.equal(found.customer.company_name, "Engines Ltd");
    assert.equal(found.customer.billing_address_id, null);
    assert.deepEqual(scryptParameters(found.passwordHash), MEDUSA_V2_PARAMETERS);
    assert.deepEqual(await passwords.verify(found.passwordHash, PASSWORD), {
      ok: true,
      needsRehash: false,
    });
    assert.equal((await passwords.verify(found.passwordHash, "wrong password")).ok, false);
    assert.equal(await stores.customers.hasAccount(email.toLowerCase()), true);

    const identity = await stores.identities.findByEmail(email.toLowerCase());
    assert.equal(identity?.identity.email, email);
    assert.equal(identity.identity.customer_id, medusaCustomer.id);
    assert.match(identity.identity.id, /^authid_/);
    assert.equal(identity.passwordHash, found.passwordHash);
    assert.deepEqual(await stores.identities.findByCustomer(medusaCustomer.id), identity.identity);
    assert.deepEqual(await stores.identities.findById(identity.identity.id), identity);
  });

  it("a password set through Gatehouse's stores logs in at Medusa itself, emails as typed", async () => {
    const email = `${unique("Gatehouse.Made")}@Example.com`;
    const created = await stores.customers.create({
      id: `cus_${ulidish()}`,
      email,
      first_name: "Grace",
      last_name: null,
      phone: null,
      company_name: null,
      metadata: { source: "gatehouse" },
      has_account: true,
      password_hash: await passwords.hash(PASSWORD),
      created_at: Date.now(),
    });
    assert.ok(created);
    const [row] = await query<{ entity_id: string; password: string; app_metadata: unknown }>(
      `select pi.entity_id, pi.provider_metadata->>'password' as password, ai.app_metadata
       from provider_identity pi join auth_identity ai on ai.id = pi.auth_identity_id
       where pi.entity_id = $1`,
      [email],
    );
    assert.equal(row?.entity_id, email);
    assert.deepEqual(scryptParameters(row.password), MEDUSA_V2_PARAMETERS);
    assert.deepEqual(row.app_metadata, { customer_id: created.id });

    const login = await medusaPost("/auth/customer/emailpass", { email, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(claims(login.body.token as string).actor_id, created.id);

    // A new password (compare-and-set): Medusa takes the new one only.
    const current = (await stores.customers.findAccountByEmail(email.toLowerCase()))!.passwordHash!;
    const next = await passwords.hash("a new and different password");
    assert.equal(await stores.customers.replacePasswordHash(created.id, "stale", next), false);
    assert.equal(await stores.customers.replacePasswordHash(created.id, current, next), true);
    const again = { email, password: "a new and different password" };
    assert.equal((await medusaPost("/auth/customer/emailpass", again)).status, 200);
    const old = await medusaPost("/auth/customer/emailpass", { email, password: PASSWORD });
    assert.equal(old.status, 401);

    // update(password_hash) writes it where Medusa reads it, too.
    await stores.customers.update(created.id, {
      password_hash: await passwords.hash(PASSWORD),
      updated_at: Date.now(),
    });
    assert.equal(
      (await medusaPost("/auth/customer/emailpass", { email, password: PASSWORD })).status,
      200,
    );
  });

  it("an identity created through Gatehouse, then its customer, logs in at Medusa", async () => {
    const email = `${unique("Two.Step")}@example.com`;
    const hash = await passwords.hash(PASSWORD);
    const identity = await stores.identities.create(
      { id: `authid_${ulidish()}`, email, customer_id: null, created_at: Date.now() },
      hash,
    );
    assert.ok(identity);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        stores.identities.createCustomer(
          identity.id,
          {
            id: `cus_${ulidish()}`,
            email,
            first_name: null,
            last_name: null,
            phone: null,
            company_name: "Two Step",
            metadata: null,
            created_at: Date.now(),
          },
          hash,
        ),
      ),
    );
    const customers = attempts.filter((attempt) => typeof attempt === "object" && attempt);
    assert.equal(customers.length, 1);
    assert.equal(attempts.filter((attempt) => attempt === "linked").length, 9);
    const customer = customers[0] as { id: string; has_account: boolean };
    assert.equal(customer.has_account, true);
    const login = await medusaPost("/auth/customer/emailpass", { email, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(claims(login.body.token as string).actor_id, customer.id);
    assert.equal(
      await stores.identities.createCustomer(
        `authid_${ulidish()}`,
        {
          id: `cus_${ulidish()}`,
          email: `${unique("none")}@example.com`,
          first_name: null,
          last_name: null,
          phone: null,
          company_name: null,
          metadata: null,
          created_at: Date.now(),
        },
        hash,
      ),
      null,
    );
  });

  it("refuses a variant (case, NFKC) of an existing email, even in a burst of concurrent creates", async () => {
    const base = `${unique("burst")}@example.com`;
    const variants = Array.from({ length: 50 }, (_, i) => emailVariant(base, i));
    assert.equal(new Set(variants).size, 50);
    const hash = await passwords.hash(PASSWORD);
    const made = await Promise.all(
      variants.map((email) =>
        stores.identities.create(
          { id: `authid_${ulidish()}`, email, customer_id: null, created_at: Date.now() },
          hash,
        ),
      ),
    );
    assert.equal(made.filter(Boolean).length, 1);
    const customers = await Promise.all(
      variants.map((email) => stores.customers.create(account(normalizeEmail(email), hash))),
    );
    assert.equal(customers.filter(Boolean).length, 0);
    const [row] = await query<{ count: string }>(
      "select count(*) from provider_identity where lower(normalize(entity_id, NFKC)) = $1",
      [base],
    );
    assert.equal(row?.count, "1");
    for (const variant of variants.slice(0, 10)) {
      assert.equal(
        (await stores.identities.findByEmail(variant))?.identity.id,
        made.find(Boolean)!.id,
      );
    }
  });

  it("refuses (400) an email whose key PostgreSQL computes differently, and writes nothing", async () => {
    // JavaScript lower-cases İ (U+0130) to i + U+0307, PostgreSQL (this locale) to i.
    const email = `\u0130${unique("dotted")}@example.com`;
    const hash = await passwords.hash(PASSWORD);
    const identity = {
      id: `authid_${ulidish()}`,
      email,
      customer_id: null,
      created_at: Date.now(),
    };
    await assert.rejects(stores.identities.create(identity, hash), (error: HttpError) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /^email cannot be used with this store: Medusa's database/);
      return true;
    });
    const rows = await query("select id from provider_identity where entity_id = $1", [email]);
    assert.deepEqual(rows, []);
    // Its normalized form has one key in both: a customer written with it gets its identity.
    const customer = await stores.customers.create(account(normalizeEmail(email), hash));
    assert.ok(customer);
    assert.equal((await stores.customers.findAccountByEmail(email))?.customer.id, customer.id);
  });

  it("keeps one default shipping and one default billing address per customer under concurrency", async () => {
    const customer = await stores.customers.create({
      id: `cus_${ulidish()}`,
      email: `${unique("addresses")}@example.com`,
      first_name: null,
      last_name: null,
      phone: null,
      company_name: null,
      metadata: null,
      has_account: false,
      password_hash: null,
      created_at: Date.now(),
    });
    assert.ok(customer);
    const customerId = customer.id;
    const address = (overrides: Partial<Omit<Address, "customer_id">> = {}) =>
      addressRecord(`cuaddr_${ulidish()}`, customerId, {
        is_default_shipping: true,
        is_default_billing: true,
        ...overrides,
      });
    const added = await Promise.all(
      Array.from({ length: 12 }, () => stores.addresses.addToBook(address(), 10)),
    );
    assert.equal(added.filter(Boolean).length, 10);
    const book = (await stores.customers.findWithAddresses(customer.id))!.shippingAddresses;
    assert.equal(book.filter((a) => a.is_default_shipping).length, 1);
    assert.equal(book.filter((a) => a.is_default_billing).length, 1);
    // Concurrent updates that each take the default: one holds it at the end.
    await Promise.all(
      book.map((a) => stores.addresses.update(a.id, { is_default_shipping: true }, Date.now())),
    );
    const after = (await stores.customers.findWithAddresses(customer.id))!.shippingAddresses;
    assert.equal(after.filter((a) => a.is_default_shipping).length, 1);
    // A deleted default leaves no default behind, and a new one can be set.
    const holder = after.find((a) => a.is_default_billing)!;
    assert.equal(await stores.addresses.softDelete(customer.id, holder.id, Date.now()), true);
    assert.ok(await stores.addresses.addToBook(address({ is_default_shipping: false }), 11));
  });

  describe("publishable keys", () => {
    const token = `pk_${randomBytes(32).toString("hex")}`;
    const id = `apk_${ulidish()}`;
    before(async () => {
      await query(
        `insert into api_key (id, token, salt, redacted, title, type, created_by)
         values ($1, $2, '', $3, 'Gatehouse test key', 'publishable', 'gatehouse-test')`,
        [id, token, `${token.slice(0, 6)}***${token.slice(-3)}`],
      );
    });
    after(async () => {
      await query("delete from api_key where id = $1", [id]);
    });

    it("accepts Medusa's live publishable keys only", async () => {
      assert.equal(await stores.publishableKeys.isValid(medusa.publishableKey), true);
      assert.equal(await stores.publishableKeys.isValid(token), true);
      assert.equal(await stores.publishableKeys.isValid(`pk_${"0".repeat(64)}`), false);
      const [secret] = await query<{ token: string }>(
        "select token from api_key where type = 'secret' limit 1",
      );
      if (secret) assert.equal(await stores.publishableKeys.isValid(secret.token), false);
    });

    it("stops accepting a revoked key within 30 s", async () => {
      const runtime = openMedusaDatabase(medusa.databaseUrl, 1);
      let now = Date.now();
      const keys = new MedusaV2PublishableKeys(runtime, () => now);
      try {
        assert.equal(await keys.isValid(token), true);
        await query("update api_key set revoked_at = now(), revoked_by = 'test' where id = $1", [
          id,
        ]);
        now += 29_000;
        assert.equal(await keys.isValid(token), true, "believed for up to 30 s");
        now += 2_000;
        assert.equal(await keys.isValid(token), false);
      } finally {
        await runtime.close();
      }
    });
  });
});
