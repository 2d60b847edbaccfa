import type { Stores } from "../types.js";
import { SqlAddressStore } from "./address-store.js";
import { SqlCustomerStore } from "./customer-store.js";
import { SqlEventStore } from "./event-store.js";
import { SqlIdentityStore } from "./identity-store.js";
import { SqlPasswordResetStore } from "./password-reset-store.js";
import type { SqlRuntime } from "./runtime.js";
import { SqlSessionStore } from "./session-store.js";
import { SqlSigningKeyStore } from "./signing-key-store.js";
import { SqlThrottleStore } from "./throttle-store.js";

/**
 * Every store on one SQL database (SQLite or PostgreSQL). Call once the migrations have run.
 * `openStores` puts Redis and the read cache around them as configured.
 */
export function createSqlStores(runtime: SqlRuntime): Stores {
  return {
    customers: new SqlCustomerStore(runtime),
    addresses: new SqlAddressStore(runtime),
    sessions: new SqlSessionStore(runtime),
    signingKeys: new SqlSigningKeyStore(runtime.db),
    passwordResets: new SqlPasswordResetStore(runtime.db),
    throttle: new SqlThrottleStore(runtime),
    events: new SqlEventStore(runtime),
    identities: new SqlIdentityStore(runtime),
    // Every key is accepted until the configured list is wired in (PUBLISHABLE_API_KEYS).
    publishableKeys: { isValid: async () => true },
    async ping() {
      try {
        await runtime.ping();
        return { database: "ok" };
      } catch (error) {
        return { database: error as Error };
      }
    },
    close: () => runtime.close(),
  };
}
