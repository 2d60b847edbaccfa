/**
 * Drives one scenario with autocannon and measures it: requests per second (2xx only), latency
 * percentiles with sub-millisecond resolution (autocannon's own histogram counts whole
 * milliseconds), the target process's peak RSS and CPU, and the load generator's own CPU.
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import autocannon from "autocannon";

export interface BenchRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  /** The requests, cycled through; each connection starts at a different offset. */
  requests: BenchRequest[];
  /** Each connection cycles through a share of its own instead (no request sent by two). */
  disjoint?: boolean;
  /** Requests per second over all connections (open loop); unlimited by default. */
  overallRate?: number;
  /** Process whose RSS and CPU are sampled during the run. */
  pid?: number;
  /** Processes behind the target (the Medusa behind Gatehouse): their CPU counts with storage's. */
  backendPids?: number[];
}

export interface LoadResult {
  requestsPerSec: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Peak resident set size of `pid` during the run, in MiB. */
  maxRssMb: number | null;
  /** CPU used by `pid` during the run, in % of one core. */
  targetCpuPercent: number | null;
  /**
   * CPU used by the main thread of `pid` (for Node: the event loop), in % of one core. At 100
   * the event loop is saturated, whatever the other threads do.
   */
  targetMainThreadCpuPercent: number | null;
  /** CPU used by this process (the load generator) during the run, in % of one core. */
  generatorCpuPercent: number;
  /**
   * CPU used by the whole machine during the run, in % of one core (up to 100 × cores): the
   * server, the load generator, PostgreSQL/Redis, and anything else running.
   */
  hostCpuPercent: number | null;
  /**
   * CPU used by PostgreSQL and Redis processes on this machine (and by `backendPids`), in % of
   * one core.
   */
  storageCpuPercent: number | null;
  /**
   * CPU used by everything else (host − target − generator − storage), in % of one core: other
   * work on the machine that competed with the benchmark. Near 0 on a quiet machine.
   */
  otherCpuPercent: number | null;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Resident set size of a process in KiB: /proc on Linux, `ps` elsewhere. */
export function readRssKib(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux, or the process is gone
  }
  try {
    const out = execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" });
    const kib = Number(out.trim());
    return Number.isFinite(kib) && kib > 0 ? kib : null;
  } catch {
    return null;
  }
}

/**
 * User + system CPU time of a process (or, with `thread`, of one of its threads) in milliseconds
 * (Linux only; null elsewhere).
 */
function readCpuMs(pid: number, thread?: number): number | null {
  try {
    const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const stat = readFileSync(path, "utf8");
    // Fields after the command name (which may contain spaces) start at ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine, in clock ticks (Linux only). */
function readHostTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = ticks[3]! + ticks[4]!; // idle, iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const STORAGE_COMMANDS = new Set(["postgres", "redis-server"]);

/** CPU time used so far by each PostgreSQL and Redis process, in ms by pid (Linux only). */
function readStorageCpuMs(): Map<string, number> | null {
  const times = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!STORAGE_COMMANDS.has(command)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      times.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // the process has exited
    }
  }
  return times;
}

/** CPU the storage processes used between two readings (processes that exited meanwhile are lost). */
function storageCpuDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return Math.max(0, total);
}

/** Measures the machine's CPU use over an interval, in % of one core. */
export function hostCpu(): { stop(): number | null } {
  const before = readHostTicks();
  const started = performance.now();
  return {
    stop() {
      const after = readHostTicks();
      if (!before || !after) return null;
      const elapsedTicks = ((performance.now() - started) / 1000) * 100;
      return ((after.busy - before.busy) / elapsedTicks) * 100;
    },
  };
}

/** Samples a process's RSS every 100 ms; `stop()` returns the peak in MiB. */
export function sampleRss(pid: number | undefined): { stop(): number | null } {
  if (pid === undefined) return { stop: () => null };
  let max = readRssKib(pid) ?? 0;
  const timer = setInterval(() => {
    max = Math.max(max, readRssKib(pid) ?? 0);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, readRssKib(pid) ?? 0);
      return max > 0 ? Math.round((max / 1024) * 10) / 10 : null;
    },
  };
}

