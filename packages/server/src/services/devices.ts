/**
 * Device cookies (OWASP "Slow down online guessing attacks with device cookies"): a browser that
 * logged in to an account carries a signed proof of it, and its login attempts for that account
 * count against the device instead of the account, so failures from elsewhere do not lock it out.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { normalizeEmail } from "./emails.js";

export const DEVICE_COOKIE_NAME = "gatehouse.device";
/** A device stays known for a year after its last successful login. */
export const DEVICE_COOKIE_TTL_MS = 365 * 24 * 3_600_000;

const NONCE_LENGTH = 22; // 16 random bytes, base64url
const MAC_LENGTH = 43; // HMAC-SHA-256, base64url

export class DeviceCookies {
  constructor(private readonly secret: string) {}

  /** A new cookie value for a device that just logged in to this account: `nonce.mac`. */
  issue(email: string): string {
    const nonce = randomBytes(16).toString("base64url");
    return `${nonce}.${this.mac(nonce, email)}`;
  }

  /** The nonce of a cookie issued for this account; null for no, a malformed or another's. */
  nonceFor(cookie: string | undefined, email: string): string | null {
    if (cookie?.length !== NONCE_LENGTH + 1 + MAC_LENGTH || cookie[NONCE_LENGTH] !== ".") {
      return null;
    }
    const nonce = cookie.slice(0, NONCE_LENGTH);
    const given = Buffer.from(cookie.slice(NONCE_LENGTH + 1));
    const expected = Buffer.from(this.mac(nonce, email));
    return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : null;
  }

  private mac(nonce: string, email: string): string {
    return createHmac("sha256", this.secret)
      .update(`device:${nonce}:${normalizeEmail(email)}`)
      .digest("base64url");
  }
}
