import { sql, type Compilable, type Kysely, type Selectable } from "kysely";
import type { ThrottleState, ThrottleStore } from "../types.js";
import type { SqlDatabase } from "./database.js";
import { atTurnEnd } from "../../turn.js";
import { param, prepare } from "./prepared.js";
import type { Database, ThrottleTable } from "./schema.js";

type ThrottleRow = Selectable<ThrottleTable>;

/** Counters kept for at most a day after their window: the longest window any rule uses. */
const RETENTION_MS = 24 * 3_600_000;

const settledToNothing = () => undefined;

/** The hits on one key asked for in one turn of the event loop. */
interface PendingHits {
  windowMs: number;
  now: number;
  waiters: Array<{ resolve(state: ThrottleState): void; reject(error: unknown): void }>;
}

export class SqlThrottleStore implements ThrottleStore {
  private readonly db: Kysely<Database>;
  // Rate-limited routes (the email check among them) count every request: compiled once.
  private readonly hitQuery;
  private readonly getQueries = new Map<number, (...keys: string[]) => Promise<ThrottleRow[]>>();
  private readonly clearQueries = new Map<number, (...keys: string[]) => Promise<unknown[]>>();
  /**
   * Hits are counted at the end of the turn, one upsert per key however many hits it got (a
   * burst from one address is the case rate limits exist for), each caller getting its own
   * count. On SQLite the turn's upserts also share one commit (write-batch.ts).
   */
  private pendingHits = new Map<string, PendingHits>();
  /** Settles once the upserts of the hits counted last have. */
  private counted: Promise<unknown> = Promise.resolve();

  constructor(private readonly database: SqlDatabase) {
    const db = (this.db = database.db);
    // One upsert: a new row, a new window, or `hits` more in the current window.
    const now = param<number>(1);
    const hits = param<number>(3);
    const ended = sql<boolean>`throttle.window_started_at + ${param<number>(2)} <= ${now}`;
    this.hitQuery = prepare<
      Pick<Selectable<ThrottleTable>, "count" | "window_started_at" | "blocked_until">,
      [string, number, number, number]
    >(
      database,
      () =>
        db
          .insertInto("throttle")
          .values({ key: param(0), count: hits, window_started_at: now, blocked_until: 0 })
          .onConflict((conflict) =>
            conflict.column("key").doUpdateSet({
              count: sql<number>`case when ${ended} then ${hits} else throttle.count + ${hits} end`,
              window_started_at: sql<number>`case when ${ended} then ${now} else throttle.window_started_at end`,
            }),
          )
          .returning(["count", "window_started_at", "blocked_until"]),
      { perTurn: true },
    );
  }

  hit(key: string, windowMs: number, now: number): Promise<ThrottleState> {
    return new Promise((resolve, reject) => {
      let pending = this.pendingHits.get(key);
      if (pending === undefined) {
        pending = { windowMs, now, waiters: [] };
        this.pendingHits.set(key, pending);
        if (this.pendingHits.size === 1) atTurnEnd(this.countPendingHits);
      }
      pending.now = Math.max(pending.now, now);
      pending.waiters.push({ resolve, reject });
    });
  }

  private readonly countPendingHits = (): void => {
    const turn = this.pendingHits;
    this.pendingHits = new Map();
    const upserts: Array<Promise<unknown>> = [];
    for (const [key, { windowMs, now, waiters }] of turn) {
      const upsert = this.hitQuery(key, now, windowMs, waiters.length);
      upserts.push(upsert);
      upsert
        .then(([row]) => {
          if (!row) throw new Error("The throttle upsert returned no row");
          // In asking order: the first caller's hit is the first of the ones just counted.
          const before = Number(row.count) - waiters.length;
          waiters.forEach((waiter, i) =>
            waiter.resolve({
              count: before + i + 1,
              windowStartedAt: row.window_started_at,
              blockedUntil: row.blocked_until,
            }),
          );
        })
        .catch((error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        });
    }
    // Settles to nothing: a chain that kept each batch's results would keep every batch's.
    this.counted = Promise.allSettled([this.counted, ...upserts]).then(settledToNothing);
  };

  /**
   * Counts the hits asked for so far and waits until they are stored, so that the statement about
   * to run sees them, as it would have had each hit been written when asked.
   */
  private async countHitsNow(): Promise<void> {
    if (this.pendingHits.size > 0) this.countPendingHits();
    this.database.flushWrites?.();
    await this.counted;
  }

  async block(key: string, until: number): Promise<void> {
    await this.countHitsNow();
    await this.db
      .updateTable("throttle")
      .set({
        blocked_until: sql<number>`case when blocked_until < ${until} then ${until} else blocked_until end`,
      })
      .where("key", "=", key)
      .execute();
  }

  async get(keys: string[]): Promise<Map<string, ThrottleState>> {
    const found = new Map<string, ThrottleState>();
    if (keys.length === 0) return found;
    await this.countHitsNow();
    const rows = await this.preparedFor(this.getQueries, keys.length, (placeholders) =>
      this.db.selectFrom("throttle").selectAll().where("key", "in", placeholders),
    )(...keys);
    for (const row of rows) {
      found.set(row.key, {
        count: Number(row.count),
        windowStartedAt: row.window_started_at,
        blockedUntil: row.blocked_until,
      });
    }
    return found;
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.countHitsNow();
    await this.preparedFor(this.clearQueries, keys.length, (placeholders) =>
      this.db.deleteFrom("throttle").where("key", "in", placeholders),
    )(...keys);
  }

  /** Every login reads and clears a fixed number of keys: one compiled query per key count. */
  private preparedFor<Row>(
    cache: Map<number, (...keys: string[]) => Promise<Row[]>>,
    count: number,
    build: (placeholders: string[]) => Compilable<Row>,
  ): (...keys: string[]) => Promise<Row[]> {
    let query = cache.get(count);
    if (!query) {
      const placeholders = Array.from({ length: count }, (_, i) => param(i));
      query = prepare<Row, string[]>(this.database, () => build(placeholders));
      cache.set(count, query);
    }
    return query;
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom("throttle")
      .where("window_started_at", "<", before - RETENTION_MS)
      .where("blocked_until", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
