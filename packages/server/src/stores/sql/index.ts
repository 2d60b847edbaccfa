import { allFeeds, type ChangeFeed, type Warn } from "../changes.js";
import type { SessionStore, Stores } from "../types.js";
import { SqlAddressStore } from "./address-store.js";
import { SqlCustomerStore } from "./customer-store.js";
import { SqlEventStore } from "./event-store.js";
import { ping, type SqlDatabase } from "./database.js";
import { SqlPasswordResetStore } from "./password-reset-store.js";
import { SqlSessionStore } from "./session-store.js";
import { SqlSigningKeyStore } from "./signing-key-store.js";
import { SqlThrottleStore } from "./throttle-store.js";
import { ReadCache, dataVersionLook } from "../read-cache.js";

/**
 * The hot reads cached in the process, exactly (read-cache.ts): on SQLite by a look at the
 * file's data version; on PostgreSQL by the changes it reports; with sessions in Redis, also by
 * the changes Redis reports (changes.ts).
 */
function readCache({ dataVersion }: SqlDatabase, reported: ChangeFeed[]): ReadCache {
  const versionLook = dataVersion ? dataVersionLook(dataVersion) : () => true;
  if (reported.length === 0) return new ReadCache(versionLook);
  const feed = allFeeds(reported);
  const cache = new ReadCache((cache) => versionLook(cache) && feed.sync());
  feed.listen((change) => cache.apply(change));
  return cache;
}

/** Sessions kept elsewhere than in the SQL database (Redis), and the feed of their changes. */
export interface ExternalSessions {
  store: SessionStore;
  changes: ChangeFeed;
}

/**
 * Every store on one SQL database (SQLite or PostgreSQL), sessions perhaps elsewhere. Call once
 * the migrations have run. `warn` logs the change feeds' problems.
 */
export function createSqlStores(
  database: SqlDatabase,
  sessions?: ExternalSessions,
  warn: Warn = () => {},
): Stores {
  const { db } = database;
  const feeds = [
    ...(database.listenForChanges ? [database.listenForChanges(warn)] : []),
    ...(sessions ? [sessions.changes] : []),
  ];
  const hot = {
    customers: new SqlCustomerStore(database),
    addresses: new SqlAddressStore(database),
    sessions: sessions?.store ?? new SqlSessionStore(database),
  };
  return {
    ...readCache(database, feeds).wrap(hot),
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
    close: async () => {
      await Promise.all(feeds.map((feed) => feed.close()));
      await database.close();
    },
  };
}
