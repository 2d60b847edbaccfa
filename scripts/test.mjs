#!/usr/bin/env node
/**
 * Runs every test suite once per storage backend: SQLite always; PostgreSQL and PostgreSQL + Redis
 * when they are reachable (DATABASE_URL, REDIS_URL; defaults: the local services). DATABASE_URL must
 * let the tests create and drop databases; each test makes its own and removes it.
 * Under CI=true those backends are mandatory: a missing one fails the run instead of being skipped.
 * GATEHOUSE_TEST_BACKENDS=sqlite,postgres limits the run; extra arguments are test files.
 * Files named *.unit.test.ts (no PostgreSQL or Redis) and *.once.test.ts (they start their own
 * PostgreSQL or Redis, or prove nothing per backend, like the browser tests) run once, with the
 * first backend.
 * GATEHOUSE_TEST_PLAIN_BACKEND=postgres+redis (.ci/run sets it) runs the other files once more on
 * that backend with the performance layer off (PLAIN_SWITCHES), so that the plain path stays
 * correct. READ_CACHE and RESPONSE_WRITES in this environment reach every test server.
 * When gateway tests (test/gateway/, *.once.test.ts included, files named *medusa-v1*) are
 * selected, a real Medusa v1 is
 * installed and started once for the whole run (scripts/medusa-harness.mjs) and stopped at the
 * end; likewise a real Medusa v2 for the v2 tests (test/gateway-v2/, the store contracts, files
 * named *medusa-v2*), both at once when both are needed. If one cannot be set up, the tests that
 * need it are skipped with a notice, except under CI=true, where the run fails.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join, relative } from "node:path";
import { startMedusa, startMedusaV2 } from "./medusa-harness.mjs";

const root = new URL("..", import.meta.url).pathname;
const ci = process.env.CI === "true";
const databaseUrl = new URL(
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
);
const redisUrl = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const BACKENDS = ["sqlite", "postgres", "postgres+redis"];
const PLAIN_SWITCHES = { READ_CACHE: "off", RESPONSE_WRITES: "immediate" };

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

/**
 * Follows the TAP stream and keeps each failed test's path (suite › test), file and the first line
 * of its error, so that the end of the run names what failed.
 */
function failureCollector() {
  const stack = [];
  const failures = [];
  let current;
  return {
    failures,
    line(line) {
      const subtest = /^( *)# Subtest: (.*)$/.exec(line);
      if (subtest) {
        const depth = subtest[1].length / 4;
        stack.length = depth;
        stack[depth] = subtest[2];
        return;
      }
      const notOk = /^( *)not ok \d+ - (.*?)(?: # .*)?$/.exec(line);
      if (notOk) {
        const depth = notOk[1].length / 4;
        current = { path: [...stack.slice(0, depth), notOk[2]].join(" › "), error: "" };
        failures.push(current);
        return;
      }
      if (!current) return;
      const location = /^ +location: '(.*?):\d+:\d+'$/.exec(line);
      if (location) current.location = relative(root, location[1]);
      const error = /^ +error: (.*)$/.exec(line);
      if (error && current.error === "") {
        current.error = /^[|>][-+]?$/.test(error[1]) ? undefined : error[1];
      } else if (current.error === undefined && line.trim() !== "") current.error = line.trim();
      if (/^ *\.\.\.$/.test(line)) current = undefined;
    },
  };
}

function run(backend, files, switches = {}) {
  return new Promise((resolve) => {
    const counts = { pass: 0, fail: 0, skipped: 0 };
    const collector = failureCollector();
    const child = spawn(
      process.execPath,
      // A file gets 5 minutes: long enough for the Medusa v1 gateway files, whose bursts hash 50
      // passwords with Medusa's scrypt (over a minute on 2 busy cores), short enough to end a hang.
      ["--import", "tsx", "--test", "--test-concurrency=3", "--test-timeout=300000", ...files],
      {
        cwd: root,
        env: { ...process.env, ...switches, GATEHOUSE_TEST_BACKEND: backend },
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
        // A cancelled test (its file timed out, say) counts as failed.
        const match = /^# (pass|fail|cancelled|skipped) (\d+)$/.exec(line);
        if (match) counts[match[1] === "cancelled" ? "fail" : match[1]] += Number(match[2]);
        collector.line(line);
      }
    });
    child.on("exit", (code) => resolve({ ...counts, code, failures: collector.failures }));
  });
}

const selected = process.argv.slice(2);
let all =
  selected.length > 0
    ? selected
    : findTests(join(root, "packages")).concat(findTests(join(root, "e2e")));
const runsOnce = (file) => file.endsWith(".unit.test.ts") || file.endsWith(".once.test.ts");

const wanted = (process.env.GATEHOUSE_TEST_BACKENDS ?? BACKENDS.join(",")).split(",");
const plain = process.env.GATEHOUSE_TEST_PLAIN_BACKEND?.trim() || undefined;
if (plain !== undefined && !BACKENDS.includes(plain)) {
  console.log(
    `# GATEHOUSE_TEST_PLAIN_BACKEND=${JSON.stringify(plain)}: expected one of ${BACKENDS.join(", ")}`,
  );
  process.exit(1);
}
const problems = [];
const checked = new Map();
/** Whether a backend's services answer; a missing one is a problem under CI=true, else skipped. */
async function available(backend) {
  if (checked.has(backend)) return checked.get(backend);
  const missing = [];
  if (backend !== "sqlite" && !(await reachable(databaseUrl, 5432)))
    missing.push(`PostgreSQL at ${databaseUrl.host}`);
  if (backend === "postgres+redis" && !(await reachable(redisUrl, 6379)))
    missing.push(`Redis at ${redisUrl.host}`);
  if (missing.length > 0) {
    const message = `backend ${backend}: ${missing.join(" and ")} not reachable`;
    if (ci) problems.push(message);
    else console.log(`# SKIPPED ${message} (mandatory under CI=true)`);
  }
  checked.set(backend, missing.length === 0);
  return missing.length === 0;
}

