/**
 * The store contract suite: the promises written on stores/types.ts, checked directly against
 * each backend's implementation (SQLite, PostgreSQL, PostgreSQL + Redis), and against the
 * customer and address stores over Medusa v1's and Medusa v2's own tables when the run has them
 * (scripts/test.mjs starts them for the gateway tests).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { createBackend, type Backend } from "../../../../../testing/backend.js";
import { addressRecord } from "../../../../../testing/expect.js";
import { runSwitches } from "../../../../../testing/server.js";
import { loadConfig } from "../../../src/config.js";
import type { Address, Session } from "../../../src/domain.js";
import { openStores } from "../../../src/stores/open-stores.js";
import type { Stores } from "../../../src/stores/types.js";

let seq = 0;
const id = (prefix: string) =>
  `${prefix}_CONTRACT${String(Date.now())}${String(seq++).padStart(6, "0")}`;

/** Concurrent callers in each race (the house burst of concurrent requests). */
const BURST = 50;

const medusaDatabaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_DATABASE_URL;
const medusaV2DatabaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_V2_DATABASE_URL;
contracts("store contracts", {});
if (medusaDatabaseUrl) {
  contracts("store contracts, customers in Medusa's tables", {
    MEDUSA_DATABASE_URL: medusaDatabaseUrl,
  });
}
if (medusaV2DatabaseUrl) {
  contracts("store contracts, customers in Medusa v2's tables", {
    MEDUSA_DATABASE_URL: medusaV2DatabaseUrl,
  });
}

