/**
 * Store contracts. Implementations: stores/sql (SQLite and PostgreSQL through Kysely) and
 * stores/redis (sessions). Stores return domain objects; "not found" is `null`.
 * Every atomicity promise written here is tested on every backend by the contract suite.
 */
import type { Address, AddressFields, Customer, Metadata, Session, SigningKey } from "../domain.js";

export interface NewCustomer {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  has_account: boolean;
  password_hash: string | null;
  created_at: number;
}

export interface CustomerWithAddresses {
  customer: Customer;
  addresses: Address[];
  billingAddress: Address | null;
}

export interface CustomerPatch {
  email?: string;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  metadata?: Metadata | null;
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
}

export interface AddressStore {
  findById(id: string): Promise<Address | null>;
  create(address: Address): Promise<Address>;
  update(id: string, fields: AddressFields, updatedAt: number): Promise<Address | null>;
  /** Soft-deletes; returns false if there was no such live address of this customer. */
  softDelete(customerId: string, id: string, deletedAt: number): Promise<boolean>;
}

export interface SessionStore {
  /** Stores a session; `tokenHash` is the lookup key of a cookie session (null for bearer). */
  create(session: Session, tokenHash: string | null): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<Session | null>;
  findById(id: string): Promise<Session | null>;
  /** Records activity (sliding idle expiry). */
  touch(id: string, lastSeenAt: number): Promise<void>;
  /** Revokes one session; true if it existed. */
  delete(id: string): Promise<boolean>;
  /** Revokes every session of a customer except `exceptId`; returns how many. */
  deleteForCustomer(customerId: string, exceptId?: string): Promise<number>;
  listForCustomer(customerId: string): Promise<Session[]>;
  /** Removes sessions that ended before `now` (absolute) or were idle since `idleCutoff`. */
  deleteExpired(now: number, idleCutoff: number): Promise<number>;
}

export interface SigningKeyStore {
  /** Every stored key, newest first. */
  list(): Promise<SigningKey[]>;
  insert(key: SigningKey): Promise<void>;
  deleteOlderThan(createdBefore: number, keepKid: string): Promise<number>;
}

export interface PasswordResetStore {
  create(
    tokenHash: string,
    customerId: string,
    createdAt: number,
    expiresAt: number,
  ): Promise<void>;
  /**
   * Consumes the customer's token: removes it and returns true if it existed and had not expired
   * at `now`. Atomic: two concurrent calls with one token never both succeed. A token presented
   * with another customer's email is left untouched.
   */
  consume(tokenHash: string, customerId: string, now: number): Promise<boolean>;
  deleteForCustomer(customerId: string): Promise<void>;
  /** Removes tokens that expired before `now`. */
  deleteExpired(now: number): Promise<number>;
}

/** A throttling counter: hits in the current fixed window, and an explicit block. */
export interface ThrottleState {
  count: number;
  windowStartedAt: number;
  /** Epoch ms until which the key is blocked (0: not blocked). */
  blockedUntil: number;
}

export interface ThrottleStore {
  /**
   * Counts one hit: starts a new window of `windowMs` if the current one has ended. Atomic:
   * concurrent hits on one key are all counted.
   */
  hit(key: string, windowMs: number, now: number): Promise<ThrottleState>;
  /** Blocks a key until `until` (never shortens an existing block). */
  block(key: string, until: number): Promise<void>;
  /** The state of several keys at once (missing keys are absent from the map). */
  get(keys: string[]): Promise<Map<string, ThrottleState>>;
  clear(keys: string[]): Promise<void>;
  /** Removes counters whose window and block have both ended before `before`. */
  deleteExpired(before: number): Promise<number>;
}

export interface Stores {
  customers: CustomerStore;
  addresses: AddressStore;
  sessions: SessionStore;
  signingKeys: SigningKeyStore;
  passwordResets: PasswordResetStore;
  throttle: ThrottleStore;
  /** Checks every backend the stores use (for /ready): "ok", or the error that it gave. */
  ping(): Promise<Record<string, "ok" | Error>>;
  close(): Promise<void>;
}
