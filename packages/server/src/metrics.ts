/**
 * The process's metrics, in Prometheus's text format (prom-client): requests by route and status,
 * logins by outcome, the hashing queue, the read cache, the storage pools and the requests
 * forwarded to Medusa. What is counted on a request's path costs tens of nanoseconds (plain
 * numbers, no label hashing); gauges are read when Prometheus scrapes (`collect`). prom-client
 * itself is loaded at the first scrape: what it reports is kept here until then.
 */
import type { Registry } from "prom-client";

/** How a login attempt ended (`gatehouse_logins_total{outcome}`). */
export type LoginOutcome = "success" | "wrong_password" | "unknown" | "throttled";

/** What the read cache answered from memory (hits) and passed to storage (misses), by kind. */
export interface ReadCacheCounts {
  hits: Record<"session" | "customer" | "email", number>;
  misses: Record<"session" | "customer" | "email", number>;
}

/** A pool's use when scraped: connections open, idle, and callers waiting for one. */
export interface PoolUse {
  pool: string;
  total: number;
  idle: number;
  waiting: number;
}

/** A Redis connection when scraped: whether it is ready for commands. */
export interface RedisUse {
  connection: string;
  ready: boolean;
}

/**
 * Request latency buckets, in seconds: a cached read answers in well under a millisecond, a login
 * in tens to hundreds (Argon2), and a forwarded request in whatever Medusa takes, up to its timeout.
 */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** How long password checks and hashes waited for the hashing pool, in seconds. */
