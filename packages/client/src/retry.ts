/**
 * The retry policy of medusa-js 6 (retry-axios 2.6 with medusa-js's `shouldRetry`), as pure
 * functions so that the request layer stays readable and the arithmetic can be tested alone.
 *
 * @module
 */

/** The longest `Retry-After` honoured, in milliseconds (retry-axios's default: five minutes). */
export const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;

/**
 * Whether a failed attempt may be retried, ignoring the retry budget: requests that got no
 * response (network error or timeout), `409 Conflict`, and `501`–`599`. `500`, other `4xx`
 * (including `429`) and `3xx` are not retried, and neither is a call the caller aborted.
 *
 * @param status - The response status, or `0` when no response was received.
 * @param type - The error type; `"aborted"` is never retried.
 *
 * @example
 * ```ts
 * isRetryable(503, "unknown_error") // true
 * isRetryable(500, "unknown_error") // false
 * isRetryable(0, "network_error")   // true
 * ```
 */
export function isRetryable(status: number, type: string): boolean {
  if (type === "aborted") return false;
  if (status === 0) return true;
  return status === 409 || (status > 500 && status <= 599);
}

/**
 * The exponential backoff before retry number `retry` (1-based): `((2^retry - 1) / 2) * 1000` ms,
 * that is 500, 1500, 3500, 7500… ms.
 *
 * @example
 * ```ts
 * backoffDelay(1) // 500
 * backoffDelay(3) // 3500
 * ```
 */
export function backoffDelay(retry: number): number {
  return ((Math.pow(2, retry) - 1) / 2) * 1000;
}

/**
 * Reads a `Retry-After` header: a number of seconds or an HTTP date.
 *
 * @returns The delay in milliseconds, or `undefined` when the value is neither a number nor a
 *   date, or asks for less than 0 or more than 5 minutes.
 *
 * @example
 * ```ts
 * parseRetryAfter("2") // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:30 GMT")) // 30000
 * parseRetryAfter("soon") // undefined
 * ```
 */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  let delay: number;
  if (/^[+-]?\d+(\.\d+)?$/.test(trimmed)) {
    delay = Number(trimmed) * 1000;
  } else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    delay = date - now;
  }
  return delay >= 0 && delay <= MAX_RETRY_AFTER_MS ? delay : undefined;
}

/**
 * How long to wait before retry number `retry` (1-based): what the failed response's
 * `Retry-After` header asks for if it has one, otherwise the exponential backoff.
 *
 * @param retryAfter - The failed response's `Retry-After` header, or `null`/`undefined`.
 * @returns The delay in milliseconds, or `undefined` when a `Retry-After` header is present but
 *   invalid or out of range: then the call must fail without retrying, as in medusa-js.
 *
 * @example
 * ```ts
 * retryDelay(2, null)   // 1500
 * retryDelay(2, "1")    // 1000
 * retryDelay(2, "900")  // undefined: more than five minutes
 * ```
 */
export function retryDelay(
  retry: number,
  retryAfter: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (retryAfter === null || retryAfter === undefined) return backoffDelay(retry);
  return parseRetryAfter(retryAfter, now);
}
