/**
 * The default number of hashing threads follows the cores the process may use, a container's
 * CPU quota included (cgroup v2 and v1 files, in a scratch directory standing in for the mount).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import cpuBudget from "../../src/cpu-budget.cjs";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-cgroup-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let roots = 0;
function cgroup(files: Record<string, string>): string {
  const root = join(dir, String(++roots));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), `${content}\n`);
  }
  return root;
}

describe("available cores", () => {
  const cpus = availableParallelism();

  it("is the CPU count without a quota (v2 max, v1 -1, or no cgroup files)", () => {
    assert.equal(cpuBudget.availableCores(cgroup({ "cpu.max": "max 100000" })), cpus);
    assert.equal(
      cpuBudget.availableCores(
        cgroup({ "cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000" }),
      ),
      cpus,
    );
    assert.equal(cpuBudget.availableCores(cgroup({})), cpus);
  });

  it("is capped by a quota, rounded up to whole cores", () => {
    assert.equal(cpuBudget.availableCores(cgroup({ "cpu.max": "50000 100000" })), 1);
    assert.equal(
      cpuBudget.availableCores(
        cgroup({ "cpu/cpu.cfs_quota_us": "50000", "cpu/cpu.cfs_period_us": "100000" }),
      ),
      1,
    );
    // A quota above the CPU count changes nothing.
    assert.equal(
      cpuBudget.availableCores(cgroup({ "cpu.max": `${(cpus + 8) * 100000} 100000` })),
      cpus,
    );
    if (cpus >= 2) {
      assert.equal(cpuBudget.availableCores(cgroup({ "cpu.max": "150000 100000" })), 2);
    }
  });
});
