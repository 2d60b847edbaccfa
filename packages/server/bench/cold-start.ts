/**
 * Cold start: the time from spawning `node packages/server/dist/start.cjs` in the default
 * configuration (development, SQLite under a fresh DATA_DIR) to its first `200` on `GET /health`,
 * polled every 5 ms; beside it, node's own start (`node -e ""`), measured in the same run. Each is
 * the median of `runs` starts, taken in alternation. "existing" starts on a database an earlier
 * start created and migrated (the ordinary start); "fresh" creates, migrates and writes the
 * development secrets first. Beside the wall-clock time, the CPU time the server used until then
 * (Linux): on a machine shared with other work it varies less.
 *
 *   node --import tsx packages/server/bench/cold-start.ts [--runs N] [--entry OTHER/dist/start.cjs]
 *
 * --entry measures another build (a checkout of an earlier commit, built) instead of this one.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serverEntry } from "../../../testing/server.js";
import { freePort, stopProcess } from "./processes.js";

/** How often /health is asked while the server starts. */
const POLL_MS = 5;

export interface ColdStartReport {
  runs: number;
  /** Median milliseconds to the exit of `node -e ""`. */
  nodeMs: number;
  /** Median milliseconds to the first 200 on /health, on a database an earlier start migrated. */
  existingMs: number;
  /** The same on an empty DATA_DIR: database created and migrated, secrets generated. */
  freshMs: number;
  /** Median CPU milliseconds (user + system) the server used until then, when known. */
  existingCpuMs: number | undefined;
  freshCpuMs: number | undefined;
}

interface Start {
  ms: number;
  cpuMs: number | undefined;
}

/** CPU milliseconds a process has used so far (user + system), from /proc; undefined elsewhere. */
function cpuTimeOf(pid: number): number | undefined {
  try {
    // Fields 14 and 15 (utime, stime), in clock ticks (100 per second on Linux), after the name.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Milliseconds until `node -e ""` exits. */
function timeNode(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", () => resolve(performance.now() - started));
  });
}

/** Milliseconds from spawning the server on `dataDir` to its first 200 on /health. */
async function timeServer(entry: string, dataDir: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), DATA_DIR: dataDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (errors += chunk));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${errors}`);
      if (performance.now() - started > 30_000) throw new Error(`no 200 within 30 s:\n${errors}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return { ms: performance.now() - started, cpuMs: cpuTimeOf(child.pid!) };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await stopProcess(child);
  }
}

export async function runColdStart(runs = 7, entry = serverEntry): Promise<ColdStartReport> {
  const node: number[] = [];
  const existing: Start[] = [];
  const fresh: Start[] = [];
  const kept = await mkdtemp(join(tmpdir(), "gatehouse-cold-"));
  try {
    await timeServer(entry, kept); // creates and migrates the database the "existing" starts open
    for (let i = 0; i < runs; i++) {
      node.push(await timeNode());
      existing.push(await timeServer(entry, kept));
      const empty = await mkdtemp(join(tmpdir(), "gatehouse-cold-"));
      try {
        fresh.push(await timeServer(entry, empty));
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(kept, { recursive: true, force: true });
  }
  const cpu = (starts: Start[]) => {
    const known = starts.flatMap(({ cpuMs }) => (cpuMs === undefined ? [] : [cpuMs]));
    return known.length === starts.length ? median(known) : undefined;
  };
  return {
    runs,
    nodeMs: median(node),
    existingMs: median(existing.map(({ ms }) => ms)),
    freshMs: median(fresh.map(({ ms }) => ms)),
    existingCpuMs: cpu(existing),
    freshCpuMs: cpu(fresh),
  };
}

export function formatColdStart(report: ColdStartReport): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const cpu = (value: number | undefined) => (value === undefined ? "" : `, ${ms(value)} of CPU`);
  return [
    `Cold start to the first 200 on /health (median of ${report.runs}, SQLite, development):`,
    `  node -e ""                ${ms(report.nodeMs)}`,
    `  existing database         ${ms(report.existingMs)}  (${ms(report.existingMs - report.nodeMs)} more than node's own start${cpu(report.existingCpuMs)})`,
    `  fresh DATA_DIR (migrate)  ${ms(report.freshMs)}  (${ms(report.freshMs - report.nodeMs)} more${cpu(report.freshCpuMs)})`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "7" }, entry: { type: "string" } },
  });
  const report = await runColdStart(Number(values.runs), values.entry ?? serverEntry);
  console.log(formatColdStart(report));
}
