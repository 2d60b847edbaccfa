/**
 * Store contracts. Implementations: stores/sql (SQLite and PostgreSQL through Kysely) and
 * stores/redis (sessions, rate-limit counters). Stores return domain objects; "not found" is
 * `null`.
 * Every atomicity promise written here is tested on every backend by the contract suite.
 */
import {
  ADDRESS_EDITABLE_FIELDS,
  type ADDRESS_V2_FIELDS,
  type Address,
  type AddressFields,
  type AuthIdentity,
  type Customer,
  type Metadata,
  type Session,
  type SigningKey,
} from "../domain.js";

export interface NewCustomer {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  has_account: boolean;
  password_hash: string | null;
  created_at: number;
  /** Medusa v2's field (v1 mode gives null). */
  company_name: string | null;
  metadata: Metadata | null;
}

/** A customer with its address book (`shippingAddresses`, Medusa's name) and billing address. */
export interface CustomerWithAddresses {
  customer: Customer;
  billingAddress: Address | null;
  shippingAddresses: Address[];
}

/**
 * Computes the metadata to store from the stored one (Medusa merges updates into it). It may
 * throw to refuse the update; the store runs it again on the newer value when a concurrent
 * update changed the metadata in between, so no merge is lost and its checks see what is written.
 */
export type MetadataMerge = (stored: Metadata | null) => Metadata | null;

export interface CustomerPatch {
  email?: string;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  company_name?: string | null;
  metadata?: MetadataMerge;
  billing_address_id?: string | null;
  password_hash?: string;
  updated_at: number;
}

export interface CustomerStore {
  findById(id: string): Promise<Customer | null>;
  /**
   * A non-deleted customer with its address book (oldest first, without deleted addresses) and
   * its billing address (null if none or deleted).
   */
  findWithAddresses(id: string): Promise<CustomerWithAddresses | null>;
  /** The registered (has_account), non-deleted customer with this normalized email, and its hash. */
  findAccountByEmail(
    email: string,
  ): Promise<{ customer: Customer; passwordHash: string | null } | null>;
  /** Whether `findAccountByEmail` would find a customer (answered from the email index alone). */
  hasAccount(email: string): Promise<boolean>;
  /**
   * Inserts a customer. Returns `null` when a non-deleted customer with the same email and
   * `has_account` already exists — decided by the unique index, so concurrent inserts of one
   * email give exactly one success.
   */
  create(input: NewCustomer): Promise<Customer | null>;
  /**
   * Updates a customer. Returns `null` if the customer does not exist, and `"duplicate"` when
   * the new email belongs to another registered customer (again decided by the unique index).
   */
  update(id: string, patch: CustomerPatch): Promise<Customer | null | "duplicate">;
  /** Replaces the hash only if it is still `expected` (so a concurrent change is never undone). */
  replacePasswordHash(id: string, expected: string, next: string): Promise<boolean>;
  /**
   * Erases a live customer's personal data, in one transaction: its names, phone, company_name,
   * metadata and password hash nulled, its email replaced by `erasedEmail(id)`, the row
   * soft-deleted at `at`; every address of its book and its billing address nulled and
   * soft-deleted (see each store for addresses an order still refers to); its emailpass identity
   * removed. Returns the customer as it was (for the event), or null when there is no live
   * customer with this id. Atomic: of concurrent calls, exactly one gets the customer.
   */
  erase(id: string, at: number): Promise<Customer | null>;
}

/** The email an erased customer keeps: no one's address, unique per customer. */
export const erasedEmail = (id: string): string => `deleted+${id.toLowerCase()}@invalid`;

/** What an erased address keeps of the fields a customer writes: nothing (every one null). */
export const ERASED_ADDRESS_FIELDS = Object.fromEntries(
  ADDRESS_EDITABLE_FIELDS.map((field) => [field, null]),
) as { [K in (typeof ADDRESS_EDITABLE_FIELDS)[number]]: null };

/** What an erased address keeps of Medusa v2's own fields (`satisfies`: a new one must be here). */
export const ERASED_ADDRESS_V2_FIELDS = {
  address_name: null,
  is_default_shipping: false,
  is_default_billing: false,
} as const satisfies Record<(typeof ADDRESS_V2_FIELDS)[number], null | false>;

/**
 * An address edit; its metadata is merged like the customer's (`MetadataMerge`).
 * `addToBook` and `update`: when the written address has is_default_shipping (or _billing) true,
 * every other live address of that customer loses that flag in the same transaction (Medusa v2
 * keeps one default of each kind per customer). Concurrent writes never leave two defaults.
 */
export type AddressPatch = Omit<AddressFields, "metadata"> & { metadata?: MetadataMerge };

