/**
 * The `Authorization` header, read as passport-jwt reads it: the first two whitespace-separated
 * parts, the scheme compared case-insensitively.
 */

/** Longest `Authorization` value read at all; a token here is under 1 KiB (docs/security.md). */
export const MAX_AUTHORIZATION_LENGTH = 4096;

/**
 * Anchored, so the engine tries one start position and each greedy run gives back only
 * characters the next part cannot take: linear time (the unanchored form is quadratic).
 */
const AUTHORIZATION = /^\s*(\S+)\s+(\S+)/;

/** The scheme and credentials of an `Authorization` value, or null when it has fewer than two parts. */
export function parseAuthorization(header: string): { scheme: string; credentials: string } | null {
  const parts = AUTHORIZATION.exec(header);
  return parts && { scheme: parts[1]!, credentials: parts[2]! };
}

/** The bearer token a header carries, or null (another scheme, one part only, or too long). */
export function bearerToken(header: string): string | null {
  if (header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const parsed = parseAuthorization(header);
  return parsed && parsed.scheme.toLowerCase() === "bearer" ? parsed.credentials : null;
}
