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

export const INVALID_CREDENTIALS = "Wrong email or password";

export class AuthService {
  constructor(
    private readonly customers: CustomerStore,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly loginMaxLength: number,
    /** Lifetime of the session behind a bearer token (the token's `exp`). */
    private readonly bearerTtlMs: number,
  ) {}

  /** Checks credentials and starts a session of the given kind. Throws 401 on any mismatch. */
  async login(
    email: string,
    password: unknown,
    kind: SessionKind,
    userAgent: string | undefined,
  ): Promise<{ customer: Customer; session: Session; token: string | null }> {
    if (typeof password === "string" && password.length > this.loginMaxLength) {
      throw invalidData(
        `password must be shorter than or equal to ${this.loginMaxLength} characters`,
      );
    }
    const account = await this.customers.findAccountByEmail(normalizeEmail(email));
    // Medusa accepts any non-empty JSON value here; a non-string can never match a hash.
    const candidate = typeof password === "string" ? password : JSON.stringify(password);
    const result = await this.passwords.verify(account?.passwordHash ?? null, candidate);
    if (!account || !result.ok || typeof password !== "string")
      throw unauthorized(INVALID_CREDENTIALS);
    if (result.needsRehash) {
      // Best effort: a failed upgrade must not fail the login; the next login tries again.
      const upgraded = await this.passwords.hash(password);
      await this.customers
        .replacePasswordHash(account.customer.id, account.passwordHash!, upgraded)
        .catch(() => false);
    }
    const ttl = kind === "bearer" ? this.bearerTtlMs : undefined;
    const { session, token } = await this.sessions.create(
      account.customer.id,
      kind,
      userAgent,
      ttl,
    );
    return { customer: account.customer, session, token };
  }
}
