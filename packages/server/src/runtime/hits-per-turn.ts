/**
 * Rate-limit hits counted once per key per turn of the event loop, on every backend: the hits a
 * turn asks for on one key (a burst from one address, which is what rate limits are for) become
 * one "count n more" write at the end of the turn, and each caller still gets its own count, in
 * the order asked.
 */
import { atTurnEnd } from "./end-of-turn.js";
import type { ThrottleState } from "../stores/types.js";

/** Stores `hits` more hits on `key` and answers the state after them. */
export type CountHits = (
  key: string,
  windowMs: number,
  now: number,
  hits: number,
) => Promise<ThrottleState>;

interface PendingHits {
  windowMs: number;
  now: number;
  waiters: Array<{ resolve(state: ThrottleState): void; reject(error: unknown): void }>;
}

const settledToNothing = () => undefined;

export class HitsPerTurn {
  private pending = new Map<string, PendingHits>();
  /** Settles once the writes of the hits counted last have. */
  private counted: Promise<unknown> = Promise.resolve();

  constructor(private readonly countHits: CountHits) {}

  hit(key: string, windowMs: number, now: number): Promise<ThrottleState> {
    return new Promise((resolve, reject) => {
      let pending = this.pending.get(key);
      if (pending === undefined) {
        pending = { windowMs, now, waiters: [] };
        this.pending.set(key, pending);
        if (this.pending.size === 1) atTurnEnd(this.countPending);
      }
      pending.now = Math.max(pending.now, now);
      pending.waiters.push({ resolve, reject });
    });
  }

  /**
   * Counts the hits asked for so far; settles once they are stored, so that a read, clear or
   * block about to run sees them, as it would have had each hit been written when asked.
   */
  countNow(): Promise<unknown> {
    if (this.pending.size > 0) this.countPending();
    return this.counted;
  }

  private readonly countPending = (): void => {
    const turn = this.pending;
    this.pending = new Map();
    const writes: Array<Promise<unknown>> = [];
    for (const [key, { windowMs, now, waiters }] of turn) {
      const write = this.countHits(key, windowMs, now, waiters.length);
      writes.push(write);
      write.then(
        (after) => {
          // In asking order: the first caller's hit is the first of the ones just counted.
          const before = after.count - waiters.length;
          waiters.forEach((waiter, i) => waiter.resolve({ ...after, count: before + i + 1 }));
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      );
    }
    // Settles to nothing: a chain that kept each batch's results would keep every batch's.
    this.counted = Promise.allSettled([this.counted, ...writes]).then(settledToNothing);
  };
}
