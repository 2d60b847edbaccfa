/**
 * The store contracts Medusa v2 mode added (stores/types.ts): auth identities, bearer-token
 * rotation, consuming a reset token by its hash alone, and one default address of each kind per
 * customer. Checked on Gatehouse's own storage (SQLite, PostgreSQL, PostgreSQL + Redis), with
 * two store instances on one database where what one writes must be seen by the other at its
 * next request (as two server processes would). One process runs both here: `nextTurn()` stands
 * for "another request", as each request starts a turn of the event loop of its own, and the read
 * cache fences once per turn. With a Medusa v1 in the run, the session and reset contracts
 * run again with customers in Medusa's tables; identities and default flags do not apply there.
 * With a Medusa v2 in the run, all of them run again on Medusa v2's tables.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
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
  `${prefix}_V2CONTRACT${String(Date.now())}${String(seq++).padStart(6, "0")}`;
const email = () => `${id("v2").toLowerCase()}@example.com`;
/** Concurrent callers in each race (the house burst of concurrent requests on one account). */
const BURST = 50;
/** Address book limit in these tests: above the burst, so that every add of a burst fits. */
const BOOK_LIMIT = BURST * 2;

const medusaDatabaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_DATABASE_URL;
const medusaV2DatabaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_V2_DATABASE_URL;
contracts("v2 store contracts", {});
if (medusaDatabaseUrl) {
  contracts("v2 store contracts, customers in Medusa v1's tables", {
    MEDUSA_DATABASE_URL: medusaDatabaseUrl,
  });
}
if (medusaV2DatabaseUrl) {
  contracts("v2 store contracts, customers in Medusa v2's tables", {
    MEDUSA_DATABASE_URL: medusaV2DatabaseUrl,
  });
}

