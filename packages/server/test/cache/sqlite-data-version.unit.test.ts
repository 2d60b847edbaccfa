/**
 * The SQLite change counter behind the read cache (wal-index.ts): every commit by another
 * connection is seen on the very next call, this connection's own commits are not counted, and
 * without a WAL it still answers exactly. Two real connections to one file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { changeCounter } from "../../src/stores/cache/sqlite-data-version.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-wal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string, wal = true, file = join(dir, name)) {
  const mine = new SqliteDatabase(file);
  if (wal) mine.pragma("journal_mode = WAL");
  mine.exec("create table if not exists t (x integer)");
  const other = new SqliteDatabase(file);
  const version = mine.prepare("PRAGMA data_version").pluck();
  let pragmas = 0;
  let failNext = false;
  const counter = changeCounter(file, () => {
    pragmas++;
    if (failNext) {
      failNext = false;
      throw new Error("SQLITE_BUSY: database is locked");
    }
    return version.get() as number;
  });
  return {
    mine,
    other,
    counter,
    pragmas: () => pragmas,
    failNextPragma: () => (failNext = true),
    close() {
      counter.close();
      mine.close();
      other.close();
    },
  };
}

type Db = ReturnType<typeof open>;

function withDb(db: Db, test: (db: Db) => void): void {
  try {
    test(db);
  } finally {
    db.close();
  }
}

/**
 * Commits on the other connection (then runs `meanwhile`, if any) and returns the counter, which
 * must have moved from `last`.
 */
function foreignCommit(db: Db, last: number, label: string, meanwhile?: () => void): number {
  db.other.exec("insert into t values (1)");
  meanwhile?.();
  const next = db.counter();
  assert.notEqual(next, last, label);
  return next;
}

describe("SQLite change counter", () => {
  it("sees every commit of another connection on the next call, and not its own", () => {
    withDb(open("counter.sqlite"), (db) => {
      let last = db.counter();
      for (let i = 0; i < 300; i++) {
        db.mine.prepare("insert into t values (?)").run(i);
        assert.equal(db.counter(), last, `own commit ${i} is not another connection's`);
        last = foreignCommit(db, last, `commit ${i} of the other connection is seen`);
        assert.equal(db.counter(), last, "nothing happened since");
      }
    });
  });

  it("asks SQLite only when the WAL-index header has changed", () => {
    withDb(open("quiet.sqlite"), (db) => {
      db.counter();
      const before = db.pragmas();
      for (let i = 0; i < 1000; i++) db.counter();
      assert.equal(db.pragmas(), before, "no pragma while nothing is written");
      db.other.exec("insert into t values (1)");
      db.counter();
      assert.equal(db.pragmas(), before + 1);
    });
  });

  it("sees commits after another connection checkpoints and restarts the WAL", () => {
    withDb(open("checkpoint.sqlite"), (db) => {
      let last = db.counter();
      for (let i = 0; i < 20; i++) {
        last = foreignCommit(db, last, `commit before checkpoint ${i}`, () =>
          db.other.pragma("wal_checkpoint(TRUNCATE)"),
        );
        // The first commit after a restart writes the WAL from its start again.
        last = foreignCommit(db, last, `first commit after restart ${i}`);
      }
    });
  });

  it("still sees a commit after the check failed once (the pragma threw)", () => {
    withDb(open("busy.sqlite"), (db) => {
      const last = db.counter();
      db.other.exec("insert into t values (1)");
      db.failNextPragma();
      assert.throws(() => db.counter(), /SQLITE_BUSY/);
      assert.notEqual(db.counter(), last);
    });
  });

  it("reads the -shm file beside the real database when the path is a symbolic link", () => {
    const real = join(dir, "real.sqlite");
    const link = join(dir, "link.sqlite");
    new SqliteDatabase(real).close();
    symlinkSync(real, link);
    // A stale -shm beside the link, whose bytes never change, must not be the one read.
    writeFileSync(`${link}-shm`, Buffer.alloc(32_768));
    withDb(open("link.sqlite", true, link), (db) => {
      let last = db.counter();
      for (let i = 0; i < 5; i++) last = foreignCommit(db, last, `commit ${i} through the link`);
    });
  });

  it("answers exactly without a WAL (every call asks SQLite)", () => {
    withDb(open("rollback.sqlite", false), (db) => {
      foreignCommit(db, db.counter(), "a commit without a WAL");
    });
  });
});
