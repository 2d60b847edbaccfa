/**
 * Configuration: environment variables → one validated, frozen Config.
 * Every problem is collected and reported at once, naming the variable and what it accepts.
 */

import cpuBudget from "./cpu-budget.cjs";

export type SameSite = "lax" | "strict" | "none";
export type CookieSecure = "auto" | "always" | "never";
export type JwtAlgorithm = "EdDSA" | "HS256";
export type ResponseWrites = "per-turn" | "immediate";
export type MedusaVersion = 1 | 2;

/** At most `limit` events per `windowMs` (fixed window). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  dataDir: string;
  /** `undefined` means the embedded SQLite database under `dataDir`. */
  databaseUrl: string | undefined;
  /** Where the connection that listens for changes goes (a direct or session-mode connection). */
  databaseListenUrl: string | undefined;
  /**
   * PostgreSQL schema of Gatehouse's tables: `gatehouse` when DATABASE_URL is Medusa's own
   * database (MEDUSA_DATABASE_URL), so that neither side's migrations touch the other's tables;
   * otherwise undefined (the connection's default, `public`).
   */
  databaseSchema: string | undefined;
  /** MEDUSA_DATABASE_URL: customers and addresses in Medusa's own tables (stores/medusa-v1/, medusa-v2/). */
  medusaDatabaseUrl: string | undefined;
  /**
   * Which Medusa's Store API Gatehouse speaks, and whose tables it uses (MEDUSA_VERSION). Resolved:
   * the explicit value, else 1 standalone; in front of Medusa's database (MEDUSA_DATABASE_URL),
   * loadConfig's value is provisional: openStores detects the version from that database and
   * createGatehouse hands the app the config with the detected one.
   */
  medusaVersion: MedusaVersion;
  /** Whether MEDUSA_VERSION was set: an explicit version Medusa's database contradicts refuses to start. */
  medusaVersionExplicit: boolean;
  /**
   * PUBLISHABLE_API_KEYS: the `x-publishable-api-key` values standalone Medusa v2 mode accepts
   * (empty: any key). In front of Medusa v2's database its own `api_key` table decides.
   */
  publishableApiKeys: readonly string[];
  databasePoolSize: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** READ_CACHE: the read cache and its change feeds in front of the stores (read-cache.ts). */
  readCache: boolean;
  /** RESPONSE_WRITES: responses written together once per turn (write-per-turn.ts), or each at once. */
  responseWrites: ResponseWrites;
  logLevel: string;
  /** Allowed storefront origins: exact strings or regular expressions. */
  storeCors: ReadonlyArray<string | RegExp>;
  /** Fastify's `trustProxy`: false, true, a hop count, or addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  cookieSecret: string | undefined;
  jwtSecret: string | undefined;
  session: {
    cookieName: string;
    sameSite: SameSite;
    secure: CookieSecure;
    idleTimeoutMs: number;
    absoluteTimeoutMs: number;
    /** A session this young (since its login or registration) may change the password or email. */
    freshAgeMs: number;
  };
  jwt: {
    algorithm: JwtAlgorithm;
    issuer: string;
    ttlMs: number;
    keyRotationMs: number;
  };
  password: {
    minLength: number;
    maxLength: number;
    /** Longest password a login attempt may carry before it is refused unhashed. */
    loginMaxLength: number;
    argon2: { memoryKib: number; iterations: number; parallelism: number };
    hashing: {
      /** Hashes computed at once (each holds `memoryKib` while it works). */
      threads: number;
      /** Nice value of libuv's pool threads, where hashes run: above 0, they yield the CPU to the event loop. */
      nice: number;
      /** Threads in libuv's pool (UV_THREADPOOL_SIZE, read by Node itself; 4 by default). */
      poolSize: number;
      /** Hashes that may wait for a thread; one more is refused with 503. */
      maxQueue: number;
    };
  };
  rateLimits: {
    enabled: boolean;
    /** IPv6 clients are counted by this many leading bits of their address (RATE_LIMIT_IPV6_PREFIX). */
    ipv6PrefixBits: number;
    /** Failed logins per client IP. */
    loginIp: RateLimit;
    /** Failed logins per client IP for one account. */
    loginIpAccount: RateLimit;
    /** `GET /store/auth/:email` requests per client IP. */
    exists: RateLimit;
    /** Registrations per client IP. */
    register: RateLimit;
    /** Password-reset requests per client IP. */
    passwordToken: RateLimit;
    /** Reset emails per address (further requests answer 204 but send nothing). */
    passwordTokenEmail: RateLimit;
    /** Password-reset completions per client IP. */
    passwordReset: RateLimit;
    /** Email changes per customer. */
    emailChange: RateLimit;
    /**
     * (v2) Sessions made from an existing credential per client IP: `POST /auth/session`, and
     * refreshes of a cookie session or of a registration token into a login token.
     */
    sessionExchange: RateLimit;
  };
  bodyLimitBytes: number;
  authExistsEnabled: boolean;
  /** The browsable API reference at /docs (API_DOCS; off in production by default). */
  apiDocs: boolean;
  /**
   * GET /metrics (Prometheus): on outside production; in production only with METRICS_TOKEN,
   * then asked for as a bearer token (docs/configuration.md says why).
   */
  metrics: { enabled: boolean; token: string | undefined };
  /** The store's name, which new passwords must not be made of (STORE_NAME). */
  storeName: string | undefined;
  /** Account events (events.ts): where they are POSTed, how they are signed and retried. */
  webhook: {
    /** WEBHOOK_URL, or PASSWORD_RESET_WEBHOOK_URL; unset: events are only logged. */
    url: string | undefined;
    /** `whsec_<base64>`; in development generated into DATA_DIR when unset. */
    secret: string | undefined;
    retryBaseMs: number;
    retryMaxMs: number;
    /** Age after which an undelivered event is given up. */
    retryForMs: number;
  };
  shutdownTimeoutMs: number;
  /** Medusa v1 behind Gatehouse (gateway/): unset means Gatehouse serves its own routes only. */
  medusa: MedusaConfig | undefined;
}

