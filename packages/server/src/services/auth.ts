/**
 * Logging in: one path for cookie sessions and bearer tokens. Unknown emails, guests and wrong
 * passwords cost the same Argon2 work and give the same answer.
 */
import type { AuthIdentity, Customer, Session, SessionKind } from "../domain.js";
import { count, invalidData, unauthorized } from "../errors.js";
import type { CustomerStore, IdentityStore } from "../stores/types.js";
import type { LoginOutcome } from "../metrics.js";
import type { AuditClient, AuditFields, AuditLog } from "./audit.js";
import type { DeviceCookies } from "./devices.js";
import { normalizeEmail } from "./emails.js";
import type { PasswordService } from "./passwords.js";
import type { SessionService } from "./sessions.js";
import type { ThrottleService } from "./throttle.js";

export const INVALID_CREDENTIALS = "Wrong email or password";

/**
 * One client (client-key.ts) may have at most this share of the hashing queue checking its
 * passwords at once in this process, queued or hashing: a flood from one address cannot fill the
 * queue that everyone shares.
 */
export const CLIENT_SHARE_OF_HASH_QUEUE = 1 / 8;

export interface LoginResult {
  identity?: undefined;
  customer: Customer;
  session: Session;
  token: string | null;
  /** A new device cookie value for this account (services/devices.ts). */
  device: string;
}

/** (v2) Credentials that belong to an auth identity without a customer yet. */
export interface IdentityLogin {
  identity: AuthIdentity;
  /** The hash the password was proven against (its registration token's `pwd`). */
  passwordHash: string;
}

/** What AuthService works with. */
export interface AuthServiceDeps {
  customers: CustomerStore;
  /** (v2) Identities without a customer, which may log in too. */
  identities?: IdentityStore;
  passwords: PasswordService;
  sessions: SessionService;
  throttle: ThrottleService;
  devices: DeviceCookies;
  /** Longest password a login may carry before it is refused unhashed. */
  loginMaxLength: number;
  /** Lifetime of the session behind a bearer token (the token's `exp`). */
  bearerTtlMs: number;
  /** PASSWORD_HASH_QUEUE: one client may take an eighth of it. */
  hashQueue: number;
  /** Counts logins by outcome (when metrics are on). */
  metrics?: { login(outcome: LoginOutcome): void };
  audit?: AuditLog;
}

export class AuthService {
  /** Logins checking a password now, per client key (only while rate limits are on). */
  private readonly hashing = new Map<string, number>();
  private readonly hashesPerClient: number;

  constructor(private readonly deps: AuthServiceDeps) {
    this.hashesPerClient = Math.max(1, Math.ceil(deps.hashQueue * CLIENT_SHARE_OF_HASH_QUEUE));
  }

  /**
   * Checks credentials and starts a session of the given kind. Throws 401 on any mismatch and
   * 429 while the account (or the device), the client IP or the pair is throttled, or while the
   * client has its share of password checks running.
   */
  async login(
    email: string,
    password: unknown,
    kind: SessionKind,
    userAgent: string | undefined,
    ip: string,
    deviceCookie: string | undefined,
    requestId?: string,
  ): Promise<LoginResult> {
    const client = { ip, requestId };
    const result = await this.attempt(
      email,
      password,
      kind,
      userAgent,
      client,
      deviceCookie,
      false,
    );
    return result as LoginResult;
  }

  /**
   * (v2) As `login`, and the credentials may also be those of an auth identity that has no
   * customer yet (registered, customer not created): then no session starts.
   */
  loginOrIdentity(
    email: string,
    password: unknown,
    userAgent: string | undefined,
    ip: string,
    deviceCookie: string | undefined,
    requestId?: string,
  ): Promise<LoginResult | IdentityLogin> {
    const client = { ip, requestId };
    return this.attempt(email, password, "bearer", userAgent, client, deviceCookie, true);
  }

