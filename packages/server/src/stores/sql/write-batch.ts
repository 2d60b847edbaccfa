/**
 * SQLite writes committed together, once per turn of the event loop.
 *
 * A commit on its own costs more than the write it commits: taking and releasing the WAL's locks
 * (six `fcntl` calls) and appending a frame to the WAL, about 11 µs against 3–5 µs for the
 * statement. The rate-limit counters are written on every rate-limited request (every email
 * check counts against its IP), so under load many such writes arrive in one turn; they are
 * queued and run at the end of the turn (turn.ts) in one `BEGIN IMMEDIATE … COMMIT`.
 *
 * Nothing is lost or reordered: each write runs, in the order asked, before its promise
 * resolves, and resolves only once committed. A statement that fails is undone on its own (SQLite
 * rolls back the failed statement, and the transaction carries on with the others); if SQLite
 * abandons the whole transaction, or the commit fails, every write in it is rejected.
 *
 * Only for statements whose effects nobody caches (the read cache, read-cache.ts, drops entries
 * when its own writes are made, and those are not batched). A store that reads or writes the
 * same rows unbatched calls `flush` first, so that everything asked for before is applied
 * before (the rate-limit store does).
 */
import type SqliteDatabase from "better-sqlite3";
import { atTurnEnd } from "../../turn.js";

/** Writes per transaction at most; a busier turn commits several times. */
export const MAX_WRITES_PER_COMMIT = 128;

interface Write {
  statement: SqliteDatabase.Statement;
  parameters: readonly unknown[];
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

export interface WritesPerTurn {
  /** Queues a write for the end of the turn; settles once it is committed (or has failed). */
  write(statement: SqliteDatabase.Statement, parameters: readonly unknown[]): Promise<unknown[]>;
  /** Commits the queued writes now: a statement run after this sees them, as it would unbatched. */
  flush(): void;
}

export function writesPerTurn(sqlite: SqliteDatabase.Database): WritesPerTurn {
  const begin = sqlite.prepare("BEGIN IMMEDIATE");
  const commit = sqlite.prepare("COMMIT");
  const rollback = sqlite.prepare("ROLLBACK");
  let queue: Write[] = [];

  const run = ({ statement, parameters }: Write): unknown[] =>
    statement.reader ? statement.all(parameters) : (statement.run(parameters), []);

  const flush = (): void => {
    const writes = queue;
    queue = [];
    if (writes.length === 0) return;
    try {
      begin.run();
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    const outcomes: Array<{ rows: unknown[] } | { error: unknown }> = [];
    let abandoned: unknown = null;
    for (const write of writes) {
      if (abandoned !== null) {
        outcomes.push({ error: abandoned });
        continue;
      }
      try {
        outcomes.push({ rows: run(write) });
      } catch (error) {
        outcomes.push({ error });
        // Most errors undo the one statement; some (a full disk, I/O) end the transaction.
        if (!sqlite.inTransaction) abandoned = error;
      }
    }
    if (abandoned === null) {
      try {
        commit.run();
      } catch (error) {
        abandoned = error;
        try {
          if (sqlite.inTransaction) rollback.run();
        } catch {
          // The commit's error is the one to report.
        }
      }
    }
    writes.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if ("error" in outcome) write.reject(outcome.error);
      else if (abandoned !== null) write.reject(abandoned);
      else write.resolve(outcome.rows);
    });
  };

  return {
    write: (statement, parameters) =>
      new Promise<unknown[]>((resolve, reject) => {
        if (queue.push({ statement, parameters, resolve, reject }) === 1) atTurnEnd(flush);
        if (queue.length >= MAX_WRITES_PER_COMMIT) flush();
      }),
    flush,
  };
}
