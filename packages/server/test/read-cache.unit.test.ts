/**
 * The SQLite read cache's own rules, on in-memory stores: what the HTTP suites cannot time
 * (a read that overlaps a write) or cannot see (eviction, freezing).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Customer, Session } from "../src/domain.js";
import { ReadCache } from "../src/stores/read-cache.js";
import type {
  AddressStore,
  CustomerStore,
  CustomerWithAddresses,
  SessionStore,
} from "../src/stores/types.js";

const customer = (id: string, first_name = "Ada"): Customer => ({
  id,
  created_at: 1,
  updated_at: 1,
  deleted_at: null,
  email: `${id}@example.com`,
  first_name,
  last_name: null,
  billing_address_id: null,
  phone: null,
  has_account: true,
  metadata: null,
});

const session = (id: string, kind: Session["kind"] = "cookie"): Session => ({
  id,
  customer_id: "cus_1",
  kind,
  created_at: 1,
  last_seen_at: 1,
  expires_at: 10,
  user_agent: null,
});

/** In-memory stores that count their reads; `gate` holds the next customer read until opened. */
function fakeStores() {
  const customers = new Map<string, CustomerWithAddresses>([
    ["cus_1", { customer: customer("cus_1"), addresses: [], billingAddress: null }],
  ]);
  const sessions = new Map<string, { session: Session; tokenHash: string | null }>();
  const reads = { customers: 0, sessions: 0, accounts: 0 };
  let gate: Promise<void> | null = null;
  const unused = () => Promise.reject(new Error("not used here"));
  const customerStore = {
    async findWithAddresses(id: string) {
      reads.customers++;
      const found = structuredClone(customers.get(id) ?? null);
      if (gate) await gate;
      return found;
    },
    async update(id: string, patch: { first_name?: string | null; email?: string }) {
      const found = customers.get(id)!;
      found.customer = {
        ...found.customer,
        first_name: patch.first_name ?? null,
        email: patch.email ?? found.customer.email,
      };
      return found.customer;
    },
    async hasAccount(email: string) {
      reads.accounts++;
      const found = [...customers.values()].some(
        (entry) => entry.customer.email === email && entry.customer.has_account,
      );
      if (gate) await gate;
      return found;
    },
    async create(input: Customer) {
      customers.set(input.id, { customer: input, addresses: [], billingAddress: null });
      return input;
    },
    findById: unused,
    findAccountByEmail: unused,
    replacePasswordHash: unused,
  } as unknown as CustomerStore;
  const sessionStore: SessionStore = {
    async create(value, tokenHash) {
      sessions.set(value.id, { session: value, tokenHash });
    },
    async findByTokenHash(tokenHash) {
      reads.sessions++;
      const found = [...sessions.values()].find((entry) => entry.tokenHash === tokenHash);
      return found ? { ...found.session } : null;
    },
    async findById(id) {
      reads.sessions++;
      const found = sessions.get(id);
      return found ? { ...found.session } : null;
    },
    async touch(id, lastSeenAt) {
      const found = sessions.get(id);
      if (found) found.session = { ...found.session, last_seen_at: lastSeenAt };
    },
    async delete(id) {
      return sessions.delete(id);
    },
    deleteForCustomer: unused,
    listForCustomer: unused,
    deleteExpired: unused,
  };
  const addressStore = {} as AddressStore;
  return {
    stores: { customers: customerStore, sessions: sessionStore, addresses: addressStore },
    reads,
    customers,
    hold() {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

describe("read cache", () => {
  it("answers repeated reads from memory, and reads again after another connection's commit", async () => {
    let version = 1;
    const fake = fakeStores();
    const cached = new ReadCache(() => version).wrap(fake.stores);
    await cached.customers.findWithAddresses("cus_1");
    await cached.customers.findWithAddresses("cus_1");
    assert.equal(fake.reads.customers, 1);

    fake.customers.get("cus_1")!.customer = customer("cus_1", "Grace");
    version++;
    // Within one turn of the event loop one look at the version serves every read; the next
    // request arrives in a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    const found = await cached.customers.findWithAddresses("cus_1");
    assert.equal(found?.customer.first_name, "Grace");
    assert.equal(fake.reads.customers, 2);
  });

  it("looks at the version once per turn of the event loop", async () => {
    let looks = 0;
    const fake = fakeStores();
    const cached = new ReadCache(() => (looks++, 1)).wrap(fake.stores);
    looks = 0;
    await cached.sessions.findById("sess_1");
    await cached.customers.findWithAddresses("cus_1");
    await cached.customers.findWithAddresses("cus_1");
    assert.equal(looks, 1);
    await new Promise((resolve) => setImmediate(resolve));
    await cached.customers.findWithAddresses("cus_1");
    assert.equal(looks, 2);
  });

  it("does not keep a read that overlapped a write", async () => {
    const fake = fakeStores();
    const cached = new ReadCache(() => 1).wrap(fake.stores);
    const release = fake.hold();
    const slowRead = cached.customers.findWithAddresses("cus_1");
    await new Promise((resolve) => setImmediate(resolve)); // the read is under way
    await cached.customers.update("cus_1", { first_name: "Grace", updated_at: 2 });
    release();
    assert.equal((await slowRead)?.customer.first_name, "Ada", "it read before the write");
    const after = await cached.customers.findWithAddresses("cus_1");
    assert.equal(after?.customer.first_name, "Grace", "the stale read was not kept");
  });

  it("drops a session on touch and delete, by id and by token hash", async () => {
    const fake = fakeStores();
    const cached = new ReadCache(() => 1).wrap(fake.stores);
    await cached.sessions.create(session("sess_1"), "hash_1");
    assert.equal((await cached.sessions.findByTokenHash("hash_1"))?.last_seen_at, 1);
    assert.equal((await cached.sessions.findById("sess_1"))?.id, "sess_1");
    assert.equal(fake.reads.sessions, 1, "found by token hash, then by id from memory");

    await cached.sessions.touch("sess_1", 5);
    assert.equal((await cached.sessions.findByTokenHash("hash_1"))?.last_seen_at, 5);
    await cached.sessions.delete("sess_1");
    assert.equal(await cached.sessions.findByTokenHash("hash_1"), null);
    assert.equal(await cached.sessions.findById("sess_1"), null);
  });

  it("keeps at most its limit, oldest dropped first, and hands out frozen objects", async () => {
    const fake = fakeStores();
    const cached = new ReadCache(() => 1, { sessions: 2, customers: 2, emails: 2 }).wrap(
      fake.stores,
    );
    for (const id of ["sess_1", "sess_2", "sess_3"]) {
      await cached.sessions.create(session(id), `hash_${id}`);
      await cached.sessions.findByTokenHash(`hash_${id}`);
    }
    assert.equal(fake.reads.sessions, 3);
    await cached.sessions.findByTokenHash("hash_sess_3");
    assert.equal(fake.reads.sessions, 3, "the newest is still cached");
    await cached.sessions.findByTokenHash("hash_sess_1");
    assert.equal(fake.reads.sessions, 4, "the oldest was dropped");

    const found = await cached.customers.findWithAddresses("cus_1");
    assert.ok(Object.isFrozen(found) && Object.isFrozen(found?.customer));
    assert.throws(() => {
      (found!.customer as { first_name: string | null }).first_name = "Mallory";
    }, TypeError);
  });

  it("answers email checks from memory until a customer is created or changed, here or by another connection", async () => {
    let version = 1;
    const fake = fakeStores();
    const cached = new ReadCache(() => version).wrap(fake.stores);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    assert.equal(await cached.customers.hasAccount("new@example.com"), false);
    assert.equal(await cached.customers.hasAccount("new@example.com"), false);
    assert.equal(await cached.customers.hasAccount("cus_1@example.com"), true);
    assert.equal(fake.reads.accounts, 2);

    await cached.customers.create({ ...customer("cus_2"), email: "new@example.com" } as never);
    assert.equal(await cached.customers.hasAccount("new@example.com"), true, "created here");

    await cached.customers.update("cus_1", { email: "renamed@example.com", updated_at: 2 });
    assert.equal(await cached.customers.hasAccount("cus_1@example.com"), false, "changed here");

    fake.customers.get("cus_1")!.customer = customer("cus_1");
    version++;
    await turn();
    assert.equal(await cached.customers.hasAccount("cus_1@example.com"), true, "changed elsewhere");

    // A check that overlapped a registration does not keep its stale answer.
    const release = fake.hold();
    const slowCheck = cached.customers.hasAccount("late@example.com");
    await turn(); // the check is under way
    await cached.customers.create({ ...customer("cus_3"), email: "late@example.com" } as never);
    release();
    assert.equal(await slowCheck, false, "it read before the write");
    assert.equal(await cached.customers.hasAccount("late@example.com"), true);
  });
});
