/**
 * SessionService.revokeAll against a session store whose delete sees only the rows that existed
 * when it began (as a PostgreSQL statement does, or Redis reading the customer's set first): a
 * session made from another while a round runs is deleted by the next round, and the rounds stop
 * at MAX_REVOCATION_ROUNDS under a flood.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Session } from "../../src/domain.js";
import { SessionService } from "../../src/services/sessions.js";
import type { SessionStore } from "../../src/stores/types.js";

const CUSTOMER = "cus_01REVOKE";

/** Sessions in memory; `duringDelete` runs inside each delete, after its snapshot. */
function snapshotStore(duringDelete: (round: number) => Promise<void>) {
  const rows = new Map<string, Session>();
  let rounds = 0;
  const store = {
    create: async (session: Session) => void rows.set(session.id, { ...session }),
    findById: async (id: string) => rows.get(id) ?? null,
    findByIdUncached: async (id: string) => rows.get(id) ?? null,
    delete: async (id: string) => rows.delete(id),
    deleteForCustomer: async (customerId: string, exceptId?: string) => {
      const snapshot = [...rows.values()]
        .filter((session) => session.customer_id === customerId && session.id !== exceptId)
        .map((session) => session.id);
      await duringDelete(++rounds);
      return snapshot.filter((id) => rows.delete(id)).length;
    },
  } as unknown as SessionStore;
  return { store, rows, rounds: () => rounds };
}

function service(store: SessionStore) {
  return new SessionService({
    store,
    secret: "s".repeat(32),
    clock: { now: () => Date.now() },
    events: { emit: async () => {} } as never,
    config: { idleTimeoutMs: 86_400_000, absoluteTimeoutMs: 604_800_000 } as never,
  });
}

describe("revokeAll against exchanges under way", () => {
  it("a session made from one the first round deletes, stored during that round, goes in the second", async () => {
    const race: { sessions?: SessionService; source?: Session; derived?: Session } = {};
    const { store, rows, rounds } = snapshotStore(async (round) => {
      // An exchange that completes while the first delete runs: its source is still stored.
      if (round === 1) {
        race.derived = (await race.sessions!.derive(race.source!, "cookie", undefined))!.session;
      }
    });
    race.sessions = service(store);
    race.source = (await race.sessions.create(CUSTOMER, "bearer", undefined)).session;

    assert.equal(await race.sessions.revokeAll(CUSTOMER, "password_changed"), 2);
    assert.ok(race.derived, "the exchange was kept when it checked its source");
    assert.deepEqual([...rows.keys()], [], "nothing of the customer's is left");
    assert.equal(rounds(), 3, "a third round found nothing");
  });

  it("an exchange that checks its source after the round deleted it keeps nothing", async () => {
    const { store, rows } = snapshotStore(async () => {});
    const sessions = service(store);
    const source = (await sessions.create(CUSTOMER, "bearer", undefined)).session;
    await sessions.revokeAll(CUSTOMER, "customer_request");
    assert.equal(await sessions.derive(source, "cookie", undefined), null);
    assert.deepEqual([...rows.keys()], []);
  });

  it("stops after 10 rounds when every round finds a new session", async () => {
    const flood: { sessions?: SessionService } = {};
    const { store, rounds } = snapshotStore(async () => {
      await flood.sessions!.create(CUSTOMER, "bearer", undefined);
    });
    flood.sessions = service(store);
    await flood.sessions.create(CUSTOMER, "bearer", undefined);
    assert.equal(await flood.sessions.revokeAll(CUSTOMER, "password_changed"), 10);
    assert.equal(rounds(), 10);
  });
});
