/**
 * An exact per-process cache of the hot reads (sessions, customers with their address books,
 * email check answers), on every backend. This process's writes drop what they touch; changes
 * made elsewhere are found by a look (`Look`) that every cached read waits for. Cached objects
 * are frozen. How the look stays exact: docs/architecture.md, "The read cache".
 */
import { BoundedMap } from "../../runtime/bounded-map.js";
import { afterPromiseJobs, atTurnEnd, endingTurn } from "../../runtime/end-of-turn.js";
import type { Address, Session } from "../../domain.js";
import type { Change } from "./change-feed.js";
import type {
  AddressPatch,
  AddressStore,
  CustomerPatch,
  CustomerStore,
  CustomerWithAddresses,
  NewCustomer,
  SessionStore,
} from "../types.js";

/** How many sessions, customers and email answers are kept (oldest dropped first). */
export const READ_CACHE_LIMITS = { sessions: 10_000, customers: 5_000, emails: 10_000 } as const;

interface CachedSession {
  session: Session;
  /** The token hash it was found by (cookie sessions), so dropping the session drops it too. */
  tokenHash: string | null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * A look: true once every change committed by others before it was made has been applied to
 * the cache (`ReadCache.apply`), false when that cannot be known.
 */
export type Look = (cache: ReadCache) => boolean | Promise<boolean>;

/** SQLite's look: everything is dropped when another connection has committed since the last. */
export function dataVersionLook(dataVersion: () => number): (cache: ReadCache) => boolean {
  let seen = dataVersion();
  return (cache) => {
    const version = dataVersion();
    if (version !== seen) {
      seen = version;
      cache.apply({ kind: "all" });
    }
    return true;
  };
}

export class ReadCache {
  /** Sessions by id, and the id of each cached cookie session by its token hash. */
  private readonly sessions: BoundedMap<string, CachedSession>;
  private readonly sessionIdByTokenHash = new Map<string, string>();
  private readonly customers: BoundedMap<string, CustomerWithAddresses>;
  /** Whether a registered customer has this (normalized) email. */
  private readonly accounts: BoundedMap<string, boolean>;
  /** Moves on every invalidation: a read that overlapped one does not store its result. */
  private generation = 0;

  constructor(
    private readonly look: Look,
    limits: { sessions: number; customers: number; emails: number } = READ_CACHE_LIMITS,
  ) {
    this.sessions = new BoundedMap(limits.sessions, ({ tokenHash }) => {
      if (tokenHash !== null) this.sessionIdByTokenHash.delete(tokenHash);
    });
    this.customers = new BoundedMap(limits.customers);
    this.accounts = new BoundedMap(limits.emails);
  }

  /** Drops what a change made elsewhere may have made stale. */
  apply(change: Change): void {
    switch (change.kind) {
      case "customer":
        this.dropCustomer(change.id);
        this.clearAccounts();
        break;
      case "addresses":
        if (change.customerId === null) this.clearCustomers();
        else this.dropCustomer(change.customerId);
        break;
      case "session":
        this.dropSession(change.id);
        break;
      case "session-token": {
        const id = this.sessionIdByTokenHash.get(change.tokenHash);
        if (id === undefined) this.generation++;
        else this.dropSession(id);
        break;
      }
      default:
        this.clearSessions();
        this.clearCustomers();
        this.clearAccounts();
    }
  }

  wrap(stores: { sessions: SessionStore; customers: CustomerStore; addresses: AddressStore }): {
    sessions: SessionStore;
    customers: CustomerStore;
    addresses: AddressStore;
  } {
    return {
      sessions: this.wrapSessions(stores.sessions),
      customers: this.wrapCustomers(stores.customers),
      addresses: this.wrapAddresses(stores.addresses),
    };
  }

  /** The look the reads asked for so far wait for, not made yet; and how to answer them. */
  private nextLook: Promise<boolean> | null = null;
  private answerNext: ((ok: boolean) => void) | null = null;
  /** A look that answers later (PostgreSQL, Redis) has been made and has not answered yet. */
  private lookOut = false;
  /** The turn at whose end a look answered at once (SQLite), and its answer. */
  private lookedAt: number | null = null;
  private lookedOk = false;
  /** While the reads that waited for a look that answered later run on: its answer. */
  private following: boolean | null = null;

  /**
   * Whether the cache may be used: true once a look made after this call found (and applied)
   * every change committed before it. Looks are made at the end of the turn, shared by the reads
   * of that turn, and at most one that answers later is out at a time (docs/architecture.md).
   */
  private looked(): boolean | Promise<boolean> {
    if (this.following !== null) return this.following;
    const turn = endingTurn();
    if (turn !== null && turn === this.lookedAt) return this.lookedOk;
    if (this.nextLook === null) {
      this.nextLook = new Promise<boolean>((resolve) => (this.answerNext = resolve));
      if (!this.lookOut) atTurnEnd(this.makeLook);
    }
    return this.nextLook;
  }

  private readonly makeLook = (): void => {
    const answer = this.answerNext;
    if (answer === null) return;
    this.nextLook = this.answerNext = null;
    let result: boolean | Promise<boolean>;
    try {
      result = this.look(this);
    } catch {
      result = false;
    }
    if (typeof result === "boolean") {
      this.lookedAt = endingTurn();
      this.lookedOk = result;
      answer(result);
      return;
    }
    this.lookOut = true;
    result
      .catch(() => false)
      .then((ok) => {
        this.lookOut = false;
        if (this.nextLook !== null) atTurnEnd(this.makeLook);
        this.following = ok;
        answer(ok);
        // Cleared once the promise jobs that answering queues, and theirs, have all run.
        afterPromiseJobs(() => {
          this.following = null;
        });
      });
  };

