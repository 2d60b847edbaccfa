/**
 * Private Redis and PostgreSQL servers for fault tests: started on a free port in a temporary
 * folder, stopped and restarted at will, removed afterwards. Never the machine's shared services.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up in ${timeoutMs} ms`);
}

export interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      await waitFor(async () => {
        try {
          const { stdout } = await exec("redis-cli", ["-p", String(port), "ping"]);
          return stdout.trim() === "PONG";
        } catch {
          return false;
        }
      }, "redis-server");
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
  return redis;
}

/** The PostgreSQL binaries (initdb, pg_ctl), or undefined when this machine has none. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().pop();
  const dir = version && join(root, version, "bin");
  return dir && existsSync(join(dir, "pg_ctl")) ? dir : undefined;
}

export interface PrivatePostgres {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/** A throw-away PostgreSQL cluster. Needs to run as root (it runs the server as `postgres`). */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL binaries not found");
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-pg-"));
  const { stdout: uid } = await exec("id", ["-u", "postgres"]);
  const { stdout: gid } = await exec("id", ["-g", "postgres"]);
  await chown(dir, Number(uid), Number(gid));
  const data = join(dir, "data");
  const asPostgres = (command: string, args: string[]) =>
    exec("runuser", ["-u", "postgres", "--", join(bin, command), ...args]);
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const postgres: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await asPostgres("pg_ctl", [
        "-D",
        data,
        "-w",
        "-l",
        join(dir, "log"),
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "start",
      ]);
    },
    async stop() {
      await asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(
        () => undefined,
      );
    },
    async remove() {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return postgres;
}
