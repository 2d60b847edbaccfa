/**
 * Migrations run up → down → up on the test's own database (SQLite or PostgreSQL), and what a
 * data migration does to rows stored before it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { createBackend } from "../../../../testing/backend.js";
import { queryTestDb } from "../../../../testing/db.js";
import type { TestServer } from "../../../../testing/server.js";

const run = promisify(execFile);
const entry = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../dist/cli/index.js");

describe("migrations", () => {
  it("apply, revert and re-apply cleanly, and are idempotent", async () => {
    const backend = await createBackend();
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-migrate-"));
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, ...backend.env };
    const migrate = async (...args: string[]) =>
      (await run(process.execPath, [entry, "migrate", ...args], { env })).stdout;
    try {
      assert.match(
        await migrate(),
        /^applied 0001-initial, 0002-throttle, 0003-change-notifications, 0004-account-events, 0005-customer-references, 0006-medusa-v2, 0007-identity-resets, 0008-identity-email-keys on /,
      );
      assert.match(await migrate("up"), /^nothing to do/);
      assert.match(await migrate("down"), /^reverted 0008-identity-email-keys/);
      assert.match(await migrate("down"), /^reverted 0007-identity-resets/);
      assert.match(await migrate("down"), /^reverted 0006-medusa-v2/);
      assert.match(await migrate("down"), /^reverted 0005-customer-references/);
      assert.match(await migrate("down"), /^reverted 0004-account-events/);
      assert.match(await migrate("down"), /^reverted 0003-change-notifications/);
      assert.match(await migrate("down"), /^reverted 0002-throttle/);
      assert.match(await migrate("down"), /^reverted 0001-initial/);
      assert.match(await migrate("down"), /^nothing to do/);
      assert.match(
        await migrate("up"),
        /^applied 0001-initial, 0002-throttle, 0003-change-notifications, 0004-account-events, 0005-customer-references, 0006-medusa-v2, 0007-identity-resets, 0008-identity-email-keys/,
      );
      await assert.rejects(
        run(process.execPath, [entry, "migrate", "sideways"], { env }),
        /migrate takes up or down, not sideways/,
      );
    } finally {
      await backend.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("0008 re-keys identities stored under the lower case alone; a key already held stays its holder's", async () => {
    const backend = await createBackend();
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-migrate-"));
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, ...backend.env };
    const migrate = async (...args: string[]) =>
      (await run(process.execPath, [entry, "migrate", ...args], { env })).stdout;
    const db = { env: { ...backend.env, DATA_DIR: dataDir } } as unknown as TestServer;
    try {
      await migrate();
      assert.match(await migrate("down"), /^reverted 0008-identity-email-keys/);
      // As the earlier code stored them: the key is the email lower-cased, nothing more.
      const identities: Array<[string, string]> = [
        ["authid_a", "\uff22ob@x.test"], // Ｂob: its key is held by bob (below)
        ["authid_b", "bob@x.test"],
        ["authid_c", "\uff21lice@x.test"], // Ａlice: the oldest of two, takes alice
        ["authid_d", "\uff21\uff2cice@x.test"], // ＡＬice: alice is taken by then
        ["authid_e", "Carol@x.test"],
      ];
      for (const [i, [id, email]] of identities.entries()) {
        await queryTestDb(
          db,
          `insert into auth_identity (id, email, email_key, password_hash, customer_id, created_at)
           values ($1, $2, $3, 'hash', null, $4)`,
          [id, email, email.toLowerCase(), i + 1],
        );
      }
      assert.match(await migrate("up"), /^applied 0008-identity-email-keys/);
      const keys = await queryTestDb<{ id: string; email_key: string }>(
        db,
        "select id, email_key from auth_identity order by id",
      );
      assert.deepEqual(keys, [
        { id: "authid_a", email_key: "\uff42ob@x.test" },
        { id: "authid_b", email_key: "bob@x.test" },
        { id: "authid_c", email_key: "alice@x.test" },
        { id: "authid_d", email_key: "\uff41\uff4cice@x.test" },
        { id: "authid_e", email_key: "carol@x.test" },
      ]);
    } finally {
      await backend.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