function contracts(name: string, env: Record<string, string>) {
  describe(name, () => {
    let backend: Backend;
    let dataDir: string;
    let stores: Stores;

    before(async () => {
      backend = await createBackend();
      dataDir = await mkdtemp(join(tmpdir(), "gatehouse-contract-"));
      const config = loadConfig({
        DATA_DIR: dataDir,
        SESSION_IDLE_TIMEOUT: "1h",
        ...runSwitches,
        ...backend.env,
        ...env,
      });
      stores = await openStores(config, pino({ level: "silent" }));
    });
    after(async () => {
      await stores.close();
      await backend.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const newCustomer = async (
      email = `${id("c").toLowerCase()}@example.com`,
      kind: "registered" | "guest" = "registered",
    ) => {
      const customer = await stores.customers.create({
        id: id("cus"),
        email,
        first_name: null,
        last_name: null,
        phone: null,
        has_account: kind === "registered",
        password_hash: kind === "registered" ? "$argon2id$placeholder" : null,
        created_at: Date.now(),
        company_name: null,
        metadata: null,
      });
      assert.ok(customer);
      return customer;
    };

    const newSession = (customerId: string, overrides: Partial<Session> = {}): Session => {
      const now = Date.now();
      return {
        id: id("sess"),
        customer_id: customerId,
        kind: "cookie",
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3_600_000,
        user_agent: "contract-test",
        token_version: 0,
        ...overrides,
      };
    };

    describe("customers", () => {
      it("create returns null for a second registered customer with the same email, even concurrently", async () => {
        const email = `${id("dup").toLowerCase()}@example.com`;
        const attempts = await Promise.all(
          Array.from({ length: BURST }, () =>
            stores.customers.create({
              id: id("cus"),
              email,
              first_name: null,
              last_name: null,
              phone: null,
              has_account: true,
              password_hash: "$argon2id$x",
              created_at: Date.now(),
              company_name: null,
              metadata: null,
            }),
          ),
        );
        assert.equal(attempts.filter(Boolean).length, 1);
        // A guest row may share the email.
        await newCustomer(email, "guest");
      });

      it("update reports a duplicate email, and replacePasswordHash only replaces the expected hash", async () => {
        const a = await newCustomer();
        const b = await newCustomer();
        assert.equal(
          await stores.customers.update(b.id, { email: a.email, updated_at: Date.now() }),
          "duplicate",
        );
        assert.equal(
          await stores.customers.update(id("cus"), { first_name: "x", updated_at: Date.now() }),
          null,
        );
        assert.equal(
          await stores.customers.replacePasswordHash(a.id, "$argon2id$other", "$argon2id$new"),
          false,
        );
        assert.equal(
          await stores.customers.replacePasswordHash(
            a.id,
            "$argon2id$placeholder",
            "$argon2id$new",
          ),
          true,
        );
        assert.equal(
          (await stores.customers.findAccountByEmail(a.email))?.passwordHash,
          "$argon2id$new",
        );
      });

      it("erase scrubs the customer, its addresses and identity, frees its email; of concurrent erasures exactly one gets the customer", async () => {
        const inMedusaV1 = env.MEDUSA_DATABASE_URL === medusaDatabaseUrl && !!medusaDatabaseUrl;
        const inMedusaV2 = env.MEDUSA_DATABASE_URL === medusaV2DatabaseUrl && !!medusaV2DatabaseUrl;
        const email = `${id("erase").toLowerCase()}@example.com`;
        const profile = {
          id: id("cus"),
          email,
          first_name: "Ada",
          last_name: "Lovelace",
          phone: "+49 30 1234",
          created_at: Date.now(),
          company_name: null,
          metadata: { note: "personal" },
        };
        // A customer with an identity where identities exist apart from customers.
        let customerId = profile.id;
        if (inMedusaV1) {
          assert.ok(
            await stores.customers.create({
              ...profile,
              has_account: true,
              password_hash: "$argon2id$placeholder",
            }),
          );
        } else {
          const identity = await stores.identities.create(
            { id: id("authid"), email, customer_id: null, created_at: Date.now() },
            "$argon2id$identity",
          );
          assert.ok(identity);
          const created = await stores.identities.createCustomer(
            identity.id,
            profile,
            "$argon2id$identity",
          );
          assert.ok(created && typeof created === "object");
          customerId = created.id;
        }
        const address = (overrides: Partial<Address> = {}): Address =>
          addressRecord(id("addr"), customerId, { company: "Analytical Engines", ...overrides });
        const book = [address({ is_default_shipping: true }), address()];
        for (const entry of book) {
          assert.ok(
            await stores.addresses.addToBook(entry as Address & { customer_id: string }, 10),
          );
        }
        let billingId: string | null = null;
        if (!inMedusaV2) {
          // Medusa v2 has no billing address of the customer.
          const billing = await stores.addresses.create(address({ customer_id: null }));
          billingId = billing.id;
          await stores.customers.update(customerId, {
            billing_address_id: billing.id,
            updated_at: Date.now(),
          });
        }
        assert.equal(
          (await stores.customers.findWithAddresses(customerId))?.shippingAddresses.length,
          2,
        );

        const at = Date.now();
        const results = await Promise.all(
          Array.from({ length: BURST }, () => stores.customers.erase(customerId, at)),
        );
        const erased = results.filter((result) => result !== null);
        assert.equal(erased.length, 1);
        assert.equal(erased[0]!.email, email);
        assert.equal(erased[0]!.first_name, "Ada");

        assert.equal(await stores.customers.findById(customerId), null);
        assert.equal(await stores.customers.findWithAddresses(customerId), null);
        assert.equal(await stores.customers.findAccountByEmail(email), null);
        assert.equal(await stores.customers.hasAccount(email), false);
        for (const entry of book) assert.equal(await stores.addresses.findById(entry.id), null);
        if (billingId) assert.equal(await stores.addresses.findById(billingId), null);
        if (!inMedusaV1) assert.equal(await stores.identities.findByEmail(email), null);
        assert.equal(await stores.customers.erase(customerId, Date.now()), null);
        assert.equal(await stores.customers.erase(id("cus"), Date.now()), null);

        // The email registers again.
        const again = await stores.customers.create({
          ...profile,
          id: id("cus"),
          has_account: true,
          password_hash: "$argon2id$again",
        });
        assert.ok(again);
        assert.equal((await stores.customers.findAccountByEmail(email))?.customer.id, again.id);
      });

      it("hasAccount agrees with findAccountByEmail: registered yes; guests and unknown emails no, even asked together", async () => {
        const registered = await newCustomer();
        const guestEmail = `${id("guest").toLowerCase()}@example.com`;
        await newCustomer(guestEmail, "guest");
        const emails = [
          registered.email,
          guestEmail,
          `nobody-${registered.email}`,
          registered.email,
        ];
        const answers = await Promise.all(
          emails.map((email) => stores.customers.hasAccount(email)),
        );
        assert.deepEqual(answers, [true, false, false, true]);
        for (const [i, email] of emails.entries()) {
          assert.equal((await stores.customers.findAccountByEmail(email)) !== null, answers[i]);
        }
      });
    });

    describe("addresses", () => {
      const newAddress = (customerId: string | null, overrides: Partial<Address> = {}): Address =>
        addressRecord(id("addr"), customerId, overrides);

      it("addToBook never leaves more than the limit, even when called concurrently", async () => {
        const customer = await newCustomer();
        const added = await Promise.all(
          Array.from({ length: 12 }, () =>
            stores.addresses.addToBook(
              newAddress(customer.id) as Address & { customer_id: string },
              5,
            ),
          ),
        );
        assert.equal(added.filter(Boolean).length, 5);
        const found = await stores.customers.findWithAddresses(customer.id);
        assert.equal(found?.shippingAddresses.length, 5);
      });

      it("update merges metadata without losing concurrent merges; softDelete hides the address", async () => {
        const customer = await newCustomer();
        const address = newAddress(customer.id, { metadata: { a: 1 } });
        await stores.addresses.create(address);
        await Promise.all(
          ["b", "c", "d"].map((key) =>
            stores.addresses.update(
              address.id,
              { metadata: (stored) => ({ ...stored, [key]: true }) },
              Date.now(),
            ),
          ),
        );
        const updated = await stores.addresses.findById(address.id);
        assert.deepEqual(updated?.metadata, { a: 1, b: true, c: true, d: true });
        assert.equal(
          await stores.addresses.softDelete("cus_someone_else", address.id, Date.now()),
          false,
        );
        assert.equal(await stores.addresses.softDelete(customer.id, address.id, Date.now()), true);
        assert.equal(await stores.addresses.findById(address.id), null);
      });
    });

    describe("sessions", () => {
      it("creates, finds by token hash and id, touches, lists and deletes", async () => {
        const customer = await newCustomer();
        const cookie = newSession(customer.id);
        const bearer = newSession(customer.id, {
          kind: "bearer",
          created_at: cookie.created_at + 1,
        });
        await stores.sessions.create(cookie, "hash-" + cookie.id);
        await stores.sessions.create(bearer, null);
        assert.deepEqual(await stores.sessions.findByTokenHash("hash-" + cookie.id), cookie);
        assert.deepEqual(await stores.sessions.findById(bearer.id), bearer);
        assert.equal(await stores.sessions.findByTokenHash("hash-unknown"), null);

        await stores.sessions.touch(cookie.id, cookie.last_seen_at + 5000);
        assert.equal(
          (await stores.sessions.findById(cookie.id))?.last_seen_at,
          cookie.last_seen_at + 5000,
        );
        await stores.sessions.touch(cookie.id, cookie.last_seen_at + 1000);
        assert.equal(
          (await stores.sessions.findById(cookie.id))?.last_seen_at,
          cookie.last_seen_at + 5000,
          "never moves back",
        );

        assert.deepEqual(
          (await stores.sessions.listForCustomer(customer.id)).map((session) => session.id),
          [cookie.id, bearer.id],
        );
        assert.equal(await stores.sessions.delete(cookie.id), true);
        assert.equal(await stores.sessions.delete(cookie.id), false);
        assert.equal(
          await stores.sessions.findByTokenHash("hash-" + cookie.id),
          null,
          "the token key goes too",
        );
      });

      it("deleteForCustomer revokes every session but the one kept, and only that customer's", async () => {
        const customer = await newCustomer();
        const other = await newCustomer();
        const sessions = Array.from({ length: 5 }, () => newSession(customer.id));
        for (const session of sessions) await stores.sessions.create(session, "hash-" + session.id);
        const bystander = newSession(other.id);
        await stores.sessions.create(bystander, "hash-" + bystander.id);
        assert.equal(await stores.sessions.deleteForCustomer(customer.id, sessions[0]!.id), 4);
        assert.deepEqual(
          (await stores.sessions.listForCustomer(customer.id)).map((session) => session.id),
          [sessions[0]!.id],
        );
        assert.ok(await stores.sessions.findById(bystander.id));
      });

      it("deleteForCustomer finds a session kept alive by use past the idle timeout", async () => {
        // Stores whose idle timeout (1 s) passes twice while the session is touched every 250 ms.
        const idle = await openStores(
          loadConfig({
            DATA_DIR: dataDir,
            SESSION_IDLE_TIMEOUT: "1s",
            ...runSwitches,
            ...backend.env,
            ...env,
          }),
          pino({ level: "silent" }),
        );
        try {
          const customer = await newCustomer();
          const session = newSession(customer.id);
          await idle.sessions.create(session, "hash-" + session.id);
          for (let seen = session.last_seen_at + 250; seen <= session.last_seen_at + 2500;) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            await idle.sessions.touch(session.id, seen);
            seen += 250;
          }
          assert.ok(await idle.sessions.findById(session.id), "alive: used within every second");
          assert.deepEqual(
            (await idle.sessions.listForCustomer(customer.id)).map((listed) => listed.id),
            [session.id],
          );
          assert.equal(await idle.sessions.deleteForCustomer(customer.id), 1);
          assert.equal(await idle.sessions.findById(session.id), null);
        } finally {
          await idle.close();
        }
      });
    });

    describe("password reset tokens", () => {
      it("a token is consumed once, even by concurrent callers, and only for its customer", async () => {
        const customer = await newCustomer();
        const now = Date.now();
        await stores.passwordResets.create(
          "reset-a",
          { customerId: customer.id },
          now,
          now + 60_000,
        );
        assert.equal(
          await stores.passwordResets.consume("reset-a", id("cus"), now),
          false,
          "wrong customer",
        );
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            stores.passwordResets.consume("reset-a", customer.id, now),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1);
        await stores.passwordResets.create("reset-b", { customerId: customer.id }, now, now + 1000);
        assert.equal(
          await stores.passwordResets.consume("reset-b", customer.id, now + 2000),
          false,
          "expired",
        );
      });
    });

    describe("throttle counters", () => {
      it("counts every concurrent hit, and starts a new window when the old one ends", async () => {
        const key = id("throttle");
        const now = Date.now();
        const states = await Promise.all(
          Array.from({ length: 50 }, () => stores.throttle.hit(key, 60_000, now)),
        );
        assert.deepEqual(
          states.map((state) => state.count).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        const fresh = await stores.throttle.hit(key, 60_000, now + 60_000);
        assert.equal(fresh.count, 1);
        assert.equal(fresh.windowStartedAt, now + 60_000);
      });

      it("get and clear work on several keys", async () => {
        const key = id("throttle");
        const other = id("throttle");
        const now = Date.now();
        await stores.throttle.hit(key, 60_000, now);
        await stores.throttle.hit(other, 60_000, now);
        const states = await stores.throttle.get([key, other, id("missing")]);
        assert.equal(states.get(key)?.count, 1);
        assert.equal(states.get(other)?.count, 1);
        assert.equal(states.size, 2);
        await stores.throttle.clear([key, other]);
        assert.equal((await stores.throttle.get([key, other])).size, 0);
      });

      it("a read or clear sees the hits asked for before it, even not yet counted", async () => {
        const key = id("throttle");
        const now = Date.now();
        const hits = [stores.throttle.hit(key, 60_000, now), stores.throttle.hit(key, 60_000, now)];
        assert.equal((await stores.throttle.get([key])).get(key)?.count, 2);
        assert.deepEqual(
          (await Promise.all(hits)).map((state) => state.count),
          [1, 2],
        );
        const third = stores.throttle.hit(key, 60_000, now);
        await stores.throttle.clear([key]);
        assert.equal((await third).count, 3);
        assert.equal((await stores.throttle.get([key])).size, 0, "cleared after the third hit");
      });
    });

    describe("throttle reservations", () => {
      const rule = (key: string, limit: number) => ({ key, windowMs: 60_000, limit });

      it("reserves exactly the limit out of 50 concurrent attempts, on every key at once", async () => {
        const small = id("reserve");
        const large = id("reserve");
        const now = Date.now();
        const waits = await Promise.all(
          Array.from({ length: 50 }, () =>
            stores.throttle.reserve([rule(large, 30), rule(small, 10)], now),
          ),
        );
        assert.equal(waits.filter((wait) => wait === 0).length, 10);
        assert.ok(
          waits.every((wait) => wait === 0 || wait === 60_000),
          String(waits),
        );
        const states = await stores.throttle.get([small, large]);
        assert.equal(states.get(small)?.count, 10);
        assert.equal(states.get(large)?.count, 10, "a refused attempt counts nowhere");
        assert.equal(
          await stores.throttle.reserve([rule(small, 10)], now + 60_000),
          0,
          "new window",
        );
      });

      it("sets the back-off block from the free-th hit on, doubling, and never counts while blocked", async () => {
        const key = id("reserve");
        const backoff = { free: 2, baseMs: 1000, capMs: 3000 };
        const consecutive = { key, windowMs: 60_000, limit: Number.MAX_SAFE_INTEGER, backoff };
        const now = Date.now();
        assert.equal(await stores.throttle.reserve([consecutive], now), 0);
        assert.equal(await stores.throttle.reserve([consecutive], now), 0);
        assert.equal(await stores.throttle.reserve([consecutive], now + 500), 500);
        assert.equal((await stores.throttle.get([key])).get(key)?.count, 2);
        assert.equal(await stores.throttle.reserve([consecutive], now + 1000), 0);
        assert.equal((await stores.throttle.get([key])).get(key)?.blockedUntil, now + 3000);
        assert.equal(await stores.throttle.reserve([consecutive], now + 3000), 0);
        assert.equal(
          (await stores.throttle.get([key])).get(key)?.blockedUntil,
          now + 6000,
          "capped",
        );
      });

      it("release takes one hit back, never below zero", async () => {
        const key = id("reserve");
        const now = Date.now();
        await stores.throttle.reserve([rule(key, 10)], now);
        await stores.throttle.reserve([rule(key, 10)], now);
        await stores.throttle.release([key, id("missing")]);
        assert.equal((await stores.throttle.get([key])).get(key)?.count, 1);
        await stores.throttle.release([key]);
        await stores.throttle.release([key]);
        assert.equal((await stores.throttle.get([key])).get(key)?.count, 0);
      });
    });
  });
}