  /**
   * A cached read: once the version has been looked at, the cached value if there is one,
   * otherwise `load`'s result, which is stored (by `store`) unless a write happened while it was
   * being read.
   */
  private async read<V>(
    cached: () => V | undefined,
    load: () => Promise<V | null>,
    store: (value: V) => void,
  ): Promise<V | null> {
    if (!(await this.looked())) return load();
    const found = cached();
    if (found !== undefined) return found;
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation) store(deepFreeze(value));
    return value;
  }

  private cachedSession(tokenHash: string | null, id: string | undefined): Session | undefined {
    if (tokenHash !== null) id = this.sessionIdByTokenHash.get(tokenHash);
    return id === undefined ? undefined : this.sessions.get(id)?.session;
  }

  private storeSession(session: Session, foundBy: string | null): void {
    const tokenHash = foundBy ?? this.sessions.get(session.id)?.tokenHash ?? null;
    this.sessions.set(session.id, { session, tokenHash });
    if (tokenHash !== null) this.sessionIdByTokenHash.set(tokenHash, session.id);
  }

  private dropSession(id: string): void {
    this.generation++;
    const cached = this.sessions.get(id);
    if (!cached) return;
    this.sessions.delete(id);
    if (cached.tokenHash !== null) this.sessionIdByTokenHash.delete(cached.tokenHash);
  }

  private clearSessions(): void {
    this.generation++;
    this.sessions.clear();
    this.sessionIdByTokenHash.clear();
  }

  private dropCustomer(id: string): void {
    this.generation++;
    this.customers.delete(id);
  }

  private clearCustomers(): void {
    this.generation++;
    this.customers.clear();
  }

  /** Any new or changed customer may change what an email check answers. */
  private clearAccounts(): void {
    this.generation++;
    this.accounts.clear();
  }

  /** Runs a write, then (whether it succeeded or not) drops what it may have changed. */
  private async write<T>(run: Promise<T>, drop: (result: T | undefined) => void): Promise<T> {
    let result: T | undefined;
    try {
      return (result = await run);
    } finally {
      drop(result);
    }
  }

  private wrapSessions(inner: SessionStore): SessionStore {
    return {
      create: (session: Session, tokenHash: string | null) => inner.create(session, tokenHash),
      findByTokenHash: (tokenHash: string) =>
        this.read(
          () => this.cachedSession(tokenHash, undefined),
          () => inner.findByTokenHash(tokenHash),
          (session) => this.storeSession(session, tokenHash),
        ),
      findById: (id: string) =>
        this.read(
          () => this.cachedSession(null, id),
          () => inner.findById(id),
          (session) => this.storeSession(session, null),
        ),
      touch: (id: string, lastSeenAt: number) =>
        this.write(inner.touch(id, lastSeenAt), () => this.dropSession(id)),
      delete: (id: string) => this.write(inner.delete(id), () => this.dropSession(id)),
      deleteForCustomer: (customerId: string, exceptId?: string) =>
        this.write(inner.deleteForCustomer(customerId, exceptId), () => this.clearSessions()),
      listForCustomer: (customerId: string) => inner.listForCustomer(customerId),
      deleteExpired: (now: number, idleCutoff: number) =>
        this.write(inner.deleteExpired(now, idleCutoff), () => this.clearSessions()),
    };
  }

  private wrapCustomers(inner: CustomerStore): CustomerStore {
    return {
      findById: (id: string) => inner.findById(id),
      findWithAddresses: (id: string) =>
        this.read(
          () => this.customers.get(id),
          () => inner.findWithAddresses(id),
          (found) => this.customers.set(id, found),
        ),
      findAccountByEmail: (email: string) => inner.findAccountByEmail(email),
      hasAccount: (email: string) =>
        this.read(
          () => this.accounts.get(email),
          () => inner.hasAccount(email),
          (found) => this.accounts.set(email, found),
        ) as Promise<boolean>,
      create: (input: NewCustomer) => this.write(inner.create(input), () => this.clearAccounts()),
      update: (id: string, patch: CustomerPatch) =>
        this.write(inner.update(id, patch), () => {
          this.dropCustomer(id);
          this.clearAccounts();
        }),
      replacePasswordHash: (id: string, expected: string, next: string) =>
        this.write(inner.replacePasswordHash(id, expected, next), () => this.dropCustomer(id)),
    };
  }

  private wrapAddresses(inner: AddressStore): AddressStore {
    return {
      findById: (id: string) => inner.findById(id),
      create: (address: Address) =>
        this.write(inner.create(address), () => {
          if (address.customer_id) this.dropCustomer(address.customer_id);
        }),
      // A customer's address names them; a billing address (no customer_id) or a failed update
      // could belong to anyone cached: drop them all.
      addToBook: (address: Address & { customer_id: string }, limit: number) =>
        this.write(inner.addToBook(address, limit), () => this.dropCustomer(address.customer_id)),
      update: (id: string, patch: AddressPatch, updatedAt: number) =>
        this.write(inner.update(id, patch, updatedAt), (updated) => {
          if (updated?.customer_id) this.dropCustomer(updated.customer_id);
          else this.clearCustomers();
        }),
      softDelete: (customerId: string, id: string, deletedAt: number) =>
        this.write(inner.softDelete(customerId, id, deletedAt), () =>
          this.dropCustomer(customerId),
        ),
    };
  }
}
