/**
 * SQLite's change detection: "has another connection committed to this SQLite database since I last looked?", cheaply.
 *
 * `PRAGMA data_version` answers exactly, but it opens and closes a read transaction: WAL locks
 * taken and released with `fcntl` on every call, which measured 15–18 µs a request in the
 * server, a fifth of a cached `GET /store/auth`. This looks first at the WAL-index header, the
 * first 96 bytes of the `-shm` file that every connection to the database maps as shared
 * memory (two copies of a 48-byte header: change counter, last valid WAL frame, salts and
 * checksums). Every commit, by any connection, rewrites that header (the change counter and the
 * last frame move, or a restarted WAL gets new salts); SQLite's own readers notice other
 * connections' commits by comparing it, and `data_version` is built on that comparison.
 *
 * So: one `pread` of the header. The same bytes as at the last exact check mean nobody has
 * committed since, and the answer stands. Different bytes (a commit, a checkpoint, or a header
 * read while being written) fall back to `PRAGMA data_version`, which also tells this
 * connection's own commits (they do not count) from other connections'. The header is read
 * before the pragma runs, so a commit that lands between the two is looked at again next time.
 *
 * When there is no `-shm` file to read (not in WAL mode), every call runs the pragma. The `-shm`
 * file is never replaced while this process holds the database open: SQLite deletes or
 * reinitialises it only when no other connection holds its lock on it, and this connection's own
 * reads would already be wrong if someone replaced it by hand.
 */
import { closeSync, openSync, readSync, realpathSync } from "node:fs";
import type { Change, ChangeFeed } from "./change-feed.js";

const HEADER_BYTES = 96;

export interface ChangeCounter {
  /** A number that changes whenever another connection has committed since the last call. */
  (): number;
  /**
   * Closes the `-shm` file descriptor. Only after the database is closed: SQLite locks `-shm`
   * with POSIX record locks, and closing any descriptor of a file drops all of the process's
   * locks on it, SQLite's included.
   */
  close(): void;
}

export function changeCounter(file: string, dataVersion: () => number): ChangeCounter {
  /** The -shm file: undefined until the first call, null when it cannot be opened. */
  let fd: number | null | undefined;
  const header = Buffer.alloc(HEADER_BYTES);
  const seen = Buffer.alloc(HEADER_BYTES);
  let seenValid = false;
  let version = 0;

  const counter = () => {
    if (fd === undefined) {
      // After a first read transaction, so that SQLite has created the -shm file.
      dataVersion();
      try {
        // SQLite resolves symbolic links and keeps -shm beside the real file.
        fd = openSync(`${realpathSync(file)}-shm`, "r");
      } catch {
        fd = null;
      }
    }
    if (fd === null) return dataVersion();
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (read === HEADER_BYTES && seenValid && header.equals(seen)) return version;
    // The header is remembered only once the pragma has answered: if it throws (SQLITE_BUSY),
    // the next call must not take the new header for one already accounted for.
    const current = dataVersion();
    header.copy(seen);
    seenValid = read === HEADER_BYTES;
    version = current;
    return version;
  };
  counter.close = () => {
    if (typeof fd === "number") closeSync(fd);
    fd = null;
  };
  return counter;
}

/**
 * SQLite's change feed: its fence reads the data version, synchronously, and reports everything
 * changed when another connection has committed since the last fence (SQLite does not say what).
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
