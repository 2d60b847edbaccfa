/**
 * The `import` scenario (docs/benchmarks.md): `gatehouse import` of N customers (100,000 by
 * default), each with one address and one precomputed Medusa scrypt hash (hashing N would take
 * hours), from a JSON Lines file and from scratch PostgreSQL databases with Medusa v1's customer
 * and address tables and with Medusa v2's customer, address and emailpass identity tables, into a
 * fresh SQLite file and a fresh PostgreSQL database. Each run is the real command as a subprocess
 * (its start included); then the same source again, where every customer is already present. The
 * baseline is the same rows written with plain batched INSERTs (1,000 rows a statement, a
 * transaction per batch, no reads or checks) in this process. Medusa v2's source is also read
 * alone, as the import reads it, from N/2 and from N customers: how reading grows with the store.
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
import { openMedusaSource } from "../src/import/medusa-source.js";
import type { ImportCustomer } from "../src/import/records.js";
import { BATCH_SIZE } from "../src/import/run.js";
import { addressRows, chunks, customerRow } from "../src/import/target.js";
import { hashMedusaScrypt } from "../src/services/medusa-scrypt.js";
import { migrateToLatest, openSqlRuntime } from "../src/stores/sql/runtime.js";
import { sampleRss } from "./load.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const cliEntry = join(root, "packages/server/dist/cli/index.js");

export interface ImportRun {
  source: "JSON Lines" | "Medusa v1 (PostgreSQL)" | "Medusa v2 (PostgreSQL)";
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
  /**
   * Medusa v2's source read as the import reads it (both passes, nothing written) at N/2 and N
   * customers: `msPerPage` is the time per 1,000 customers of a pass, and `ratio` the second time
   * over the first, 2 when reading grows linearly with the store.
   */
  growth: {
    customers: [number, number];
    seconds: [number, number];
    msPerPage: [number, number];
    ratio: number;
  } | null;
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

/**
 * Medusa v2's customer, customer_address, auth_identity and provider_identity tables (their DDL as
 * Medusa 2.21's migrations make them: primary keys, foreign keys and indexes; no index on
 * `auth_identity.app_metadata`), each customer an account with one address and one emailpass
 * identity naming it in `app_metadata.customer_id`.
 */
async function createMedusaV2(url: string, customers: number, hash: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times = `created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(), deleted_at timestamptz`;
    await client.query(`
      create table customer (
        id text primary key, company_name text, first_name text, last_name text, email text,
        phone text, has_account boolean not null default false, metadata jsonb, ${times},
        created_by text);
      create table customer_address (
        id text primary key,
        customer_id text not null references customer (id) on update cascade on delete cascade,
        address_name text, is_default_shipping boolean not null default false,
        is_default_billing boolean not null default false, company text, first_name text,
        last_name text, address_1 text, address_2 text, city text, country_code text,
        province text, postal_code text, phone text, metadata jsonb, ${times});
      create table auth_identity (id text primary key, app_metadata jsonb, ${times});
      create table provider_identity (
        id text primary key, entity_id text not null, provider text not null,
        auth_identity_id text not null
          references auth_identity (id) on update cascade on delete cascade,
        user_metadata jsonb, provider_metadata jsonb, ${times});
      create index on customer (deleted_at) where deleted_at is null;
      create unique index on customer (email, has_account) where deleted_at is null;
      create index on customer_address (customer_id);
      create index on customer_address (deleted_at) where deleted_at is null;
      create unique index on customer_address (customer_id) where is_default_billing = true;
      create unique index on customer_address (customer_id) where is_default_shipping = true;
      create index on auth_identity (deleted_at) where deleted_at is null;
      create index on provider_identity (auth_identity_id);
      create index on provider_identity (deleted_at) where deleted_at is null;
      create unique index on provider_identity (entity_id, provider);`);
    const id = (prefix: string) => `'${prefix}_' || lpad(i::text, 8, '0')`;
    const created = "to_timestamp((1700000000000 + i) / 1000.0)";
    await client.query(
      `insert into customer (id, email, first_name, last_name, has_account, created_at,
         updated_at, metadata)
       select ${id("cus")}, 'customer' || i || '@example.com', 'First', 'Last', true, ${created},
         now(), '{"bench": true}'
       from generate_series(1, $1::int) i`,
      [customers],
    );
    await client.query(
      `insert into customer_address (id, customer_id, address_1, city, country_code, postal_code)
       select ${id("cuaddr")}, ${id("cus")}, '1 Main St', 'Paris', 'fr', '75001'
       from generate_series(1, $1::int) i`,
      [customers],
    );
    await client.query(
      `insert into auth_identity (id, app_metadata, created_at)
       select ${id("authid")}, jsonb_build_object('customer_id', ${id("cus")}), ${created}
       from generate_series(1, $1::int) i`,
      [customers],
    );
    await client.query(
      `insert into provider_identity (id, entity_id, provider, auth_identity_id, provider_metadata)
       select ${id("provid")}, 'customer' || i || '@example.com', 'emailpass', ${id("authid")},
         jsonb_build_object('password', $1::text)
       from generate_series(1, $2::int) i`,
      [hash, customers],
    );
    await client.query("analyze");
  } finally {
    await client.end();
  }
}

