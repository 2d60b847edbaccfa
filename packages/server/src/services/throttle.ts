/**
 * Brute-force and abuse protection (SPEC §3.3). Counters live in the SQL database or Redis, so
 * limits hold across instances. Every number is documented in docs/security.md.
 *
 * A login attempt is reserved before its password is checked, against every login limit at once
 * (`ThrottleStore.reserve`): per account (consecutive failures → exponential back-off, and a hard
 * cap per hour), per client, and per client + account. A success gives back what it reserved.
 * An attempt carrying the account's device cookie counts against its device instead of the
 * account, so that failures elsewhere do not lock the owner out.
 *
 * Per-client limits key on the client's address (an IPv6 client by its prefix, client-key.ts).
 * Account keys are an HMAC of the normalized email, whether or not it exists: a throttled unknown
 * email behaves exactly like a throttled real one, and no typed email is stored.
 */
import { createHmac } from "node:crypto";
import type { Config, RateLimit } from "../config.js";
import { rateLimited, type HttpError } from "../errors.js";
import type { ThrottleRule, ThrottleStore } from "../stores/types.js";
import { clientKey } from "./client-key.js";
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

const NO_LIMIT = Number.MAX_SAFE_INTEGER;
const BACKOFF = { free: FREE_FAILURES, baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS };

/** The keys of one login attempt. */
interface LoginKeys {
  /** Consecutive failures: of the account, or of the device when it carries the cookie. */
  consecutive: string;
  accountHour: string | null;
  ip: string;
  ipAccount: string;
}

/** What ThrottleService works with. */
export interface ThrottleServiceDeps {
  store: ThrottleStore;
  config: Config["rateLimits"];
  clock: Clock;
  /** Keys the HMAC of emails in counter keys (COOKIE_SECRET). */
  secret: string;
  /** Outside production, a 429 also says how to relax the limits. */
  production: boolean;
}

export class ThrottleService {
  constructor(private readonly deps: ThrottleServiceDeps) {}

  get enabled(): boolean {
    return this.deps.config.enabled;
  }

  /** The key a client's per-address limits count under. */
  clientKey(ip: string): string {
    return clientKey(ip, this.deps.config.ipv6PrefixBits);
  }

  /** A 429 for these limits (errors.ts). */
  rateLimited(message: string, retryAfterMs: number): HttpError {
    return rateLimited(message, retryAfterMs, this.deps.production);
  }

  /** The email's key part: an HMAC, never the email itself. */
  private emailKey(email: string): string {
    return createHmac("sha256", this.deps.secret)
      .update(`throttle:${normalizeEmail(email)}`)
      .digest("base64url")
      .slice(0, 22);
  }

  private loginKeys(ip: string, email: string, device: string | null): LoginKeys {
    const account = this.emailKey(email);
    const client = this.clientKey(ip);
    return {
      consecutive: device === null ? `login:account:${account}` : `login:device:${device}`,
      accountHour: device === null ? `login:account-hour:${account}` : null,
      ip: `login:ip:${client}`,
      ipAccount: `login:ip-account:${client}:${account}`,
    };
  }

  /**
   * Reserves one login attempt before its password is checked: 0 when it may proceed (it then
   * counts as a failure unless `loginSucceeded` follows), else how long it must wait.
   * `device`: the nonce of a valid device cookie for this account, if the attempt carries one.
   */
  async reserveLogin(ip: string, email: string, device: string | null): Promise<number> {
    if (!this.deps.config.enabled) return 0;
    const keys = this.loginKeys(ip, email, device);
    const rules: ThrottleRule[] = [
      {
        key: keys.consecutive,
        windowMs: CONSECUTIVE_WINDOW_MS,
        limit: NO_LIMIT,
        backoff: BACKOFF,
      },
      { key: keys.ip, ...this.deps.config.loginIp },
      { key: keys.ipAccount, ...this.deps.config.loginIpAccount },
    ];
    if (keys.accountHour !== null) {
      rules.push({ key: keys.accountHour, windowMs: HOUR, limit: ACCOUNT_HOURLY_LIMIT });
    }
    return this.deps.store.reserve(rules, this.deps.clock.now());
  }

