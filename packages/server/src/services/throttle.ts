/**
 * Brute-force and abuse protection (SPEC §3.3). Counters live in the SQL database or Redis, so
 * limits hold across instances. Every number is documented in docs/security.md.
 *
 * Failed logins are counted per account (consecutive failures → exponential back-off, and a
 * hard cap per hour), per client IP, and per IP + account. The account key is the normalized
 * email as typed, whether or not it exists: a throttled unknown email behaves exactly like a
 * throttled real one.
 */
import type { Config, RateLimit } from "../config.js";
import { HttpError } from "../errors.js";
import type { ThrottleState, ThrottleStore } from "../stores/types.js";
import type { Clock } from "./clock.js";
import { normalizeEmail } from "./emails.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Consecutive failures allowed before the back-off starts. */
export const FREE_FAILURES = 5;
/** First back-off delay, doubled at every further failure, up to the cap. */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 15 * MINUTE;
/** Consecutive failures are forgotten a day after the first one. */
const CONSECUTIVE_WINDOW_MS = 24 * HOUR;
/** Never more than this many failures for one account in an hour, whatever else happens. */
export const ACCOUNT_HOURLY_LIMIT = 100;

export const rateLimited = (message: string, retryAfterMs: number) =>
  new HttpError(429, "not_allowed", message, "rate_limited", {
    "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
  });

export class ThrottleService {
  constructor(
    private readonly store: ThrottleStore,
    private readonly config: Config["rateLimits"],
    private readonly clock: Clock,
  ) {}

  private loginKeys(ip: string, email: string) {
    const account = normalizeEmail(email);
    return {
      account: `login:account:${account}`,
      accountHour: `login:account-hour:${account}`,
      ip: `login:ip:${ip}`,
      ipAccount: `login:ip-account:${ip}:${account}`,
    };
  }

  /**
   * How long this login attempt must wait (0: it may proceed), and whether failures are on record
   * that a successful login clears (`loginSucceeded` need not be called otherwise).
   */
  async loginCheck(ip: string, email: string): Promise<{ waitMs: number; failures: boolean }> {
    if (!this.config.enabled) return { waitMs: 0, failures: false };
    const keys = this.loginKeys(ip, email);
    const now = this.clock.now();
    const states = await this.store.get(Object.values(keys));
    const waits = [
      this.blockedFor(states.get(keys.account), now),
      this.overLimitFor(
        states.get(keys.accountHour),
        { limit: ACCOUNT_HOURLY_LIMIT, windowMs: HOUR },
        now,
      ),
      this.overLimitFor(states.get(keys.ip), this.config.loginIp, now),
      this.overLimitFor(states.get(keys.ipAccount), this.config.loginIpAccount, now),
    ];
    return {
      waitMs: Math.max(...waits),
      failures: states.has(keys.account) || states.has(keys.ipAccount),
    };
  }

  async loginFailed(ip: string, email: string): Promise<void> {
    if (!this.config.enabled) return;
    const keys = this.loginKeys(ip, email);
    const now = this.clock.now();
    const [account] = await Promise.all([
      this.store.hit(keys.account, CONSECUTIVE_WINDOW_MS, now),
      this.store.hit(keys.accountHour, HOUR, now),
      this.store.hit(keys.ip, this.config.loginIp.windowMs, now),
      this.store.hit(keys.ipAccount, this.config.loginIpAccount.windowMs, now),
    ]);
    if (account.count >= FREE_FAILURES) {
      const delay = Math.min(
        BACKOFF_BASE_MS * 2 ** (account.count - FREE_FAILURES),
        BACKOFF_CAP_MS,
      );
      await this.store.block(keys.account, now + delay);
    }
  }

  /** A success resets the account's consecutive failures (and this IP's count for it). */
  async loginSucceeded(ip: string, email: string): Promise<void> {
    if (!this.config.enabled) return;
    const keys = this.loginKeys(ip, email);
    await this.store.clear([keys.account, keys.ipAccount]);
  }

  /**
   * Counts one request of a per-IP limited action (`exists`, `register`, `passwordToken`,
   * `passwordReset`) and throws 429 once the limit is exceeded.
   */
  async request(
    action: "exists" | "register" | "passwordToken" | "passwordReset",
    ip: string,
  ): Promise<void> {
    await this.limit(
      `${action}:ip:${ip}`,
      this.config[action],
      "Too many requests from this address; try again later",
    );
  }

  /** Counts one email change of a customer and throws 429 once the limit is exceeded. */
  async emailChange(customerId: string): Promise<void> {
    await this.limit(
      `email-change:customer:${customerId}`,
      this.config.emailChange,
      "Too many email changes for this account; try again later",
    );
  }

  /** Whether another reset email may go to this address now (silently skipped otherwise). */
  async allowResetEmail(email: string): Promise<boolean> {
    if (!this.config.enabled) return true;
    const rule = this.config.passwordTokenEmail;
    const state = await this.store.hit(
      `password-token:email:${normalizeEmail(email)}`,
      rule.windowMs,
      this.clock.now(),
    );
    return state.count <= rule.limit;
  }

  private async limit(key: string, rule: RateLimit, message: string): Promise<void> {
    if (!this.config.enabled) return;
    const now = this.clock.now();
    const state = await this.store.hit(key, rule.windowMs, now);
    if (state.count > rule.limit) {
      throw rateLimited(message, state.windowStartedAt + rule.windowMs - now);
    }
  }

  purgeExpired(): Promise<number> {
    return this.store.deleteExpired(this.clock.now());
  }

  private blockedFor(state: ThrottleState | undefined, now: number): number {
    return state && state.blockedUntil > now ? state.blockedUntil - now : 0;
  }

  /** Failures counted before this attempt: at the limit already, it must wait for the window. */
  private overLimitFor(state: ThrottleState | undefined, rule: RateLimit, now: number): number {
    if (!state || state.windowStartedAt + rule.windowMs <= now || state.count < rule.limit)
      return 0;
    return state.windowStartedAt + rule.windowMs - now;
  }
}