export interface MedusaConfig {
  /** MEDUSA_BACKEND_URL: the origin every other `/store/*` request is forwarded to. */
  backendUrl: string;
  /** MEDUSA_JWT_SECRET: Medusa's `jwt_secret`, which signs the token that names the customer. */
  jwtSecret: string;
  /** MEDUSA_TIMEOUT: connecting, and waiting for response headers or the next body chunk. */
  timeoutMs: number;
}

/** The PostgreSQL schema of Gatehouse's tables when they share Medusa's database. */
export const GATEHOUSE_SCHEMA = "gatehouse";

/** Whether two PostgreSQL URLs name the same database (host, port and database name). */
export function sameDatabase(a: string, b: string): boolean {
  const where = (text: string) => {
    const url = new URL(text);
    const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username);
    return `${url.hostname.toLowerCase()}:${url.port || "5432"}/${database}`;
  };
  return where(a) === where(b);
}

/** Raised when the environment is invalid; `problems` has one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const NODE_ENVS = ["production", "development", "test"];

/** A secret of 32 characters drawn from fewer is a pattern, not a random value (docs/configuration.md). */
const MIN_DISTINCT_SECRET_CHARACTERS = 8;

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `90s`, `15m`, `24h`, `7d`, `500ms`, or a bare number of seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * durationUnits[match[2] ?? "s"]!;
  return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

/** Splits STORE_CORS the way Medusa does: `/regex/flags` entries become RegExps. */
export function parseCorsOrigins(text: string): Array<string | RegExp> {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const delimiters = ["/", "~", "@", ";", "%", "#", "'"];
      const first = entry[0]!;
      const last = entry.lastIndexOf(first);
      if (delimiters.includes(first) && last > 0) {
        return new RegExp(entry.slice(1, last), entry.slice(last + 1));
      }
      return entry.replace(/\/$/, "");
    });
}