  /**
   * A success resets the consecutive failures it was counted under (the account's, or the
   * device's) and this client's count for the account, and gives back its hit on the client's
   * and the account's hourly counts: only failures count there.
   */
  async loginSucceeded(ip: string, email: string, device: string | null): Promise<void> {
    if (!this.deps.config.enabled) return;
    const keys = this.loginKeys(ip, email, device);
    await Promise.all([
      this.deps.store.clear([keys.consecutive, keys.ipAccount]),
      this.deps.store.release(keys.accountHour === null ? [keys.ip] : [keys.ip, keys.accountHour]),
    ]);
  }

  /** Gives back everything an attempt reserved that was refused before its check. */
  async loginNotChecked(ip: string, email: string, device: string | null): Promise<void> {
    if (!this.deps.config.enabled) return;
    const keys = this.loginKeys(ip, email, device);
    await this.deps.store.release(
      [keys.consecutive, keys.ip, keys.ipAccount, keys.accountHour].filter((key) => key !== null),
    );
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
      `${action}:ip:${this.clientKey(ip)}`,
      this.deps.config[action],
      "Too many requests from this address; try again later",
    );
  }

  /** Counts one email change of a customer and throws 429 once the limit is exceeded. */
  async emailChange(customerId: string): Promise<void> {
    await this.limit(
      `email-change:customer:${customerId}`,
      this.deps.config.emailChange,
      "Too many email changes for this account; try again later",
    );
  }

  /**
   * Counts one session made from an existing credential of a customer (v2 mode: a token into a
   * cookie, a cookie or registration token into a token) and throws 429 once the limit is
   * exceeded. Per customer, not per address: many shoppers share an address (NAT, a storefront
   * server), and one credential's holder must not be able to hold them all back.
   */
  async sessionExchange(customerId: string): Promise<void> {
    await this.limit(
      `session-exchange:customer:${customerId}`,
      this.deps.config.sessionExchange,
      "Too many sessions made for this account; try again later",
    );
  }

  /** Whether another reset email may go to this address now (silently skipped otherwise). */
  async allowResetEmail(email: string): Promise<boolean> {
    if (!this.deps.config.enabled) return true;
    const rule = this.deps.config.passwordTokenEmail;
    const state = await this.deps.store.hit(
      `password-token:email:${this.emailKey(email)}`,
      rule.windowMs,
      this.deps.clock.now(),
    );
    return state.count <= rule.limit;
  }

  private async limit(key: string, rule: RateLimit, message: string): Promise<void> {
    if (!this.deps.config.enabled) return;
    const now = this.deps.clock.now();
    const state = await this.deps.store.hit(key, rule.windowMs, now);
    if (state.count > rule.limit) {
      throw this.rateLimited(message, state.windowStartedAt + rule.windowMs - now);
    }
  }

  /**
   * An operator's unlock (`gatehouse throttle unlock`): clears the email's login counters (its
   * consecutive failures, its hourly cap) and its reset-email count; with `ip`, also that client's
   * count for the email. Other clients' counts for it are keyed by their address and end with
   * their window.
   */
  async unlockEmail(email: string, ip?: string): Promise<void> {
    const account = this.emailKey(email);
    const keys = [
      `login:account:${account}`,
      `login:account-hour:${account}`,
      `password-token:email:${account}`,
    ];
    if (ip !== undefined) keys.push(`login:ip-account:${this.clientKey(ip)}:${account}`);
    await this.deps.store.clear(keys);
  }

  purgeExpired(): Promise<number> {
    return this.deps.store.deleteExpired(this.deps.clock.now());
  }
}
