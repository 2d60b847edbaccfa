/**
 * The Medusa scenario of `npm run bench`: the real Medusa v1 (scripts/medusa-harness.mjs) and
 * Gatehouse in front of it, measured side by side in one run (docs/benchmarks.md):
 * - GET /store/products, forwarded by Gatehouse, against Medusa directly: throughput at
 *   saturation, and the latency Gatehouse adds at a paced rate that neither server queues at;
 * - GET /store/auth with a logged-in cookie, served by Gatehouse, against Medusa's own
 *   GET /store/auth with its own logged-in connect.sid.
 * Gatehouse's tables go to schema `gatehouse` of Medusa's database (DATABASE_URL =
 * MEDUSA_DATABASE_URL), as docs/medusa.md describes for one PostgreSQL serving both.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sessionCookie, request, login } from "../../../testing/http.js";
import { harnessDir, installDir, startMedusa } from "../../../scripts/medusa-harness.mjs";
import type { BenchRequest, LoadResult } from "./load.js";
import {
  dropGatehouseSchema,
  measurements,
  medusaPid,
  startGatehouseInFront,
} from "./medusa-pair.js";
import type { GatehouseProcess } from "./processes.js";

/** The benchmark's own Medusa database (created and seeded by the harness, kept between runs). */
export const MEDUSA_BENCH_DATABASE = "gatehouse_bench_medusa_v1";
/**
 * Medusa v1 answers a few hundred requests a second on one event loop: 8 connections keep it
 * busy without queueing requests for hundreds of milliseconds.
 */
export const MEDUSA_CONNECTIONS = 8;
/**
 * The paced probe for added latency: 20 req/s over 2 connections is a quarter or less of
 * Medusa's own GET /store/products throughput (80-150 req/s on 2 cores), so neither side queues
 * and p50 is one request's time.
 */
export const MEDUSA_PROBE = { connections: 2, rate: 20 };
export const MEDUSA_TARGETS = { productsVsMedusa: 0.9, addedP50Ms: 1, authVsMedusa: 10 };

/** The customer both servers log in (registered through Medusa, so Medusa and Gatehouse know it). */
const CUSTOMER = {
  email: "bench-medusa@example.com",
  password: "bench-medusa-password-0123",
  first_name: "Bench",
  last_name: "Customer",
};

export interface MedusaReport {
  database: string;
  connections: number;
  probe: { connections: number; rate: number };
  productsMedusa: LoadResult;
  productsGatehouse: LoadResult;
  probeMedusa: LoadResult;
  probeGatehouse: LoadResult;
  authMedusa: LoadResult;
  authGatehouse: LoadResult;
  productsRatio: number;
  productsPass: boolean;
  addedP50Ms: number;
  addedP50Pass: boolean;
  authRatio: number;
  authPass: boolean;
  timings: { setupSeconds: number; startSeconds: number };
}

/** Why the scenario cannot run here, or undefined when the harness is installed or reachable. */
export function medusaUnavailableReason(): string | undefined {
  if (existsSync(join(installDir, "package.json"))) return undefined;
  if (existsSync(join(harnessDir, "setup.sh"))) return undefined;
  return (
    "the Medusa v1 harness is neither installed (node_modules/.cache/medusa-v1; GATEHOUSE_MEDUSA_DIR " +
    "overrides) nor reachable " +
    "(../shared/medusa-v1; GATEHOUSE_MEDUSA_HARNESS overrides)"
  );
}

export interface MedusaContext {
  adminDatabaseUrl: string;
  durationSec: number;
  warmupSec: number;
  serverEnv: Record<string, string>;
  nodeArgs: string[];
  log: (line: string) => void;
  /** The bench's measurement (waits for quiet CPUs with --wait-quiet, re-measures disturbed runs). */
  measure: (run: () => Promise<LoadResult>) => Promise<LoadResult>;
}

let stopLive: (() => Promise<unknown>) | undefined;
/** Stops a Medusa and Gatehouse this scenario left running (on SIGINT or an error). */
export async function stopMedusaScenario(): Promise<void> {
  await stopLive?.();
}

