/**
 * SQLite's change feed behind the read cache (sqlite-data-version.ts): its fence reports every
 * commit by another connection, never this connection's own, in WAL mode or not. Two real
 * connections to one file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3";
import type { Change } from "../../src/stores/cache/change-feed.js";
import { dataVersionFeed } from "../../src/stores/cache/sqlite-data-version.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-data-version-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite change feed", () => {
  for (const wal of [true, false]) {
    it(`reports another connection's commits at the next fence, not its own (${wal ? "WAL" : "rollback journal"})`, () => {
      const file = join(dir, `${wal ? "wal" : "journal"}.sqlite`);
      const mine = new SqliteDatabase(file);
      if (wal) mine.pragma("journal_mode = WAL");
      mine.exec("create table t (x integer)");
      const other = new SqliteDatabase(file);
      const version = mine.prepare("PRAGMA data_version").pluck();
      const feed = dataVersionFeed(() => version.get() as number);
      const changes: Change[] = [];
      feed.listen((change) => changes.push(change));
      try {
        assert.equal(feed.fence(), true);
        mine.exec("insert into t values (1)");
        feed.fence();
        assert.deepEqual(changes, [], "its own commit is not a change made elsewhere");
        for (let round = 1; round <= 3; round++) {
          other.exec("insert into t values (2)");
          assert.equal(feed.fence(), true);
          assert.deepEqual(changes.length, round, `commit ${round} seen at the next fence`);
          assert.deepEqual(changes.at(-1), { kind: "all" });
        }
        feed.fence();
        assert.equal(changes.length, 3, "nothing new: nothing reported");
      } finally {
        mine.close();
        other.close();
      }
    });
  }
});
