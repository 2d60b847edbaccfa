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

/** Retry delays of a feed's connection: soon, then backing off to 2 s. */
export const FEED_RETRY_MS = { first: 100, max: 2000 } as const;
