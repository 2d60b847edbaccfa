/**
 * `npm run bench`: Gatehouse's throughput and latency on SQLite, then on PostgreSQL + Redis,
 * compared in the same run with a bare node:http server sending the same customer JSON and with
 * raw Argon2id hashing, beside a Fastify reference (Gatehouse's plugins and hooks, no storage)
 * that separates the framework's cost from Gatehouse's; and the real Medusa v1 and Medusa v2, each
 * with Gatehouse in front of it (./medusa.ts, ./medusa-v2.ts), when their harnesses are installed;
 * and the time from `node packages/server/dist/start.cjs` to its first answer (./cold-start.ts).
 * See docs/benchmarks.md.
 *
 *   node --import tsx packages/server/bench/run.ts [--quick] [--customers N] [--compare-sizes]
 *     [--duration S] [--warmup S] [--connections N] [--backends sqlite,postgres,postgres+redis]
 *     [--only get-cookie,get-bearer,get-exists,…] [--compare REF [--rounds N]]
 *     [--json FILE] [--cpu-prof DIR]
 *
 * The server runs from its built output (packages/server/dist/start.cjs) as a separate process;
 * autocannon runs in this process, on the same machine and cores.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, freemem, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  adminDatabaseUrl,
  createBackend,
  testRedisUrl,
  type Backend,
  type BackendName,
} from "../../../testing/backend.js";
import { getToken, login, request } from "../../../testing/http.js";
import { ARGON2_OPTIONS } from "./argon2-options.js";
import { runImportScenario, type ImportBenchReport } from "./import.js";
import { hostCpu, runLoad, warmThenRun, type BenchRequest, type LoadResult } from "./load.js";
import {
  runArgon2Baseline,
  startBareServer,
  startGatehouse,
  stopAll,
  type Argon2Baseline,
  type GatehouseProcess,
} from "./processes.js";
import { buildOtherRef, type OtherBuild } from "./compare.js";
import {
  MEDUSA_TARGETS,
  medusaUnavailableReason,
  runMedusaScenario,
  stopMedusaScenario,
  type MedusaReport,
} from "./medusa.js";
import {
  MEDUSA_V2_TARGETS,
  medusaV2UnavailableReason,
  runMedusaV2Scenario,
  stopMedusaV2Scenario,
  type MedusaV2Report,
} from "./medusa-v2.js";
import { formatColdStart, runColdStart, type ColdStartReport } from "./cold-start.js";
import {
  BENCH_PASSWORD,
  benchEmail,
  benchPasswordHash,
  seedCookieSessions,
  seedPostgres,
  seedSqlite,
  setSessionsLastSeen,
} from "./seed.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");

// ---------------------------------------------------------------------------------------------
// Options

const SCENARIO_IDS = [
  "get-cookie",
  "get-bearer",
  "get-exists",
  "get-cookie-many",
  "get-bearer-many",
  "get-exists-many",
  "get-cookie-touch",
  "login",
  "token",
  "storm",
  "baselines",
  "medusa",
  "medusa-v2",
  "cold-start",
  "import",
] as const;
type ScenarioId = (typeof SCENARIO_IDS)[number];

const BACKEND_LABELS: Record<BackendName, string> = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
  "postgres+redis": "PostgreSQL + Redis",
};

interface Options {
  quick: boolean;
  customers: number;
  compareSizes: boolean;
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Distinct sessions (and tokens) the GET scenarios rotate through. */
  sessions: number;
  backends: BackendName[];
  only: Set<ScenarioId> | null;
  json: string | undefined;
  cpuProf: string | undefined;
  /** Before each measurement, wait until the machine is quiet; re-measure runs disturbed by others. */
  waitQuiet: boolean;
  /** The longest wait for quiet CPUs, in seconds. */
  waitQuietMaxSec: number;
  /** Extra environment variables for the server (e.g. UV_THREADPOOL_SIZE=2). */
  serverEnv: Record<string, string>;
  /** Cookie sessions seeded for get-cookie-many. */
  manySessions: number;
  /** Client addresses the *-many scenarios send requests from (X-Forwarded-For). */
  addresses: number;
  /** A git ref whose build runs beside this one, measured in alternation. */
  compare: string | undefined;
  /** With --compare: measurements of each scenario on each build. */
  rounds: number;
}

