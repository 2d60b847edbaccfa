/**
 * Development only: COOKIE_SECRET and JWT_SECRET (and WEBHOOK_SECRET when a webhook is set) are
 * generated once and kept in DATA_DIR, so `npm start` needs no setup and sessions survive
 * restarts. Production requires them from the environment (config.ts refuses to start without them).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Secrets {
  cookieSecret: string;
  jwtSecret: string;
  webhookSecret: string;
}

const generators: Record<keyof Secrets, () => string> = {
  cookieSecret: () => randomBytes(32).toString("base64url"),
  jwtSecret: () => randomBytes(32).toString("base64url"),
  // The Standard Webhooks form: the receiver's library takes it as it is.
  webhookSecret: () => `whsec_${randomBytes(32).toString("base64")}`,
};

/** The secrets named in `wanted`: given ones as they are, the others read from or added to the file. */
export function loadOrCreateDevSecrets<K extends keyof Secrets>(
  dataDir: string,
  given: Partial<Secrets>,
  wanted: readonly K[],
): { secrets: Pick<Secrets, K>; file: string; created: boolean } {
  const file = join(dataDir, "secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
  } catch {
    stored = {};
  }
  const secrets = {} as Pick<Secrets, K>;
  const toStore: Partial<Secrets> = { ...stored };
  let created = false;
  for (const name of wanted) {
    const value = given[name] ?? stored[name];
    if (value !== undefined) {
      secrets[name] = value as Secrets[K];
    } else {
      secrets[name] = generators[name]() as Secrets[K];
      toStore[name] = secrets[name];
      created = true;
    }
  }
  if (created) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(toStore, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, file, created };
}

/** A configuration with its secrets filled in, and what was done to fill them (null: all given). */
export interface SecretsResolved<C> {
  config: C & { cookieSecret: string; jwtSecret: string };
  dev: { file: string; created: boolean; names: string } | null;
}

/**
 * The configuration's secrets, the missing ones taken from (or generated into) DATA_DIR as above:
 * the server and the `gatehouse` command line use the same ones.
 */
export function withSecrets<
  C extends {
    dataDir: string;
    cookieSecret?: string | undefined;
    jwtSecret?: string | undefined;
    webhook: { url?: string | undefined; secret?: string | undefined };
  },
>(config: C): SecretsResolved<C> {
  let { cookieSecret, jwtSecret } = config;
  let webhookSecret = config.webhook.secret;
  const webhookWanted = config.webhook.url !== undefined;
  if (
    cookieSecret !== undefined &&
    jwtSecret !== undefined &&
    (!webhookWanted || webhookSecret !== undefined)
  ) {
    return { config: { ...config, cookieSecret, jwtSecret }, dev: null };
  }
  const dev = loadOrCreateDevSecrets(
    config.dataDir,
    { cookieSecret, jwtSecret, webhookSecret },
    webhookWanted
      ? (["cookieSecret", "jwtSecret", "webhookSecret"] as const)
      : (["cookieSecret", "jwtSecret"] as const),
  );
  ({ cookieSecret, jwtSecret } = dev.secrets);
  if (webhookWanted) webhookSecret = (dev.secrets as Secrets).webhookSecret;
  const names = webhookWanted
    ? "COOKIE_SECRET, JWT_SECRET and WEBHOOK_SECRET"
    : "COOKIE_SECRET and JWT_SECRET";
  return {
    config: {
      ...config,
      cookieSecret,
      jwtSecret,
      webhook: { ...config.webhook, secret: webhookSecret },
    },
    dev: { file: dev.file, created: dev.created, names },
  };
}
