/**
 * The real Medusa v1 that the gateway tests run against: the harness in ../shared/medusa-v1
 * (GATEHOUSE_MEDUSA_HARNESS overrides), installed into node_modules/.cache/medusa-v1
 * (GATEHOUSE_MEDUSA_DIR overrides) with a database of its own, and started on a free port.
 * scripts/test.mjs does this once per run and passes the address to the tests (testing/medusa.ts).
 */
import { spawn } from "node:child_process";
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
/** The harness's default jwt_secret (setup.sh writes it into medusa-config.js). */
export const medusaJwtSecret = "gatehouse-medusa-v1-jwt-secret-test-only";

/**
 * Medusa's own database, next to the test databases: created by setup.sh, kept between runs.
 * The benchmark names one of its own, so that it never shares a store with a test run.
 */
export function medusaDatabaseUrl(adminUrl, database = "gatehouse_test_medusa_v1") {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function run(script, args, env) {
  return new Promise((done, fail) => {
    const child = spawn("bash", [join(harnessDir, script), ...args], {
      env: { ...process.env, ...env },
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

/** Installs (idempotent), migrates, seeds and starts Medusa; returns its address and `stop`. */
export async function startMedusa(adminDatabaseUrl, database) {
  const databaseUrl = medusaDatabaseUrl(adminDatabaseUrl, database);
  const env = { MEDUSA_DATABASE_URL: databaseUrl, MEDUSA_JWT_SECRET: medusaJwtSecret };
  const t0 = Date.now();
  await run("setup.sh", [installDir], env);
  const t1 = Date.now();
  // A Medusa left running by an interrupted run would hold the pid file.
  await run("stop.sh", [installDir], env);
  const port = await freePort();
  await run("start.sh", [installDir, String(port)], env);
  const t2 = Date.now();
  return {
    url: `http://127.0.0.1:${port}`,
    databaseUrl,
    jwtSecret: medusaJwtSecret,
    timings: { setupSeconds: (t1 - t0) / 1000, startSeconds: (t2 - t1) / 1000 },
    stop: () => run("stop.sh", [installDir], env),
  };
}
