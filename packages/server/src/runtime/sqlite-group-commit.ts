/**
 * SQLite group commit: the writes queued in a turn of the event loop run at its end (end-of-turn.ts) in
 * one `BEGIN IMMEDIATE … COMMIT`, in order; each settles once committed, a failing statement is
 * rejected alone, and a failed transaction rejects them all. Only for writes nobody caches; a
 * store that then reads or writes the same rows unbatched calls `flush` first. The reason and its
 * figures: docs/architecture.md, "Storage".
 */
import type SqliteDatabase from "better-sqlite3";
import { atTurnEnd } from "./end-of-turn.js";

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