function contracts(name: string, env: Record<string, string>) {
  const inMedusaV1 = !!medusaDatabaseUrl && env.MEDUSA_DATABASE_URL === medusaDatabaseUrl;
  const inMedusaV2 = !!medusaV2DatabaseUrl && env.MEDUSA_DATABASE_URL === medusaV2DatabaseUrl;
  describe(name, () => {
    let backend: Backend;
    let dataDir: string;
    /** Two instances on one storage: `stores` writes, `other` must see it. */
    let stores: Stores;
    let other: Stores;

    before(async () => {
      backend = await createBackend();
      dataDir = await mkdtemp(join(tmpdir(), "gatehouse-v2-contract-"));
      const config = loadConfig({
        DATA_DIR: dataDir,
        SESSION_IDLE_TIMEOUT: "1h",
        ...runSwitches,
        ...backend.env,
        ...env,
      });
      stores = await openStores(config, pino({ level: "silent" }));
      other = await openStores(config, pino({ level: "silent" }));
    });
    after(async () => {
      await other.close();
      await stores.close();
      await backend.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const newCustomer = async () => {
      const customer = await stores.customers.create({
        id: id("cus"),
        email: email(),
        first_name: null,
        last_name: null,
        phone: null,
        has_account: true,
        password_hash: "$argon2id$placeholder",
        created_at: Date.now(),
        company_name: null,
        metadata: null,
      });
      assert.ok(customer);
      return customer;
    };

    const newSession = (customerId: string): Session => {
      const now = Date.now();
      return {
        id: id("sess"),
        customer_id: customerId,
        kind: "bearer",
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3_600_000,
        user_agent: "contract-test",
        token_version: 0,
      };
    };

    const profile = (customerEmail: string) => ({
      id: id("cus"),
      email: customerEmail,
      first_name: "Ada",
      last_name: "Lovelace",
      phone: null,
      company_name: "Analytical Engines",
      metadata: { source: "v2" },
      created_at: Date.now(),
    });

    describe("customers: v2's fields", () => {
      it("create keeps the given metadata and company_name (null in Medusa v1's tables); update sets company_name", async () => {
        const created = await stores.customers.create({
          ...profile(email()),
          has_account: true,
          password_hash: "$argon2id$placeholder",
        });
        assert.ok(created);
        assert.deepEqual(created.metadata, { source: "v2" });
        assert.equal(created.company_name, inMedusaV1 ? null : "Analytical Engines");
        await nextTurn();
        assert.deepEqual(await other.customers.findById(created.id), created);
        const updated = await other.customers.update(created.id, {
          company_name: "Difference Engines",
          updated_at: Date.now(),
        });
        assert.ok(typeof updated === "object" && updated !== null);
        assert.equal(updated.company_name, inMedusaV1 ? null : "Difference Engines");
        await nextTurn();
        const view = await stores.customers.findWithAddresses(created.id);
        assert.equal(view?.customer.company_name, updated.company_name);
      });
    });

    describe("identities", { skip: inMedusaV1 && "Medusa v1 has no auth identities" }, () => {
      it("create: one success out of a burst of one email in different cases; found case-insensitively", async () => {
        const base = email();
        const spellings = Array.from({ length: BURST }, (_, i) =>
          i % 3 === 0
            ? base
            : i % 3 === 1
              ? base.toUpperCase()
              : base[0]!.toUpperCase() + base.slice(1),
        );
        const created = await Promise.all(
          spellings.map((spelling) =>
            stores.identities.create(
              { id: id("authid"), email: spelling, customer_id: null, created_at: Date.now() },
              `$argon2id$${spelling}`,
            ),
          ),
        );
        const winners = created.filter((identity) => identity !== null);
        assert.equal(winners.length, 1);
        const winner = winners[0]!;
        const found = await other.identities.findByEmail(base);
        assert.deepEqual(found, { identity: winner, passwordHash: `$argon2id$${winner.email}` });
        assert.equal(found?.identity.email, winner.email, "stored as given");
        assert.deepEqual(await other.identities.findById(winner.id), found);
        assert.equal(await other.identities.findByEmail(`nobody-${base}`), null);
        assert.equal(await other.identities.findById(id("authid")), null);
      });

      it('createCustomer: a burst links exactly one customer, the others get "linked"; the hash moves to the customer', async () => {
        const identity = await stores.identities.create(
          { id: id("authid"), email: email(), customer_id: null, created_at: Date.now() },
          "$argon2id$identity",
        );
        assert.ok(identity);
        assert.equal(await stores.customers.hasAccount(identity.email), false);
        const results = await Promise.all(
          Array.from({ length: BURST }, () =>
            stores.identities.createCustomer(
              identity.id,
              profile(identity.email),
              "$argon2id$identity",
            ),
          ),
        );
        const customers = results.filter((result) => typeof result === "object" && result !== null);
        assert.equal(customers.length, 1);
        assert.deepEqual(
          results.filter((result) => result === "linked").length,
          BURST - 1,
          String(results.filter((result) => typeof result !== "object")),
        );
        const customer = customers[0]!;
        assert.equal(customer.has_account, true);
        assert.equal(customer.company_name, "Analytical Engines");
        assert.deepEqual(customer.metadata, { source: "v2" });

        // Seen by the other instance: the link, the account, the password in the customer row.
        await nextTurn();
        assert.deepEqual(await other.identities.findById(identity.id), {
          identity: { ...identity, customer_id: customer.id },
          passwordHash: "$argon2id$identity",
        });
        assert.equal((await other.identities.findByCustomer(customer.id))?.id, identity.id);
        const account = await other.customers.findAccountByEmail(identity.email);
        assert.equal(account?.passwordHash, "$argon2id$identity");
        assert.deepEqual(account?.customer, customer);
        assert.equal(await stores.customers.hasAccount(identity.email), true, "email check");
        assert.equal(await other.customers.hasAccount(identity.email), true, "email check");
        assert.equal(
          (await other.identities.findByEmail(identity.email))?.passwordHash,
          "$argon2id$identity",
        );
        // A later password change is the customer's, and the identity reports it.
        await stores.customers.replacePasswordHash(
          customer.id,
          "$argon2id$identity",
          "$argon2id$new",
        );
        assert.equal(
          (await other.identities.findByEmail(identity.email))?.passwordHash,
          "$argon2id$new",
        );
        assert.equal(await other.identities.findByCustomer(id("cus")), null);
      });

      it("setUnlinkedPassword: sets an unlinked identity's hash; against a concurrent createCustomer expecting the previous hash, exactly one wins and none is written after", async () => {
        assert.equal(
          await stores.identities.setUnlinkedPassword(id("authid"), "$argon2id$x"),
          false,
        );
        const races = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const identity = await stores.identities.create(
              { id: id("authid"), email: email(), customer_id: null, created_at: Date.now() },
              "$argon2id$old",
            );
            assert.ok(identity);
            assert.equal(
              await other.identities.setUnlinkedPassword(identity.id, "$argon2id$first"),
              true,
            );
            // Half start the link first, half the password: either order must stay consistent.
            const link = () =>
              stores.identities.createCustomer(
                identity.id,
                profile(identity.email),
                "$argon2id$first",
              );
            const write = () =>
              other.identities.setUnlinkedPassword(identity.id, "$argon2id$reset");
            const [linked, written] =
              i % 2
                ? await Promise.all([link(), write()])
                : (await Promise.all([write(), link()])).reverse();
            // The reset first: the link's expected hash is stale, so no customer is made.
            assert.equal(linked === null, written, String(linked));
            if (written) {
              assert.equal(
                (await other.identities.findById(identity.id))?.passwordHash,
                "$argon2id$reset",
              );
              assert.equal(await other.customers.findAccountByEmail(identity.email), null);
              return written;
            }
            const account = await other.customers.findAccountByEmail(identity.email);
            assert.equal(account?.passwordHash, "$argon2id$first");
            assert.equal(
              await other.identities.setUnlinkedPassword(identity.id, "$argon2id$late"),
              false,
              "linked: nothing written",
            );
            return written;
          }),
        );
        assert.equal(races.length, 10);
      });

      it('createCustomer: "duplicate" when a registered customer has the email (identity left unlinked); null for no identity', async () => {
        const existing = await newCustomer();
        const identity = await stores.identities.create(
          { id: id("authid"), email: existing.email, customer_id: null, created_at: Date.now() },
          "$argon2id$identity",
        );
        if (inMedusaV2) {
          // A registered customer in Medusa v2's tables has its emailpass identity: the email is taken.
          assert.equal(identity, null);
        } else {
          assert.ok(identity);
          assert.equal(
            await stores.identities.createCustomer(
              identity.id,
              profile(existing.email),
              "$argon2id$identity",
            ),
            "duplicate",
          );
          assert.equal((await other.identities.findById(identity.id))?.identity.customer_id, null);
          assert.equal(
            (await other.identities.findByEmail(existing.email))?.passwordHash,
            "$argon2id$identity",
          );
        }
        assert.equal(
          await stores.identities.createCustomer(id("authid"), profile(email()), "$argon2id$x"),
          null,
        );
      });
    });

    describe("sessions: token rotation", () => {
      it("of a burst with one expected version exactly one rotates; the version is read back on every instance", async () => {
        const customer = await newCustomer();
        const session = newSession(customer.id);
        await stores.sessions.create(session, null);
        // Both instances have read (and may keep) version 0.
        assert.equal((await stores.sessions.findById(session.id))?.token_version, 0);
        assert.equal((await other.sessions.findById(session.id))?.token_version, 0);
        const rotated = await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            (i % 2 ? other : stores).sessions.rotateToken(session.id, 0),
          ),
        );
        assert.equal(rotated.filter(Boolean).length, 1);
        await nextTurn();
        assert.equal((await stores.sessions.findById(session.id))?.token_version, 1);
        assert.equal((await other.sessions.findById(session.id))?.token_version, 1);
        assert.equal(await other.sessions.rotateToken(session.id, 0), false, "stale version");
        assert.equal(await other.sessions.rotateToken(session.id, 1), true);
        await nextTurn();
        assert.equal((await stores.sessions.findById(session.id))?.token_version, 2);
        const [listed] = await stores.sessions.listForCustomer(customer.id);
        assert.equal(listed?.token_version, 2);
        assert.equal(await stores.sessions.delete(session.id), true);
        assert.equal(await stores.sessions.rotateToken(session.id, 2), false, "gone");
      });
    });

    describe("password reset tokens: consumeAny", () => {
      it("a burst gives the customer and expiry to one caller; an expired or unknown token gives null", async () => {
        const customer = await newCustomer();
        const now = Date.now();
        const hash = id("reset");
        await stores.passwordResets.create(hash, { customerId: customer.id }, now, now + 60_000);
        const results = await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            (i % 2 ? other : stores).passwordResets.consumeAny(hash, now),
          ),
        );
        assert.deepEqual(
          results.filter((result) => result !== null),
          [{ subject: { customerId: customer.id }, expiresAt: now + 60_000 }],
        );
        assert.equal(await stores.passwordResets.isValid(hash, customer.id, now), false, "removed");

        const expired = id("reset");
        await stores.passwordResets.create(expired, { customerId: customer.id }, now, now + 1000);
        assert.equal(await stores.passwordResets.consumeAny(expired, now + 1000), null, "expired");
        assert.equal(await stores.passwordResets.consumeAny(id("reset"), now), null, "unknown");
      });

      it("an identity's token: consumed once by a burst, never as a customer's; deleteForIdentity drops only the identity's", async () => {
        const identityId = id("authid");
        const now = Date.now();
        const [burst, kept, dropped] = [id("reset"), id("reset"), id("reset")];
        for (const hash of [burst, dropped]) {
          await stores.passwordResets.create(hash, { identityId }, now, now + 60_000);
        }
        const customer = await newCustomer();
        await stores.passwordResets.create(kept, { customerId: customer.id }, now, now + 60_000);
        assert.equal(await other.passwordResets.isValid(burst, identityId, now), false);
        assert.equal(await other.passwordResets.consume(burst, identityId, now), false);
        const results = await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            (i % 2 ? other : stores).passwordResets.consumeAny(burst, now),
          ),
        );
        assert.deepEqual(
          results.filter((result) => result !== null),
          [{ subject: { identityId }, expiresAt: now + 60_000 }],
        );
        await stores.passwordResets.deleteForIdentity(identityId);
        assert.equal(await other.passwordResets.consumeAny(dropped, now), null, "dropped");
        assert.equal(await other.passwordResets.isValid(kept, customer.id, now), true, "kept");
      });
    });

    describe(
      "addresses: one default of each kind",
      { skip: inMedusaV1 && "Medusa v1's address table has no default flags (always false)" },
      () => {
        const newAddress = (
          customerId: string,
          overrides: Partial<Omit<Address, "customer_id">> = {},
        ) => addressRecord(id("addr"), customerId, { address_name: "Home", ...overrides });
        const defaults = async (customerId: string) => {
          await nextTurn();
          const book = (await other.customers.findWithAddresses(customerId))!.shippingAddresses;
          return {
            shipping: book.filter((address) => address.is_default_shipping).map((a) => a.id),
            billing: book.filter((address) => address.is_default_billing).map((a) => a.id),
          };
        };

        it("a burst of adds, each the default shipping address, leaves exactly one; billing untouched", async () => {
          const customer = await newCustomer();
          const billing = newAddress(customer.id, { is_default_billing: true });
          assert.equal(await stores.addresses.addToBook(billing, BOOK_LIMIT), true);
          const added = await Promise.all(
            Array.from({ length: BURST }, (_, i) =>
              (i % 2 ? other : stores).addresses.addToBook(
                newAddress(customer.id, { is_default_shipping: true }),
                BOOK_LIMIT,
              ),
            ),
          );
          assert.ok(added.every(Boolean));
          const found = await defaults(customer.id);
          assert.equal(found.shipping.length, 1, JSON.stringify(found));
          assert.deepEqual(found.billing, [billing.id]);
          const book = (await other.customers.findWithAddresses(customer.id))!.shippingAddresses;
          assert.equal(book.length, BURST + 1);
          assert.equal(book.find((a) => a.id === billing.id)?.address_name, "Home");
        });

        it("a burst of updates and adds setting both flags leaves one of each, with metadata merges kept", async () => {
          const customer = await newCustomer();
          const book = Array.from({ length: 6 }, () => newAddress(customer.id));
          for (const address of book) await stores.addresses.addToBook(address, BOOK_LIMIT);
          const writes = Array.from({ length: BURST }, (_, i) => {
            const instance = i % 2 ? other : stores;
            if (i % 5 === 4) {
              return instance.addresses.addToBook(
                newAddress(customer.id, { is_default_shipping: true, is_default_billing: true }),
                BOOK_LIMIT,
              );
            }
            return instance.addresses.update(
              book[i % book.length]!.id,
              {
                is_default_shipping: true,
                ...(i % 3 === 0 && { is_default_billing: true }),
                metadata: (stored) => ({ ...stored, [`w${i}`]: true }),
              },
              Date.now(),
            );
          });
          const results = await Promise.all(writes);
          assert.ok(results.every((result) => result !== null && result !== false));
          await nextTurn();
          const found = await defaults(customer.id);
          assert.equal(found.shipping.length, 1, JSON.stringify(found));
          assert.equal(found.billing.length, 1, JSON.stringify(found));
          // Every update's metadata merge is kept (none lost to a concurrent one).
          for (const [i] of writes.entries()) {
            if (i % 5 === 4) continue;
            const address = await other.addresses.findById(book[i % book.length]!.id);
            assert.equal(address?.metadata?.[`w${i}`], true, `w${i}`);
          }
        });

        it("update returns the written address; clearing a flag clears only it; a gone address gives null", async () => {
          const customer = await newCustomer();
          const first = newAddress(customer.id, { is_default_shipping: true });
          const second = newAddress(customer.id);
          await stores.addresses.addToBook(first, BOOK_LIMIT);
          await stores.addresses.addToBook(second, BOOK_LIMIT);
          const updated = await stores.addresses.update(
            second.id,
            { is_default_shipping: true, address_name: "Work" },
            Date.now(),
          );
          assert.equal(updated?.is_default_shipping, true);
          assert.equal(updated?.address_name, "Work");
          await nextTurn();
          assert.equal((await other.addresses.findById(first.id))?.is_default_shipping, false);
          const cleared = await other.addresses.update(
            second.id,
            { is_default_shipping: false },
            Date.now(),
          );
          assert.equal(cleared?.is_default_shipping, false);
          assert.deepEqual(await defaults(customer.id), { shipping: [], billing: [] });
          assert.equal(await stores.addresses.softDelete(customer.id, second.id, Date.now()), true);
          assert.equal(
            await stores.addresses.update(second.id, { is_default_shipping: true }, Date.now()),
            null,
          );
        });
      },
    );
  });
}
