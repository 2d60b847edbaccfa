/**
 * How many cores this process may really use: the CPUs it may run on, capped by a container's
 * CPU quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), which Node 20's
 * `os.availableParallelism()` does not see. A 2-CPU container on a 64-core host gets 2, not 64:
 * the number of password hashes run at once (19 MiB each) follows from it.
 *
 * CommonJS, because the entry point (start.cts) needs it before any ES module is loaded.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
import fs = require("node:fs");
import os = require("node:os");
/* eslint-enable @typescript-eslint/no-require-imports */

function readText(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Cores allowed by the cgroup CPU quota, or undefined when there is none (or not on Linux). */
function quotaCores(root: string): number | undefined {
  // v2: "max 100000" (no quota) or "150000 100000"; v1: a quota of -1 means none.
  const [quota, period] = (
    readText(`${root}/cpu.max`)?.split(/\s+/) ?? [
      readText(`${root}/cpu/cpu.cfs_quota_us`),
      readText(`${root}/cpu/cpu.cfs_period_us`),
    ]
  ).map(Number);
  if (!(quota! > 0) || !(period! > 0)) return undefined;
  return Math.max(1, Math.ceil(quota! / period!));
}

/** `root` is where the cgroup file system is mounted (another place only in tests). */
function availableCores(root = "/sys/fs/cgroup"): number {
  const quota = quotaCores(root);
  const cpus = os.availableParallelism();
  return quota === undefined ? cpus : Math.min(cpus, quota);
}

export = { availableCores };
