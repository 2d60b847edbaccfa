/**
 * An exact per-process cache of the hot reads (sessions, customers with their address books,
 * email check answers), on every backend. This process's writes drop what they touch; changes
 * made elsewhere arrive as invalidations from a change feed, and every cached read waits for a
 * fence on that feed (fence-scheduler.ts). Cached objects are frozen. Why it stays exact:
 * docs/architecture.md, "The read cache".
 */
import { BoundedMap } from "../../runtime/bounded-map.js";
import type { Address, Session } from "../../domain.js";
import type { ReadCacheCounts } from "../../metrics.js";
import type { Change, ChangeFeed } from "./change-feed.js";
import { FenceScheduler } from "./fence-scheduler.js";
import type {
  AddressPatch,
  AddressStore,
  CustomerPatch,
  CustomerStore,
  CustomerWithAddresses,
  IdentityStore,
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

export class ReadCache {
  /** Sessions by id, and the id of each cached cookie session by its token hash. */
  private readonly sessions: BoundedMap<string, CachedSession>;
  private readonly sessionIdByTokenHash = new Map<string, string>();
  private readonly customers: BoundedMap<string, CustomerWithAddresses>;
  /** Whether a registered customer has this (normalized) email. */
  private readonly accounts: BoundedMap<string, boolean>;
  /** Moves on every invalidation: a read that overlapped one does not store its result. */
  private generation = 0;

  private readonly fences: FenceScheduler;
  /** Reads answered from memory and passed to storage (read when metrics are scraped). */
  readonly counts: ReadCacheCounts = {
    hits: { session: 0, customer: 0, email: 0 },
    misses: { session: 0, customer: 0, email: 0 },
  };

  /** A cache kept exact by `feed`: its invalidations are applied, and reads wait for its fence. */
  constructor(
    feed: ChangeFeed,
    limits: { sessions: number; customers: number; emails: number } = READ_CACHE_LIMITS,
  ) {
    this.sessions = new BoundedMap(limits.sessions, ({ tokenHash }) => {
      if (tokenHash !== null) this.sessionIdByTokenHash.delete(tokenHash);
    });
    this.customers = new BoundedMap(limits.customers);
    this.accounts = new BoundedMap(limits.emails);
    this.fences = new FenceScheduler(() => feed.fence());
    feed.listen((change) => this.apply(change));
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

  /**
   * The given stores, cached (those left out are not). Identities are not cached, but linking
   * one creates a customer: its writes drop what that changes.
   */
  wrap(stores: {
    sessions: SessionStore;
    customers: CustomerStore;
    addresses: AddressStore;
    identities: IdentityStore;
  }): {
    sessions: SessionStore;
    customers: CustomerStore;
    addresses: AddressStore;
    identities: IdentityStore;
  };
  wrap(stores: { sessions: SessionStore; customers: CustomerStore; addresses: AddressStore }): {
    sessions: SessionStore;
    customers: CustomerStore;
    addresses: AddressStore;
  };
  wrap(stores: { sessions: SessionStore }): { sessions: SessionStore };
  wrap(stores: {
    sessions: SessionStore;
    customers?: CustomerStore;
    addresses?: AddressStore;
    identities?: IdentityStore;
  }) {
    return {
      sessions: this.wrapSessions(stores.sessions),
      ...(stores.customers && { customers: this.wrapCustomers(stores.customers) }),
      ...(stores.addresses && { addresses: this.wrapAddresses(stores.addresses) }),
      ...(stores.identities && { identities: this.wrapIdentities(stores.identities) }),
    };
  }

  /**
   * A cached read: once a fence has passed, the cached value if there is one,
   * otherwise `load`'s result, which is stored (by `store`) unless a write happened while it was
   * being read.
   */
  private async read<V>(
    kind: keyof ReadCacheCounts["hits"],
    cached: () => V | undefined,
    load: () => Promise<V | null>,
    store: (value: V) => void,
  ): Promise<V | null> {
    if (!(await this.fences.passed())) {
      this.counts.misses[kind]++;
      return load();
    }
    const found = cached();
    if (found !== undefined) {
      this.counts.hits[kind]++;
      return found;
    }
    this.counts.misses[kind]++;
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
          "session",
          () => this.cachedSession(tokenHash, undefined),
          () => inner.findByTokenHash(tokenHash),
          (session) => this.storeSession(session, tokenHash),
        ),
      findById: (id: string) =>
        this.read(
          "session",
          () => this.cachedSession(null, id),
          () => inner.findById(id),
          (session) => this.storeSession(session, null),
        ),
      findByIdUncached: (id: string) => inner.findByIdUncached(id),
      touch: (id: string, lastSeenAt: number) =>
        this.write(inner.touch(id, lastSeenAt), () => this.dropSession(id)),
      rotateToken: (id: string, expected: number) =>
        this.write(inner.rotateToken(id, expected), () => this.dropSession(id)),
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
          "customer",
          () => this.customers.get(id),
          () => inner.findWithAddresses(id),
          (found) => this.customers.set(id, found),
        ),
      findAccountByEmail: (email: string) => inner.findAccountByEmail(email),
      hasAccount: (email: string) =>
        this.read(
          "email",
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
      // The customer is gone and its email free again.
      erase: (id: string, at: number) =>
        this.write(inner.erase(id, at), () => {
          this.dropCustomer(id);
          this.clearAccounts();
        }),
    };
  }

  private wrapIdentities(inner: IdentityStore): IdentityStore {
    return {
      findByEmail: (email: string) => inner.findByEmail(email),
      findById: (id: string) => inner.findById(id),
      findByCustomer: (customerId: string) => inner.findByCustomer(customerId),
      create: (identity, passwordHash) => inner.create(identity, passwordHash),
      // A new registered customer changes what an email check answers.
      createCustomer: (identityId, customer, passwordHash) =>
        this.write(inner.createCustomer(identityId, customer, passwordHash), () => {
          this.dropCustomer(customer.id);
          this.clearAccounts();
        }),
      // Nothing cached holds an unlinked identity's password.
      setUnlinkedPassword: (identityId, passwordHash) =>
        inner.setUnlinkedPassword(identityId, passwordHash),
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