export interface AddressStore {
  findById(id: string): Promise<Address | null>;
  /** Inserts an address that belongs to no address book (a billing address). */
  create(address: Address): Promise<Address>;
  /**
   * Inserts an address into its customer's address book unless the book already holds `limit`
   * live addresses; returns false then. Atomic: concurrent calls never leave more than `limit`.
   */
  addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean>;
  update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null>;
  /** Soft-deletes; returns false if there was no such live address of this customer. */
  softDelete(customerId: string, id: string, deletedAt: number): Promise<boolean>;
}

export interface SessionStore {
  /** Stores a session; `tokenHash` is the lookup key of a cookie session (null for bearer). */
  create(session: Session, tokenHash: string | null): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<Session | null>;
  findById(id: string): Promise<Session | null>;
  /**
   * As `findById`, always read from storage itself, never answered by a cache in front of it
   * (read-cache.ts): for checks whose ordering argument needs a read made after a write.
   */
  findByIdUncached(id: string): Promise<Session | null>;
  /** Records activity (sliding idle expiry). */
  touch(id: string, lastSeenAt: number): Promise<void>;
  /** Revokes one session; true if it existed. */
  delete(id: string): Promise<boolean>;
  /**
   * Revokes every session of a customer except `exceptId`; returns how many. Removes at least
   * every session whose `create` completed before this call began; one created while it runs
   * may escape it (a PostgreSQL statement's snapshot, Redis's read of the customer's set).
   */
  deleteForCustomer(customerId: string, exceptId?: string): Promise<number>;
  listForCustomer(customerId: string): Promise<Session[]>;
  /** Removes sessions that ended before `now` (absolute) or were idle since `idleCutoff`. */
  deleteExpired(now: number, idleCutoff: number): Promise<number>;
  /**
   * Moves token_version from `expected` to expected + 1; false when the session is gone or its
   * version is not `expected`. Atomic: of concurrent calls with one `expected`, exactly one succeeds.
   */
  rotateToken(id: string, expected: number): Promise<boolean>;
}

export interface SigningKeyStore {
  /** Every stored key, newest first. */
  list(): Promise<SigningKey[]>;
  insert(key: SigningKey): Promise<void>;
  deleteOlderThan(createdBefore: number, keepKid: string): Promise<number>;
}

/**
 * Whom a reset token is for: a customer, or (v2) an auth identity whose customer was never
 * created (its password lives in the identity).
 */
export type ResetSubject = { customerId: string } | { identityId: string };

export interface PasswordResetStore {
  create(
    tokenHash: string,
    subject: ResetSubject,
    createdAt: number,
    expiresAt: number,
  ): Promise<void>;
  /**
   * Consumes the customer's token: removes it and returns true if it existed and had not expired
   * at `now`. Atomic: two concurrent calls with one token never both succeed. A token presented
   * with another customer's email (or an identity's token) is left untouched.
   */
  consume(tokenHash: string, customerId: string, now: number): Promise<boolean>;
  /**
   * Consumes a token whoever it belongs to: removes it and returns its subject and expiry if it
   * existed and had not expired at `now`, else null. Atomic (two concurrent calls never both
   * get it).
   */
  consumeAny(
    tokenHash: string,
    now: number,
  ): Promise<{ subject: ResetSubject; expiresAt: number } | null>;
  /** Whether `consume` would succeed now, without consuming the token. */
  isValid(tokenHash: string, customerId: string, now: number): Promise<boolean>;
  deleteForCustomer(customerId: string): Promise<void>;
  /** Removes the tokens of an identity (its own, not its customer's). */
  deleteForIdentity(identityId: string): Promise<void>;
  /** Removes tokens that expired before `now`. */
  deleteExpired(now: number): Promise<number>;
}

/** Medusa v2's emailpass identities (AuthIdentity): credentials that may precede their customer. */
export interface IdentityStore {
  /**
   * The emailpass identity whose email has this one's key, `normalizeEmail` (NFKC, then lower
   * case; the store computes it, whatever spelling it is given), with its current password hash
   * (for a linked identity: its customer's).
   */
  findByEmail(
    email: string,
  ): Promise<{ identity: AuthIdentity; passwordHash: string | null } | null>;
  /** The identity with this id, with its current password hash (as `findByEmail`). */
  findById(id: string): Promise<{ identity: AuthIdentity; passwordHash: string | null } | null>;
  /** The identity linked to a customer (null if none, e.g. a customer created by v1 mode). */
  findByCustomer(customerId: string): Promise<AuthIdentity | null>;
  /**
   * Inserts an identity linked to no customer. null when an identity with this email's key
   * exists; concurrent creates of one key give exactly one success. `identity.email` is stored as
   * given. In front of Medusa v2, a 400 HttpError for an email whose key PostgreSQL computes
   * differently (medusa-v2/credentials.ts).
   */
  create(identity: AuthIdentity, passwordHash: string): Promise<AuthIdentity | null>;
  /**
   * Creates the customer of an identity that has none and links them, atomically. The customer
   * gets has_account true, the given profile, and the identity's credentials (its password).
   * Returns the customer; "linked" when the identity already has a customer (also under
   * concurrency: exactly one call wins); "duplicate" when a registered customer with that email
   * exists; null when there is no such identity, or its password hash is no longer `passwordHash`
   * (the one its registration token was checked against; read under the lock `setUnlinkedPassword`
   * waits for).
   */
  createCustomer(
    identityId: string,
    customer: Omit<NewCustomer, "has_account" | "password_hash">,
    passwordHash: string,
  ): Promise<Customer | "linked" | "duplicate" | null>;
  /**
   * Sets the password of an identity that has no customer. False, and nothing written, when there
   * is no such identity or it has a customer by now (the customer's password is then the one to
   * set). Atomic with `createCustomer`: the hash written is the one the customer gets.
   */
  setUnlinkedPassword(identityId: string, passwordHash: string): Promise<boolean>;
}

