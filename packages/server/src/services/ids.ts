import { createHmac, randomBytes } from "node:crypto";
import { ulid } from "ulid";

/** Medusa-style ids: a prefix and a ULID. */
export const newId = (prefix: "cus" | "addr" | "sess") => `${prefix}_${ulid()}`;

/** 256 random bits, base64url: a session cookie value or a password-reset token. */
export const newSecretToken = () => randomBytes(32).toString("base64url");

export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Hash under which a secret token is stored: HMAC-SHA256 keyed with COOKIE_SECRET, so the
 * database never holds a usable credential and a stolen table cannot even be checked offline.
 */
export const hashSecretToken = (key: string, token: string) =>
  createHmac("sha256", key).update(token).digest("base64url");