const HASH_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** One series of a histogram: counts per bucket (not cumulative until scraped), sum, count. */
class Series {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string | number>,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(seconds: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A histogram whose series are found without hashing labels: the caller keeps what it observes
 * (one per route and method, then a status in a Map). prom-client's own `observe` hashes its
 * labels every time (about half a microsecond); this is an order of magnitude less.
 */
class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {}

  newSeries(labels: Record<string, string | number>): Series {
    const series = new Series(labels, this.buckets);
    this.series.push(series);
    return series;
  }

  get() {
    const values: Array<{
      metricName: string;
      labels: Record<string, string | number>;
      value: number;
    }> = [];
    const buckets = this.buckets;
    // A series is made when it is first observed, but for an unlabelled one (reported empty too).
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= buckets.length; i++) {
        cumulative += counts[i]!;
        const le = i < buckets.length ? buckets[i]! : "+Inf";
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}

/** The requests of one route and method, by status code. */
export class RouteSeries {
  private readonly byStatus = new Map<number, Series>();

  constructor(
    private readonly histogram: FastHistogram,
    private readonly method: string,
    private readonly route: string,
  ) {}

  observe(status: number, seconds: number): void {
    let series = this.byStatus.get(status);
    if (series === undefined) {
      series = this.histogram.newSeries({ method: this.method, route: this.route, status });
      this.byStatus.set(status, series);
    }
    series.observe(seconds);
  }
}

/** Requests no route matched (404s, and anything refused before routing): one label. */
export const UNMATCHED_ROUTE = "(unmatched)";

export class Metrics {
  private registry: Promise<Registry> | undefined;
  private readonly requests = new FastHistogram(
    "gatehouse_http_request_duration_seconds",
    "HTTP requests by method, route template and status, and how long they took",
  );
  private readonly routes = new Map<string, RouteSeries>();
  private readonly forwarded = new FastHistogram(
    "gatehouse_medusa_request_duration_seconds",
    "Requests forwarded to Medusa by Medusa's status (or error), and how long Medusa took",
  );
  private readonly forwardedByStatus = new Map<string, Series>();
  /** Logins by outcome, as plain numbers (read at scrape time). */
  private readonly logins: Record<LoginOutcome, number> = {
    success: 0,
    wrong_password: 0,
    unknown: 0,
    throttled: 0,
  };
  private readonly hashWaits = new FastHistogram(
    "gatehouse_password_hash_queue_wait_seconds",
    "How long password checks and hashes waited for a place on the hashing pool",
    HASH_WAIT_BUCKETS,
  );
  private readonly hashWait = this.hashWaits.newSeries({});

  constructor(
    private readonly sources: {
      /** Password checks and hashes waiting for a place on the hashing pool. */
      hashQueueDepth: () => number;
      pools: () => PoolUse[];
      redis: () => RedisUse[];
      /** The read cache's counts so far (null when READ_CACHE=off). */
      readCache: () => ReadCacheCounts | null;
    },
  ) {}

  /** The registry Prometheus reads, made at the first scrape (prom-client is loaded then). */
  private async createRegistry(): Promise<Registry> {
    const { Counter, Gauge, Registry } = await import("prom-client");
    const { sources, logins } = this;
    const registry = new Registry();
    const registers = [registry];
    registry.registerMetric(this.requests as never);
    registry.registerMetric(this.forwarded as never);
    new Counter({
      name: "gatehouse_logins_total",
      help: "Login attempts by outcome (success, wrong_password, unknown email, throttled)",
      labelNames: ["outcome"],
      registers,
      collect() {
        this.reset();
        for (const [outcome, value] of Object.entries(logins)) this.inc({ outcome }, value);
      },
    });
    for (const result of ["hits", "misses"] as const) {
      new Counter({
        name: `gatehouse_read_cache_${result}_total`,
        help: `Reads the read cache ${result === "hits" ? "answered from memory" : "passed to storage"}, by kind`,
        labelNames: ["kind"],
        registers,
        collect() {
          this.reset();
          const counts: Record<string, number> = sources.readCache()?.[result] ?? {};
          for (const [kind, value] of Object.entries(counts)) this.inc({ kind }, value);
        },
      });
    }
    new Gauge({
      name: "gatehouse_password_hash_queue_depth",
      help: "Password checks and hashes waiting for a place on the hashing pool",
      registers,
      collect() {
        this.set(sources.hashQueueDepth());
      },
    });
    registry.registerMetric(this.hashWaits as never);
    new Gauge({
      name: "gatehouse_db_pool_connections",
      help: "PostgreSQL pool connections by pool and state (total open, idle)",
      labelNames: ["pool", "state"],
      registers,
      collect() {
        this.reset();
        for (const { pool, total, idle } of sources.pools()) {
          this.set({ pool, state: "total" }, total);
          this.set({ pool, state: "idle" }, idle);
        }
      },
    });
    new Gauge({
      name: "gatehouse_db_pool_waiting",
      help: "Queries waiting for a connection of a PostgreSQL pool",
      labelNames: ["pool"],
      registers,
      collect() {
        this.reset();
        for (const { pool, waiting } of sources.pools()) this.set({ pool }, waiting);
      },
    });
    new Gauge({
      name: "gatehouse_redis_connection_ready",
      help: "1 when the Redis connection is ready for commands, else 0",
      labelNames: ["connection"],
      registers,
      collect() {
        this.reset();
        for (const use of sources.redis()) this.set({ connection: use.connection }, +use.ready);
      },
    });
    return registry;
  }

  /** The series of one route (its template) and method; kept by the caller. */
  route(method: string, route: string): RouteSeries {
    const key = `${method} ${route}`;
    let series = this.routes.get(key);
    if (series === undefined) {
      series = new RouteSeries(this.requests, method, route);
      this.routes.set(key, series);
    }
    return series;
  }

  login(outcome: LoginOutcome): void {
    this.logins[outcome]++;
  }

  hashQueueWait(seconds: number): void {
    this.hashWait.observe(seconds);
  }

  /** A request forwarded to Medusa: its status, or "error"/"timeout" when it gave none. */
  forwardedRequest(status: number | "error" | "timeout", seconds: number): void {
    const key = String(status);
    let series = this.forwardedByStatus.get(key);
    if (series === undefined) {
      series = this.forwarded.newSeries({ status: key });
      this.forwardedByStatus.set(key, series);
    }
    series.observe(seconds);
  }

  /** The text Prometheus scrapes, and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    // A failed load is tried again at the next scrape, not kept.
    this.registry ??= this.createRegistry().catch((error: unknown) => {
      this.registry = undefined;
      throw error;
    });
    const registry = await this.registry;
    return { body: await registry.metrics(), contentType: registry.contentType };
  }
}
