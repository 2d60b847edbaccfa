/**
 * Reads batched per turn of the event loop. Under load many requests ask for a row in the same
 * turn (one per connection that had data); on PostgreSQL each separate query is a socket write,
 * a wake-up of a backend process and a reply to parse. A batched reader collects the keys asked
 * for until the turn ends (end-of-turn.ts) and fetches them all with one statement: what
 * graphql's DataLoader does with `cache: false`, `maxBatchSize: 128` and `batchScheduleFn` set to
 * the end of the turn. Measured against it (docs/benchmarks.md), the library was not within 5%.
 *
 * This is not a cache: every key is read from the database after it was asked for, so a read
 * sees every write that completed before it was asked, exactly as a query of its own would.
 */

import { atTurnEnd } from "./end-of-turn.js";

/** Keys per statement at most; a busier turn sends several statements. */
export const MAX_BATCH = 128;

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * A reader of one key that batches: `load` gets distinct keys and returns the rows found by
 * key; a key without a row resolves to `undefined`.
 */
export function batchedReader<K, V>(
  load: (keys: K[]) => Promise<Map<K, V>>,
): (key: K) => Promise<V | undefined> {
  type Batch = { waiters: Map<K, Array<Waiter<V>>>; sent: boolean };
  let pending: Batch | null = null;

  const send = (batch: Batch) => {
    // A batch that filled up was sent at once; its scheduled run then has nothing to do.
    if (batch.sent) return;
    batch.sent = true;
    if (pending === batch) pending = null;
    load([...batch.waiters.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch.waiters) {
          const value = found.get(key);
          for (const waiter of waiters) waiter.resolve(value);
        }
      },
      (error: unknown) => {
        for (const waiters of batch.waiters.values()) {
          for (const waiter of waiters) waiter.reject(error);
        }
      },
    );
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (pending === null) {
        const batch: Batch = (pending = { waiters: new Map(), sent: false });
        atTurnEnd(() => send(batch));
      }
      const batch = pending;
      const waiters = batch.waiters.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else batch.waiters.set(key, [{ resolve, reject }]);
      if (batch.waiters.size >= MAX_BATCH) send(batch);
    });
}