async function medusaSession(url: string): Promise<string> {
  const registered = await request(url, "POST", "/store/customers", { body: CUSTOMER });
  let cookie = sessionCookie(registered);
  if (registered.status !== 200 || !cookie) {
    // Registered by an earlier run: log in instead.
    const loggedIn = await request(url, "POST", "/store/auth", {
      body: { email: CUSTOMER.email, password: CUSTOMER.password },
    });
    cookie = sessionCookie(loggedIn);
    if (loggedIn.status !== 200 || !cookie) {
      throw new Error(`Medusa login failed: ${loggedIn.status} ${loggedIn.text}`);
    }
  }
  const check = await request(url, "GET", "/store/auth", { cookie });
  if (check.status !== 200) throw new Error(`Medusa's GET /store/auth answered ${check.status}`);
  return cookie;
}

export async function runMedusaScenario(context: MedusaContext): Promise<MedusaReport> {
  const { log } = context;
  log(`\nMedusa v1 and Gatehouse in front of it`);
  const medusa = await startMedusa(context.adminDatabaseUrl, MEDUSA_BENCH_DATABASE);
  let gatehouse: GatehouseProcess | undefined;
  stopLive = async () => {
    await gatehouse?.stop();
    await medusa.stop();
  };
  try {
    const pid = medusaPid(installDir);
    log(
      `  Medusa on ${medusa.url} (setup ${medusa.timings.setupSeconds.toFixed(1)} s, ` +
        `start ${medusa.timings.startSeconds.toFixed(1)} s)`,
    );
    await dropGatehouseSchema(medusa.databaseUrl);
    const medusaCookie = await medusaSession(medusa.url);
    gatehouse = await startGatehouseInFront(context, medusa);
    const { cookie: gatehouseCookie } = await login(
      gatehouse.url,
      CUSTOMER.email,
      CUSTOMER.password,
    );
    const sample = await request(gatehouse.url, "GET", "/store/auth", { cookie: gatehouseCookie });
    if (sample.status !== 200)
      throw new Error(`Gatehouse's GET /store/auth answered ${sample.status}`);
    log(`  one customer logged in to each (registered through Medusa)`);

    const products: BenchRequest[] = [{ method: "GET", path: "/store/products" }];
    const auth = (cookie: string): BenchRequest[] => [
      { method: "GET", path: "/store/auth", headers: { cookie } },
    ];
    const { onMedusa, onGatehouse, run } = measurements(
      context,
      { url: medusa.url, pid },
      gatehouse,
    );
    const saturated = { connections: MEDUSA_CONNECTIONS };
    const paced = { connections: MEDUSA_PROBE.connections, overallRate: MEDUSA_PROBE.rate };

    const productsMedusa = await run("GET /store/products, Medusa", {
      ...onMedusa,
      ...saturated,
      requests: products,
    });
    const productsGatehouse = await run("GET /store/products, through Gatehouse", {
      ...onGatehouse,
      ...saturated,
      requests: products,
    });
    const probeMedusa = await run(`GET /store/products at ${MEDUSA_PROBE.rate} req/s, Medusa`, {
      ...onMedusa,
      ...paced,
      requests: products,
    });
    const probeGatehouse = await run(
      `GET /store/products at ${MEDUSA_PROBE.rate} req/s, through Gatehouse`,
      { ...onGatehouse, ...paced, requests: products },
    );
    const authMedusa = await run("GET /store/auth (connect.sid), Medusa", {
      ...onMedusa,
      ...saturated,
      requests: auth(medusaCookie),
    });
    const authGatehouse = await run("GET /store/auth (cookie), Gatehouse in front of Medusa", {
      ...onGatehouse,
      ...saturated,
      requests: auth(gatehouseCookie),
    });

    const productsRatio = productsGatehouse.requestsPerSec / productsMedusa.requestsPerSec;
    const addedP50Ms = probeGatehouse.latencyMs.p50 - probeMedusa.latencyMs.p50;
    const authRatio = authGatehouse.requestsPerSec / authMedusa.requestsPerSec;
    return {
      database: `PostgreSQL: Medusa's database ${MEDUSA_BENCH_DATABASE}, Gatehouse's tables in schema gatehouse`,
      connections: MEDUSA_CONNECTIONS,
      probe: MEDUSA_PROBE,
      productsMedusa,
      productsGatehouse,
      probeMedusa,
      probeGatehouse,
      authMedusa,
      authGatehouse,
      productsRatio,
      productsPass: productsRatio >= MEDUSA_TARGETS.productsVsMedusa,
      addedP50Ms,
      addedP50Pass: addedP50Ms <= MEDUSA_TARGETS.addedP50Ms,
      authRatio,
      authPass: authRatio >= MEDUSA_TARGETS.authVsMedusa,
      timings: medusa.timings,
    };
  } finally {
    await stopLive();
    stopLive = undefined;
  }
}
