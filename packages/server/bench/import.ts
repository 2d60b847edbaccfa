/**
 * The `import` scenario (docs/benchmarks.md): `gatehouse import` of N customers (100,000 by
 * default), each with one address and one precomputed Medusa scrypt hash (hashing N would take
 * hours), from a JSON Lines file and from a scratch PostgreSQL database with Medusa v1's customer
 * and address tables, into a fresh SQLite file and a fresh PostgreSQL database. Each run is the
 * real command as a subprocess (its start included); then the same file again, where every
 * customer is already present. The baseline is the same rows written with plain batched INSERTs
 * (1,000 rows a statement, a transaction per batch, no reads or checks) in this process.
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createPostgresDatabase } from "../../../testing/backend.js";
import type { ImportCustomer } from "../src/import/records.js";
import { BATCH_SIZE } from "../src/import/run.js";
import { addressRows, chunks, customerRow } from "../src/import/target.js";
import { hashMedusaScrypt } from "../src/services/medusa-scrypt.js";
import { migrateToLatest, openSqlRuntime } from "../src/stores/sql/runtime.js";
import { sampleRss } from "./load.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const cliEntry = join(root, "packages/server/dist/cli/index.js");

export interface ImportRun {
  source: "JSON Lines" | "Medusa v1 (PostgreSQL)";
  target: "SQLite" | "PostgreSQL";
  /** Every customer already present: the re-run's cost. */
  rerun: boolean;
  seconds: number;
  customersPerSec: number;
  maxRssMb: number | null;
}

export interface ImportBenchReport {
  customers: number;
  runs: ImportRun[];
  /** Plain INSERTs of the same rows, per target. */
  baseline: Array<{ target: "SQLite" | "PostgreSQL"; seconds: number; customersPerSec: number }>;
}

const padded = (i: number) => String(i).padStart(8, "0");

/** One customer of the set, as a line of the file format (docs/cli.md). */
function customerLine(i: number, hash: string): string {
  const created_at = 1_700_000_000_000 + i;
  // Every column given, so that the baseline can insert the parsed line as it is.
  return JSON.stringify({
    id: `cus_${padded(i)}`,
    email: `customer${i}@example.com`,
    first_name: "First",
    last_name: "Last",
    phone: null,
    company_name: null,
    billing_address_id: null,
    has_account: true,
    password_hash: hash,
    created_at,
    updated_at: created_at,
    metadata: { bench: true },
    addresses: [
      {
        id: `addr_${padded(i)}`,
        company: null,
        first_name: null,
        last_name: null,
        address_1: "1 Main St",
        address_2: null,
        city: "Paris",
        country_code: "fr",
        province: null,
        postal_code: "75001",
        phone: null,
        metadata: null,
        address_name: null,
        is_default_shipping: false,
        is_default_billing: false,
        created_at,
        updated_at: created_at,
      },
    ],
  });
}

async function writeFile(path: string, customers: number, hash: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 1; i <= customers; i++) {
    if (!out.write(`${customerLine(i, hash)}\n`)) {
      await new Promise<void>((drained) => out.once("drain", () => drained()));
    }
  }
  await new Promise<void>((done, fail) =>
    out.end((error?: Error | null) => (error ? fail(error) : done())),
  );
}

