/**
 * The real Medusa v2 of this test run (scripts/test.mjs starts it and sets the
 * GATEHOUSE_TEST_MEDUSA_V2_* variables), for tests of the Medusa v2 stores and gateway: its
 * address, database, JWT secret and publishable key, and queries on its database.
 */
import pg from "pg";

export interface TestMedusaV2 {
  url: string;
  databaseUrl: string;
  jwtSecret: string;
  publishableKey: string;
}

const NAMES = {
  url: "GATEHOUSE_TEST_MEDUSA_V2_URL",
  databaseUrl: "GATEHOUSE_TEST_MEDUSA_V2_DATABASE_URL",
  jwtSecret: "GATEHOUSE_TEST_MEDUSA_V2_JWT_SECRET",
  publishableKey: "GATEHOUSE_TEST_MEDUSA_V2_PUBLISHABLE_KEY",
} as const;

/**
 * The Medusa v2, or why the tests that need it are skipped. Under CI=true a missing Medusa v2 is
 * an error: CI must run these tests.
 */
export function medusaV2OrSkip(): { medusa: TestMedusaV2; skip: false } | { skip: string } {
  const missing = Object.values(NAMES).filter((name) => !process.env[name]);
  if (missing.length === 0) {
    const medusa = Object.fromEntries(
      Object.entries(NAMES).map(([key, name]) => [key, process.env[name]!]),
    ) as unknown as TestMedusaV2;
    return { medusa, skip: false };
  }
  const reason = `no Medusa v2 (${missing.join(", ")} unset): run through scripts/test.mjs, which starts one`;
  if (process.env.CI === "true") throw new Error(reason);
  return { skip: reason };
}

/** Runs one query on Medusa v2's database. */
export async function queryMedusaV2<T extends pg.QueryResultRow = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
