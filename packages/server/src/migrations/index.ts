import type { Migration, MigrationProvider } from "kysely";
import * as m0001 from "./0001-initial.js";
import * as m0002 from "./0002-throttle.js";
import * as m0003 from "./0003-change-notifications.js";
import * as m0004 from "./0004-account-events.js";
import * as m0005 from "./0005-customer-references.js";
import * as m0006 from "./0006-medusa-v2.js";
import * as m0007 from "./0007-identity-resets.js";
import * as m0008 from "./0008-identity-email-keys.js";

/** Every migration, in order. Kysely code, so one migration runs on SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  "0001-initial": m0001,
  "0002-throttle": m0002,
  "0003-change-notifications": m0003,
  "0004-account-events": m0004,
  "0005-customer-references": m0005,
  "0006-medusa-v2": m0006,
  "0007-identity-resets": m0007,
  "0008-identity-email-keys": m0008,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
