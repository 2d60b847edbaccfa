import type { SessionStore, Stores } from "../types.js";
import { SqlAddressStore } from "./address-store.js";
import { SqlCustomerStore } from "./customer-store.js";
import { SqlEventStore } from "./event-store.js";
import { ping, type SqlDatabase } from "./database.js";
import { SqlPasswordResetStore } from "./password-reset-store.js";
import { SqlSessionStore } from "./session-store.js";
import { SqlSigningKeyStore } from "./signing-key-store.js";
import { SqlThrottleStore } from "./throttle-store.js";

/**
 * Every store on one SQL database (SQLite or PostgreSQL), sessions perhaps elsewhere (Redis).
 * Call once the migrations have run. No read cache: `openStores` puts it in front.
 */
export function createSqlStores(database: SqlDatabase, sessions?: SessionStore): Stores {
  const { db } = database;
  return {
    customers: new SqlCustomerStore(database),
    addresses: new SqlAddressStore(database),
    sessions: sessions ?? new SqlSessionStore(database),
    signingKeys: new SqlSigningKeyStore(db),
    passwordResets: new SqlPasswordResetStore(db),
    throttle: new SqlThrottleStore(database),
    events: new SqlEventStore(db, database.dialect),
    async ping() {
      try {
        await ping(db);
        return { database: "ok" };
      } catch (error) {
        return { database: error as Error };
      }
    },
    close: () => database.close(),
  };
}
