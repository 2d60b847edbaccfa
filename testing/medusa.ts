/**
 * The real Medusa v1 of this test run, installed and started once by scripts/test.mjs
 * (scripts/medusa-harness.mjs), and what the gateway tests do with it: its address, its database,
 * tokens signed with its secret, and a Gatehouse server in front of it.
 */
import { SignJWT } from "jose";
import pg from "pg";
import { startServer, type StartOptions, type TestServer } from "./server.js";

export interface TestMedusa {
  url: string;
  databaseUrl: string;
  jwtSecret: string;
}

/** The Medusa scripts/test.mjs started; gateway tests run only through it. */
export function testMedusa(): TestMedusa {
  const url = process.env.GATEHOUSE_TEST_MEDUSA_URL;
  const databaseUrl = process.env.GATEHOUSE_TEST_MEDUSA_DATABASE_URL;
  const jwtSecret = process.env.GATEHOUSE_TEST_MEDUSA_JWT_SECRET;
  if (!url || !databaseUrl || !jwtSecret) {
    throw new Error(
      "no Medusa for the gateway tests: run them with scripts/test.mjs, which installs and starts one",
    );
  }
  return { url, databaseUrl, jwtSecret };
}

/** A Gatehouse server forwarding to `backendUrl` (Medusa, or a relay to it). */
export function startGateway(
  backendUrl = testMedusa().url,
  options: StartOptions = {},
): Promise<TestServer> {
  return startServer({
    ...options,
    env: {
      MEDUSA_BACKEND_URL: backendUrl,
      MEDUSA_JWT_SECRET: testMedusa().jwtSecret,
      ...options.env,
    },
  });
}

/** Runs one query on Medusa's database. */
export async function queryMedusa<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: testMedusa().databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Makes a Gatehouse customer known to Medusa: a `customer` row with the same id and email
 * (until customers live in Medusa's own tables).
 */
export async function addMedusaCustomer(customer: { id: string; email: string }): Promise<void> {
  await queryMedusa(
    "INSERT INTO customer (id, email, has_account, created_at, updated_at) VALUES ($1, $2, true, now(), now())",
    [customer.id, customer.email],
  );
}

/** A token as Medusa's own `POST /store/auth/token` issues it (anyone with Medusa's secret can). */
export function medusaToken(customerId: string): Promise<string> {
  return new SignJWT({ customer_id: customerId, domain: "store" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("30d")
    .sign(new TextEncoder().encode(testMedusa().jwtSecret));
}

/** The seeded store: its region and product (../shared/medusa-v1/seed.json). */
export async function seededStore(): Promise<{ regionId: string; variantId: string }> {
  const regions = (await (await fetch(new URL("/store/regions", testMedusa().url))).json()) as {
    regions: Array<{ id: string; name: string }>;
  };
  const products = (await (
    await fetch(new URL("/store/products?handle=gatehouse-test-tee", testMedusa().url))
  ).json()) as { products: Array<{ variants: Array<{ id: string }> }> };
  return {
    regionId: regions.regions.find((region) => region.name === "Europe")!.id,
    variantId: products.products[0]!.variants[0]!.id,
  };
}
