import type { Stores } from "../types.js";
import { SqlAddressStore } from "./address-store.js";
import { SqlCustomerStore } from "./customer-store.js";
import { ping, type SqlDatabase } from "./database.js";
import { SqlPasswordResetStore } from "./password-reset-store.js";
import { SqlSessionStore } from "./session-store.js";
import { SqlSigningKeyStore } from "./signing-key-store.js";
import { SqlThrottleStore } from "./throttle-store.js";
import { ReadCache } from "../read-cache.js";

/** Every store on one SQL database (SQLite or PostgreSQL). */
export function createSqlStores(database: SqlDatabase): Stores {
  const { db } = database;
  const hot = {
    customers: new SqlCustomerStore(database),
    addresses: new SqlAddressStore(database),
    sessions: new SqlSessionStore(database),
  };
  return {
    // On SQLite the hot reads are cached in the process, exactly (see read-cache.ts).
    ...(database.dataVersion ? new ReadCache(database.dataVersion).wrap(hot) : hot),
    signingKeys: new SqlSigningKeyStore(db),
    passwordResets: new SqlPasswordResetStore(db),
    throttle: new SqlThrottleStore(database),
    async ping() {
      try {
        await ping(db);
        return { database: "ok" };
      } catch (error) {
        return { database: `unavailable: ${(error as Error).message}` };
      }
    },
    close: () => database.close(),
  };
}
