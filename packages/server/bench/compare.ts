/**
 * `--compare <git-ref>`: the server of another build, run beside this one. The ref is checked out
 * in a temporary git worktree and built there; its node_modules is this tree's (a symbolic link)
 * when the two lockfiles are the same, otherwise a copy of it brought up to the ref's lockfile
 * with `npm install`. `cleanup()` removes the worktree.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OtherBuild {
  ref: string;
  /** Short commit of the ref. */
  commit: string;
  /** Its packages/server/dist/start.cjs. */
  entry: string;
  /** How its node_modules was provided. */
  modules: "linked" | "installed";
  cleanup(): void;
}

const run = (cwd: string, command: string, args: string[]) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

export function buildOtherRef(root: string, ref: string, log: (line: string) => void): OtherBuild {
  const commit = run(root, "git", ["rev-parse", "--short", `${ref}^{commit}`]);
  const parent = mkdtempSync(join(tmpdir(), "gatehouse-bench-compare-"));
  const dir = join(parent, "tree");
  run(root, "git", ["worktree", "add", "--detach", dir, commit]);
  const cleanup = () => {
    try {
      run(root, "git", ["worktree", "remove", "--force", dir]);
    } catch {
      // already gone
    }
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    const lock = (tree: string) => readFileSync(join(tree, "package-lock.json"), "utf8");
    let modules: OtherBuild["modules"];
    if (lock(dir) === lock(root)) {
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
      modules = "linked";
    } else {
      log(`  ${ref}: another lockfile; copying node_modules and running npm install`);
      cpSync(join(root, "node_modules"), join(dir, "node_modules"), {
        recursive: true,
        verbatimSymlinks: true,
      });
      run(dir, "npm", ["install", "--no-audit", "--no-fund"]);
      modules = "installed";
    }
    log(`  building ${ref} (${commit}) in a temporary worktree`);
    run(dir, "npm", ["run", "build", "--silent"]);
    const entry = join(dir, "packages/server/dist/start.cjs");
    if (!existsSync(entry)) throw new Error(`${ref}: the build made no ${entry}`);
    return { ref, commit, entry, modules, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
