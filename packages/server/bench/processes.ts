/**
 * The processes a benchmark run starts: Gatehouse from its built output, the bare node:http
 * baseline and the raw Argon2id baseline. Every one of them is stopped by `stopAll()`, which the
 * runner also calls on Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverEntry } from "../../../testing/server.js";

const benchDir = fileURLToPath(new URL(".", import.meta.url));

const running = new Set<ChildProcess>();

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

/** Stops every process this module started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child, 3000)));
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Keeps the last `limit` characters a stream printed, for error messages. */
function tail(stream: NodeJS.ReadableStream | null, limit = 8192): () => string {
  let text = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

export interface GatehouseProcess {
  url: string;
  pid: number;
  env: Record<string, string>;
  dataDir: string;
  /** SIGTERM and wait (the server finishes in-flight requests; a CPU profile is written then). */
  stop(): Promise<void>;
}

export interface GatehouseOptions {
  /** Environment of the storage backend (DATABASE_URL, REDIS_URL, REDIS_PREFIX), if any. */
  backendEnv: Record<string, string>;
  /** The server's entry point (default: this tree's packages/server/dist/start.cjs). */
  entry?: string;
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Starts packages/server/dist/start.cjs and waits until `GET /health` answers. */
export async function startGatehouse(options: GatehouseOptions): Promise<GatehouseProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-bench-"));
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    COOKIE_SECRET: "bench-cookie-secret-0123456789abcdef0123456789",
    JWT_SECRET: "bench-jwt-secret-0123456789abcdef0123456789abcd",
    ...options.backendEnv,
    ...options.env,
  };
  const inherited: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (process.env.UV_THREADPOOL_SIZE) inherited.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE;
  const child = track(
    spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry ?? serverEntry], {
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const output = tail(child.stdout);
  const errors = tail(child.stderr);
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await rm(dataDir, { recursive: true, force: true });
      throw new Error(`Gatehouse exited before it was ready:\n${errors()}${output()}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopProcess(child);
      await rm(dataDir, { recursive: true, force: true });
      throw new Error(`Gatehouse was not ready within 30 s:\n${errors()}${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    env,
    dataDir,
    async stop() {
      await stopProcess(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a TypeScript file of this folder in its own `node` process. */
function spawnBenchScript(file: string, args: string[], env: Record<string, string> = {}) {
  return track(
    spawn(process.execPath, ["--import", "tsx", join(benchDir, file), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** Reads the first JSON line a child prints on stdout. */
function firstJsonLine<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  const errors = tail(child.stderr);
  return new Promise<T>((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not answer in time`)), timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, newline)) as T);
      } catch (error) {
        reject(error as Error);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code}\n${errors()}`));
    });
  });
}

export interface BareServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The bare node:http baseline (answers every request with `body` and `contentType`), or with
 * `kind: "fastify"` the framework reference (fastify-server.ts).
 */
export async function startBareServer(
  body: string,
  contentType: string,
  kind: "node:http" | "fastify" = "node:http",
): Promise<BareServer> {
  const child = spawnBenchScript(kind === "fastify" ? "fastify-server.ts" : "bare-server.ts", [], {
    BENCH_BODY: body,
    BENCH_CONTENT_TYPE: contentType,
  });
  const { port } = await firstJsonLine<{ port: number }>(
    child,
    kind === "fastify" ? "the Fastify reference server" : "the bare node:http server",
    20_000,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => stopProcess(child),
  };
}

export interface Argon2Baseline {
  hashesPerSec: number;
  /** The separate measurements `hashesPerSec` averages, when there were several. */
  measurements?: number[];
  hashes: number;
  durationSec: number;
  inFlight: number;
  threadpoolSize: number;
  memoryKib: number;
  iterations: number;
  parallelism: number;
  /** CPU used by the hashing process, in % of one core. */
  cpuPercent: number;
  /** CPU used by everything else on the machine meanwhile, in % of one core. */
  otherCpuPercent: number | null;
  maxRssMb: number | null;
}

/** Raw Argon2id throughput, measured in a process of its own. */
export async function runArgon2Baseline(options: {
  durationSec: number;
  warmupSec: number;
  inFlight: number;
}): Promise<Argon2Baseline> {
  const child = spawnBenchScript("argon2-baseline.ts", [
    "--duration",
    String(options.durationSec),
    "--warmup",
    String(options.warmupSec),
    "--in-flight",
    String(options.inFlight),
  ]);
  const result = await firstJsonLine<Argon2Baseline>(
    child,
    "the Argon2id baseline",
    (options.durationSec + options.warmupSec + 60) * 1000,
  );
  await stopProcess(child);
  return result;
}