function toAutocannonRequest(request: BenchRequest): autocannon.Request {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers ?? {},
    ...(request.body !== undefined && { body: request.body }),
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const requests = spec.requests.map(toAutocannonRequest);
  if (requests.length === 0) throw new Error("a scenario needs at least one request");
  const step = Math.max(1, Math.floor(requests.length / spec.connections));
  let nextOffset = 0;

  const latencies: number[] = [];
  const rss = sampleRss(spec.pid);
  const targetCpuBefore = spec.pid === undefined ? null : readCpuMs(spec.pid);
  const mainCpuBefore = spec.pid === undefined ? null : readCpuMs(spec.pid, spec.pid);
  const generatorCpuBefore = process.cpuUsage();
  const host = hostCpu();
  const storageCpuBefore = readStorageCpuMs();
  const backendCpuBefore = (spec.backendPids ?? []).map((pid) => readCpuMs(pid));
  const started = process.hrtime.bigint();

  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSec,
    requests: [requests[0]!],
    ...(spec.overallRate !== undefined && { overallRate: spec.overallRate }),
    timeout: 30,
    // Each connection cycles through the whole list from its own offset: requests are encoded
    // once per connection, so varying them costs the load generator nothing per request.
    setupClient(client) {
      const offset = nextOffset % requests.length;
      nextOffset += step;
      client.setRequests(
        spec.disjoint
          ? requests.slice(offset, offset + step)
          : [...requests.slice(offset), ...requests.slice(0, offset)],
      );
    },
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, time: number) => {
    if (status >= 200 && status < 300) latencies.push(time);
  });
  const result = await instance;

  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const generatorCpu = process.cpuUsage(generatorCpuBefore);
  const targetCpuAfter = spec.pid === undefined ? null : readCpuMs(spec.pid);
  const mainCpuAfter = spec.pid === undefined ? null : readCpuMs(spec.pid, spec.pid);
  const maxRssMb = rss.stop();
  const hostCpuPercent = host.stop();
  const storageCpuAfter = readStorageCpuMs();
  const backendCpuMs = (spec.backendPids ?? []).reduce(
    (sum, pid, i) => sum + Math.max(0, (readCpuMs(pid) ?? 0) - (backendCpuBefore[i] ?? 0)),
    0,
  );
  const storageCpuPercent =
    storageCpuBefore === null || storageCpuAfter === null
      ? null
      : ((storageCpuDelta(storageCpuBefore, storageCpuAfter) + backendCpuMs) / elapsedMs) * 100;
  const targetCpuPercent =
    targetCpuBefore === null || targetCpuAfter === null
      ? null
      : ((targetCpuAfter - targetCpuBefore) / elapsedMs) * 100;
  const generatorCpuPercent = ((generatorCpu.user + generatorCpu.system) / 1000 / elapsedMs) * 100;

  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number(count);
    if (code.startsWith("2")) ok += Number(count);
  }
  const mean =
    sorted.length === 0 ? NaN : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    requestsPerSec: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    durationSec: result.duration,
    latencyMs: {
      mean,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
    },
    maxRssMb,
    targetCpuPercent,
    targetMainThreadCpuPercent:
      mainCpuBefore === null || mainCpuAfter === null
        ? null
        : ((mainCpuAfter - mainCpuBefore) / elapsedMs) * 100,
    generatorCpuPercent,
    hostCpuPercent,
    storageCpuPercent,
    otherCpuPercent:
      hostCpuPercent === null
        ? null
        : Math.max(
            0,
            hostCpuPercent -
              (targetCpuPercent ?? 0) -
              generatorCpuPercent -
              (storageCpuPercent ?? 0),
          ),
  };
}

/** A warm-up run whose results are thrown away, then the measured run. */
export async function warmThenRun(spec: LoadSpec, warmupSec: number): Promise<LoadResult> {
  if (warmupSec > 0) await runLoad({ ...spec, durationSec: warmupSec, pid: undefined });
  return runLoad(spec);
}
