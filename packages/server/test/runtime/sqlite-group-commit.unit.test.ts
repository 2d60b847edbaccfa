/**
 * SQLite writes committed once per turn: each write runs in order and resolves with its own rows
 * once committed; a failing statement fails alone; a transaction that cannot start fails every
 * write in it and leaves nothing behind.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { MAX_WRITES_PER_COMMIT, writesPerTurn } from "../../src/runtime/sqlite-group-commit.js";

describe("SQLite writes committed once per turn", () => {
  let dir: string;
  let sqlite: SqliteDatabase.Database;
  let batch: ReturnType<typeof writesPerTurn>;
  let write: ReturnType<typeof writesPerTurn>["write"];
  let upsert: SqliteDatabase.Statement;
  let insert: SqliteDatabase.Statement;

  /** Frames in the WAL: one commit of a one-page change adds one. */
  const walFrames = () =>
    (sqlite.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>)[0]!.log;
  const counter = (key: string) =>
    (sqlite.prepare("select count from counter where key = ?").get(key) as { count: number })
      ?.count;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-write-batch-"));
    sqlite = new SqliteDatabase(join(dir, "test.sqlite"));
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("wal_autocheckpoint = 0");
    sqlite.pragma("temp_store = MEMORY");
    sqlite.pragma("foreign_keys = ON");
    sqlite.exec(`
      create table counter (key text primary key, count integer not null);
      create table parent (id integer primary key);
      create table child (id integer primary key,
        parent_id integer references parent (id) deferrable initially deferred);
      create table doomed (id integer primary key);
      create trigger doomed_insert before insert on doomed begin select raise(rollback, 'doomed'); end;
    `);
    batch = writesPerTurn(sqlite);
    write = batch.write;
    upsert = sqlite.prepare(
      "insert into counter (key, count) values (?, 1) on conflict (key) do update set count = count + 1 returning count",
    );
    insert = sqlite.prepare("insert into counter (key, count) values (?, ?)");
  });
  beforeEach(() => {
    sqlite.exec("delete from counter; delete from child;");
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
  });
  after(async () => {
    sqlite.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs a turn's writes in order, in one commit, each resolving with its own rows", async () => {
    const pending = Array.from({ length: 50 }, () => write(upsert, ["a"]));
    assert.equal(counter("a"), undefined, "nothing runs before the turn ends");
    const rows = await Promise.all(pending);
    assert.deepEqual(
      rows,
      Array.from({ length: 50 }, (_, i) => [{ count: i + 1 }]),
    );
    assert.equal(counter("a"), 50);
    assert.ok(walFrames() <= 2, `one commit, not fifty: ${walFrames()} WAL frames`);
    assert.equal(sqlite.inTransaction, false);
  });

  it("commits a busier turn in several transactions, losing nothing", async () => {
    const count = MAX_WRITES_PER_COMMIT * 2 + 5;
    const rows = await Promise.all(Array.from({ length: count }, () => write(upsert, ["b"])));
    assert.deepEqual(rows.at(-1), [{ count }]);
    assert.equal(counter("b"), count);
  });

  it("a statement that fails is rejected alone; the others commit", async () => {
    const results = await Promise.allSettled([
      write(insert, ["dup", 1]),
      write(insert, ["dup", 2]),
      write(upsert, ["c"]),
    ]);
    assert.equal(results[0]!.status, "fulfilled");
    assert.equal(results[1]!.status, "rejected");
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.deepEqual((results[2] as PromiseFulfilledResult<unknown>).value, [{ count: 1 }]);
    assert.equal(counter("dup"), 1);
    assert.equal(counter("c"), 1);
  });

  it("when the transaction cannot start, every write of the turn fails and nothing is written", async () => {
    const other = new SqliteDatabase(join(dir, "test.sqlite"));
    sqlite.pragma("busy_timeout = 0");
    try {
      other.exec("begin immediate");
      const results = await Promise.allSettled([write(upsert, ["d"]), write(upsert, ["e"])]);
      assert.deepEqual(
        results.map((result) => result.status),
        ["rejected", "rejected"],
      );
      assert.match(String((results[0] as PromiseRejectedResult).reason), /locked|busy/i);
      other.exec("rollback");
      assert.equal(counter("d"), undefined);
      // The next turn works again.
      assert.deepEqual(await write(upsert, ["d"]), [{ count: 1 }]);
    } finally {
      sqlite.pragma("busy_timeout = 5000");
      other.close();
    }
  });

  it("flush commits the queued writes at once, for a statement that must see them", async () => {
    const pending = write(upsert, ["f"]);
    batch.flush();
    assert.equal(counter("f"), 1);
    assert.deepEqual(await pending, [{ count: 1 }]);
  });

  it("when the commit fails, every write of the turn fails and nothing is written", async () => {
    const orphan = sqlite.prepare("insert into child (id, parent_id) values (1, 42)");
    const results = await Promise.allSettled([write(upsert, ["g"]), write(orphan, [])]);
    assert.deepEqual(
      results.map((result) => result.status),
      ["rejected", "rejected"],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.equal(counter("g"), undefined);
    assert.equal(sqlite.inTransaction, false);
    assert.deepEqual(await write(upsert, ["g"]), [{ count: 1 }]);
  });

  it("when SQLite abandons the transaction, the writes before and after fail too", async () => {
    const doomed = sqlite.prepare("insert into doomed (id) values (1)");
    const results = await Promise.allSettled([
      write(upsert, ["h"]),
      write(doomed, []),
      write(upsert, ["i"]),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ["rejected", "rejected", "rejected"],
    );
    for (const result of results) {
      assert.match(String((result as PromiseRejectedResult).reason), /doomed/);
    }
    assert.equal(counter("h"), undefined);
    assert.equal(counter("i"), undefined);
    assert.equal(sqlite.inTransaction, false);
  });
});
