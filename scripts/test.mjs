#!/usr/bin/env node
/**
 * Runs every test suite once per storage backend: SQLite always; PostgreSQL and PostgreSQL + Redis
 * when they are reachable (DATABASE_URL, REDIS_URL; defaults: the local services). DATABASE_URL must
 * let the tests create and drop databases; each test makes its own and removes it.
 * Under CI=true those backends are mandatory: a missing one fails the run instead of being skipped.
 * GATEHOUSE_TEST_BACKENDS=sqlite,postgres limits the run; extra arguments are test files.
 * Files named *.unit.test.ts (no PostgreSQL or Redis) and *.once.test.ts (they start their own
 * PostgreSQL or Redis) run once, with the first backend.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const ci = process.env.CI === "true";
const databaseUrl = new URL(
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
);
const redisUrl = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

function findTests(dir) {
  const found = [];
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith(".test.ts")) found.push(relative(root, path));
  }
  return found;
}

function reachable(url, defaultPort) {
  return new Promise((resolve) => {
    const socket = connect({
      host: url.hostname,
      port: Number(url.port || defaultPort),
      timeout: 2000,
    });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

function run(backend, files) {
  return new Promise((resolve) => {
    const counts = { pass: 0, fail: 0, skipped: 0 };
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-concurrency=3", "--test-timeout=120000", ...files],
      {
        cwd: root,
        env: { ...process.env, GATEHOUSE_TEST_BACKEND: backend },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) {
        const match = /^# (pass|fail|skipped) (\d+)$/.exec(line);
        if (match) counts[match[1]] += Number(match[2]);
      }
    });
    child.on("exit", (code) => resolve({ ...counts, code }));
  });
}

const selected = process.argv.slice(2);
const all =
  selected.length > 0
    ? selected
    : findTests(join(root, "packages")).concat(findTests(join(root, "e2e")));
const runsOnce = (file) => file.endsWith(".unit.test.ts") || file.endsWith(".once.test.ts");
const unit = all.filter(runsOnce);
const integration = all.filter((file) => !runsOnce(file));

const wanted = (process.env.GATEHOUSE_TEST_BACKENDS ?? "sqlite,postgres,postgres+redis").split(",");
const backends = [];
const problems = [];
for (const backend of wanted) {
  if (backend !== "sqlite") {
    const missing = [];
    if (!(await reachable(databaseUrl, 5432))) missing.push(`PostgreSQL at ${databaseUrl.host}`);
    if (backend === "postgres+redis" && !(await reachable(redisUrl, 6379)))
      missing.push(`Redis at ${redisUrl.host}`);
    if (missing.length > 0) {
      const message = `backend ${backend}: ${missing.join(" and ")} not reachable`;
      if (ci) problems.push(message);
      else console.log(`# SKIPPED ${message} (mandatory under CI=true)`);
      continue;
    }
  }
  backends.push(backend);
}

const totals = { pass: 0, fail: 0, skipped: 0 };
let failedRuns = problems.length;
for (const [index, backend] of backends.entries()) {
  const files = index === 0 ? [...unit, ...integration] : integration;
  if (files.length === 0) continue;
  console.log(`\n# ===== backend: ${backend} (${files.length} files) =====`);
  const result = await run(backend, files);
  for (const key of Object.keys(totals)) totals[key] += result[key];
  if (result.code !== 0) failedRuns += 1;
  console.log(`# backend ${backend}: ${result.pass} passed, ${result.fail} failed`);
}
for (const problem of problems) console.log(`# FAILED ${problem}`);
console.log(
  `\n${totals.pass} passed, ${totals.fail + problems.length} failed, ${totals.skipped} skipped`,
);
process.exit(failedRuns > 0 || totals.pass === 0 ? 1 : 0);
