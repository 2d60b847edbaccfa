import { createHmac, randomBytes } from "node:crypto";
import { ulid } from "ulid";

/**
 * ulid draws one random byte per character (16 per id); serving them from a 4 KiB block of
 * crypto.randomBytes makes that one crypto call per 256 ids instead of 16 per id.
 */
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;
function randomFraction(): number {
  if (randomOffset === randomBlock.length) {
    randomBlock = randomBytes(4096);
    randomOffset = 0;
  }
  return randomBlock[randomOffset++]! / 256;
}

/** Medusa-style ids: a prefix and a ULID. */
export const newId = (prefix: "cus" | "addr" | "sess" | "msg" | "authid" | "cuaddr") =>
  `${prefix}_${ulid(undefined, randomFraction)}`;

/** 256 random bits, base64url: a session cookie value or a password-reset token. */
export const newSecretToken = () => randomBytes(32).toString("base64url");

export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Hash under which a secret token is stored: HMAC-SHA256 keyed with COOKIE_SECRET, so the
 * database never holds a usable credential and a stolen table cannot even be checked offline.
 */
export const hashSecretToken = (key: string, token: string) =>
  createHmac("sha256", key).update(token).digest("base64url");
