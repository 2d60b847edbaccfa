/**
 * The retry policy's arithmetic, on its own: which failures are retried, the backoff, and
 * Retry-After. (Retries themselves are exercised over real sockets in transport.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MAX_RETRY_AFTER_MS,
  backoffDelay,
  isRetryable,
  parseRetryAfter,
  retryDelay,
} from "../src/retry.js";

describe("isRetryable", () => {
  it("retries failures without a response, 409 and 501-599", () => {
    for (const type of ["network_error", "timeout"]) assert.equal(isRetryable(0, type), true);
    for (const status of [409, 501, 502, 503, 504, 599]) {
      assert.equal(isRetryable(status, "unknown_error"), true, String(status));
    }
  });

  it("does not retry 500, other 4xx, 429, 3xx, 2xx or aborted calls", () => {
    for (const status of [200, 301, 400, 401, 404, 413, 422, 429, 500, 600]) {
      assert.equal(isRetryable(status, "unknown_error"), false, String(status));
    }
    assert.equal(isRetryable(0, "aborted"), false);
  });
});

describe("backoffDelay", () => {
  it("is ((2^k - 1) / 2) * 1000 ms: 500, 1500, 3500, 7500", () => {
    assert.deepEqual([1, 2, 3, 4].map(backoffDelay), [500, 1500, 3500, 7500]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");

  it("reads seconds", () => {
    assert.equal(parseRetryAfter("0", now), 0);
    assert.equal(parseRetryAfter("2", now), 2000);
    assert.equal(parseRetryAfter(" 1.5 ", now), 1500);
    assert.equal(parseRetryAfter("300", now), MAX_RETRY_AFTER_MS);
  });

  it("reads HTTP dates", () => {
    assert.equal(parseRetryAfter("Tue, 01 Jan 2030 00:00:30 GMT", now), 30_000);
  });

  it("rejects values out of range or unreadable", () => {
    assert.equal(parseRetryAfter("301", now), undefined);
    assert.equal(parseRetryAfter("-1", now), undefined);
    assert.equal(parseRetryAfter("Tue, 01 Jan 2030 00:06:00 GMT", now), undefined);
    assert.equal(parseRetryAfter("Mon, 31 Dec 2029 23:59:00 GMT", now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter("", now), undefined);
  });
});

describe("retryDelay", () => {
  it("uses the backoff without a Retry-After header", () => {
    assert.equal(retryDelay(1, null), 500);
    assert.equal(retryDelay(2, undefined), 1500);
    assert.equal(retryDelay(3, null), 3500);
  });

  it("lets a valid Retry-After replace the backoff", () => {
    assert.equal(retryDelay(3, "1"), 1000);
    assert.equal(retryDelay(1, "0"), 0);
  });

  it("gives up (undefined) on an invalid or out-of-range Retry-After", () => {
    assert.equal(retryDelay(1, "later"), undefined);
    assert.equal(retryDelay(1, "3600"), undefined);
  });
});
