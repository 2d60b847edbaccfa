/**
 * Logging in: one path for cookie sessions and bearer tokens. Unknown emails, guests and wrong
 * passwords cost the same Argon2 work and give the same answer.
 */
import type { Customer, Session, SessionKind } from "../domain.js";
import { invalidData, unauthorized } from "../errors.js";
import type { CustomerStore } from "../stores/types.js";
import { normalizeEmail } from "./emails.js";
import type { PasswordService } from "./passwords.js";
import type { SessionService } from "./sessions.js";
import { rateLimited, type ThrottleService } from "./throttle.js";

export const INVALID_CREDENTIALS = "Wrong email or password";

export class AuthService {
  constructor(
    private readonly customers: CustomerStore,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly loginMaxLength: number,
    /** Lifetime of the session behind a bearer token (the token's `exp`). */
    private readonly bearerTtlMs: number,
    private readonly throttle: ThrottleService,
  ) {}

  /**
   * Checks credentials and starts a session of the given kind. Throws 401 on any mismatch and
   * 429 while the account, the client IP or the pair is throttled.
   */
  async login(
    email: string,
    password: unknown,
    kind: SessionKind,
    userAgent: string | undefined,
    ip: string,
  ): Promise<{ customer: Customer; session: Session; token: string | null }> {
    if (typeof password === "string" && password.length > this.loginMaxLength) {
      throw invalidData(
        `password must be shorter than or equal to ${this.loginMaxLength} characters`,
      );
    }
    // Medusa accepts any non-empty JSON value here; a non-string can never match a hash.
    const candidate = typeof password === "string" ? password : "\u0000 not a string";
    const { waitMs: wait, failures } = await this.throttle.loginCheck(ip, email);
    if (wait > 0) {
      // A throttled attempt costs what any other does, so timing tells nothing either.
      await this.passwords.verifyDummy(candidate);
      const seconds = Math.ceil(wait / 1000);
      throw rateLimited(`Too many failed login attempts; try again in ${seconds} seconds`, wait);
    }
    const account = await this.customers.findAccountByEmail(normalizeEmail(email));
    const result = await this.passwords.verify(account?.passwordHash ?? null, candidate);
    if (!account || !result.ok || typeof password !== "string") {
      await this.throttle.loginFailed(ip, email);
      throw unauthorized(INVALID_CREDENTIALS);
    }
    // Clearing costs a write: only when there is something to clear.
    if (failures) await this.throttle.loginSucceeded(ip, email);
    // The hash this login proved the password against (its own upgrade, when that was stored).
    let proven = account.passwordHash!;
    if (result.needsRehash) {
      // Best effort: a failed upgrade must not fail the login; the next login tries again.
      const upgraded = await this.passwords.hash(password);
      const replaced = await this.customers
        .replacePasswordHash(account.customer.id, proven, upgraded)
        .catch(() => false);
      if (replaced) proven = upgraded;
    }
    const ttl = kind === "bearer" ? this.bearerTtlMs : undefined;
    const { session, token } = await this.sessions.create(
      account.customer.id,
      kind,
      userAgent,
      ttl,
    );
    await this.assertStillValid(account.customer.id, email, password, proven, session.id);
    return { customer: account.customer, session, token };
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
    const current = await this.customers.findAccountByEmail(normalizeEmail(email));
    if (current?.customer.id === customerId && current.passwordHash !== null) {
      if (current.passwordHash === proven) return;
      // Another login's upgrade of the same password also changes the hash.
      if ((await this.passwords.verify(current.passwordHash, password)).ok) return;
    }
    await this.sessions.revoke(sessionId);
    throw unauthorized(INVALID_CREDENTIALS);
  }
}
