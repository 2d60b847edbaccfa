/**
 * Starts a real Gatehouse server process for a test, on the backend chosen by
 * GATEHOUSE_TEST_BACKEND (`sqlite` by default, `postgres`, or `postgres+redis`).
 * Every server gets its own SQLite file or PostgreSQL database and Redis key prefix,
 * and removes them when stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createBackend, type Backend } from "./backend.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
export const serverEntry = join(root, "packages/server/dist/start.cjs");

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every log line the process printed, parsed when it was JSON. */
  logs: Array<Record<string, unknown>>;
  /** The environment the process was started with (minus inherited variables). */
  env: Record<string, string>;
  process: ChildProcess;
  /** Stops the process (SIGTERM) and, unless `keepData`, drops its database. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /**
   * Moves the server's clock on by `ms` (on top of earlier moves), once it has taken the move;
   * only for a server started with `movableClock` (testing/movable-clock.cjs).
   */
  moveClock(ms: number): Promise<void>;
}

export interface StartOptions {
  /** Extra environment variables for the server. */
  env?: Record<string, string>;
  /** Reuse another server's storage (for several instances of one store). */
  shareWith?: TestServer;
  /** Start with a clock the test can move on (`TestServer.moveClock`). */
  movableClock?: boolean;
}

const movableClockHook = join(root, "testing/movable-clock.cjs");

/**
 * The performance switches of this test run (scripts/test.mjs runs the suite once more with
 * READ_CACHE=off RESPONSE_WRITES=immediate): every server gets them (and the store contracts),
 * and tests of the read cache's change feeds are skipped when it is off.
 */
export const runSwitches: Record<string, string> = {};
for (const name of ["READ_CACHE", "RESPONSE_WRITES"]) {
  const value = process.env[name];
  if (value) runSwitches[name] = value;
}
export const readCacheOn = runSwitches.READ_CACHE?.trim().toLowerCase() !== "off";

const owned = new WeakMap<TestServer, { backend: Backend; dataDir: string }>();

/** Fixed development secrets so that several processes of one test agree. */
const testSecrets = {
  COOKIE_SECRET: "test-cookie-secret-0123456789abcdef0123456789",
  JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcd",
};

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const shared = options.shareWith ? owned.get(options.shareWith) : undefined;
  const backend = shared?.backend ?? (await createBackend());
  const dataDir = shared?.dataDir ?? (await mkdtemp(join(tmpdir(), "gatehouse-test-")));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    ...testSecrets,
    // Suites register and probe many customers from one address; the security suite sets real limits.
    RATE_LIMIT_REGISTER: "100000/1m",
    RATE_LIMIT_EXISTS: "100000/1m",
    RATE_LIMIT_PASSWORD_TOKEN: "100000/1m",
    RATE_LIMIT_PASSWORD_TOKEN_EMAIL: "100000/1m",
    RATE_LIMIT_PASSWORD_RESET: "100000/1m",
    RATE_LIMIT_EMAIL_CHANGE: "100000/1m",
    RATE_LIMIT_SESSION_EXCHANGE: "100000/1m",
    ...runSwitches,
    ...backend.env,
    ...(options.movableClock && { NODE_OPTIONS: `--require ${movableClockHook}` }),
    ...options.env,
  };
  const child = spawn(process.execPath, [serverEntry], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));

  const started = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started server behind.
      child.kill("SIGKILL");
      reject(
        new Error(
          `server did not start in 20 s (it logs "listening" at LOG_LEVEL=info)\n${stderr}`,
        ),
      );
    }, 20_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (typeof entry.url === "string" && entry.msg === "listening") {
        clearTimeout(timer);
        resolveUrl(entry.url);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening\n${stderr}`));
    });
  });

  let url: string;
  try {
    url = await started;
  } catch (error) {
    if (!shared) {
      await backend.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
    throw error;
  }

  let clockOffset = 0;
  const server: TestServer = {
    url,
    logs,
    env,
    process: child,
    async moveClock(ms) {
      if (!options.movableClock) throw new Error("moveClock: start the server with movableClock");
      clockOffset += ms;
      await writeFile(join(dataDir, "clock-offset-ms"), String(clockOffset));
      const from = logs.length;
      child.kill("SIGUSR2");
      const deadline = Date.now() + 5000;
      while (!logs.slice(from).some((line) => line.offset_ms === clockOffset)) {
        if (Date.now() > deadline) throw new Error("the server did not move its clock in 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
      if (!keepData && !shared) {
        await backend.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
  owned.set(server, { backend, dataDir });
  return server;
}

/** A random, valid, lower-case email address for one test. */
export function uniqueEmail(prefix = "customer"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
}

/**
 * Spelling `i` of an email that Gatehouse takes as the same email: each ASCII letter of its local
 * part lower or upper case, plain or fullwidth (`b`, `B`, `ｂ`, `Ｂ`: one NFKC + lower-case key; a
 * domain takes no fullwidth letter, as validator.js's isEmail has it). The first three letters take
 * the base-4 digits of `i`, so spellings 0–63 of an email whose local part has three letters or
 * more all differ; spelling 0 is the email itself.
 */
export function emailVariant(email: string, i: number): string {
  const at = email.lastIndexOf("@");
  let letter = 0;
  const local = [...email.slice(0, at)].map((c) => {
    if (!/[a-z]/i.test(c)) return c;
    const form = Math.floor(i / 4 ** (letter++ % 3)) % 4;
    const cased = form % 2 === 0 ? c.toLowerCase() : c.toUpperCase();
    return form < 2 ? cased : String.fromCodePoint(cased.codePointAt(0)! + 0xfee0);
  });
  return local.join("") + email.slice(at);
}

/**
 * Waits (5 s unless told) for a development server to log a password-reset token for `email`
 * after log line `from` (the account event's data, logged when no webhook is set).
 */
export async function loggedResetToken(
  server: TestServer,
  email: string,
  from: number,
  timeoutMs = 5000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = server.logs
      .slice(from)
      .find((line) => line.email === email && typeof line.token === "string");
    if (entry) return entry.token as string;
    if (Date.now() > deadline) throw new Error(`no password reset token was logged for ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs the server entry with `env` (and no inherited variables but PATH) until it exits; returns
 * its code and stderr. A server that starts instead is stopped after 20 s (code null).
 */
export function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, [serverEntry], {
      env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveExit({ code, stderr });
    });
  });
}
