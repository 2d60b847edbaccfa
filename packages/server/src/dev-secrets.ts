/**
 * Development only: COOKIE_SECRET and JWT_SECRET are generated once and kept in DATA_DIR, so
 * `npm start` needs no setup and sessions survive restarts. Production requires them from the
 * environment (config.ts refuses to start without them).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Secrets {
  cookieSecret: string;
  jwtSecret: string;
}

export function loadOrCreateDevSecrets(
  dataDir: string,
  given: Partial<Secrets>,
): { secrets: Secrets; file: string; created: boolean } {
  const file = join(dataDir, "secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
  } catch {
    stored = {};
  }
  const secrets: Secrets = {
    cookieSecret:
      given.cookieSecret ?? stored.cookieSecret ?? randomBytes(32).toString("base64url"),
    jwtSecret: given.jwtSecret ?? stored.jwtSecret ?? randomBytes(32).toString("base64url"),
  };
  const created =
    (given.cookieSecret === undefined && stored.cookieSecret === undefined) ||
    (given.jwtSecret === undefined && stored.jwtSecret === undefined);
  if (created) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const toStore = {
      cookieSecret: stored.cookieSecret ?? secrets.cookieSecret,
      jwtSecret: stored.jwtSecret ?? secrets.jwtSecret,
    };
    writeFileSync(file, `${JSON.stringify(toStore, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, file, created };
}