// The gateway tests need a real Medusa v1, the v2 ones a real Medusa v2 (and PostgreSQL for them):
// one of each for the whole run, installed side by side when both are needed.
const needsMedusa = (file) =>
  !file.endsWith(".unit.test.ts") && (/(^|\/)test\/gateway\//.test(file) || /medusa-v1/.test(file));
const needsMedusaV2 = (file) =>
  !file.endsWith(".unit.test.ts") &&
  (/(^|\/)test\/gateway-v2\//.test(file) ||
    /(^|\/)test\/stores\/contracts\//.test(file) ||
    /medusa-v2/.test(file));
const harnesses = [
  {
    name: "medusa-v1",
    needs: needsMedusa,
    start: startMedusa,
    env: (medusa) => ({
      GATEHOUSE_TEST_MEDUSA_URL: medusa.url,
      GATEHOUSE_TEST_MEDUSA_DATABASE_URL: medusa.databaseUrl,
      GATEHOUSE_TEST_MEDUSA_JWT_SECRET: medusa.jwtSecret,
    }),
  },
  {
    name: "medusa-v2",
    needs: needsMedusaV2,
    start: startMedusaV2,
    env: (medusa) => ({
      GATEHOUSE_TEST_MEDUSA_V2_URL: medusa.url,
      GATEHOUSE_TEST_MEDUSA_V2_DATABASE_URL: medusa.databaseUrl,
      GATEHOUSE_TEST_MEDUSA_V2_JWT_SECRET: medusa.jwtSecret,
      GATEHOUSE_TEST_MEDUSA_V2_PUBLISHABLE_KEY: medusa.publishableKey,
      GATEHOUSE_TEST_MEDUSA_V2_RESET_TOKENS_FILE: medusa.resetTokensFile,
    }),
  },
].filter((harness) => all.some(harness.needs));
const medusas = [];
for (const signal of harnesses.length > 0 ? ["SIGINT", "SIGTERM"] : []) {
  process.once(signal, () => void stopMedusas().finally(() => process.exit(1)));
}
function stopMedusas() {
  return Promise.allSettled(medusas.map((medusa) => medusa.stop()));
}
const postgresUp = harnesses.length > 0 && (await reachable(databaseUrl, 5432));
const started = await Promise.allSettled(
  harnesses.map(async (harness) => {
    if (!postgresUp) throw new Error(`PostgreSQL at ${databaseUrl.host} not reachable`);
    const medusa = await harness.start(databaseUrl.toString());
    medusas.push(medusa);
    return medusa;
  }),
);
harnesses.forEach((harness, index) => {
  const outcome = started[index];
  if (outcome.status === "fulfilled") {
    const medusa = outcome.value;
    const { setupSeconds, startSeconds } = medusa.timings;
    console.log(
      `# ${harness.name} at ${medusa.url} (set up in ${setupSeconds} s, started in ${startSeconds} s)`,
    );
    Object.assign(process.env, harness.env(medusa));
    return;
  }
  const message = `${harness.name} harness: ${outcome.reason.message.trim()}`;
  if (ci) problems.push(message);
  else
    console.log(
      `# SKIPPED the tests needing ${harness.name}: ${message} (mandatory under CI=true)`,
    );
  all = all.filter((file) => !harness.needs(file));
});
const unit = all.filter(runsOnce);
const integration = all.filter((file) => !runsOnce(file));

const runs = [];
for (const backend of wanted) {
  if (!(await available(backend))) continue;
  const files = runs.length === 0 ? [...unit, ...integration] : integration;
  runs.push({ name: backend, backend, files });
}
if (plain !== undefined && (await available(plain))) {
  const switches = Object.entries(PLAIN_SWITCHES).map(([name, value]) => `${name}=${value}`);
  runs.push({
    name: `${plain} (${switches.join(" ")})`,
    backend: plain,
    files: integration,
    switches: PLAIN_SWITCHES,
  });
}

const totals = { pass: 0, fail: 0, skipped: 0 };
const failures = [];
let failedRuns = problems.length;
for (const { name, backend, files, switches } of runs) {
  if (files.length === 0) continue;
  console.log(`\n# ===== backend: ${name} (${files.length} files) =====`);
  const started = Date.now();
  const result = await run(backend, files, switches);
  for (const key of Object.keys(totals)) totals[key] += result[key];
  if (result.code !== 0) failedRuns += 1;
  // A failed suite or file repeats its failed tests' path: keep only the innermost entries.
  const innermost = result.failures.filter(
    (failure) => !result.failures.some((other) => other.path.startsWith(`${failure.path} › `)),
  );
  for (const failure of innermost) failures.push({ backend: name, ...failure });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `# backend ${name}: ${result.pass} passed, ${result.fail} failed, ${result.skipped} skipped (${seconds} s)`,
  );
}
await stopMedusas();
for (const problem of problems) console.log(`# FAILED ${problem}`);
for (const { backend, path, location, error } of failures) {
  const where = location ? ` (${location})` : "";
  console.log(`# FAILED [${backend}] ${path}${where}${error ? `\n#   ${error}` : ""}`);
}
console.log(
  `\n${totals.pass} passed, ${totals.fail + problems.length} failed, ${totals.skipped} skipped`,
);
process.exit(failedRuns > 0 || totals.pass === 0 ? 1 : 0);
