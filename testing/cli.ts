/** The `gatehouse` command line run as a real subprocess, with a test server's environment. */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
export const cliEntry = join(root, "packages/server/dist/cli/index.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `gatehouse …` with the server's environment (and `env`), in its data directory, and no
 * inherited variables but PATH; killed after `timeoutMs`.
 */
export function runCli(
  serverEnv: Record<string, string>,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: serverEnv.DATA_DIR,
      env: { PATH: process.env.PATH ?? "", ...serverEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
