/**
 * The composition root: opens storage, migrates, wires services and builds the app.
 * Used by main.ts (the process) and by the benchmark.
 */
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { Config } from "./config.js";
import { Metrics } from "./metrics.js";
import { AuditLog } from "./services/audit.js";
import { AuthService } from "./services/auth.js";
import { systemClock, type Clock } from "./services/clock.js";
import { CustomerService } from "./services/customers.js";
import { EventWorker, logSink, webhookSink } from "./services/event-worker.js";
import { AccountEvents } from "./services/events.js";
import { MEDUSA_SCRYPT_PARAMETERS, MEDUSA_V2_SCRYPT_PARAMETERS } from "./services/medusa-scrypt.js";
import { PasswordService } from "./services/passwords.js";
import { SessionService } from "./services/sessions.js";
import { ThrottleService } from "./services/throttle.js";
import { DeviceCookies } from "./services/devices.js";
import { IdentityService } from "./services/identities.js";
import { TokenService } from "./services/tokens.js";
import { openStores } from "./stores/open-stores.js";
import type { Stores } from "./stores/types.js";

/** The services, built here; the HTTP layer receives them (http/context.ts). */
export interface Services {
  /** Security events as structured log lines (services/audit.ts). */
  audit: AuditLog;
  auth: AuthService;
  customers: CustomerService;
  /** Medusa v2's identities and tokens (MEDUSA_VERSION=2). */
  identities: IdentityService;
  sessions: SessionService;
  tokens: TokenService;
  throttle: ThrottleService;
}

export interface Gatehouse {
  app: FastifyInstance;
  /** The process's metrics, when /metrics is on (METRICS_TOKEN, docs/configuration.md). */
  metrics: Metrics | undefined;
  stores: Stores;
  services: Services;
  /** Stops background work and closes storage (call after app.close()). */
  close(): Promise<void>;
}

const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

export async function createGatehouse(
  given: Readonly<Config> & { cookieSecret: string; jwtSecret: string },
  logger: FastifyBaseLogger,
  clock: Clock = systemClock,
): Promise<Gatehouse> {
  const stores = await openStores(given, logger);
  // In front of Medusa's database, its version is known only once it is open (open-stores.ts).
  const config = Object.freeze({ ...given, medusaVersion: stores.medusaVersion });

  const events = new AccountEvents(stores.events, clock, logger);
  const { url: webhookUrl, secret: webhookSecret } = config.webhook;
  if (webhookUrl && !webhookSecret) throw new Error("a webhook URL needs a WEBHOOK_SECRET");
  const worker = new EventWorker({
    store: stores.events,
    sink:
      webhookUrl && webhookSecret
        ? webhookSink(webhookUrl, webhookSecret, clock)
        : logSink(config.production, logger),
    settings: config.webhook,
    clock,
    log: logger,
  });
  events.onStored(() => worker.wake());

  const metrics: Metrics | undefined = config.metrics.enabled
    ? new Metrics({
        hashQueueDepth: (): number => passwords.queueDepth,
        pools: () => stores.use.pools(),
        redis: () => stores.use.redis(),
        readCache: () => stores.use.readCache(),
      })
    : undefined;
  const audit = new AuditLog(logger);
  // In front of Medusa's database, hashes Medusa itself verifies (rollback-safe, docs/medusa.md).
  const passwords = new PasswordService(
    config.password,
    config.storeName,
    config.medusaDatabaseUrl ? "medusa-scrypt" : "argon2id",
    config.medusaVersion === 2 ? MEDUSA_V2_SCRYPT_PARAMETERS : MEDUSA_SCRYPT_PARAMETERS,
    metrics && ((seconds) => metrics.hashQueueWait(seconds)),
  );
  // The warm-up hash runs on the thread pool while the rest is built, and is awaited before listening.
  const warmed = passwords.warm();
  warmed.catch(() => {}); // reported where it is awaited
  const sessions = new SessionService({
    store: stores.sessions,
    config: config.session,
    secret: config.cookieSecret,
    clock,
    events,
  });
  const tokens = new TokenService({
    config: config.jwt,
    secret: config.jwtSecret,
    store: stores.signingKeys,
    clock,
    warn: (message) => logger.warn(message),
    api: config.medusaVersion,
  });
  await tokens.init();
  const throttle = new ThrottleService({
    store: stores.throttle,
    config: config.rateLimits,
    clock,
    secret: config.cookieSecret,
    production: config.production,
  });
  const auth = new AuthService({
    customers: stores.customers,
    identities: config.medusaVersion === 2 ? stores.identities : undefined,
    passwords,
    sessions,
    throttle,
    devices: new DeviceCookies(config.cookieSecret),
    loginMaxLength: config.password.loginMaxLength,
    bearerTtlMs: config.jwt.ttlMs,
    hashQueue: config.password.hashing.maxQueue,
    metrics,
    audit,
  });
  const services: Services = {
    audit,
    auth,
    customers: new CustomerService({
      customers: stores.customers,
      addresses: stores.addresses,
      resets: stores.passwordResets,
      identities: config.medusaVersion === 2 ? stores.identities : undefined,
      passwords,
      sessions,
      secret: config.cookieSecret,
      clock,
      events,
      throttle,
      freshSessionAgeMs: config.session.freshAgeMs,
      oldPasswordMaxLength: config.password.loginMaxLength,
      api: config.medusaVersion,
      audit,
    }),
    identities: new IdentityService({
      identities: stores.identities,
      customers: stores.customers,
      auth,
      passwords,
      sessions,
      tokens,
      events,
      clock,
      bearerTtlMs: config.jwt.ttlMs,
    }),
    sessions,
    tokens,
    throttle,
  };
  const { threads, poolSize } = config.password.hashing;
  if (threads > poolSize) {
    logger.warn(
      `PASSWORD_HASH_THREADS is ${threads} but libuv's thread pool has ${poolSize} threads: ` +
        `start the server with packages/server/dist/start.cjs (it sizes the pool), or set ` +
        `UV_THREADPOOL_SIZE=${threads}, to hash on every core`,
    );
  }

  const maintenance = setInterval(() => {
    Promise.all([
      sessions.purgeExpired(),
      stores.passwordResets.deleteExpired(clock.now()),
      throttle.purgeExpired(),
      tokens.rotateIfDue(),
      worker.purge(),
    ]).catch((error: unknown) =>
      logger.warn({ err: error }, "maintenance failed; retrying in an hour"),
    );
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();

  const app = await buildApp({ config, stores, services, clock, logger, metrics });
  await warmed;
  worker.start();
  return {
    app,
    metrics,
    stores,
    services,
    async close() {
      clearInterval(maintenance);
      await events.settled();
      await worker.stop();
      await stores.close();
    },
  };
}
