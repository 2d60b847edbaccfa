/** Migrations run up → down → up on the test's own database (SQLite or PostgreSQL). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { createBackend } from "../../../../testing/backend.js";

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
        /^applied 0001-initial, 0002-throttle, 0003-change-notifications, 0004-account-events, 0005-customer-references, 0006-medusa-v2, 0007-identity-resets on /,
      );
      assert.match(await migrate("up"), /^nothing to do/);
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
        /^applied 0001-initial, 0002-throttle, 0003-change-notifications, 0004-account-events, 0005-customer-references, 0006-medusa-v2, 0007-identity-resets/,
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
});
