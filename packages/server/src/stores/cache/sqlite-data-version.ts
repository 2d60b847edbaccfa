import type { Change, ChangeFeed } from "./change-feed.js";

/**
 * SQLite's change feed: its fence reads `PRAGMA data_version` (which moves when another
 * connection has committed to the file), synchronously, and reports everything changed when it
 * has moved since the last fence (SQLite does not say what). One fence serves a whole turn.
 */
export function dataVersionFeed(dataVersion: () => number): ChangeFeed {
  let listener: (change: Change) => void = () => {};
  let seen = dataVersion();
  return {
    fence() {
      const version = dataVersion();
      if (version !== seen) {
        seen = version;
        listener({ kind: "all" });
      }
      return true;
    },
    listen(next) {
      listener = next;
    },
    close: async () => {},
  };
}
