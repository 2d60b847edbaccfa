/**
 * Server-side sessions: cookie sessions and the sessions behind bearer tokens.
 * Idle timeout (sliding, at most one write per interval) plus an absolute cap.
 */
import type { Config } from "../config.js";
import type { Session, SessionKind } from "../domain.js";
import type { SessionStore } from "../stores/types.js";
import { BoundedMap } from "../runtime/bounded-map.js";
import type { Clock } from "./clock.js";
import type { AccountEventData, AccountEvents } from "./events.js";
import { SECRET_TOKEN_PATTERN, hashSecretToken, newId, newSecretToken } from "./ids.js";

const MAX_USER_AGENT = 512;

/**
 * Cookie values whose HMAC has been computed, kept so that a browser sending the same cookie on
 * every request costs one HMAC, not one per request (about a tenth of a cached `GET /store/auth`).
 * The hash of a value never changes; the session it names is still read on every request, so a
 * revoked session fails at once. Bounded (oldest out first): about 1.5 MB when full.
 */
const COOKIE_HASH_CACHE_SIZE = 10_000;

/**
 * Rounds of deletion one `revokeAll` makes at most. Each round after the first finds only the
 * sessions stored by requests that were under way during the round before (`createChecked`): two
 * rounds when nothing raced, and each exchange caught in flight can add one. The bound keeps a
 * flood of new sessions for one customer from holding a password change forever; the price is that
 * a holder who completes an exchange from their newest session within every one of 10 rounds (one
 * delete each, against three storage calls per exchange, and RATE_LIMIT_SESSION_EXCHANGE per
 * customer) keeps that last session.
 */
const MAX_REVOCATION_ROUNDS = 10;

/** A new session and, for a cookie session, its cookie value (shown once). */
export interface StartedSession {
  session: Session;
  token: string | null;
}

/** What SessionService works with. */
export interface SessionServiceDeps {
  store: SessionStore;
  config: Config["session"];
  /** Keys the HMAC under which cookie values are stored (COOKIE_SECRET). */
  secret: string;
  clock: Clock;
  events: AccountEvents;
}

export class SessionService {
  /** Last-seen is written at most this often: a minute, or less for short idle timeouts. */
  private readonly touchIntervalMs: number;
  private readonly cookieHashes = new BoundedMap<string, string>(COOKIE_HASH_CACHE_SIZE);

  constructor(private readonly deps: SessionServiceDeps) {
    this.touchIntervalMs = Math.min(60_000, Math.floor(deps.config.idleTimeoutMs / 4));
  }

  /**
   * Starts a session. For cookie sessions, `token` is the cookie value (shown once, stored hashed).
   * `signedInAt` is when the password was proven, for a session made from another credential (a
   * token exchanged for a cookie, a cookie for a token): it stays as fresh as that one, no fresher.
   * Such a session is started through `derive` or `createChecked`, which also check that the
   * credential was not revoked meanwhile.
   */
  async create(
    customerId: string,
    kind: SessionKind,
    userAgent: string | undefined,
    absoluteTtlMs = this.deps.config.absoluteTimeoutMs,
    signedInAt?: number,
  ): Promise<StartedSession> {
    const now = this.deps.clock.now();
    const session: Session = {
      id: newId("sess"),
      customer_id: customerId,
      kind,
      created_at: Math.min(signedInAt ?? now, now),
      last_seen_at: now,
      expires_at: now + absoluteTtlMs,
      user_agent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
      token_version: 0,
    };
    const token = kind === "cookie" ? newSecretToken() : null;
    await this.deps.store.create(
      session,
      token === null ? null : hashSecretToken(this.deps.secret, token),
    );
    return { session, token };
  }

  /**
   * Starts a session made from `source`, another session of the customer (a cookie from a login
   * token, a token from a cookie session), as fresh as its sign-in, and keeps it only if `source`
   * is still stored, unchanged, once it is: null (nothing kept) when `source` was revoked, or
   * (a bearer session) refreshed to another token, meanwhile. See `createChecked`.
   */
  derive(
    source: Session,
    kind: SessionKind,
    userAgent: string | undefined,
    absoluteTtlMs?: number,
  ): Promise<StartedSession | null> {
    return this.createChecked(
      source.customer_id,
      kind,
      userAgent,
      absoluteTtlMs,
      source.created_at,
      async () => {
        const current = await this.deps.store.findByIdUncached(source.id);
        return (
          current !== null &&
          current.customer_id === source.customer_id &&
          current.kind === source.kind &&
          current.token_version === source.token_version &&
          this.isLive(current, this.deps.clock.now())
        );
      },
    );
  }

