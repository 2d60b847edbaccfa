/**
 * The read cache's own rules, on in-memory stores: what the HTTP suites cannot time
 * (a read that overlaps a write) or cannot see (eviction, freezing).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Customer, Session } from "../../src/domain.js";
import type { Change, ChangeFeed } from "../../src/stores/cache/change-feed.js";
import { ReadCache } from "../../src/stores/cache/read-cache.js";
import { dataVersionFeed } from "../../src/stores/cache/sqlite-data-version.js";
import type {
  AddressStore,
  CustomerStore,
  CustomerWithAddresses,
  SessionStore,
} from "../../src/stores/types.js";

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
  company_name: null,
});

const session = (id: string, kind: Session["kind"] = "cookie"): Session => ({
  id,
  customer_id: "cus_1",
  kind,
  created_at: 1,
  last_seen_at: 1,
  expires_at: 10,
  user_agent: null,
  token_version: 0,
});

/** In-memory stores that count their reads; `gate` holds the next customer read until opened. */
function fakeStores() {
  const customers = new Map<string, CustomerWithAddresses>([
    ["cus_1", { customer: customer("cus_1"), billingAddress: null, shippingAddresses: [] }],
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
      customers.set(input.id, { customer: input, billingAddress: null, shippingAddresses: [] });
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
    findByIdUncached: (id) => sessionStore.findById(id),
    async rotateToken(id, expected) {
      const found = sessions.get(id);
      if (found?.session.token_version !== expected) return false;
      found.session = { ...found.session, token_version: expected + 1 };
      return true;
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
    sessions,
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

describe("read cache with a look that answers at once (SQLite)", () => {
  it("answers repeated reads from memory, and reads again after another connection's commit", async () => {
    let version = 1;
    const fake = fakeStores();
    const cached = new ReadCache(dataVersionFeed(() => version)).wrap(fake.stores);
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
    const cached = new ReadCache(dataVersionFeed(() => (looks++, 1))).wrap(fake.stores);
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
    const cached = new ReadCache(dataVersionFeed(() => 1)).wrap(fake.stores);
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
    const cached = new ReadCache(dataVersionFeed(() => 1)).wrap(fake.stores);
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

  it("answers an uncached session read from storage even when memory holds the session", async () => {
    const fake = fakeStores();
    const cached = new ReadCache(dataVersionFeed(() => 1)).wrap(fake.stores);
    await cached.sessions.create(session("sess_1"), "hash_1");
    await cached.sessions.findById("sess_1");
    // Gone from storage, and no change reported yet: memory still has it.
    fake.sessions.delete("sess_1");
    assert.equal((await cached.sessions.findById("sess_1"))?.id, "sess_1");
    assert.equal(await cached.sessions.findByIdUncached("sess_1"), null);
  });

  it("keeps at most its limit, oldest dropped first, and hands out frozen objects", async () => {
    const fake = fakeStores();
    const cached = new ReadCache(
      dataVersionFeed(() => 1),
      { sessions: 2, customers: 2, emails: 2 },
    ).wrap(fake.stores);
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
    const cached = new ReadCache(dataVersionFeed(() => version)).wrap(fake.stores);
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

/**
 * A feed whose fence answers later, as PostgreSQL's and Redis's change feeds do: each fence is
 * recorded and answered by the test (`answer`), optionally after reporting changes.
 */
function laterLook() {
  const pending: Array<(ok: boolean) => void> = [];
  let listener: (change: Change) => void = () => {};
  let made = 0;
  const look: ChangeFeed = {
    fence: () => {
      made++;
      return new Promise<boolean>((resolve) => pending.push(resolve));
    },
    listen: (next) => {
      listener = next;
    },
    close: async () => {},
  };
  return {
    look,
    get made() {
      return made;
    },
    /** Answers the oldest fence not answered yet, after reporting `changes`. */
    answer(ok = true, changes: Change[] = []) {
      for (const change of changes) listener(change);
      pending.shift()!(ok);
    },
  };
}

describe("read cache with a look that answers later (PostgreSQL, Redis)", () => {
  const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

  it("serves a request's second read from the look its first waited for, and makes one look at a time", async () => {
    const fake = fakeStores();
    const feed = laterLook();
    const cached = new ReadCache(feed.look).wrap(fake.stores);
    await fake.stores.sessions.create(session("sess_1"), "hash_1");

    // A request: its session, then (in the code that waited for it) its customer.
    const request = async () => {
      const found = await cached.sessions.findByTokenHash("hash_1");
      return (await cached.customers.findWithAddresses(found!.customer_id))!.customer.first_name;
    };
    const first = request();
    await turnEnd();
    assert.equal(feed.made, 1);
    const second = request(); // arrives while the look is out: waits for the next one
    await turnEnd();
    assert.equal(feed.made, 1, "one look out at a time");
    feed.answer();
    assert.equal(await first, "Ada");
    await turnEnd();
    assert.equal(feed.made, 2, "the next look is made once the first has answered");
    feed.answer();
    assert.equal(await second, "Ada");
    assert.deepEqual(
      { sessions: fake.reads.sessions, customers: fake.reads.customers },
      { sessions: 1, customers: 1 },
      "the second request came from memory, each read after a look of its own",
    );
  });

  it("drops what the changes reported before a look's answer name, and only that", async () => {
    const fake = fakeStores();
    fake.customers.set("cus_2", {
      customer: customer("cus_2", "Bob"),
      shippingAddresses: [],
      billingAddress: null,
    });
    const feed = laterLook();
    const cached = new ReadCache(feed.look).wrap(fake.stores);
    // Each read as a new request would make it: in a turn of its own.
    const read = async (id: string) => {
      await turnEnd();
      const pending = cached.customers.findWithAddresses(id);
      await turnEnd();
      feed.answer();
      return (await pending)!.customer.first_name;
    };
    assert.equal(await read("cus_1"), "Ada");
    assert.equal(await read("cus_2"), "Bob");
    fake.customers.get("cus_1")!.customer.first_name = "Grace"; // changed elsewhere
    fake.customers.get("cus_2")!.customer.first_name = "Brian"; // changed, not reported: unseen
    await turnEnd();
    const pending = cached.customers.findWithAddresses("cus_1");
    await turnEnd();
    feed.answer(true, [{ kind: "customer", id: "cus_1" }]);
    assert.equal((await pending)!.customer.first_name, "Grace");
    assert.equal(await read("cus_2"), "Bob", "a change not reported leaves the entry");
    assert.equal(fake.reads.customers, 3);
  });

  it("reads through, keeping nothing, while a look cannot be made; drops everything on 'all'", async () => {
    const fake = fakeStores();
    const feed = laterLook();
    const cached = new ReadCache(feed.look).wrap(fake.stores);
    const read = async (ok: boolean, changes: Parameters<ReadCache["apply"]>[0][] = []) => {
      await turnEnd();
      const pending = cached.customers.findWithAddresses("cus_1");
      await turnEnd();
      feed.answer(ok, changes);
      return (await pending)!.customer.first_name;
    };
    assert.equal(await read(true), "Ada");
    assert.equal(await read(true), "Ada");
    assert.equal(fake.reads.customers, 1);
    fake.customers.get("cus_1")!.customer.first_name = "Grace";
    assert.equal(await read(false), "Grace", "not listening: read from the store");
    assert.equal(await read(false), "Grace");
    assert.equal(fake.reads.customers, 3);
    fake.customers.get("cus_1")!.customer.first_name = "Hopper";
    assert.equal(await read(true, [{ kind: "all" }]), "Hopper", "listening again: all dropped");
    assert.equal(await read(true), "Hopper");
    assert.equal(fake.reads.customers, 4);
  });

  it("does not keep a row read while a change to it was reported", async () => {
    const fake = fakeStores();
    const feed = laterLook();
    const cached = new ReadCache(feed.look).wrap(fake.stores);
    const open = fake.hold();
    const pending = cached.customers.findWithAddresses("cus_1");
    await turnEnd();
    feed.answer();
    await turnEnd(); // the read is out, holding the row as it was
    fake.customers.get("cus_1")!.customer.first_name = "Grace";
    // Another request's look reports the change while that read is still out.
    const check = cached.customers.hasAccount("cus_1@example.com");
    await turnEnd();
    feed.answer(true, [{ kind: "customer", id: "cus_1" }]);
    open();
    assert.equal((await pending)!.customer.first_name, "Ada", "the read that overlapped");
    assert.equal(await check, true);
    await turnEnd();
    const next = cached.customers.findWithAddresses("cus_1");
    await turnEnd();
    feed.answer();
    assert.equal((await next)!.customer.first_name, "Grace", "the overlapping read was not kept");
    assert.equal(fake.reads.customers, 2);
  });
});