export interface PublishableKeys {
  /** Whether `key` is a live publishable API key (Medusa v2's `api_key` table: type 'publishable', not revoked). */
  isValid(key: string): Promise<boolean>;
}

/** A throttling counter: hits in the current fixed window, and an explicit block. */
export interface ThrottleState {
  count: number;
  windowStartedAt: number;
  /** Epoch ms until which the key is blocked (0: not blocked). */
  blockedUntil: number;
}

/** One limit an attempt is reserved against (`ThrottleStore.reserve`). */
export interface ThrottleRule {
  key: string;
  windowMs: number;
  /** Hits allowed in one window. */
  limit: number;
  /**
   * Consecutive-failure back-off: the hit that brings the count to `free` and each one after it
   * block the key for `baseMs`, doubled per further hit, at most `capMs`.
   */
  backoff?: { free: number; baseMs: number; capMs: number };
}

export interface ThrottleStore {
  /**
   * Reserves one attempt against every rule at once, atomically (across instances): when no
   * key is blocked or at its limit, counts a hit on each (and sets any back-off block) and
   * answers 0; otherwise changes nothing and answers how many ms until all would allow it.
   */
  reserve(rules: ThrottleRule[], now: number): Promise<number>;
  /** Gives back one hit on each key (an attempt that turned out not to count). */
  release(keys: string[]): Promise<void>;
  /**
   * Counts one hit: starts a new window of `windowMs` if the current one has ended. Atomic:
   * concurrent hits on one key are all counted.
   */
  hit(key: string, windowMs: number, now: number): Promise<ThrottleState>;
  /** The state of several keys at once (missing keys are absent from the map). */
  get(keys: string[]): Promise<Map<string, ThrottleState>>;
  clear(keys: string[]): Promise<void>;
  /** Removes counters whose window and block have both ended before `before`. */
  deleteExpired(before: number): Promise<number>;
}

/** An account event as the outbox holds it (services/events.ts). */
export interface StoredEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  created_at: number;
  /** Delivery attempts so far, the current one included once claimed. */
  attempts: number;
}

/** How an event left the outbox: sent to the webhook, only logged (no webhook), or given up. */
export type EventOutcome = "delivered" | "logged" | "failed";

/** The outbox of account events. Kept in the SQL database whatever holds the sessions. */
export interface EventStore {
  /** Adds a pending event, due at once. */
  add(event: Omit<StoredEvent, "attempts">): Promise<void>;
  /**
   * Leases up to `limit` pending events that are due at `now` and not leased (or whose lease
   * ended) to `worker` until `leaseUntil`, counting one attempt each. Atomic: concurrent claims,
   * from any number of processes, never return one event twice while its lease runs.
   */
  claim(worker: string, now: number, leaseUntil: number, limit: number): Promise<StoredEvent[]>;
  /** Ends a pending event; its data is replaced by `data` (what is kept afterwards). */
  finish(
    id: string,
    outcome: EventOutcome,
    at: number,
    data: Record<string, unknown>,
    error: string | null,
  ): Promise<void>;
  /** Releases `worker`'s lease for another attempt at `nextAttemptAt` (no-op if it lost the lease). */
  retry(id: string, worker: string, nextAttemptAt: number, error: string): Promise<void>;
  /** Removes delivered and logged events finished before `finishedBefore`, failed ones before `failedBefore`. */
  deleteFinished(finishedBefore: number, failedBefore: number): Promise<number>;
}

export interface Stores {
  customers: CustomerStore;
  addresses: AddressStore;
  sessions: SessionStore;
  signingKeys: SigningKeyStore;
  passwordResets: PasswordResetStore;
  throttle: ThrottleStore;
  events: EventStore;
  identities: IdentityStore;
  publishableKeys: PublishableKeys;
  /** Checks every backend the stores use (for /ready): "ok", or the error that it gave. */
  ping(): Promise<Record<string, "ok" | Error>>;
  close(): Promise<void>;
}