  /**
   * Starts a session from a credential checked before (`create`), then asks `stillValid` whether
   * that credential still holds, reading storage itself: when it says no (null) or throws, the
   * new session is revoked again. Every revocation of the credential — `revokeAll`, run by a
   * password change or reset (after the new hash is stored), by "log out everywhere" and by an
   * account deletion — is then either seen by that read or finds the new session:
   * - a check of the password hash reads after the insert: if it still finds the old hash, it
   *   read before the new one was written, so before the revocation began, and every round of it
   *   finds the session;
   * - a check of the source session reads after the insert: if it still finds the source, it
   *   read before the round of `revokeAll` that deletes the source had finished, so the insert
   *   was done before the next round began, and that round (there is one, within
   *   MAX_REVOCATION_ROUNDS: the round before deleted something) finds the session.
   * As `AuthService.assertStillValid` does for logins: no session outlives a revocation that
   * raced it. A registration token names no session: "log out everywhere" leaves it (it checks
   * only the password), until 30 minutes after its sign-in.
   */
  async createChecked(
    customerId: string,
    kind: SessionKind,
    userAgent: string | undefined,
    absoluteTtlMs: number | undefined,
    signedInAt: number,
    stillValid: () => Promise<boolean>,
  ): Promise<StartedSession | null> {
    const started = await this.create(customerId, kind, userAgent, absoluteTtlMs, signedInAt);
    let valid = false;
    try {
      valid = await stillValid();
    } finally {
      if (!valid) await this.revoke(started.session.id);
    }
    return valid ? started : null;
  }

  /** The live session a cookie value names, or null (malformed, unknown, revoked or expired). */
  async fromCookie(token: string): Promise<Session | null> {
    let hash = this.cookieHashes.get(token);
    if (hash === undefined) {
      if (!SECRET_TOKEN_PATTERN.test(token)) return null;
      hash = hashSecretToken(this.deps.secret, token);
      this.cookieHashes.set(token, hash);
    }
    const session = await this.deps.store.findByTokenHash(hash);
    return session?.kind === "cookie" ? this.keepAlive(session) : null;
  }

  /**
   * The live bearer session a verified JWT names, or null. A token of an earlier version (one a
   * refresh has replaced) presented again means the token was copied: the session is revoked.
   */
  async fromBearer(
    sessionId: string,
    customerId: string,
    tokenVersion = 0,
  ): Promise<Session | null> {
    const session = await this.deps.store.findById(sessionId);
    if (!session || session.kind !== "bearer" || session.customer_id !== customerId) return null;
    if (tokenVersion !== session.token_version) {
      if (tokenVersion < session.token_version) await this.deps.store.delete(session.id);
      return null;
    }
    return this.keepAlive(session);
  }

  /**
   * Moves a bearer session on to its next token version (a refresh). Null when another refresh
   * of the same token got there first: that token is then an old one, and its session is revoked
   * as a replay would be.
   */
  async rotate(session: Session): Promise<Session | null> {
    if (await this.deps.store.rotateToken(session.id, session.token_version)) {
      return { ...session, token_version: session.token_version + 1 };
    }
    await this.deps.store.delete(session.id);
    return null;
  }

  revoke(id: string): Promise<boolean> {
    return this.deps.store.delete(id);
  }

  /**
   * Revokes every session of the customer but `exceptId`, and reports it (`session.revoked_all`).
   * One deletion may miss a session inserted while it runs (SessionStore.deleteForCustomer), so it
   * deletes again until a round finds nothing (at most MAX_REVOCATION_ROUNDS): a session made
   * from one this revokes is then either found by a later round or revokes itself
   * (`createChecked`).
   */
  async revokeAll(
    customerId: string,
    reason: AccountEventData["session.revoked_all"]["reason"],
    exceptId?: string,
  ): Promise<number> {
    let revoked = 0;
    for (let round = 0; round < MAX_REVOCATION_ROUNDS; round++) {
      const deleted = await this.deps.store.deleteForCustomer(customerId, exceptId);
      revoked += deleted;
      if (deleted === 0) break;
    }
    await this.deps.events.emit("session.revoked_all", {
      customer_id: customerId,
      revoked,
      reason,
    });
    return revoked;
  }

  /** The customer's live sessions, oldest first. */
  async list(customerId: string): Promise<Session[]> {
    const sessions = await this.deps.store.listForCustomer(customerId);
    return sessions.filter((session) => this.isLive(session, this.deps.clock.now()));
  }

  /** Deletes ended sessions from storage (they are already refused when read). */
  purgeExpired(): Promise<number> {
    const now = this.deps.clock.now();
    return this.deps.store.deleteExpired(now, now - this.deps.config.idleTimeoutMs);
  }

  private isLive(session: Session, now: number): boolean {
    return now < session.expires_at && now - session.last_seen_at < this.deps.config.idleTimeoutMs;
  }

  private async keepAlive(session: Session): Promise<Session | null> {
    const now = this.deps.clock.now();
    if (!this.isLive(session, now)) {
      await this.deps.store.delete(session.id);
      return null;
    }
    if (now - session.last_seen_at >= this.touchIntervalMs) {
      await this.deps.store.touch(session.id, now);
      return { ...session, last_seen_at: now };
    }
    return session;
  }
}
