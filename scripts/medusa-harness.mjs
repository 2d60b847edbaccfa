/**
 * The real Medusas that the gateway tests run against, each installed from its harness with a
 * database of its own and started on a free port:
 * - Medusa v1: ../shared/medusa-v1 (GATEHOUSE_MEDUSA_HARNESS overrides), installed into
 *   node_modules/.cache/medusa-v1 (GATEHOUSE_MEDUSA_DIR overrides);
 * - Medusa v2: ../shared/medusa-v2 (GATEHOUSE_MEDUSA_V2_HARNESS overrides), installed into
 *   node_modules/.cache/medusa-v2 (GATEHOUSE_MEDUSA_V2_DIR overrides).
 * scripts/test.mjs does this once per run and passes the addresses to the tests (testing/medusa.ts,
 * testing/medusa-v2.ts).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
export const harnessDir = resolve(
  root,
  process.env.GATEHOUSE_MEDUSA_HARNESS ?? join(root, "../shared/medusa-v1"),
);
export const installDir = resolve(
  root,
  process.env.GATEHOUSE_MEDUSA_DIR ?? join(root, "node_modules/.cache/medusa-v1"),
);
export const harnessV2Dir = resolve(
  root,
  process.env.GATEHOUSE_MEDUSA_V2_HARNESS ?? join(root, "../shared/medusa-v2"),
);
export const installV2Dir = resolve(
  root,
  process.env.GATEHOUSE_MEDUSA_V2_DIR ?? join(root, "node_modules/.cache/medusa-v2"),
);
/** The harness's default jwt_secret (setup.sh writes it into medusa-config.js). */
export const medusaJwtSecret = "gatehouse-medusa-v1-jwt-secret-test-only";
/** Medusa v2's http.jwtSecret in the tests (medusa-config.js reads JWT_SECRET at start). */
export const medusaV2JwtSecret = "gatehouse-medusa-v2-jwt-secret-test-only";

/**
 * Medusa's own database, next to the test databases: created by setup.sh, kept between runs.
 * The benchmark names one of its own, so that it never shares a store with a test run; so can two
 * checkouts testing on one machine (GATEHOUSE_MEDUSA_V1_DATABASE, GATEHOUSE_MEDUSA_V2_DATABASE).
 */
export function medusaDatabaseUrl(
  adminUrl,
  database = process.env.GATEHOUSE_MEDUSA_V1_DATABASE ?? "gatehouse_test_medusa_v1",
) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs a harness script; `env` adds variables, and removes those it sets to undefined. */
function run(dir, script, args, env) {
  return new Promise((done, fail) => {
    const merged = { ...process.env, ...env };
    for (const [name, value] of Object.entries(merged))
      if (value === undefined) delete merged[name];
    const child = spawn("bash", [join(dir, script), ...args], {
      env: merged,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    }
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done(output) : fail(new Error(`${script} exited with ${code}\n${output}`)),
    );
  });
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Sets up (idempotent) and starts one harness; returns its address, timings and `stop`. */
async function install(dir, target, env) {
  const t0 = Date.now();
  await run(dir, "setup.sh", [target], env);
  const t1 = Date.now();
  // A Medusa left running by an interrupted run would hold the pid file.
  await run(dir, "stop.sh", [target], env);
  const port = await freePort();
  await run(dir, "start.sh", [target, String(port)], env);
  const t2 = Date.now();
  return {
    url: `http://127.0.0.1:${port}`,
    timings: { setupSeconds: (t1 - t0) / 1000, startSeconds: (t2 - t1) / 1000 },
    stop: () => run(dir, "stop.sh", [target], env),
  };
}

/** Installs (idempotent), migrates, seeds and starts Medusa v1; returns its address and `stop`. */
export async function startMedusa(adminDatabaseUrl, database) {
  const databaseUrl = medusaDatabaseUrl(adminDatabaseUrl, database);
  const env = { MEDUSA_DATABASE_URL: databaseUrl, MEDUSA_JWT_SECRET: medusaJwtSecret };
  const medusa = await install(harnessDir, installDir, env);
  return { ...medusa, databaseUrl, jwtSecret: medusaJwtSecret };
}

/**
 * Installs (idempotent), migrates, seeds and starts Medusa v2 (2.21); returns its address, its
 * publishable key (made by the harness's seed), the file its password-reset events are written to,
 * and `stop`.
 */
export async function startMedusaV2(
  adminDatabaseUrl,
  database = process.env.GATEHOUSE_MEDUSA_V2_DATABASE ?? "gatehouse_test_medusa_v2",
) {
  const databaseUrl = medusaDatabaseUrl(adminDatabaseUrl, database);
  const resetTokensFile = join(installV2Dir, "reset-tokens.jsonl");
  const env = {
    // setup.sh creates and migrates this database; start.sh's medusa reads it (a real env var
    // wins over the install's .env), so the runner's own DATABASE_URL never leaks in.
    DATABASE_URL: databaseUrl,
    JWT_SECRET: medusaV2JwtSecret,
    COOKIE_SECRET: "gatehouse-medusa-v2-cookie-secret-test-only",
    // `medusa start` runs in production mode, where the session cookie is Secure and never set
    // over plain http (the harness README, obstacle 3): the tests speak plain http, as to Gatehouse.
    SESSION_COOKIE_INSECURE: "1",
    RESET_TOKENS_FILE: resetTokensFile,
    // Sessions in process memory: a REDIS_URL of the runner's would put Medusa's `sess:` keys,
    // unprefixed, into the tests' Redis. A JWT_PUBLIC_KEY (even empty) would become the key
    // Medusa verifies every bearer token with, so it is removed, not blanked.
    REDIS_URL: undefined,
    JWT_PUBLIC_KEY: undefined,
    JWT_PUBLIC_KEY_FILE: undefined,
  };
  const medusa = await install(harnessV2Dir, installV2Dir, env);
  const publishableKey = readFileSync(join(installV2Dir, "publishable-key.txt"), "utf8").trim();
  return { ...medusa, databaseUrl, jwtSecret: medusaV2JwtSecret, publishableKey, resetTokensFile };
}
