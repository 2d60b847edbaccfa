/**
 * Changes made by other processes (or by hand) to what the read cache keeps, as the storage
 * reports them: PostgreSQL's LISTEN/NOTIFY (sql/change-feed.ts) and Redis's key tracking
 * (redis/change-feed.ts). SQLite reports none; its look reads the file's data version instead.
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
   * A round trip after which every change committed before the call has been passed to the
   * listener: true then; false when that cannot be known (not connected, not listening).
   */
  sync(): Promise<boolean>;
  /** Where changes go (one listener). On every (re)connection it is told `all`. */
  listen(listener: (change: Change) => void): void;
  close(): Promise<void>;
}

/** Several feeds as one: in sync when every one is. */
export function allFeeds(feeds: ChangeFeed[]): ChangeFeed {
  if (feeds.length === 1) return feeds[0]!;
  return {
    sync: () => Promise.all(feeds.map((feed) => feed.sync())).then((ok) => !ok.includes(false)),
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

/** A look that has not answered in this time is given up, and its connection replaced. */
export const LOOK_TIMEOUT_MS = 2000;

/** Logs a feed's problem (rate-limited by the caller). */
export type Warn = (message: string, error?: unknown) => void;

/**
 * The looks out on a feed's connection: each answers when its round trip does, or false at once
 * when the connection is lost (a round trip cut off may otherwise never answer).
 */
export class LooksOut {
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
