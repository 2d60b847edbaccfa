/**
 * `gatehouse doctor`: checks what the configuration points at, without changing anything: the
 * configuration itself, the database (reachable, migrations applied), Redis, the webhook endpoint
 * (DNS and a TCP connection only: no event is sent), and Medusa's backend and database when set.
 * One line per check, "ok" or "problem: … fix: …"; exit code 1 when any check has a problem.
 */
import { lookup } from "node:dns/promises";
import { connect } from "node:net";
import type { Command } from "commander";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { detectMedusaVersion } from "../stores/medusa-version.js";
import { redactUrl } from "../stores/redact-url.js";
import { openSqlRuntime, pendingMigrations } from "../stores/sql/runtime.js";

/** How long one network check may take: a reachable service on a working network answers sooner. */
const CHECK_TIMEOUT_MS = 3000;

type Outcome = { ok: string } | { problem: string; fix: string };

const failure = (error: unknown) => (error as Error).message || String(error);

async function checkDatabase(config: Config): Promise<Outcome> {
  let runtime;
  try {
    runtime = await openSqlRuntime(config);
    await runtime.ping();
  } catch (error) {
    await runtime?.close().catch(() => {});
    return {
      problem: `cannot use the database: ${failure(error)}`,
      fix: "check that it is running and that DATABASE_URL (host, port, user, password) is right",
    };
  }
  try {
    const pending = await pendingMigrations(runtime.db);
    return pending.length === 0
      ? { ok: runtime.location }
      : {
          problem: `${runtime.location} has ${pending.length} pending migration(s): ${pending.join(", ")}`,
          fix: "run `gatehouse migrate` (the server also applies them when it starts)",
        };
  } finally {
    await runtime.close();
  }
}

async function checkRedis(url: string): Promise<Outcome> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    commandTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The connection's own error (ECONNREFUSED, …) says more than the rejected connect().
  let cause: unknown;
  redis.on("error", (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return { ok: redactUrl(url) };
  } catch (error) {
    return {
      problem: `cannot reach Redis at ${redactUrl(url)}: ${failure(cause ?? error)}`,
      fix: "check that Redis is running and that REDIS_URL (host, port, password, TLS) is right",
    };
  } finally {
    redis.disconnect();
  }
}

/** DNS, then a TCP connection to the URL's host and port, closed at once. */
async function checkReachable(url: URL): Promise<void> {
  const { address } = await lookup(url.hostname.replace(/^\[|\]$/g, ""));
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: address, port, timeout: CHECK_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`no answer from ${address}:${port} in ${CHECK_TIMEOUT_MS} ms`));
    });
    socket.once("error", reject);
  });
}

async function checkWebhook(url: string): Promise<Outcome> {
  try {
    await checkReachable(new URL(url));
    return { ok: `${redactUrl(url)} accepts connections (no event sent)` };
  } catch (error) {
    return {
      problem: `cannot connect to WEBHOOK_URL ${redactUrl(url)}: ${failure(error)}`,
      fix: "check that the receiver is running and that WEBHOOK_URL is right (events wait in the outbox meanwhile)",
    };
  }
}

async function checkMedusaBackend(backendUrl: string): Promise<Outcome> {
  const health = new URL("/health", backendUrl);
  try {
    const response = await fetch(health, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok
      ? { ok: `${redactUrl(backendUrl)} (/health ${response.status})` }
      : {
          problem: `Medusa's /health answered ${response.status}`,
          fix: "check Medusa's logs, and that MEDUSA_BACKEND_URL is Medusa's own origin",
        };
  } catch (error) {
    return {
      problem: `cannot reach Medusa at ${redactUrl(backendUrl)}: ${failure(error)}`,
      fix: "check that Medusa is running and that MEDUSA_BACKEND_URL is right",
    };
  }
}

async function checkMedusaDatabase(config: Config, url: string): Promise<Outcome> {
  const { medusaV1Stores } = await import("../stores/medusa-v1/open.js");
  const { runtime } = medusaV1Stores(url, 1);
  try {
    const detected = await detectMedusaVersion(runtime);
    if (!detected) {
      return {
        problem: `${redactUrl(url)} has none of Medusa's tables`,
        fix: "point MEDUSA_DATABASE_URL at Medusa's database, and run Medusa's migrations first",
      };
    }
    if (config.medusaVersionExplicit && detected.version !== config.medusaVersion) {
      return {
        problem: `MEDUSA_VERSION=${config.medusaVersion} but it is a Medusa v${detected.version} database`,
        fix: `set MEDUSA_VERSION=${detected.version}, or leave it unset`,
      };
    }
    return { ok: `${redactUrl(url)} (Medusa v${detected.version})` };
  } catch (error) {
    return {
      problem: `cannot use Medusa's database at ${redactUrl(url)}: ${failure(error)}`,
      fix: "check that it is running and that MEDUSA_DATABASE_URL (user, password) is right",
    };
  } finally {
    await runtime.close();
  }
}

function report(name: string, outcome: Outcome): boolean {
  process.stdout.write(
    "ok" in outcome
      ? `${name}: ok${outcome.ok && ` ${outcome.ok}`}\n`
      : `${name}: problem: ${outcome.problem.replace(/\.$/, "")}. fix: ${outcome.fix}\n`,
  );
  return "ok" in outcome;
}

export function doctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "check the configuration, database, Redis, webhook endpoint and Medusa, and say how to fix what is wrong",
    )
    .action(async () => {
      let config: Config;
      try {
        config = loadConfig(process.env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        report("configuration", { problem: error.message, fix: "see docs/configuration.md" });
        process.exitCode = 1;
        return;
      }
      let healthy = report("configuration", { ok: config.production ? "(production)" : "" });
      healthy = report("database", await checkDatabase(config)) && healthy;
      if (config.redisUrl) healthy = report("redis", await checkRedis(config.redisUrl)) && healthy;
      if (config.webhook.url) {
        healthy = report("webhook", await checkWebhook(config.webhook.url)) && healthy;
      }
      if (config.medusa) {
        healthy =
          report("medusa backend", await checkMedusaBackend(config.medusa.backendUrl)) && healthy;
      }
      if (config.medusaDatabaseUrl) {
        healthy =
          report("medusa database", await checkMedusaDatabase(config, config.medusaDatabaseUrl)) &&
          healthy;
      }
      if (!healthy) process.exitCode = 1;
    });
}
