/**
 * What the Medusa v1 and v2 scenarios share: a Medusa the harness started, Gatehouse in front of
 * it on Medusa's database (its tables in schema `gatehouse`, emptied first), and the measurement
 * of a request on either server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { warmThenRun, type LoadResult, type LoadSpec } from "./load.js";
import type { MedusaContext } from "./medusa.js";
import { startGatehouse, type GatehouseProcess } from "./processes.js";

/** A running Medusa, as the harness (scripts/medusa-harness.mjs) reports it. */
export interface HarnessMedusa {
  url: string;
  databaseUrl: string;
  jwtSecret: string;
  timings: { setupSeconds: number; startSeconds: number };
}

/** Medusa's process id (written by the harness in its install directory). */
export const medusaPid = (installDir: string): number =>
  Number(readFileSync(join(installDir, "medusa.pid"), "utf8").trim());

/** Gatehouse's tables start empty: its schema in the benchmark's Medusa database is dropped. */
export async function dropGatehouseSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("DROP SCHEMA IF EXISTS gatehouse CASCADE");
  } finally {
    await client.end();
  }
}

/** Gatehouse in front of `medusa`, its tables in Medusa's database; `env` adds to its settings. */
export function startGatehouseInFront(
  context: MedusaContext,
  medusa: HarnessMedusa,
  env: Record<string, string> = {},
): Promise<GatehouseProcess> {
  return startGatehouse({
    backendEnv: { DATABASE_URL: medusa.databaseUrl },
    env: {
      ...env,
      MEDUSA_BACKEND_URL: medusa.url,
      MEDUSA_JWT_SECRET: medusa.jwtSecret,
      MEDUSA_DATABASE_URL: medusa.databaseUrl,
      ...context.serverEnv,
    },
    nodeArgs: context.nodeArgs,
  });
}

/**
 * Where a measurement runs (Medusa, or Gatehouse with Medusa's CPU counted as its backend's) and
 * the measurement itself: logged, warmed up, run for the bench's duration.
 */
export function measurements(
  context: MedusaContext,
  medusa: { url: string; pid: number },
  gatehouse: GatehouseProcess,
) {
  return {
    onMedusa: { url: medusa.url, pid: medusa.pid },
    onGatehouse: { url: gatehouse.url, pid: gatehouse.pid, backendPids: [medusa.pid] },
    run(label: string, spec: Omit<LoadSpec, "durationSec">): Promise<LoadResult> {
      context.log(`  ${label}`);
      return context.measure(() =>
        warmThenRun({ ...spec, durationSec: context.durationSec }, context.warmupSec),
      );
    },
  };
}
