/**
 * Recognises errors that mean "a storage backend is down or unreachable" (as opposed to a bug),
 * so the HTTP layer can answer 503 and the client can retry.
 */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "EHOSTUNREACH",
]);
// PostgreSQL: connection exceptions (08xxx), shutdowns and "cannot connect now" (57P0x).
const POSTGRES_CODES = /^(08\d{3}|57P0[1-3])$/;
const MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Client has encountered a connection error",
  "enableOfflineQueue",
  "Command timed out",
  "Connection is closed",
  "Reached the max retries per request limit",
];

export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || POSTGRES_CODES.test(code) || code === "SQLITE_BUSY")
  ) {
    return true;
  }
  if (name === "MaxRetriesPerRequestError") return true;
  return typeof message === "string" && MESSAGES.some((text) => message.includes(text));
}