/** Medusa v1's two tables (its DDL: the primary keys, foreign keys and indexes it has). */
async function createMedusaV1(url: string, customers: number, hash: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      create table address (
        id varchar primary key, customer_id varchar, company varchar, first_name varchar,
        last_name varchar, address_1 varchar, address_2 varchar, city varchar,
        country_code varchar, province varchar, postal_code varchar, phone varchar,
        created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
        deleted_at timestamptz, metadata jsonb);
      create table customer (
        id varchar primary key, email varchar not null, first_name varchar, last_name varchar,
        billing_address_id varchar references address (id), password_hash varchar, phone varchar,
        has_account boolean not null default false,
        created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
        deleted_at timestamptz, metadata jsonb);
      alter table address add foreign key (customer_id) references customer (id);
      create index on address (customer_id);
      create index on customer (billing_address_id);
      create unique index on customer (email, has_account) where deleted_at is null;`);
    await client.query(
      `insert into customer (id, email, first_name, last_name, password_hash, has_account,
         created_at, updated_at, metadata)
       select 'cus_' || lpad(i::text, 8, '0'), 'customer' || i || '@example.com', 'First', 'Last',
         $1, true, to_timestamp((1700000000000 + i) / 1000.0), now(), '{"bench": true}'
       from generate_series(1, $2::int) i`,
      [hash, customers],
    );
    await client.query(
      `insert into address (id, customer_id, address_1, city, country_code, postal_code)
       select 'addr_' || lpad(i::text, 8, '0'), 'cus_' || lpad(i::text, 8, '0'), '1 Main St',
         'Paris', 'fr', '75001'
       from generate_series(1, $1::int) i`,
      [customers],
    );
    await client.query("analyze");
  } finally {
    await client.end();
  }
}

/** `gatehouse import --from <from>` as a subprocess: its wall time and peak RSS. */
async function runCli(from: string, env: Record<string, string>) {
  const started = performance.now();
  const child = spawn(process.execPath, [cliEntry, "import", "--from", from, "--json"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const rss = sampleRss(child.pid);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.on("exit", done));
  const seconds = (performance.now() - started) / 1000;
  const maxRssMb = rss.stop();
  if (code !== 0) throw new Error(`gatehouse import failed (${code}): ${stderr}`);
  return { seconds, maxRssMb, report: JSON.parse(stdout) as { imported: number } };
}

/** The baseline: the file's rows through plain batched INSERTs, nothing read or checked. */
async function plainInserts(file: string, env: Record<string, string>): Promise<number> {
  const runtime = await openSqlRuntime({
    databaseUrl: env.DATABASE_URL,
    databaseListenUrl: undefined,
    databasePoolSize: 2,
    databaseSchema: undefined,
    dataDir: env.DATA_DIR!,
  });
  try {
    await migrateToLatest(runtime.db);
    const started = performance.now();
    const write = async (batch: ImportCustomer[]) => {
      await runtime.db.transaction().execute(async (trx) => {
        await trx.insertInto("customer").values(batch.map(customerRow)).execute();
        for (const rows of chunks(batch.flatMap(addressRows))) {
          await trx.insertInto("address").values(rows).execute();
        }
      });
    };
    let batch: ImportCustomer[] = [];
    for await (const line of createInterface({ input: createReadStream(file) })) {
      const customer = JSON.parse(line) as ImportCustomer;
      for (const address of customer.addresses) address.customer_id = customer.id;
      batch.push(customer);
      if (batch.length === BATCH_SIZE) {
        await write(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await write(batch);
    return (performance.now() - started) / 1000;
  } finally {
    await runtime.close();
  }
}

export async function runImportScenario(context: {
  customers: number;
  log: (line: string) => void;
}): Promise<ImportBenchReport> {
  const { customers, log } = context;
  const report: ImportBenchReport = { customers, runs: [], baseline: [] };
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-bench-import-"));
  const databases: Array<{ drop(): Promise<void> }> = [];
  const fresh = async (target: ImportRun["target"]): Promise<Record<string, string>> => {
    if (target === "SQLite") {
      return { DATA_DIR: await mkdtemp(join(dir, "sqlite-")) };
    }
    const database = await createPostgresDatabase();
    databases.push(database);
    return { DATA_DIR: dir, DATABASE_URL: database.url };
  };
  try {
    // Medusa v1's own parameters (N = 2): the hashes its customers have.
    const hash = await hashMedusaScrypt("bench-password", { logN: 1, r: 1, p: 1 });
    const file = join(dir, "customers.jsonl");
    log(
      `Import: ${customers} customers with one address each, one JSON Lines file and Medusa v1's tables`,
    );
    await writeFile(file, customers, hash);
    const medusa = await createPostgresDatabase();
    databases.push(medusa);
    await createMedusaV1(medusa.url, customers, hash);

    for (const target of ["SQLite", "PostgreSQL"] as const) {
      const env = await fresh(target);
      const seconds = await plainInserts(file, env);
      report.baseline.push({ target, seconds, customersPerSec: customers / seconds });
      log(
        `  baseline, plain INSERTs into ${target}: ${seconds.toFixed(1)} s, ${Math.round(customers / seconds)} customers/s`,
      );
      const sources = [
        { source: "JSON Lines" as const, from: file },
        { source: "Medusa v1 (PostgreSQL)" as const, from: medusa.url },
      ];
      for (const { source, from } of sources) {
        const into = await fresh(target);
        for (const rerun of [false, true]) {
          const run = await runCli(from, into);
          if (!rerun && run.report.imported !== customers) {
            throw new Error(`imported ${run.report.imported} of ${customers} customers`);
          }
          report.runs.push({
            source,
            target,
            rerun,
            seconds: run.seconds,
            customersPerSec: customers / run.seconds,
            maxRssMb: run.maxRssMb,
          });
          log(
            `  ${source} → ${target}${rerun ? " (again: all already present)" : ""}: ` +
              `${run.seconds.toFixed(1)} s, ${Math.round(customers / run.seconds)} customers/s, ` +
              `peak RSS ${run.maxRssMb ?? "?"} MiB`,
          );
        }
      }
    }
    return report;
  } finally {
    await Promise.allSettled(databases.map((database) => database.drop()));
    await rm(dir, { recursive: true, force: true });
  }
}
