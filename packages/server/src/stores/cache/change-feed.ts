/**
 * Invalidations: changes made by other processes (or by hand) to what the read cache keeps, as
 * each storage reports them: SQLite's data version (sqlite-data-version.ts), PostgreSQL's
 * LISTEN/NOTIFY (postgres-notify-feed.ts), Redis's key tracking (redis-tracking-feed.ts).
 */
export type Change =
  | { kind: "all" }
  | { kind: "customer"; id: string }
  /** A customer's address book; `customerId` null: a billing address, which names no customer. */
  | { kind: "addresses"; customerId: string | null }
  | { kind: "session"; id: string }
  /** The cookie session with this token hash, whichever it is. */
  | { kind: "session-token"; tokenHash: string };

export interface ChangeFeed {
  /**
   * A fence: once it answers true, every change committed before the call has been passed to the
   * listener; false when that cannot be known (not connected, not listening). Synchronous where
   * the storage can answer at once (SQLite), otherwise a round trip.
   */
  fence(): boolean | Promise<boolean>;
  /** Where changes go (one listener). On every (re)connection it is told `all`. */
  listen(listener: (change: Change) => void): void;
  close(): Promise<void>;
}

/** Several feeds as one: its fence passes when every feed's does. */
export function allFeeds(feeds: ChangeFeed[]): ChangeFeed {
  if (feeds.length === 1) return feeds[0]!;
  return {
    fence: () =>
      Promise.all(feeds.map((feed) => feed.fence())).then((passed) => !passed.includes(false)),
    listen: (listener) => feeds.forEach((feed) => feed.listen(listener)),
    close: async () => {
      await Promise.all(feeds.map((feed) => feed.close()));
    },
  };
}

/**
 * Retry delays of a feed's connection: soon, then backing off to 2 s; a minute after a check
 * that failed (the storage does not report changes on this connection, see the feeds).
 */
export const FEED_RETRY_MS = { first: 100, max: 2000, afterFailedCheck: 60_000 } as const;

/** A fence that has not answered in this time is given up, and its connection replaced. */
export const FENCE_TIMEOUT_MS = 2000;

/** Logs a feed's problem (rate-limited by the caller). */
export type Warn = (message: string, error?: unknown) => void;

/**
 * The fences in flight on a feed's connection: each answers when its round trip does, or false
 * at once when the connection is lost (a round trip cut off may otherwise never answer).
 */
export class FencesInFlight {
  private readonly out = new Set<(ok: boolean) => void>();

  add(roundTrip: Promise<unknown>, stillValid: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const answer = (ok: boolean) => {
        if (this.out.delete(answer)) resolve(ok);
      };
      this.out.add(answer);
      roundTrip.then(
        () => answer(stillValid()),
        () => answer(false),
      );
    });
  }

  failAll(): void {
    for (const answer of [...this.out]) answer(false);
  }
}
