/**
 * The real Medusa v2 (2.21) of this test run, installed and started once by scripts/test.mjs
 * (scripts/medusa-harness.mjs, harness ../shared/medusa-v2), and what the v2 tests do with it:
 * its address, database, secret and publishable key, the password-reset tokens it emits, and a
 * Gatehouse server in front of it.
 * Without it (a file run outside scripts/test.mjs, or a harness that could not start) the suites
 * are skipped with `medusaV2Skip` as the reason; under CI=true they fail instead.
 */
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { startServer, type StartOptions, type TestServer } from "./server.js";

export interface TestMedusaV2 {
  url: string;
  databaseUrl: string;
  jwtSecret: string;
  publishableKey: string;
  /**
   * Where the harness's subscriber appends each `auth.password_reset` event (JSON lines); set by
   * scripts/test.mjs, optional for a Medusa given by hand.
   */
  resetTokensFile: string | undefined;
}

const env = {
  url: process.env.GATEHOUSE_TEST_MEDUSA_V2_URL,
  databaseUrl: process.env.GATEHOUSE_TEST_MEDUSA_V2_DATABASE_URL,
  jwtSecret: process.env.GATEHOUSE_TEST_MEDUSA_V2_JWT_SECRET,
  publishableKey: process.env.GATEHOUSE_TEST_MEDUSA_V2_PUBLISHABLE_KEY,
  resetTokensFile: process.env.GATEHOUSE_TEST_MEDUSA_V2_RESET_TOKENS_FILE,
};

/** Why the v2 suites cannot run here (false when they can, and always under CI=true). */
export const medusaV2Skip: string | false =
  (env.url && env.databaseUrl && env.jwtSecret && env.publishableKey) || process.env.CI === "true"
    ? false
    : "no Medusa v2: run with scripts/test.mjs, which installs and starts one";

/** The Medusa v2 scripts/test.mjs started. */
export function testMedusaV2(): TestMedusaV2 {
  const { url, databaseUrl, jwtSecret, publishableKey, resetTokensFile } = env;
  if (!url || !databaseUrl || !jwtSecret || !publishableKey) {
    throw new Error(
      "no Medusa v2 for the v2 tests: run them with scripts/test.mjs, which installs and starts one",
    );
  }
  return { url, databaseUrl, jwtSecret, publishableKey, resetTokensFile };
}

/**
 * A Gatehouse server in v2 mode in front of the Medusa v2: Medusa's tables hold the customers,
 * Gatehouse's own database (per backend, as for every test server) its sessions.
 */
export function startGatewayV2(options: StartOptions = {}): Promise<TestServer> {
  const medusa = testMedusaV2();
  return startServer({
    ...options,
    env: {
      MEDUSA_VERSION: "2",
      MEDUSA_BACKEND_URL: medusa.url,
      MEDUSA_DATABASE_URL: medusa.databaseUrl,
      MEDUSA_JWT_SECRET: medusa.jwtSecret,
      ...options.env,
    },
  });
}

/** Runs one query on Medusa v2's database. */
export async function queryMedusaV2<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: testMedusaV2().databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Runs `request` (a password-reset request for `email`) and returns the reset token Medusa
 * emitted for it (its `auth.password_reset` event), waiting up to 5 s.
 */
export async function medusaResetToken(
  email: string,
  request: () => Promise<void>,
  timeoutMs = 5000,
): Promise<string> {
  const file = testMedusaV2().resetTokensFile;
  if (!file) throw new Error("GATEHOUSE_TEST_MEDUSA_V2_RESET_TOKENS_FILE is not set");
  const lines = () => (existsSync(file) ? readFileSync(file, "utf8").split("\n") : []);
  const from = Math.max(lines().length - 1, 0);
  await request();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = lines()
      .slice(from)
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { entity_id: string; actor_type: string; token: string })
      .find((entry) => entry.entity_id === email && entry.actor_type === "customer");
    if (event) return event.token;
    if (Date.now() > deadline) throw new Error(`Medusa emitted no password reset for ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