/**
 * A Medusa database read as the import reads it, the pass without addresses and then the one with
 * them, nothing written: its seconds.
 */
async function readSource(url: string, customers: number): Promise<number> {
  const source = await openMedusaSource(url);
  try {
    const started = performance.now();
    let read = 0;
    for (const addresses of [false, true]) {
      for await (const batch of source.batches(BATCH_SIZE, addresses)) read += batch.length;
    }
    if (read !== 2 * customers) throw new Error(`read ${read / 2} of ${customers} customers`);
    return (performance.now() - started) / 1000;
  } finally {
    await source.close();
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

/** Imports into each run's environment must take every customer of the source. */
function expectAll(run: { report: { imported: number } }, customers: number): void {
  if (run.report.imported !== customers) {
    throw new Error(`imported ${run.report.imported} of ${customers} customers`);
  }
}

export async function runImportScenario(context: {
  customers: number;
  log: (line: string) => void;
}): Promise<ImportBenchReport> {
  const { customers, log } = context;
  const report: ImportBenchReport = { customers, runs: [], baseline: [], growth: null };
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-bench-import-"));
  const databases: Array<{ drop(): Promise<void> }> = [];
  const scratch = async () => {
    const database = await createPostgresDatabase();
    databases.push(database);
    return database.url;
  };
  const fresh = async (target: ImportRun["target"]): Promise<Record<string, string>> => {
    if (target === "SQLite") {
      return { DATA_DIR: await mkdtemp(join(dir, "sqlite-")) };
    }
    return { DATA_DIR: dir, DATABASE_URL: await scratch() };
  };
  try {
    // Medusa v1's own parameters (N = 2): the hashes its customers have.
    const hash = await hashMedusaScrypt("bench-password", { logN: 1, r: 1, p: 1 });
    const file = join(dir, "customers.jsonl");
    log(
      `Import: ${customers} customers with one address each, one JSON Lines file, Medusa v1's ` +
        "tables and Medusa v2's (each an account with an emailpass identity)",
    );
    await writeFile(file, customers, hash);
    const medusaV1 = await scratch();
    await createMedusaV1(medusaV1, customers, hash);
    const medusaV2 = await scratch();
    await createMedusaV2(medusaV2, customers, hash);

    for (const target of ["SQLite", "PostgreSQL"] as const) {
      const env = await fresh(target);
      const seconds = await plainInserts(file, env);
      report.baseline.push({ target, seconds, customersPerSec: customers / seconds });
      log(
        `  baseline, plain INSERTs into ${target}: ${seconds.toFixed(1)} s, ${Math.round(customers / seconds)} customers/s`,
      );
      const sources = [
        { source: "JSON Lines" as const, from: file, version: "1" },
        { source: "Medusa v1 (PostgreSQL)" as const, from: medusaV1, version: "1" },
        { source: "Medusa v2 (PostgreSQL)" as const, from: medusaV2, version: "2" },
      ];
      for (const { source, from, version } of sources) {
        const into = { ...(await fresh(target)), MEDUSA_VERSION: version };
        for (const rerun of [false, true]) {
          const run = await runCli(from, into);
          if (!rerun) expectAll(run, customers);
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

    // Growth: the source alone, N/2 then N customers, three times in turn; the fastest of each.
    const half = Math.floor(customers / 2);
    const medusaV2Half = await scratch();
    await createMedusaV2(medusaV2Half, half, hash);
    const sizes = [
      { from: medusaV2Half, count: half, seconds: Infinity },
      { from: medusaV2, count: customers, seconds: Infinity },
    ];
    for (let round = 0; round < 3; round++) {
      for (const size of sizes) {
        size.seconds = Math.min(size.seconds, await readSource(size.from, size.count));
      }
    }
    type Size = (typeof sizes)[number];
    const [small, large] = sizes as [Size, Size];
    const msPerPage = (size: Size) =>
      (size.seconds * 1000) / (2 * Math.ceil(size.count / BATCH_SIZE));
    report.growth = {
      customers: [small.count, large.count],
      seconds: [small.seconds, large.seconds],
      msPerPage: [msPerPage(small), msPerPage(large)],
      ratio: large.seconds / small.seconds,
    };
    log(
      `  growth, reading Medusa v2 (both passes): ${small.count} customers in ` +
        `${small.seconds.toFixed(1)} s (${msPerPage(small).toFixed(0)} ms a page), ${large.count} ` +
        `in ${large.seconds.toFixed(1)} s (${msPerPage(large).toFixed(0)} ms a page): ` +
        `×${report.growth.ratio.toFixed(2)}`,
    );
    return report;
  } finally {
    await Promise.allSettled(databases.map((database) => database.drop()));
    await rm(dir, { recursive: true, force: true });
  }
}