  private async attempt(
    email: string,
    password: unknown,
    kind: SessionKind,
    userAgent: string | undefined,
    client: AuditClient,
    deviceCookie: string | undefined,
    identities: boolean,
  ): Promise<LoginResult | IdentityLogin> {
    const { ip } = client;
    if (typeof password === "string" && password.length > this.deps.loginMaxLength) {
      throw invalidData(
        `password must be shorter than or equal to ${this.deps.loginMaxLength} characters`,
      );
    }
    // Medusa accepts any non-empty JSON value here; a non-string can never match a hash.
    const candidate = typeof password === "string" ? password : "\u0000 not a string";
    const device = this.deps.devices.nonceFor(deviceCookie, email);
    // Counted before the check, so that concurrent attempts get what serial ones would.
    const wait = await this.deps.throttle.reserveLogin(ip, email, device);
    if (wait > 0) {
      this.outcome("throttled", client, { reason: "too_many_failures" });
      // A refused attempt answers after what a check takes, without taking a place to hash.
      await this.deps.passwords.waitLikeVerify();
      throw this.deps.throttle.rateLimited(
        `Too many failed login attempts; try again in ${count(Math.ceil(wait / 1000), "second")}`,
        wait,
      );
    }
    const done = this.takeHashShare(ip);
    if (!done) {
      this.outcome("throttled", client, { reason: "too_many_at_once" });
      await this.deps.throttle.loginNotChecked(ip, email, device);
      throw this.deps.throttle.rateLimited(
        "Too many logins from this address at once; try again in a second",
        1000,
      );
    }
    try {
      const account = await this.deps.customers.findAccountByEmail(normalizeEmail(email));
      const pending = account ? null : await this.pendingIdentity(email, identities);
      const hash = account?.passwordHash ?? pending?.passwordHash ?? null;
      const result = await this.deps.passwords.verify(hash, candidate);
      if (!(account ?? pending) || !result.ok || typeof password !== "string") {
        // Counted and logged only: the answer and its time are the same for both.
        const known = account ?? pending;
        this.outcome(known ? "wrong_password" : "unknown", client, {
          customer_id: account?.customer.id ?? null,
          reason: known ? "wrong_password" : "unknown",
        });
        throw unauthorized(INVALID_CREDENTIALS);
      }
      await this.deps.throttle.loginSucceeded(ip, email, device);
      if (!account) {
        this.outcome("success", client, {});
        return { identity: pending!.identity, passwordHash: hash! };
      }
      // The hash this login proved the password against (its own upgrade, when that was stored).
      let proven = account.passwordHash!;
      if (result.needsRehash) {
        // Best effort: a failed upgrade must not fail the login; the next login tries again.
        const upgraded = await this.deps.passwords.hash(password);
        const replaced = await this.deps.customers
          .replacePasswordHash(account.customer.id, proven, upgraded)
          .catch(() => false);
        if (replaced) proven = upgraded;
      }
      done();
      const ttl = kind === "bearer" ? this.deps.bearerTtlMs : undefined;
      const { session, token } = await this.deps.sessions.create(
        account.customer.id,
        kind,
        userAgent,
        ttl,
      );
      await this.assertStillValid(account.customer.id, email, password, proven, session.id);
      this.outcome("success", client, { customer_id: account.customer.id });
      return { customer: account.customer, session, token, device: this.deps.devices.issue(email) };
    } finally {
      done();
    }
  }

  /** A login's outcome, counted and written to the audit log. */
  private outcome(outcome: LoginOutcome, client: AuditClient, fields: AuditFields): void {
    this.deps.metrics?.login(outcome);
    const event =
      outcome === "success"
        ? "login.succeeded"
        : outcome === "throttled"
          ? "login.throttled"
          : "login.failed";
    this.deps.audit?.record(event, client, fields);
  }

  /** The identity with this email that has no customer yet, when `wanted` and there is one. */
  private async pendingIdentity(email: string, wanted: boolean) {
    if (!wanted || !this.deps.identities) return null;
    const found = await this.deps.identities.findByEmail(normalizeEmail(email));
    return found && found.identity.customer_id === null ? found : null;
  }

  /**
   * Takes one of the client's places to check a password, or null when it has them all; the
   * function returned gives it back (once).
   */
  private takeHashShare(ip: string): (() => void) | null {
    if (!this.deps.throttle.enabled) return () => {};
    const client = this.deps.throttle.clientKey(ip);
    const taken = this.hashing.get(client) ?? 0;
    if (taken >= this.hashesPerClient) return null;
    this.hashing.set(client, taken + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.hashing.get(client)! - 1;
      if (left === 0) this.hashing.delete(client);
      else this.hashing.set(client, left);
    };
  }

  /**
   * A password change or reset writes the new hash, then revokes the sessions. This login
   * inserted its session, then reads the hash again from storage: either the read sees the new
   * hash (the session is revoked here) or the change's revocation comes after the insert and
   * finds the session. Either way no session outlives a change that raced its login.
   */
  private async assertStillValid(
    customerId: string,
    email: string,
    password: string,
    proven: string,
    sessionId: string,
  ): Promise<void> {
    const current = await this.deps.customers.findAccountByEmail(normalizeEmail(email));
    if (current?.customer.id === customerId && current.passwordHash !== null) {
      if (current.passwordHash === proven) return;
      // Another login's upgrade of the same password also changes the hash.
      if ((await this.deps.passwords.verify(current.passwordHash, password)).ok) return;
    }
    await this.deps.sessions.revoke(sessionId);
    throw unauthorized(INVALID_CREDENTIALS);
  }
}