const USAGE = `Usage: npm run bench -- [options]
  --quick               short run: 3 s per scenario after a 1 s warm-up, 200 customers
  --customers N         customers to seed (default 1000; 200 with --quick)
  --compare-sizes       run everything with 1,000 customers and with --customers (default
                        100,000 here) and print the differences (target: within 10%)
  --duration S          seconds measured per scenario (default 10; 3 with --quick)
  --warmup S            seconds of warm-up before each scenario (default 3; 1 with --quick)
  --connections N       concurrent connections per scenario (default 16)
  --backends LIST       sqlite,postgres,postgres+redis (default), or some of them
  --many-sessions N     cookie sessions seeded for get-cookie-many (default 4096)
  --addresses N         client addresses of the *-many scenarios (default 4096; 1 in 8 IPv6)
  --compare REF         also build the git ref REF in a temporary worktree and run its server
                        beside this one: each scenario measured on A (this tree) and B (REF) in
                        turn, A B A B …, and reported as medians and the ratio B/A
  --rounds N            with --compare: measurements per build and scenario (default 3)
  --only LIST           ${SCENARIO_IDS.join(",")}
                        (medusa: the real Medusa v1 and Gatehouse in front of it, once per run,
                        whatever --backends says; skipped when its harness is not installed;
                        medusa-v2: the same with the real Medusa v2; cold-start: the time from
                        starting the server to its first answer, SQLite, development, 7 starts
                        or 3 with --quick; import: gatehouse import of 100,000 customers, 10,000
                        with --quick)
  --json FILE           also write the report to FILE (bench-results/latest.json is always written)
  --cpu-prof DIR        start the server with node --cpu-prof --cpu-prof-dir=DIR
  --server-env K=V      an environment variable for the server (repeatable), to try a setting
                        such as UV_THREADPOOL_SIZE=2 or NODE_OPTIONS=--max-semi-space-size=4
  --wait-quiet          on a shared machine: before each measurement wait (up to 10 min) until
                        other processes leave the CPUs alone, and measure again (up to 3 times)
                        when they used more than 15% of a core meanwhile
  --wait-quiet-max S    wait at most S seconds for quiet CPUs (default 600); when they never
                        came, the measurement is taken once, disturbed, and marked so
  --help`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      customers: { type: "string" },
      "compare-sizes": { type: "boolean", default: false },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      backends: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      "cpu-prof": { type: "string" },
      "wait-quiet": { type: "boolean", default: false },
      "wait-quiet-max": { type: "string" },
      "server-env": { type: "string", multiple: true },
      "many-sessions": { type: "string" },
      addresses: { type: "string" },
      compare: { type: "string" },
      rounds: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const value = Number(text.replace(/[_,]/g, ""));
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${name} must be an integer ≥ ${min}, not ${JSON.stringify(text)}`);
    }
    return value;
  };
  const quick = values.quick;
  const compareSizes = values["compare-sizes"];
  const backends = (values.backends ?? "sqlite,postgres,postgres+redis").split(",").map((name) => {
    if (name !== "sqlite" && name !== "postgres" && name !== "postgres+redis") {
      throw new Error(`--backends: unknown backend ${JSON.stringify(name)}`);
    }
    return name;
  });
  let only: Set<ScenarioId> | null = null;
  if (values.only !== undefined) {
    only = new Set();
    for (const id of values.only.split(",")) {
      if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
        throw new Error(`--only: unknown scenario ${JSON.stringify(id)}`);
      }
      only.add(id as ScenarioId);
    }
  }
  return {
    quick,
    customers: number(
      "customers",
      values.customers,
      compareSizes ? 100_000 : quick ? 200 : 1000,
      10,
    ),
    compareSizes,
    durationSec: number("duration", values.duration, quick ? 3 : 10, 1),
    warmupSec: number("warmup", values.warmup, quick ? 1 : 3, 0),
    connections: number("connections", values.connections, 16, 1),
    sessions: quick ? 32 : 128,
    backends,
    only,
    json: values.json,
    cpuProf: values["cpu-prof"],
    waitQuiet: values["wait-quiet"],
    waitQuietMaxSec: number("wait-quiet-max", values["wait-quiet-max"], 600, 0),
    manySessions: number("many-sessions", values["many-sessions"], 4096, 1),
    addresses: number("addresses", values.addresses, 4096, 1),
    compare: values.compare,
    rounds: number("rounds", values.rounds, 3, 1),
    serverEnv: Object.fromEntries(
      (values["server-env"] ?? []).map((pair) => {
        const equals = pair.indexOf("=");
        if (equals < 1)
          throw new Error(`--server-env must be NAME=VALUE, not ${JSON.stringify(pair)}`);
        return [pair.slice(0, equals), pair.slice(equals + 1)];
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Fixed parameters and targets

/** The "login storm" probe: a steady trickle of GET /store/auth, idle and under login load. */
const PROBE_CONNECTIONS = 4;
const PROBE_RATE = 200;
/** Distinct emails the email-check and login scenarios cycle through. */
const EMAIL_SAMPLE = 2000;
/**
 * Rate limits stay on, but a load generator is one client IP: the per-IP limits are raised so
 * that the limiter's bookkeeping is measured while no request is refused.
 */
const RATE_LIMIT_ENV = {
  RATE_LIMIT_LOGIN_IP: "1000000000/1m",
  RATE_LIMIT_LOGIN_IP_ACCOUNT: "1000000000/1m",
  RATE_LIMIT_EXISTS: "1000000000/1m",
};
/**
 * The load generator stands for a proxy in front of the server: X-Forwarded-For from loopback
 * is believed, so the *-many scenarios' requests count under their own client addresses.
 */
const PROXY_ENV = { TRUST_PROXY: "127.0.0.1" };
/** The touch scenario's sessions and idle timeout (touch interval: a quarter); docs/benchmarks.md. */
const TOUCH_SESSIONS = 32_768;
const TOUCH_IDLE_TIMEOUT_MS = 40_000;
/** Scenarios that run in a suite of their own (their server has other settings). */
const OWN_SUITE: ReadonlySet<ScenarioId> = new Set(["get-cookie-touch"]);

/** CPU (% of one core) other processes may use during a measurement before it counts as disturbed. */
const NOISY_CPU_PERCENT = 15;

const TARGETS = {
  getVsBare: { sqlite: 0.5, postgres: 0.35, "postgres+redis": 0.35 } as Record<BackendName, number>,
  loginVsArgon2: 0.85,
  stormP99: 3,
  rssMb: 150,
  sizeDelta: 0.1,
};

// ---------------------------------------------------------------------------------------------
// Report types

interface Ratio {
  value: number;
  versus: "bare node:http" | "raw Argon2id";
  target: number;
  pass: boolean;
}

interface ScenarioReport {
  id: ScenarioId;
  label: string;
  connections: number;
  result: LoadResult;
  ratio?: Ratio;
  /** GET routes: requests/s relative to the Fastify reference (the framework's own ceiling). */
  vsFramework?: number;
}

interface StormReport {
  probe: { connections: number; rate: number };
  idle: LoadResult;
  underLogin: LoadResult;
  login: LoadResult;
  p99Ratio: number;
  target: number;
  pass: boolean;
}

interface SuiteReport {
  backend: BackendName;
  label: string;
  customers: number;
  seedSeconds: number;
  scenarios: ScenarioReport[];
  storm?: StormReport;
  /** Measured in this suite, just before the scenarios they are compared with. */
  baselines: SuiteBaselines;
  maxRssMb: number | null;
  rssPass: boolean | null;
  cpuProfiles?: string[];
}

type BareBaseline = LoadResult & { bodyBytes: number; contentType: string };

interface SuiteBaselines {
  bare?: BareBaseline;
  /** Fastify with Gatehouse's plugins and hooks, same JSON, no session or storage (reference only). */
  framework?: BareBaseline;
  argon2?: Argon2Baseline;
}

interface TargetLine {
  name: string;
  value: string;
  target: string;
  pass: boolean;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtInt = (value: number) => Math.round(value).toLocaleString("en-US");
const fmtRate = (value: number) =>
  value >= 100 ? fmtInt(value) : value.toLocaleString("en-US", { maximumFractionDigits: 1 });
const fmtMs = (value: number) =>
  Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : "–";
const fmtRatio = (value: number) => `${value.toFixed(2)}×`;
const passMiss = (pass: boolean) => (pass ? "PASS" : "MISS");
/** Marks a measurement during which other processes used the CPUs. */
const noisy = (result: LoadResult) =>
  (result.otherCpuPercent ?? 0) > NOISY_CPU_PERCENT ? " (*)" : "";
const cpu = (result: LoadResult) => {
  const value = (percent: number | null) => (percent === null ? "–" : fmtInt(percent));
  const loop =
    result.targetMainThreadCpuPercent === null
      ? ""
      : ` (${value(result.targetMainThreadCpuPercent)})`;
  return [
    value(result.targetCpuPercent) + loop,
    value(result.generatorCpuPercent),
    value(result.storageCpuPercent),
    value(result.otherCpuPercent),
  ].join("/");
};

function table(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// Machine

/** The machine's CPU use (% of one core) in the 2 s before the run, when nothing of ours ran. */
let busyBeforeStart: number | null = null;
let machineCache: ReturnType<typeof readMachine> | undefined;
const machineInfo = () => (machineCache ??= readMachine());

function readMachine() {
  const cpuInfo = (() => {
    try {
      return readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      return "";
    }
  })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "?";
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || nproc;
  } catch {
    // no coreutils
  }
  let commit: string | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    commit = undefined;
  }
  return {
    nproc,
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    commit,
  };
}

// ---------------------------------------------------------------------------------------------
// Backends

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((done) => {
    const socket = connect({
      host: parsed.hostname,
      port: Number(parsed.port || defaultPort),
      timeout: 2000,
    });
    socket.once("connect", () => (socket.destroy(), done(true)));
    socket.once("error", () => done(false));
    socket.once("timeout", () => (socket.destroy(), done(false)));
  });
}

/** Why a backend cannot be used, or undefined when it can. */
async function unavailableReason(name: BackendName): Promise<string | undefined> {
  if (name === "sqlite") return undefined;
  const redact = (url: string) => {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  };
  if (!(await reachable(adminDatabaseUrl, 5432))) {
    return `PostgreSQL is unreachable at ${redact(adminDatabaseUrl)} (set DATABASE_URL)`;
  }
  if (name === "postgres+redis" && !(await reachable(testRedisUrl, 6379))) {
    return `Redis is unreachable at ${redact(testRedisUrl)} (set REDIS_URL)`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Running

/** Runs `task` over `items` with at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/** Indexes spread evenly over the whole table, so a large store is read all over. */
function spread(count: number, sample: number): number[] {
  const n = Math.min(count, sample);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

const log = (message: string) => process.stderr.write(`${message}\n`);

/** The build of --compare, whose worktree is removed at the end (or on Ctrl-C). */
let other: OtherBuild | undefined;

/** Backends whose database and Redis keys still have to be dropped. */
const liveBackends = new Set<Backend>();

/** The CPU profiles in a --cpu-prof directory. */
function listProfiles(dir: string | undefined): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((file) => file.endsWith(".cpuprofile"))
      .map((file) => join(resolve(dir), file));
  } catch {
    return [];
  }
}

interface Prepared {
  server: GatehouseProcess;
  cookieRequests: BenchRequest[];
  bearerRequests: BenchRequest[];
  existsRequests: BenchRequest[];
  loginRequests: BenchRequest[];
  tokenRequests: BenchRequest[];
  /** The same, from many client addresses (and many cookie sessions); built when wanted. */
  cookieManyRequests: BenchRequest[];
  bearerManyRequests: BenchRequest[];
  existsManyRequests: BenchRequest[];
  touchRequests: BenchRequest[];
  sampleBody: string;
  sampleContentType: string;
}

/**
 * The client addresses of the *-many scenarios: IPv4 from 198.18.0.0/15 (set aside for
 * benchmarks, RFC 2544) and, one in eight, IPv6 from 2001:db8::/32 (documentation), each in a /64
 * of its own, since rate limits count IPv6 clients by /64 (RATE_LIMIT_IPV6_PREFIX).
 */
export function clientAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 8 === 7
      ? `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::${(i % 250) + 1}`
      : `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`,
  );
}

/** `requests`, as many as `addresses` at least, each from the next client address in turn. */
function fromAddresses(requests: BenchRequest[], addresses: string[]): BenchRequest[] {
  return Array.from({ length: Math.max(requests.length, addresses.length) }, (_, i) => {
    const request = requests[i % requests.length]!;
    return {
      ...request,
      headers: { ...request.headers, "x-forwarded-for": addresses[i % addresses.length]! },
    };
  });
}

/** The node flags `npm start` runs the server with, so that the benchmark measures the same. */
function startScriptNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const match = /\bnode((?:\s+--\S+)*)\s+packages\/server\/dist\/start\.cjs/.exec(
    scripts.start ?? "",
  );
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

async function prepare(
  backend: Backend,
  options: Options,
  customers: number,
  passwordHash: string,
  suite: { wanted: (id: ScenarioId) => boolean; env: Record<string, string>; entry?: string },
): Promise<{ prepared: Prepared; seedSeconds: number }> {
  const { wanted } = suite;
  const server = await startGatehouse({
    backendEnv: backend.env,
    env: { ...RATE_LIMIT_ENV, ...PROXY_ENV, ...suite.env, ...options.serverEnv },
    ...(suite.entry && { entry: suite.entry }),
    nodeArgs: [
      ...startScriptNodeFlags(),
      ...(options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${resolve(options.cpuProf)}`] : []),
    ],
  });
  try {
    const seedStart = performance.now();
    if (backend.env.DATABASE_URL)
      await seedPostgres(backend.env.DATABASE_URL, customers, passwordHash);
    else seedSqlite(server.dataDir, customers, passwordHash);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`  seeded ${fmtInt(customers)} customers in ${seedSeconds.toFixed(1)} s`);

    // Sessions and tokens come from real logins, spread over the whole customer table.
    const sessionEmails = spread(customers, options.sessions).map(benchEmail);
    const cookies = await mapLimit(sessionEmails, 8, async (email) => {
      const { cookie } = await login(server.url, email, BENCH_PASSWORD);
      return cookie;
    });
    const tokens = await mapLimit(sessionEmails, 8, (email) =>
      getToken(server.url, email, BENCH_PASSWORD),
    );
    log(`  ${cookies.length} cookie sessions and ${tokens.length} bearer tokens from real logins`);

    const sample = await request(server.url, "GET", "/store/auth", { cookie: cookies[0] });
    if (sample.status !== 200) throw new Error(`GET /store/auth answered ${sample.status}`);

    // Many cookie sessions are written straight into the store: a login each would take minutes.
    const seededCount = wanted("get-cookie-touch")
      ? TOUCH_SESSIONS
      : wanted("get-cookie-many")
        ? options.manySessions
        : 0;
    const cookieName = cookies[0]!.slice(0, cookies[0]!.indexOf("="));
    const seeded =
      seededCount === 0
        ? []
        : (
            await seedCookieSessions(
              { dataDir: server.dataDir, env: backend.env },
              customers,
              seededCount,
              server.env.COOKIE_SECRET!,
            )
          ).map((token) => `${cookieName}=${token}`);
    if (seeded.length > 0) log(`  ${fmtInt(seeded.length)} cookie sessions seeded`);

    const emails = spread(customers, EMAIL_SAMPLE).map(benchEmail);
    const json = { "content-type": "application/json" };
    const credentials = (email: string) => JSON.stringify({ email, password: BENCH_PASSWORD });
    const cookieGet = (cookie: string): BenchRequest => ({
      method: "GET",
      path: "/store/auth",
      headers: { cookie },
    });
    const cookieRequests = cookies.map(cookieGet);
    const bearerRequests = tokens.map((token): BenchRequest => ({
      method: "GET",
      path: "/store/auth",
      headers: { authorization: `Bearer ${token}` },
    }));
    const existsRequests = emails.map((email): BenchRequest => ({
      method: "GET",
      path: `/store/auth/${encodeURIComponent(email)}`,
    }));
    const addresses = clientAddresses(options.addresses);
    const many = (id: ScenarioId, requests: BenchRequest[]) =>
      wanted(id) && requests.length > 0 ? fromAddresses(requests, addresses) : [];
    return {
      seedSeconds,
      prepared: {
        server,
        cookieRequests,
        bearerRequests,
        existsRequests,
        loginRequests: emails.map((email) => ({
          method: "POST",
          path: "/store/auth",
          headers: json,
          body: credentials(email),
        })),
        tokenRequests: emails.map((email) => ({
          method: "POST",
          path: "/store/auth/token",
          headers: json,
          body: credentials(email),
        })),
        cookieManyRequests: many("get-cookie-many", seeded.map(cookieGet)),
        bearerManyRequests: many("get-bearer-many", bearerRequests),
        existsManyRequests: many("get-exists-many", existsRequests),
        touchRequests: wanted("get-cookie-touch") ? seeded.map(cookieGet) : [],
        sampleBody: sample.text,
        sampleContentType: sample.headers.get("content-type") ?? "application/json",
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Waits until the machine has been quiet for 5 s in a row (at most `maxSec`); false when it
 * never was.
 */
async function waitForQuiet(maxSec = 600): Promise<boolean> {
  const deadline = Date.now() + maxSec * 1000;
  let quietSeconds = 0;
  let announced = false;
  while (quietSeconds < 5 && Date.now() < deadline) {
    const sample = hostCpu();
    await new Promise((done) => setTimeout(done, 1000));
    const busy = sample.stop();
    if (busy === null) return true;
    if (busy < NOISY_CPU_PERCENT) {
      quietSeconds += 1;
    } else {
      quietSeconds = 0;
      if (!announced) log(`    waiting for other processes to leave the CPUs alone…`);
      announced = true;
    }
  }
  if (quietSeconds < 5) log(`    the CPUs stayed busy for ${maxSec} s; measuring anyway`);
  return quietSeconds >= 5;
}

/**
 * Runs a measurement. With --wait-quiet, first waits for a quiet machine, and measures again
 * (up to 3 times) when other processes used the CPUs meanwhile, keeping the least disturbed run.
 */
async function measure<T>(
  options: Options,
  run: () => Promise<T>,
  otherCpu: (result: T) => number | null,
): Promise<T> {
  let best: T | undefined;
  for (let attempt = 0; attempt < (options.waitQuiet ? 4 : 1); attempt++) {
    const quiet = options.waitQuiet ? await waitForQuiet(options.waitQuietMaxSec) : true;
    const result = await run();
    const other = otherCpu(result) ?? 0;
    if (best === undefined || other < (otherCpu(best) ?? 0)) best = result;
    // Measuring again on a machine that stayed busy would only wait longer for the same.
    if (other <= NOISY_CPU_PERCENT || !quiet) break;
    if (options.waitQuiet && attempt < 3) {
      log(`    other processes used ${fmtInt(other)}% of a core meanwhile; measuring again`);
    }
  }
  return best!;
}

const otherOf = (result: LoadResult) => result.otherCpuPercent;

async function runBareBaseline(
  options: Options,
  prepared: Prepared,
  kind: "node:http" | "fastify" = "node:http",
): Promise<BareBaseline> {
  log(
    kind === "fastify"
      ? "  reference: Fastify with Gatehouse's plugins and hooks, same customer JSON, no storage"
      : "  baseline: bare node:http server sending the same customer JSON",
  );
  const bare = await startBareServer(prepared.sampleBody, prepared.sampleContentType, kind);
  try {
    // The same requests as GET /store/auth (cookie): the bare server ignores the cookies.
    const result = await measure(
      options,
      () =>
        warmThenRun(
          {
            url: bare.url,
            connections: options.connections,
            durationSec: options.durationSec,
            requests: prepared.cookieRequests,
            pid: bare.pid,
          },
          options.warmupSec,
        ),
      otherOf,
    );
    return {
      ...result,
      bodyBytes: Buffer.byteLength(prepared.sampleBody),
      contentType: prepared.sampleContentType,
    };
  } finally {
    await bare.stop();
  }
}

function runArgon2(options: Options): Promise<Argon2Baseline> {
  const { threadpoolSize, nproc } = machineInfo();
  const inFlight = 2 * Math.max(threadpoolSize, nproc);
  log(`  baseline: raw Argon2id hashing, ${inFlight} in flight`);
  return measure(
    options,
    () =>
      runArgon2Baseline({
        durationSec: options.durationSec,
        warmupSec: Math.max(1, options.warmupSec),
        inFlight,
      }),
    (result) => result.otherCpuPercent,
  );
}

function runStorm(options: Options, prepared: Prepared): Promise<StormReport> {
  return measure(
    options,
    () => runStormOnce(options, prepared),
    (storm) => Math.max(storm.idle.otherCpuPercent ?? 0, storm.underLogin.otherCpuPercent ?? 0),
  );
}

async function runStormOnce(options: Options, prepared: Prepared): Promise<StormReport> {
  const { server } = prepared;
  const probe = {
    url: server.url,
    connections: PROBE_CONNECTIONS,
    overallRate: PROBE_RATE,
    durationSec: options.durationSec,
    requests: prepared.cookieRequests,
    pid: server.pid,
  };
  const idle = await warmThenRun(probe, Math.min(1, options.warmupSec));
  // Logins first, so that hashing is saturated before the probe starts and until it ends.
  const lead = Math.max(1, options.warmupSec);
  const loginRun = runLoad({
    url: server.url,
    connections: options.connections,
    durationSec: options.durationSec + lead + 1,
    requests: prepared.loginRequests,
  });
  await new Promise((done) => setTimeout(done, lead * 1000));
  const underLogin = await runLoad(probe);
  const login = await loginRun;
  const p99Ratio = underLogin.latencyMs.p99 / idle.latencyMs.p99;
  return {
    probe: { connections: PROBE_CONNECTIONS, rate: PROBE_RATE },
    idle,
    underLogin,
    login,
    p99Ratio,
    target: TARGETS.stormP99,
    pass: p99Ratio <= TARGETS.stormP99,
  };
}

interface ScenarioDefinition {
  id: ScenarioId;
  label: string;
  requests: BenchRequest[];
  /** Runs before the warm-up and again before the measured run. */
  beforeRun?: () => Promise<void>;
  /** Each connection sends a share of the requests of its own. */
  disjoint?: boolean;
}

function scenarioDefinitions(
  prepared: Prepared,
  backend: Backend,
  options: Options,
): ScenarioDefinition[] {
  const many = `${fmtInt(options.addresses)} addresses`;
  return [
    { id: "get-cookie", label: "GET /store/auth (cookie)", requests: prepared.cookieRequests },
    { id: "get-bearer", label: "GET /store/auth (Bearer)", requests: prepared.bearerRequests },
    { id: "get-exists", label: "GET /store/auth/:email", requests: prepared.existsRequests },
    {
      id: "get-cookie-many",
      label: `GET /store/auth (cookie), ${fmtInt(options.manySessions)} sessions, ${many}`,
      requests: prepared.cookieManyRequests,
    },
    {
      id: "get-bearer-many",
      label: `GET /store/auth (Bearer), ${many}`,
      requests: prepared.bearerManyRequests,
    },
    {
      id: "get-exists-many",
      label: `GET /store/auth/:email, ${many}`,
      requests: prepared.existsManyRequests,
    },
    {
      id: "get-cookie-touch",
      label: `GET /store/auth (cookie), ${fmtInt(TOUCH_SESSIONS)} sessions, each touched`,
      requests: prepared.touchRequests,
      disjoint: true,
      // Every session last seen just over a touch interval ago: its next request writes it.
      beforeRun: async () => {
        await setSessionsLastSeen(
          { dataDir: prepared.server.dataDir, env: backend.env },
          Date.now() - TOUCH_IDLE_TIMEOUT_MS / 4 - 500,
        );
        // Time for the server to hear of the change (PostgreSQL's triggers) before the load.
        await new Promise((done) => setTimeout(done, 1000));
      },
    },
    { id: "login", label: "POST /store/auth (login)", requests: prepared.loginRequests },
    { id: "token", label: "POST /store/auth/token", requests: prepared.tokenRequests },
  ];
}

/** One measurement of a scenario on a server (warm-up, then the measured run). */
function measureScenario(
  options: Options,
  server: GatehouseProcess,
  definition: ScenarioDefinition,
): Promise<LoadResult> {
  return measure(
    options,
    async () => {
      const spec = {
        url: server.url,
        connections: options.connections,
        durationSec: options.durationSec,
        requests: definition.requests,
        ...(definition.disjoint && { disjoint: true }),
        pid: server.pid,
      };
      const { beforeRun } = definition;
      if (!beforeRun) return warmThenRun(spec, options.warmupSec);
      await beforeRun();
      if (options.warmupSec > 0) {
        await runLoad({ ...spec, durationSec: options.warmupSec, pid: undefined });
      }
      await beforeRun();
      return runLoad(spec);
    },
    otherOf,
  );
}

/** The settings a suite's server gets beyond the usual ones. */
function suiteEnv(ids: ScenarioId[]): Record<string, string> {
  return ids.includes("get-cookie-touch")
    ? { SESSION_IDLE_TIMEOUT: `${TOUCH_IDLE_TIMEOUT_MS / 1000}s` }
    : {};
}

async function runSuite(
  name: BackendName,
  customers: number,
  options: Options,
  passwordHash: string,
  ids: ScenarioId[],
): Promise<SuiteReport> {
  const label = BACKEND_LABELS[name];
  log(`\n${label}, ${fmtInt(customers)} customers`);
  const backend = await createBackend(name);
  liveBackends.add(backend);
  const profilesBefore = listProfiles(options.cpuProf);
  let prepared: Prepared | undefined;
  try {
    const wanted = (id: ScenarioId) => ids.includes(id);
    const ready = await prepare(backend, options, customers, passwordHash, {
      wanted,
      env: suiteEnv(ids),
    });
    prepared = ready.prepared;

    const baselines: SuiteBaselines = {};

    const { server } = prepared;
    const scenarios: ScenarioReport[] = [];
    for (const definition of scenarioDefinitions(prepared, backend, options)) {
      if (!wanted(definition.id)) continue;
      const isGet = definition.id.startsWith("get-");
      const isLogin = definition.id === "login" || definition.id === "token";
      // Each baseline is measured right before the scenarios it is compared with.
      if (wanted("baselines") && isGet && !baselines.bare) {
        baselines.bare = await runBareBaseline(options, prepared);
        baselines.framework = await runBareBaseline(options, prepared, "fastify");
      }
      if (wanted("baselines") && isLogin && !baselines.argon2) {
        baselines.argon2 = await runArgon2(options);
      }
      log(`  ${definition.label}`);
      const result = await measureScenario(options, server, definition);
      const report: ScenarioReport = {
        id: definition.id,
        label: definition.label,
        connections: options.connections,
        result,
      };
      if (isGet && baselines.bare) {
        const value = result.requestsPerSec / baselines.bare.requestsPerSec;
        const target = TARGETS.getVsBare[name];
        report.ratio = { value, versus: "bare node:http", target, pass: value >= target };
      }
      if (isGet && baselines.framework) {
        report.vsFramework = result.requestsPerSec / baselines.framework.requestsPerSec;
      }
      scenarios.push(report);
    }

    // Argon2 throughput drifts on shared hardware (memory bandwidth): measure it again after the
    // logins and compare them with the mean of the two measurements around them.
    if (baselines.argon2) {
      const after = await runArgon2(options);
      const before = baselines.argon2;
      baselines.argon2 = {
        ...before,
        hashesPerSec: (before.hashesPerSec + after.hashesPerSec) / 2,
        measurements: [before.hashesPerSec, after.hashesPerSec],
        cpuPercent: Math.max(before.cpuPercent, after.cpuPercent),
        otherCpuPercent: Math.max(before.otherCpuPercent ?? 0, after.otherCpuPercent ?? 0),
        maxRssMb: Math.max(before.maxRssMb ?? 0, after.maxRssMb ?? 0) || null,
      };
      for (const report of scenarios) {
        if (report.id !== "login" && report.id !== "token") continue;
        const value = report.result.requestsPerSec / baselines.argon2.hashesPerSec;
        const target = TARGETS.loginVsArgon2;
        report.ratio = { value, versus: "raw Argon2id", target, pass: value >= target };
      }
    }

    let storm: StormReport | undefined;
    if (wanted("storm")) {
      log("  login storm: GET /store/auth latency, idle and under login load");
      storm = await runStorm(options, prepared);
    }

    const rss = [
      ...scenarios.map((scenario) => scenario.result.maxRssMb),
      storm?.idle.maxRssMb ?? null,
      storm?.underLogin.maxRssMb ?? null,
    ].filter((value): value is number => value !== null);
    const maxRssMb = rss.length > 0 ? Math.max(...rss) : null;
    await prepared.server.stop();
    prepared = undefined;
    const profiles = listProfiles(options.cpuProf).filter((file) => !profilesBefore.includes(file));
    return {
      backend: name,
      label,
      customers,
      seedSeconds: ready.seedSeconds,
      scenarios,
      ...(storm && { storm }),
      baselines,
      maxRssMb,
      rssPass: maxRssMb === null ? null : maxRssMb <= TARGETS.rssMb,
      ...(options.cpuProf && { cpuProfiles: profiles }),
    };
  } finally {
    await prepared?.server.stop();
    await backend.drop();
    liveBackends.delete(backend);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing two builds

interface CompareLine {
  id: ScenarioId;
  label: string;
  /** Each build's measurements, in the order taken (A and B alternating). */
  a: LoadResult[];
  b: LoadResult[];
  aMedian: number;
  bMedian: number;
  /** Median B / median A (requests per second). */
  ratio: number;
  /** B / A of each round (a measurement of B against the A just before it). */
  roundRatios: number[];
  /**
   * The server's CPU time per answered request, in µs (median of each build's measurements):
   * its cost, which other processes on the machine change less than its throughput.
   */
  aCpuUs: number | null;
  bCpuUs: number | null;
}

/** The server's CPU time per 2xx answer in µs, or null when it was not measured. */
const cpuPerRequestUs = (result: LoadResult) =>
  result.targetCpuPercent === null || result.requestsPerSec === 0
    ? null
    : ((result.targetCpuPercent / 100) * 1e6) / result.requestsPerSec;

function medianCpuUs(results: LoadResult[]): number | null {
  const values = results.map(cpuPerRequestUs);
  return values.includes(null) ? null : median(values as number[]);
}

interface CompareReport {
  backend: BackendName;
  label: string;
  customers: number;
  ref: string;
  commitB: string;
  rounds: number;
  lines: CompareLine[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Both builds on the backend, each with its own database; scenarios measured A B A B … */
async function runCompareSuite(
  name: BackendName,
  customers: number,
  options: Options,
  passwordHash: string,
  ids: ScenarioId[],
  other: OtherBuild,
): Promise<CompareReport> {
  const label = BACKEND_LABELS[name];
  log(`\n${label}, ${fmtInt(customers)} customers: A (this tree) against B (${other.ref})`);
  const wanted = (id: ScenarioId) => ids.includes(id);
  const sides: Array<{ backend: Backend; prepared: Prepared | undefined }> = [];
  try {
    for (const entry of [undefined, other.entry]) {
      const backend = await createBackend(name);
      liveBackends.add(backend);
      const side: { backend: Backend; prepared: Prepared | undefined } = {
        backend,
        prepared: undefined,
      };
      sides.push(side);
      log(`  ${entry ? "B" : "A"}:`);
      side.prepared = (
        await prepare(backend, options, customers, passwordHash, {
          wanted,
          env: suiteEnv(ids),
          ...(entry && { entry }),
        })
      ).prepared;
    }
    const [a, b] = sides.map(({ backend, prepared }) => ({
      prepared: prepared!,
      definitions: scenarioDefinitions(prepared!, backend, options),
    }));
    const lines: CompareLine[] = [];
    for (const definition of a!.definitions) {
      if (!wanted(definition.id) || definition.requests.length === 0) continue;
      const definitionB = b!.definitions.find((d) => d.id === definition.id)!;
      const results: { a: LoadResult[]; b: LoadResult[] } = { a: [], b: [] };
      for (let round = 1; round <= options.rounds; round++) {
        log(`  ${definition.label}: round ${round} of ${options.rounds}, A`);
        results.a.push(await measureScenario(options, a!.prepared.server, definition));
        log(`  ${definition.label}: round ${round} of ${options.rounds}, B`);
        results.b.push(await measureScenario(options, b!.prepared.server, definitionB));
      }
      const rps = (list: LoadResult[]) => list.map((result) => result.requestsPerSec);
      const aMedian = median(rps(results.a));
      const bMedian = median(rps(results.b));
      lines.push({
        id: definition.id,
        label: definition.label,
        ...results,
        aMedian,
        bMedian,
        ratio: bMedian / aMedian,
        roundRatios: results.b.map((r, i) => r.requestsPerSec / results.a[i]!.requestsPerSec),
        aCpuUs: medianCpuUs(results.a),
        bCpuUs: medianCpuUs(results.b),
      });
    }
    return {
      backend: name,
      label,
      customers,
      ref: other.ref,
      commitB: other.commit,
      rounds: options.rounds,
      lines,
    };
  } finally {
    for (const side of sides) {
      await side.prepared?.server.stop();
      await side.backend.drop();
      liveBackends.delete(side.backend);
    }
  }
}

function printComparisons(
  info: ReturnType<typeof machineInfo>,
  options: Options,
  reports: CompareReport[],
  skipped: string[],
): void {
  const out: string[] = [""];
  out.push(
    `Gatehouse benchmark, A/B — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  );
  out.push(
    `A: this tree${info.commit ? ` (commit ${info.commit}, plus any uncommitted changes)` : ""}; ` +
      `B: ${options.compare} (${reports[0]?.commitB ?? "?"})`,
  );
  out.push(
    `Machine: ${info.nproc} × ${info.cpuModel}, Node ${info.node}; ${options.connections} connections, ` +
      `${options.warmupSec} s warm-up + ${options.durationSec} s per measurement, ${options.rounds} ` +
      "rounds of A then B per scenario" +
      (options.waitQuiet ? ", each measurement after quiet CPUs (--wait-quiet)." : "."),
  );
  if (busyBeforeStart !== null && busyBeforeStart > 25) {
    out.push(
      `Machine CPU use before the run: ${fmtInt(busyBeforeStart)}% of one core — OTHER PROCESSES WERE RUNNING.`,
    );
  }
  const spread = (list: LoadResult[]) => {
    const values = list.map((r) => r.requestsPerSec);
    return `${fmtRate(Math.min(...values))}–${fmtRate(Math.max(...values))}`;
  };
  const disturbed = (list: LoadResult[]) => list.filter((r) => noisy(r) !== "").length;
  for (const report of reports) {
    out.push("");
    out.push(`${report.label}, ${fmtInt(report.customers)} customers`);
    const rows: string[][] = [
      [
        "scenario",
        "A req/s",
        "A min–max",
        "B req/s",
        "B min–max",
        "B/A",
        "B/A by round",
        "p50 ms A/B",
        "srv µs/req A/B",
        "non-2xx",
        "disturbed",
      ],
    ];
    for (const line of report.lines) {
      const failures = [...line.a, ...line.b].reduce((n, r) => n + r.non2xx + r.errors, 0);
      rows.push([
        line.label,
        fmtRate(line.aMedian),
        spread(line.a),
        fmtRate(line.bMedian),
        spread(line.b),
        line.ratio.toFixed(3),
        line.roundRatios.map((r) => r.toFixed(2)).join(" "),
        `${fmtMs(median(line.a.map((r) => r.latencyMs.p50)))}/${fmtMs(median(line.b.map((r) => r.latencyMs.p50)))}`,
        line.aCpuUs === null || line.bCpuUs === null
          ? "–"
          : `${line.aCpuUs.toFixed(1)}/${line.bCpuUs.toFixed(1)} (${(line.bCpuUs / line.aCpuUs).toFixed(3)})`,
        fmtInt(failures),
        `${disturbed(line.a) + disturbed(line.b)}`,
      ]);
    }
    out.push(table(rows, new Set([1, 2, 3, 4, 5, 9, 10])));
  }
  out.push(
    "\nreq/s: the median of the build's measurements. srv µs/req: the server's CPU time per answer " +
      "(medians; B/A in brackets): on a machine others use, the server gets less CPU and answers " +
      "less, while its cost per answer moves less. disturbed: measurements during which other " +
      `processes used more than ${NOISY_CPU_PERCENT}% of a core (the least disturbed of up to 4 tries is kept).`,
  );
  for (const notice of skipped) out.push(`\n${notice}`);
  console.log(out.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Printing

function printReport(
  info: ReturnType<typeof machineInfo>,
  options: Options,
  suites: SuiteReport[],
  skipped: string[],
  medusa?: MedusaReport,
  medusaV2?: MedusaV2Report,
): TargetLine[] {
  const targets: TargetLine[] = [];
  const out: string[] = [];
  out.push("");
  out.push(
    `Gatehouse benchmark — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC` +
      (info.commit ? ` — commit ${info.commit}` : ""),
  );
  out.push(
    `Machine: ${info.nproc} × ${info.cpuModel}, ${info.memoryGiB} GiB RAM, Node ${info.node}, ` +
      `${info.os}`,
  );
  out.push(
    `Load: autocannon in the benchmark process, sharing the same ${info.nproc} cores with the ` +
      `server (and PostgreSQL/Redis); ${suites.length > 0 ? `${options.connections} connections, ` : ""}${options.warmupSec} s ` +
      `warm-up + ${options.durationSec} s per scenario.`,
  );
  out.push(
    `Server: node ${[...startScriptNodeFlags(), "packages/server/dist/start.cjs"].join(" ")} ` +
      "(as npm start), one process; password hashing: one hash per core at once on libuv's thread pool " +
      "(sized to the cores by start.cjs, one more hash queued in it), at nice 10.",
  );
  const extraEnv = Object.entries(options.serverEnv);
  if (extraEnv.length > 0) {
    out.push(
      `Server environment: ${extraEnv.map(([name, value]) => `${name}=${value}`).join(" ")}`,
    );
  }
  out.push(
    "CPU % is of one core, during the measured run: srv = the server under test (loop = its main " +
      "thread, the event loop), gen = the load generator (this process), db = PostgreSQL + Redis " +
      "processes, other = anything else.",
  );
  if (busyBeforeStart !== null) {
    out.push(
      `Machine CPU use before the run: ${fmtInt(busyBeforeStart)}% of one core` +
        (busyBeforeStart > 25
          ? " — OTHER PROCESSES WERE RUNNING: figures are low and noisy."
          : "."),
    );
  }
  for (const suite of suites) {
    out.push("");
    out.push(`${suite.label}, ${fmtInt(suite.customers)} customers`);
    const rows: string[][] = [
      [
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "RSS MB",
        "CPU % srv (loop)/gen/db/other",
        "non-2xx",
        "ratio",
        "target",
        "",
      ],
    ];
    const { bare, framework, argon2 } = suite.baselines;
    let bareShown = false;
    let argon2Shown = false;
    for (const scenario of suite.scenarios) {
      const { result, ratio } = scenario;
      if (bare && !bareShown && scenario.id.startsWith("get-")) {
        bareShown = true;
        const row = (label: string, result: LoadResult, ratio = "") => [
          label + noisy(result),
          fmtRate(result.requestsPerSec),
          fmtMs(result.latencyMs.p50),
          fmtMs(result.latencyMs.p99),
          result.maxRssMb === null ? "–" : fmtInt(result.maxRssMb),
          cpu(result),
          fmtInt(result.non2xx + result.errors),
          ratio,
          "",
          "",
        ];
        rows.push(row(`baseline: bare node:http, same JSON (${bare.bodyBytes} B)`, bare));
        if (framework) {
          rows.push(
            row(
              "reference: Fastify + Gatehouse's plugins, same JSON, no storage",
              framework,
              `${fmtRatio(framework.requestsPerSec / bare.requestsPerSec)} bare node:http`,
            ),
          );
        }
      }
      if (argon2 && !argon2Shown && (scenario.id === "login" || scenario.id === "token")) {
        argon2Shown = true;
        const other = argon2.otherCpuPercent;
        rows.push([
          `baseline: raw Argon2id, ${argon2.inFlight} in flight, hashes/s (mean of ` +
            `${(argon2.measurements ?? [argon2.hashesPerSec]).map(fmtRate).join(" and ")})` +
            ((other ?? 0) > NOISY_CPU_PERCENT ? " (*)" : ""),
          fmtRate(argon2.hashesPerSec),
          "",
          "",
          argon2.maxRssMb === null ? "–" : fmtInt(argon2.maxRssMb),
          `${fmtInt(argon2.cpuPercent)}/–/–/${other === null ? "–" : fmtInt(other)}`,
          "",
          "",
          "",
          "",
        ]);
      }
      rows.push([
        scenario.label + noisy(result),
        fmtRate(result.requestsPerSec),
        fmtMs(result.latencyMs.p50),
        fmtMs(result.latencyMs.p99),
        result.maxRssMb === null ? "–" : fmtInt(result.maxRssMb),
        cpu(result),
        fmtInt(result.non2xx + result.errors),
        ratio
          ? `${fmtRatio(ratio.value)} ${ratio.versus}` +
            (scenario.vsFramework === undefined
              ? ""
              : ` (${fmtRatio(scenario.vsFramework)} Fastify ref.)`)
          : "",
        ratio ? `≥ ${ratio.target}×` : "",
        ratio ? passMiss(ratio.pass) : "",
      ]);
      if (ratio) {
        targets.push({
          name: `${suite.label} (${fmtInt(suite.customers)}): ${scenario.label} vs ${ratio.versus}`,
          value: fmtRatio(ratio.value),
          target: `≥ ${ratio.target}×`,
          pass: ratio.pass,
        });
      }
    }
    if (suite.storm) {
      const { idle, underLogin, login } = suite.storm;
      rows.push([
        `GET /store/auth, ${PROBE_RATE} req/s, idle${noisy(idle)}`,
        fmtRate(idle.requestsPerSec),
        fmtMs(idle.latencyMs.p50),
        fmtMs(idle.latencyMs.p99),
        idle.maxRssMb === null ? "–" : fmtInt(idle.maxRssMb),
        cpu(idle),
        fmtInt(idle.non2xx + idle.errors),
        "",
        "",
        "",
      ]);
      rows.push([
        `GET /store/auth, ${PROBE_RATE} req/s, login storm${noisy(underLogin)}`,
        fmtRate(underLogin.requestsPerSec),
        fmtMs(underLogin.latencyMs.p50),
        fmtMs(underLogin.latencyMs.p99),
        underLogin.maxRssMb === null ? "–" : fmtInt(underLogin.maxRssMb),
        cpu(underLogin),
        fmtInt(underLogin.non2xx + underLogin.errors),
        `${fmtRatio(suite.storm.p99Ratio)} idle p99`,
        `≤ ${suite.storm.target}×`,
        passMiss(suite.storm.pass),
      ]);
      rows.push([
        "  (the storm's logins)",
        fmtRate(login.requestsPerSec),
        fmtMs(login.latencyMs.p50),
        fmtMs(login.latencyMs.p99),
        "",
        "",
        fmtInt(login.non2xx + login.errors),
        "",
        "",
        "",
      ]);
      targets.push({
        name: `${suite.label} (${fmtInt(suite.customers)}): login storm GET p99 vs idle p99`,
        value: fmtRatio(suite.storm.p99Ratio),
        target: `≤ ${suite.storm.target}×`,
        pass: suite.storm.pass,
      });
    }
    if (suite.maxRssMb !== null) {
      rows.push([
        "peak server RSS under load",
        "",
        "",
        "",
        fmtInt(suite.maxRssMb),
        "",
        "",
        "",
        `≤ ${TARGETS.rssMb} MB`,
        passMiss(suite.rssPass!),
      ]);
      targets.push({
        name: `${suite.label} (${fmtInt(suite.customers)}): peak server RSS`,
        value: `${fmtInt(suite.maxRssMb)} MB`,
        target: `≤ ${TARGETS.rssMb} MB`,
        pass: suite.rssPass!,
      });
    }
    out.push(table(rows, new Set([1, 2, 3, 4, 5, 6])));
    const failures = [...suite.scenarios.map((s) => [s.label, s.result] as const)];
    if (suite.storm) {
      failures.push(["login storm probe", suite.storm.underLogin]);
      failures.push(["login storm logins", suite.storm.login]);
    }
    for (const [label, result] of failures) {
      if (result.non2xx + result.errors > 0) {
        out.push(
          `  ! ${label}: ${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
        );
      }
    }
  }

  if (medusa) printMedusa(medusa, out, targets);
  if (medusaV2) printMedusaV2(medusaV2, out, targets);

  const comparison = sizeComparison(suites);
  if (comparison.length > 0) {
    out.push("");
    out.push("Store size: differences from 1,000 customers (target: req/s within 10%)");
    const rows: string[][] = [["backend", "scenario", "req/s", "Δ req/s", "Δ p50", "Δ p99", ""]];
    for (const line of comparison) {
      rows.push([
        line.backend,
        line.scenario,
        `${fmtRate(line.small)} → ${fmtRate(line.large)}`,
        `${(line.deltaRps * 100).toFixed(1)}%`,
        `${(line.deltaP50 * 100).toFixed(1)}%`,
        `${(line.deltaP99 * 100).toFixed(1)}%`,
        passMiss(line.pass),
      ]);
      targets.push({
        name: `${line.backend}: ${line.scenario} req/s at ${fmtInt(line.largeCustomers)} vs 1,000 customers`,
        value: `${(line.deltaRps * 100).toFixed(1)}%`,
        target: "within ±10%",
        pass: line.pass,
      });
    }
    out.push(table(rows, new Set([2, 3, 4, 5])));
  }

  const disturbed = [
    ...suites.flatMap((suite) => [
      ...(suite.baselines.bare ? [suite.baselines.bare] : []),
      ...(suite.baselines.framework ? [suite.baselines.framework] : []),
      ...suite.scenarios.map((scenario) => scenario.result),
      ...(suite.storm ? [suite.storm.idle, suite.storm.underLogin] : []),
    ]),
    ...(medusa
      ? [
          medusa.productsMedusa,
          medusa.productsGatehouse,
          medusa.probeMedusa,
          medusa.probeGatehouse,
          medusa.authMedusa,
          medusa.authGatehouse,
        ]
      : []),
    ...(medusaV2
      ? [
          medusaV2.productsMedusa,
          medusaV2.productsGatehouse,
          medusaV2.meMedusa,
          medusaV2.meGatehouse,
        ]
      : []),
  ].some((result) => noisy(result) !== "");
  const argon2Disturbed = suites.some(
    (suite) => (suite.baselines.argon2?.otherCpuPercent ?? 0) > NOISY_CPU_PERCENT,
  );
  if (disturbed || argon2Disturbed) {
    out.push(
      `\n(*) Other processes used more than ${NOISY_CPU_PERCENT}% of a core during this ` +
        "measurement: it understates what the machine can do (see --wait-quiet).",
    );
  }
  for (const notice of skipped) out.push(`\n${notice}`);
  if (targets.length > 0) {
    const met = targets.filter((target) => target.pass).length;
    out.push("");
    out.push(`Targets met: ${met} of ${targets.length}`);
    for (const target of targets.filter((t) => !t.pass)) {
      out.push(`  MISS  ${target.name}: ${target.value} (target ${target.target})`);
    }
  }
  console.log(out.join("\n"));
  return targets;
}

/** The Medusa scenarios' table columns. */
const MEDUSA_COLUMNS = [
  "scenario",
  "req/s",
  "p50 ms",
  "p99 ms",
  "RSS MB",
  "CPU % srv (loop)/gen/db+Medusa/other",
  "non-2xx",
  "ratio",
  "target",
  "",
];

/** A row of a Medusa scenario's table. */
function medusaRow(
  label: string,
  result: LoadResult,
  ratio = "",
  target = "",
  pass?: boolean,
): string[] {
  return [
    label + noisy(result),
    fmtRate(result.requestsPerSec),
    fmtMs(result.latencyMs.p50),
    fmtMs(result.latencyMs.p99),
    result.maxRssMb === null ? "–" : fmtInt(result.maxRssMb),
    cpu(result),
    fmtInt(result.non2xx + result.errors),
    ratio,
    target,
    pass === undefined ? "" : passMiss(pass),
  ];
}

/** A line for each measurement of a Medusa scenario that had non-2xx answers or errors. */
function medusaFailures(out: string[], results: Array<[string, LoadResult]>): void {
  for (const [label, result] of results) {
    if (result.non2xx + result.errors > 0) {
      out.push(
        `  ! ${label}: ${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
      );
    }
  }
}

/**
 * A Gatehouse measurement compared with Medusa's: a row of each in a Medusa scenario's table (the
 * Gatehouse row with the comparison, as shown, and its target), a target line, and the names its
 * failure lines give each.
 */
interface MedusaComparison {
  medusa: Measured;
  gatehouse: Measured & { shown: string; goal: string };
  target: TargetLine;
}

/** A Medusa scenario's table: each Gatehouse row right under the Medusa row it is compared with. */
function printMedusaComparisons(
  heading: string,
  comparisons: MedusaComparison[],
  out: string[],
  targets: TargetLine[],
): void {
  out.push("");
  out.push(heading);
  const rows: string[][] = [MEDUSA_COLUMNS];
  for (const { medusa, gatehouse, target } of comparisons) {
    rows.push(medusaRow(medusa.row, medusa.result));
    rows.push(
      medusaRow(gatehouse.row, gatehouse.result, gatehouse.shown, gatehouse.goal, target.pass),
    );
  }
  out.push(table(rows, new Set([1, 2, 3, 4, 5, 6])));
  targets.push(...comparisons.map((comparison) => comparison.target));
  medusaFailures(
    out,
    comparisons.flatMap(({ medusa, gatehouse }): Array<[string, LoadResult]> => [
      [medusa.failures, medusa.result],
      [gatehouse.failures, gatehouse.result],
    ]),
  );
}

type Measured = { row: string; failures: string; result: LoadResult };

/** A comparison of rates: Gatehouse's as a multiple of Medusa's, against a floor (`target`). */
function rateComparison(
  name: string,
  medusa: Measured,
  gatehouse: Measured,
  { ratio, target, pass }: { ratio: number; target: number; pass: boolean },
): MedusaComparison {
  return {
    medusa,
    gatehouse: { ...gatehouse, shown: `${fmtRatio(ratio)} Medusa`, goal: `≥ ${target}×` },
    target: { name, value: fmtRatio(ratio), target: `≥ ${target}×`, pass },
  };
}

/** GET /store/products forwarded by Gatehouse against Medusa's own, in either version. */
function productsComparison(
  version: "v1" | "v2",
  medusa: Pick<
    MedusaReport,
    "productsMedusa" | "productsGatehouse" | "productsRatio" | "productsPass"
  >,
  target: number,
): MedusaComparison {
  const named = version === "v1" ? "Medusa" : "Medusa v2";
  return rateComparison(
    `Medusa ${version}: GET /store/products through Gatehouse vs Medusa`,
    {
      row: `GET /store/products, ${named}`,
      failures: `${named} products`,
      result: medusa.productsMedusa,
    },
    {
      row: "GET /store/products, through Gatehouse",
      failures: "Gatehouse products",
      result: medusa.productsGatehouse,
    },
    { ratio: medusa.productsRatio, target, pass: medusa.productsPass },
  );
}

function printMedusa(medusa: MedusaReport, out: string[], targets: TargetLine[]): void {
  const t = MEDUSA_TARGETS;
  const rate = medusa.probe.rate;
  printMedusaComparisons(
    `Medusa v1 (@medusajs/medusa 1.20.11) and Gatehouse in front of it — ${medusa.database}; ` +
      `${medusa.connections} connections, the paced rows ${medusa.probe.connections} connections ` +
      `at ${rate} req/s. srv = the server the row measures (Medusa, or Gatehouse with ` +
      "Medusa's CPU under db).",
    [
      productsComparison("v1", medusa, t.productsVsMedusa),
      {
        medusa: {
          row: `GET /store/products, ${rate} req/s, Medusa`,
          failures: "Medusa products (paced)",
          result: medusa.probeMedusa,
        },
        gatehouse: {
          row: `GET /store/products, ${rate} req/s, through Gatehouse`,
          failures: "Gatehouse products (paced)",
          result: medusa.probeGatehouse,
          shown: `${medusa.addedP50Ms >= 0 ? "+" : ""}${medusa.addedP50Ms.toFixed(2)} ms p50`,
          goal: `≤ +${t.addedP50Ms} ms`,
        },
        target: {
          name: `Medusa v1: GET /store/products p50 added by Gatehouse at ${rate} req/s`,
          value: `${medusa.addedP50Ms.toFixed(2)} ms`,
          target: `≤ ${t.addedP50Ms} ms`,
          pass: medusa.addedP50Pass,
        },
      },
      rateComparison(
        "Medusa v1: GET /store/auth, Gatehouse in front vs Medusa's own",
        {
          row: "GET /store/auth (connect.sid), Medusa",
          failures: "Medusa GET /store/auth",
          result: medusa.authMedusa,
        },
        {
          row: "GET /store/auth (cookie), Gatehouse in front of Medusa",
          failures: "Gatehouse GET /store/auth",
          result: medusa.authGatehouse,
        },
        { ratio: medusa.authRatio, target: t.authVsMedusa, pass: medusa.authPass },
      ),
    ],
    out,
    targets,
  );
}

/** The Medusa v2 scenario's table, laid out as the v1 one. */
function printMedusaV2(medusa: MedusaV2Report, out: string[], targets: TargetLine[]): void {
  const t = MEDUSA_V2_TARGETS;
  printMedusaComparisons(
    `Medusa v2 (@medusajs/medusa 2.21.2) and Gatehouse in v2 mode in front of it — ${medusa.database}; ` +
      `${medusa.connections} connections. srv = the server the row measures (Medusa, or Gatehouse ` +
      "with Medusa's CPU under db).",
    [
      productsComparison("v2", medusa, t.productsVsMedusa),
      rateComparison(
        "Medusa v2: GET /store/customers/me, Gatehouse in front vs Medusa's own",
        {
          row: "GET /store/customers/me (Medusa's token), Medusa v2",
          failures: "Medusa v2 GET /store/customers/me",
          result: medusa.meMedusa,
        },
        {
          row: "GET /store/customers/me (Gatehouse's token), Gatehouse",
          failures: "Gatehouse GET /store/customers/me",
          result: medusa.meGatehouse,
        },
        { ratio: medusa.meRatio, target: t.meVsMedusa, pass: medusa.mePass },
      ),
    ],
    out,
    targets,
  );
}

interface SizeLine {
  backend: string;
  scenario: string;
  small: number;
  large: number;
  largeCustomers: number;
  deltaRps: number;
  deltaP50: number;
  deltaP99: number;
  pass: boolean;
}

function sizeComparison(suites: SuiteReport[]): SizeLine[] {
  const lines: SizeLine[] = [];
  for (const small of suites.filter((suite) => suite.customers === 1000)) {
    for (const large of suites.filter(
      (suite) => suite.backend === small.backend && suite.customers > 1000,
    )) {
      for (const a of small.scenarios) {
        const b = large.scenarios.find((scenario) => scenario.id === a.id);
        if (!b) continue;
        const delta = (x: number, y: number) => (y - x) / x;
        const deltaRps = delta(a.result.requestsPerSec, b.result.requestsPerSec);
        lines.push({
          backend: small.label,
          scenario: a.label,
          small: a.result.requestsPerSec,
          large: b.result.requestsPerSec,
          largeCustomers: large.customers,
          deltaRps,
          deltaP50: delta(a.result.latencyMs.p50, b.result.latencyMs.p50),
          deltaP99: delta(a.result.latencyMs.p99, b.result.latencyMs.p99),
          pass: Math.abs(deltaRps) <= TARGETS.sizeDelta,
        });
      }
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const info = machineInfo();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping the processes this run started and dropping its databases…`);
    void (async () => {
      await stopMedusaScenario();
      await stopMedusaV2Scenario();
      await stopAll();
      await Promise.allSettled([...liveBackends].map((backend) => backend.drop()));
      other?.cleanup();
      process.exit(130);
    })();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  // Scenarios with processes of their own, outside the suites of each backend.
  const APART: Partial<Record<ScenarioId, string>> = {
    medusa: "Medusa v1",
    "medusa-v2": "Medusa v2",
    "cold-start": "cold start",
    import: "import",
  };
  const runsApart = (id: ScenarioId) => APART[id] !== undefined;
  const runsSuites = !options.only || [...options.only].some((id) => !runsApart(id));
  const medusasOnly = [...(options.only ?? [])]
    .filter(runsApart)
    .map((id) => APART[id])
    .join(" and ");
  log(
    `Gatehouse benchmark: ${runsSuites ? options.backends.map((name) => BACKEND_LABELS[name]).join(", then ") : `${medusasOnly} only`}; ` +
      `${runsSuites ? `${options.connections} connections, ` : ""}${options.warmupSec} s warm-up + ${options.durationSec} s per scenario`,
  );
  const quiet = hostCpu();
  await new Promise((done) => setTimeout(done, 2000));
  const busyAtStart = quiet.stop();
  busyBeforeStart = busyAtStart;
  if (busyAtStart !== null && busyAtStart > 25) {
    log(
      `Warning: the machine was already busy (${fmtInt(busyAtStart)}% of one core) before the ` +
        "benchmark started; other processes share the cores and the figures will be low and noisy.",
    );
  }
  const passwordHash = await benchPasswordHash();
  const sizes = options.compareSizes ? [1000, options.customers] : [options.customers];
  const suites: SuiteReport[] = [];
  const comparisons: CompareReport[] = [];
  const skipped: string[] = [];
  let medusa: MedusaReport | undefined;
  let medusaV2: MedusaV2Report | undefined;
  let coldStart: ColdStartReport | undefined;
  let imported: ImportBenchReport | undefined;
  // The scenarios asked for (all but the touch scenario by default), in suites: those that need
  // a server of their own run apart.
  const ids = options.only
    ? [...options.only]
    : SCENARIO_IDS.filter((id) => id !== "get-cookie-touch");
  const shared = ids.filter((id) => !OWN_SUITE.has(id) && !runsApart(id));
  const groups = [
    ...(shared.length > 0 ? [shared] : []),
    ...ids.filter((id) => OWN_SUITE.has(id)).map((id) => [id]),
  ];
  if (options.compare) other = buildOtherRef(root, options.compare, log);
  try {
    for (const name of options.backends) {
      const reason = await unavailableReason(name);
      if (reason) {
        const notice = `${BACKEND_LABELS[name]}: skipped — ${reason}.`;
        log(notice);
        skipped.push(notice);
        continue;
      }
      for (const group of groups) {
        if (group.includes("get-cookie-touch") && name === "postgres+redis") {
          const notice = `${BACKEND_LABELS[name]}: get-cookie-touch skipped — it needs sessions in SQL.`;
          log(notice);
          skipped.push(notice);
          continue;
        }
        for (const customers of sizes) {
          if (interrupted) break;
          if (other) {
            comparisons.push(
              await runCompareSuite(name, customers, options, passwordHash, group, other),
            );
            continue;
          }
          const suite = await runSuite(name, customers, options, passwordHash, group);
          for (const file of suite.cpuProfiles ?? []) log(`  CPU profile: ${file}`);
          suites.push(suite);
        }
      }
    }
    const medusaContext = {
      adminDatabaseUrl,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      serverEnv: options.serverEnv,
      nodeArgs: startScriptNodeFlags(),
      log,
      measure: (run: () => Promise<LoadResult>) => measure(options, run, otherOf),
    };
    if (ids.includes("medusa") && !interrupted) {
      const reason = other
        ? "not measured with --compare"
        : (medusaUnavailableReason() ?? (await unavailableReason("postgres")));
      if (reason) {
        const notice = `Medusa v1: skipped — ${reason}.`;
        log(notice);
        skipped.push(notice);
      } else {
        medusa = await runMedusaScenario(medusaContext);
      }
    }
    if (ids.includes("medusa-v2") && !interrupted) {
      const reason = other
        ? "not measured with --compare"
        : (medusaV2UnavailableReason() ?? (await unavailableReason("postgres")));
      if (reason) {
        const notice = `Medusa v2: skipped — ${reason}.`;
        log(notice);
        skipped.push(notice);
      } else {
        medusaV2 = await runMedusaV2Scenario(medusaContext);
      }
    }
    if (ids.includes("cold-start") && !interrupted) {
      if (other) {
        const notice = "Cold start: skipped — not measured with --compare.";
        log(notice);
        skipped.push(notice);
      } else {
        log("Cold start: starting the server again and again…");
        coldStart = await runColdStart(options.quick ? 3 : 7);
      }
    }
    if (ids.includes("import") && !interrupted) {
      const reason = other ? "not measured with --compare" : await unavailableReason("postgres");
      if (reason) {
        const notice = `Import: skipped — ${reason}.`;
        log(notice);
        skipped.push(notice);
      } else {
        imported = await runImportScenario({
          customers: options.quick ? 10_000 : 100_000,
          log,
        });
      }
    }
  } finally {
    other?.cleanup();
  }
  if (interrupted) return;

  const targets = other ? [] : printReport(info, options, suites, skipped, medusa, medusaV2);
  if (other) printComparisons(info, options, comparisons, skipped);
  if (coldStart) log(`\n${formatColdStart(coldStart)}`);
  const report = {
    date: new Date().toISOString(),
    machine: { ...info, busyBeforeStartPercent: busyAtStart },
    options: {
      quick: options.quick,
      customers: options.customers,
      compareSizes: options.compareSizes,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      connections: options.connections,
      sessions: options.sessions,
      backends: options.backends,
      only: options.only ? [...options.only] : null,
      serverEnv: options.serverEnv,
      manySessions: options.manySessions,
      addresses: options.addresses,
      compare: options.compare ?? null,
      rounds: options.rounds,
      probe: { connections: PROBE_CONNECTIONS, rate: PROBE_RATE },
      argon2: {
        memoryKib: ARGON2_OPTIONS.memoryCost,
        iterations: ARGON2_OPTIONS.timeCost,
        parallelism: ARGON2_OPTIONS.parallelism,
      },
    },
    suites,
    medusa: medusa ?? null,
    medusaV2: medusaV2 ?? null,
    coldStart: coldStart ?? null,
    import: imported ?? null,
    comparisons,
    sizeComparison: sizeComparison(suites),
    skipped,
    targets,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const latest = join(root, "bench-results", "latest.json");
  mkdirSync(dirname(latest), { recursive: true });
  writeFileSync(latest, text);
  if (options.json) {
    mkdirSync(dirname(resolve(options.json)), { recursive: true });
    writeFileSync(resolve(options.json), text);
  }
  log(`\nReport written to ${options.json ? `${options.json} and ` : ""}bench-results/latest.json`);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  await stopMedusaScenario();
  await stopMedusaV2Scenario();
  await stopAll();
  await Promise.allSettled([...liveBackends].map((backend) => backend.drop()));
  other?.cleanup();
  process.exit(1);
});
