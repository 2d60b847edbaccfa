/** The decision of `ThrottleStore.reserve`, for the stores that run it in JavaScript (SQL). */
import type { ThrottleRule, ThrottleState } from "./types.js";

/**
 * The states after reserving one attempt against every rule, or how long to wait (nothing
 * changes then: a refused attempt neither counts nor lengthens a block).
 */
export function reserveAll(
  rules: ThrottleRule[],
  states: Map<string, ThrottleState>,
  now: number,
): { waitMs: number; next: Map<string, ThrottleState> } {
  let waitMs = 0;
  const next = new Map<string, ThrottleState>();
  for (const { key, windowMs, limit, backoff } of rules) {
    const state = states.get(key);
    const current = state && state.windowStartedAt + windowMs > now;
    const count = current ? state.count : 0;
    const windowStartedAt = current ? state.windowStartedAt : now;
    const blockedUntil = state?.blockedUntil ?? 0;
    if (blockedUntil > now) waitMs = Math.max(waitMs, blockedUntil - now);
    if (count >= limit) waitMs = Math.max(waitMs, windowStartedAt + windowMs - now);
    const after = { count: count + 1, windowStartedAt, blockedUntil };
    if (backoff && after.count >= backoff.free) {
      const delay = Math.min(backoff.baseMs * 2 ** (after.count - backoff.free), backoff.capMs);
      after.blockedUntil = Math.max(blockedUntil, now + delay);
    }
    next.set(key, after);
  }
  return { waitMs, next };
}
