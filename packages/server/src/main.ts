/**
 * The process: environment → config → storage → app → listen; graceful shutdown on SIGTERM/SIGINT.
 * Started by start.cts, which has loaded `.env`. Only the entry points (start.cts, main.ts,
 * migrate.ts) read process.env; every other module receives the config.
 */
import { createRequire } from "node:module";
import pino from "pino";
import { ConfigError, loadConfig } from "./config.js";
import { withSecrets } from "./dev-secrets.js";
import { createGatehouse } from "./gatehouse.js";
import { BackendUnavailableError } from "./stores/open-stores.js";
import { redactUrl } from "./stores/redact-url.js";

function createLogger(level: string) {
  // Pretty logs for a person at a terminal (when pino-pretty is installed); JSON otherwise.
  const pretty = process.stdout.isTTY && canResolve("pino-pretty");
  return pino({
    level,
    base: undefined,
    redact: ["req.headers.authorization", "req.headers.cookie", "res.headers['set-cookie']"],
    ...(pretty && {
      transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss" } },
    }),
  });
}

function canResolve(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `Gatehouse cannot start. ${error.message}\nSee docs/configuration.md.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  const { config: withAll, dev } = withSecrets(config);
  if (dev) {
    logger.info(
      { file: dev.file },
      dev.created
        ? `generated development secrets (set ${dev.names} in production)`
        : `using development secrets (set ${dev.names} in production)`,
    );
  }

  let gatehouse;
  try {
    gatehouse = await createGatehouse(withAll, logger);
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error;
    process.stderr.write(`Gatehouse cannot start: ${error.message}\n`);
    process.exit(1);
  }
  const { app } = gatehouse;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    const force = setTimeout(() => {
      logger.error("shutdown timed out; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    await app.close();
    await gatehouse.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  // Fastify logs a line per address it listens on; the one line below says it all.
  const level = app.log.level;
  if (["trace", "debug", "info"].includes(level)) app.log.level = "warn";
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") throw error;
    const reason =
      code === "EADDRINUSE"
        ? `port ${config.port} is already in use (by Medusa, or another server?): set PORT to a free port`
        : code === "EACCES"
          ? `port ${config.port} needs privileges this process does not have: set PORT to a port above 1023`
          : `HOST ${config.host} is not an address of this machine: set HOST (or PORT) to one it has`;
    process.stderr.write(`Gatehouse cannot start: ${reason}.\n`);
    await app.close().catch(() => {});
    await gatehouse.close().catch(() => {});
    process.exit(1);
  } finally {
    app.log.level = level;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  logger.info(
    {
      url: `http://${host}:${port}`,
      database: config.databaseUrl ? redactUrl(config.databaseUrl) : "SQLite",
      redis: config.redisUrl ? redactUrl(config.redisUrl) : undefined,
    },
    "listening",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Gatehouse stopped on an unexpected error: ${(error as Error).stack ?? String(error)}\n`,
  );
  process.exit(1);
});