/** A Standard Webhooks secret: `whsec_` and 24 to 64 bytes in base64. */
export function isWebhookSecret(text: string): boolean {
  const encoded = text.startsWith("whsec_") ? text.slice(6) : "";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  const bytes = Buffer.from(encoded, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };

  function integer(name: string, fallback: number, min: number, max: number): number {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(
        `${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`,
      );
      return fallback;
    }
    return value;
  }
  function duration(name: string, fallback: string, minMs = 1000): number {
    const raw = read(name) ?? fallback;
    const value = parseDuration(raw);
    if (value === undefined || value < minMs) {
      problems.push(
        `${name}=${JSON.stringify(raw)}: expected a duration of at least ${minMs} ms such as 90s, 15m, 24h or 7d`,
      );
      return parseDuration(fallback)!;
    }
    return value;
  }
  function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = allowed.find((option) => option.toLowerCase() === raw.toLowerCase());
    if (!value) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(", ")}`);
      return fallback;
    }
    return value;
  }
  function boolean(name: string, fallback: boolean): boolean {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["true", "1", "yes", "on"].includes(raw)) return true;
    if (["false", "0", "no", "off"].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  }
  function rate(name: string, fallback: string): RateLimit {
    const parse = (text: string): RateLimit | undefined => {
      const match = /^\s*(\d+)\s*\/\s*(.+)$/.exec(text);
      const windowMs = match ? parseDuration(match[2]!) : undefined;
      return match && windowMs !== undefined && Number(match[1]) >= 1
        ? { limit: Number(match[1]), windowMs }
        : undefined;
    };
    const raw = read(name);
    const parsed = parse(raw ?? fallback);
    if (parsed) return parsed;
    problems.push(`${name}=${JSON.stringify(raw)}: expected COUNT/DURATION such as 100/15m`);
    return parse(fallback)!;
  }
  function url(name: string, protocols: string[]): string | undefined {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error("protocol");
      return raw;
    } catch {
      problems.push(
        `${name}: expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
      );
      return undefined;
    }
  }

  const nodeEnv = read("NODE_ENV") ?? "development";
  if (!NODE_ENVS.includes(nodeEnv)) {
    const meant = NODE_ENVS.find((known) => known === nodeEnv.toLowerCase());
    problems.push(
      `NODE_ENV=${JSON.stringify(nodeEnv)}: expected one of ${NODE_ENVS.join(", ")}` +
        (meant ? ` (did you mean ${meant}?)` : ""),
    );
  }
  const production = nodeEnv === "production";
  const port = integer("PORT", 9000, 0, 65535);
  const host = read("HOST") ?? "127.0.0.1";
  const databaseUrl = url("DATABASE_URL", ["postgres:", "postgresql:"]);
  const databaseListenUrl = url("DATABASE_LISTEN_URL", ["postgres:", "postgresql:"]);
  const redisUrl = url("REDIS_URL", ["redis:", "rediss:"]);
  const medusaDatabaseUrl = url("MEDUSA_DATABASE_URL", ["postgres:", "postgresql:"]);
  const medusaVersionRaw = read("MEDUSA_VERSION");
  let medusaVersion: MedusaVersion = 1;
  if (medusaVersionRaw === "2") medusaVersion = 2;
  else if (medusaVersionRaw !== undefined && medusaVersionRaw !== "1") {
    problems.push(
      `MEDUSA_VERSION=${JSON.stringify(medusaVersionRaw)}: expected 1 or 2 (Medusa's major version: ` +
        "1 for Medusa 1.x's /store/auth API, 2 for Medusa 2.x's /auth/customer/emailpass API)",
    );
  }
  const publishableApiKeys = (read("PUBLISHABLE_API_KEYS") ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  if (publishableApiKeys.length > 0) {
    if (medusaDatabaseUrl !== undefined) {
      problems.push(
        "PUBLISHABLE_API_KEYS is set with MEDUSA_DATABASE_URL: in front of Medusa v2's database, " +
          "its own api_key table holds the publishable keys; unset PUBLISHABLE_API_KEYS",
      );
    } else if (medusaVersion !== 2) {
      problems.push(
        "PUBLISHABLE_API_KEYS is set but MEDUSA_VERSION is not 2: publishable keys are Medusa v2's; " +
          "set MEDUSA_VERSION=2, or unset PUBLISHABLE_API_KEYS",
      );
    }
  }
  let storeCors: Array<string | RegExp> = [];
  try {
    storeCors = parseCorsOrigins(read("STORE_CORS") ?? (production ? "" : "http://localhost:8000"));
  } catch (error) {
    problems.push(
      `STORE_CORS: ${(error as Error).message}; expected comma-separated origins or /regex/`,
    );
  }

  let trustProxy: Config["trustProxy"] = false;
  const trustRaw = read("TRUST_PROXY");
  if (trustRaw !== undefined) {
    if (/^(true|false)$/i.test(trustRaw)) trustProxy = trustRaw.toLowerCase() === "true";
    else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw);
    else
      trustProxy = trustRaw
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
  }

  const sameSite = oneOf<SameSite>("SESSION_COOKIE_SAMESITE", ["lax", "strict", "none"], "lax");
  const secure = oneOf<CookieSecure>("SESSION_COOKIE_SECURE", ["auto", "always", "never"], "auto");
  if (sameSite === "none" && secure === "never") {
    problems.push(
      "SESSION_COOKIE_SAMESITE=none needs Secure cookies: SESSION_COOKIE_SECURE cannot be never",
    );
  }
  const cookieName = read("SESSION_COOKIE_NAME") ?? "connect.sid";
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    problems.push(
      `SESSION_COOKIE_NAME=${JSON.stringify(cookieName)}: expected a cookie name (token characters only)`,
    );
  }
  // Browsers keep a __Host- cookie only if it is Secure, has Path=/ and no Domain (always so here).
  if (/^__host-/i.test(cookieName) && secure === "never") {
    problems.push(
      `SESSION_COOKIE_NAME=${cookieName} needs Secure cookies: SESSION_COOKIE_SECURE cannot be never (use auto or always, over HTTPS)`,
    );
  }

  const idleTimeoutMs = duration("SESSION_IDLE_TIMEOUT", "24h");
  const absoluteTimeoutMs = duration("SESSION_ABSOLUTE_TIMEOUT", "7d");
  if (absoluteTimeoutMs < idleTimeoutMs) {
    problems.push("SESSION_ABSOLUTE_TIMEOUT must be at least SESSION_IDLE_TIMEOUT");
  }
  const freshAgeMs = duration("FRESH_SESSION_AGE", "10m");

  const algorithm = oneOf<JwtAlgorithm>("JWT_ALGORITHM", ["EdDSA", "HS256"], "EdDSA");
  const cookieSecret = read("COOKIE_SECRET");
  const jwtSecret = read("JWT_SECRET");
  const medusaBackendUrl = url("MEDUSA_BACKEND_URL", ["http:", "https:"]);
  const medusaJwtSecret = read("MEDUSA_JWT_SECRET");
  for (const [name, value] of [
    ["COOKIE_SECRET", cookieSecret],
    ["JWT_SECRET", jwtSecret],
    ["MEDUSA_JWT_SECRET", medusaJwtSecret],
  ] as const) {
    if (value === undefined) {
      if (production && name !== "MEDUSA_JWT_SECRET")
        problems.push(`${name} is required when NODE_ENV=production (at least 32 characters)`);
    } else if (value.length < 32) {
      problems.push(`${name}: expected at least 32 characters (got ${value.length})`);
    } else if (new Set(value).size < MIN_DISTINCT_SECRET_CHARACTERS) {
      problems.push(
        `${name}: expected at least ${MIN_DISTINCT_SECRET_CHARACTERS} different characters (got ${new Set(value).size}); generate one with \`openssl rand -base64 32\``,
      );
    }
  }
  if (cookieSecret !== undefined && cookieSecret === jwtSecret) {
    problems.push(
      "COOKIE_SECRET and JWT_SECRET must differ: a leak of one must not give the other",
    );
  }
  if (medusaJwtSecret !== undefined && [cookieSecret, jwtSecret].includes(medusaJwtSecret)) {
    problems.push(
      "MEDUSA_JWT_SECRET must differ from COOKIE_SECRET and JWT_SECRET: Medusa must not accept Gatehouse's own tokens",
    );
  }
  const medusaTimeoutRaw = read("MEDUSA_TIMEOUT");
  const medusaTimeoutMs = duration("MEDUSA_TIMEOUT", "15s", 100);
  let medusa: MedusaConfig | undefined;
  if (medusaBackendUrl !== undefined) {
    const parsed = new URL(medusaBackendUrl);
    if (
      parsed.username ||
      parsed.password ||
      parsed.pathname !== "/" ||
      parsed.search ||
      parsed.hash
    ) {
      problems.push(
        "MEDUSA_BACKEND_URL: expected the Medusa server's origin only, such as http://127.0.0.1:9001 (no user, path or query)",
      );
    } else if (
      ["127.0.0.1", "localhost", "[::1]", host].includes(parsed.hostname) &&
      Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80)) === port
    ) {
      problems.push(
        `MEDUSA_BACKEND_URL=${medusaBackendUrl} is Gatehouse's own address (PORT=${port}): run Medusa on another port`,
      );
    }
    if (medusaJwtSecret === undefined) {
      problems.push(
        "MEDUSA_JWT_SECRET is required with MEDUSA_BACKEND_URL: Medusa's jwt_secret (projectConfig.jwt_secret, at least 32 characters)",
      );
    }
    medusa = {
      backendUrl: parsed.origin,
      jwtSecret: medusaJwtSecret ?? "",
      timeoutMs: medusaTimeoutMs,
    };
  } else {
    for (const [name, value] of [
      ["MEDUSA_JWT_SECRET", medusaJwtSecret],
      ["MEDUSA_TIMEOUT", medusaTimeoutRaw],
    ] as const) {
      if (value !== undefined)
        problems.push(`${name} is set but MEDUSA_BACKEND_URL is not: set both, or neither`);
    }
  }
  if (production && !databaseUrl) {
    problems.push("DATABASE_URL is required when NODE_ENV=production (postgres://…)");
  }

  const minLength = integer("PASSWORD_MIN_LENGTH", 8, 8, 64);
  const argon2 = {
    memoryKib: integer("ARGON2_MEMORY_KIB", 19_456, 19_456, 4_194_304),
    iterations: integer("ARGON2_ITERATIONS", 2, 2, 100),
    parallelism: integer("ARGON2_PARALLELISM", 1, 1, 16),
  };
  const hashing = {
    threads: integer("PASSWORD_HASH_THREADS", cpuBudget.availableCores(), 1, 256),
    nice: integer("PASSWORD_HASH_NICE", 10, 0, 19),
    poolSize: integer("UV_THREADPOOL_SIZE", 4, 1, 1024),
    maxQueue: integer("PASSWORD_HASH_QUEUE", 256, 1, 100_000),
  };

  const webhookUrl = url("WEBHOOK_URL", ["http:", "https:"]);
  const resetWebhookUrl = url("PASSWORD_RESET_WEBHOOK_URL", ["http:", "https:"]);
  for (const [name, value] of [
    ["WEBHOOK_URL", webhookUrl],
    ["PASSWORD_RESET_WEBHOOK_URL", resetWebhookUrl],
  ] as const) {
    // fetch refuses such a URL, and its error would carry the password into the log.
    const parsed = value && new URL(value);
    if (parsed && (parsed.username || parsed.password)) {
      problems.push(
        `${name}: expected no user or password in the URL (fetch cannot send them); put a secret in its path or query instead`,
      );
    }
  }
  if (webhookUrl && resetWebhookUrl && webhookUrl !== resetWebhookUrl) {
    problems.push(
      "WEBHOOK_URL and PASSWORD_RESET_WEBHOOK_URL differ: every account event goes to one URL; " +
        "set WEBHOOK_URL only (PASSWORD_RESET_WEBHOOK_URL is its older name)",
    );
  }
  const webhookSecret = read("WEBHOOK_SECRET");
  if (webhookSecret !== undefined && !isWebhookSecret(webhookSecret)) {
    problems.push(
      "WEBHOOK_SECRET: expected whsec_ followed by 24 to 64 random bytes in base64 " +
        "(Standard Webhooks), e.g. whsec_$(openssl rand -base64 32)",
    );
  } else if (production && webhookSecret === undefined && (webhookUrl ?? resetWebhookUrl)) {
    problems.push(
      "WEBHOOK_SECRET is required when NODE_ENV=production and a webhook URL is set " +
        "(whsec_ followed by 24 to 64 random bytes in base64)",
    );
  }
  const retryBaseMs = duration("WEBHOOK_RETRY_BASE", "5s", 100);
  const retryMaxMs = duration("WEBHOOK_RETRY_MAX", "10m", 100);
  if (retryMaxMs < retryBaseMs) {
    problems.push("WEBHOOK_RETRY_MAX must be at least WEBHOOK_RETRY_BASE");
  }

  const metricsToken = read("METRICS_TOKEN");
  // As long as the other secrets: a scrape token is guessed online, but it shows the traffic.
  if (metricsToken !== undefined && metricsToken.length < 32) {
    problems.push(`METRICS_TOKEN: expected at least 32 characters (got ${metricsToken.length})`);
  }

  const logLevel = oneOf(
    "LOG_LEVEL",
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    "info",
  );

  const config: Config = {
    nodeEnv,
    production,
    host,
    port,
    dataDir: read("DATA_DIR") ?? "./data",
    databaseUrl,
    databaseListenUrl: databaseUrl && (databaseListenUrl ?? databaseUrl),
    databaseSchema:
      databaseUrl && medusaDatabaseUrl && sameDatabase(databaseUrl, medusaDatabaseUrl)
        ? GATEHOUSE_SCHEMA
        : undefined,
    medusaDatabaseUrl,
    medusaVersion,
    medusaVersionExplicit: medusaVersionRaw !== undefined,
    publishableApiKeys,
    databasePoolSize: integer("DATABASE_POOL_SIZE", 10, 1, 1000),
    redisUrl,
    redisPrefix: read("REDIS_PREFIX") ?? "gatehouse:",
    readCache: oneOf("READ_CACHE", ["on", "off"], "on") === "on",
    responseWrites: oneOf<ResponseWrites>("RESPONSE_WRITES", ["per-turn", "immediate"], "per-turn"),
    logLevel,
    storeCors,
    trustProxy,
    cookieSecret,
    jwtSecret,
    session: { cookieName, sameSite, secure, idleTimeoutMs, absoluteTimeoutMs, freshAgeMs },
    jwt: {
      algorithm,
      issuer: read("JWT_ISSUER") ?? "gatehouse",
      ttlMs: duration("JWT_TTL", "7d"),
      keyRotationMs: duration("JWT_KEY_ROTATION", "30d", 60_000),
    },
    password: { minLength, maxLength: 128, loginMaxLength: 1024, argon2, hashing },
    rateLimits: {
      enabled: boolean("RATE_LIMIT", true),
      ipv6PrefixBits: integer("RATE_LIMIT_IPV6_PREFIX", 64, 32, 128),
      loginIp: rate("RATE_LIMIT_LOGIN_IP", "100/15m"),
      loginIpAccount: rate("RATE_LIMIT_LOGIN_IP_ACCOUNT", "10/15m"),
      exists: rate("RATE_LIMIT_EXISTS", "60/1m"),
      register: rate("RATE_LIMIT_REGISTER", "20/10m"),
      passwordToken: rate("RATE_LIMIT_PASSWORD_TOKEN", "10/15m"),
      passwordTokenEmail: rate("RATE_LIMIT_PASSWORD_TOKEN_EMAIL", "3/1h"),
      passwordReset: rate("RATE_LIMIT_PASSWORD_RESET", "10/15m"),
      emailChange: rate("RATE_LIMIT_EMAIL_CHANGE", "5/1h"),
      sessionExchange: rate("RATE_LIMIT_SESSION_EXCHANGE", "600/10m"),
    },
    bodyLimitBytes: integer("BODY_LIMIT", 16_384, 1024, 1_048_576),
    authExistsEnabled: boolean("AUTH_EXISTS_ENABLED", true),
    apiDocs: boolean("API_DOCS", !production),
    metrics: { enabled: !production || metricsToken !== undefined, token: metricsToken },
    storeName: read("STORE_NAME"),
    webhook: {
      url: webhookUrl ?? resetWebhookUrl,
      secret: webhookSecret,
      retryBaseMs,
      retryMaxMs,
      retryForMs: duration("WEBHOOK_RETRY_FOR", "3d", 1000),
    },
    shutdownTimeoutMs: duration("SHUTDOWN_TIMEOUT", "10s", 100),
    medusa,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
