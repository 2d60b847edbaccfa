import { sql, type Compilable, type Kysely, type Selectable } from "kysely";
import type { ThrottleRule, ThrottleState, ThrottleStore } from "../types.js";
import { reserveAll } from "../throttle-rules.js";
import { retryDeadlocks, type SqlRuntime } from "./runtime.js";
import { HitsPerTurn } from "../../runtime/hits-per-turn.js";
import { param, prepare } from "./prepared.js";
import type { Database, ThrottleTable } from "./schema.js";

type ThrottleRow = Selectable<ThrottleTable>;

/** Counters kept for at most a day after their window: the longest window any rule uses. */
const RETENTION_MS = 24 * 3_600_000;

const toState = (row: Pick<ThrottleRow, "count" | "window_started_at" | "blocked_until">) => ({
  count: Number(row.count),
  windowStartedAt: row.window_started_at,
  blockedUntil: row.blocked_until,
});

export class SqlThrottleStore implements ThrottleStore {
  private readonly db: Kysely<Database>;
  // Rate-limited routes (the email check among them) count every request: compiled once.
  private readonly hitQuery;
  private readonly getQueries = new Map<number, (...keys: string[]) => Promise<ThrottleRow[]>>();
  private readonly clearQueries = new Map<number, (...keys: string[]) => Promise<unknown[]>>();
  /**
   * Hits are counted at the end of the turn, one upsert per key however many hits it got
   * (hits-per-turn.ts). On SQLite the turn's upserts also share one commit (runtime/sqlite-group-commit.ts).
   */
  private readonly hits: HitsPerTurn;

  constructor(private readonly runtime: SqlRuntime) {
    const db = (this.db = runtime.db);
    // One upsert: a new row, a new window, or `hits` more in the current window.
    const now = param<number>(1);
    const hits = param<number>(3);
    const ended = sql<boolean>`throttle.window_started_at + ${param<number>(2)} <= ${now}`;
    this.hitQuery = prepare<
      Pick<Selectable<ThrottleTable>, "count" | "window_started_at" | "blocked_until">,
      [string, number, number, number]
    >(
      runtime,
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
    this.hits = new HitsPerTurn(async (key, windowMs, now, hits) => {
      const [row] = await this.hitQuery(key, now, windowMs, hits);
      if (!row) throw new Error("The throttle upsert returned no row");
      return toState(row);
    });
  }

  hit(key: string, windowMs: number, now: number): Promise<ThrottleState> {
    return this.hits.hit(key, windowMs, now);
  }

  /** Counts the hits asked for so far and waits until they are committed. */
  private async countHitsNow(): Promise<void> {
    const counted = this.hits.countNow();
    this.runtime.flushWrites();
    await counted;
  }

  async reserve(rules: ThrottleRule[], now: number): Promise<number> {
    // In key order: two reservations sharing keys lock them in the same order.
    const keys = rules.map((rule) => rule.key).sort();
    return this.runtime.readModifyWrite({
      // Rows to lock, even for keys never hit: concurrent first attempts wait for each other.
      lock: [
        this.db
          .insertInto("throttle")
          .values(keys.map((key) => ({ key, count: 0, window_started_at: now, blocked_until: 0 })))
          .onConflict((conflict) => conflict.column("key").doNothing()),
      ],
      read: this.runtime.forUpdate(
        this.db.selectFrom("throttle").selectAll().where("key", "in", keys).orderBy("key"),
      ),
      decide: (rows) => {
        const { waitMs, next } = reserveAll(
          rules,
          new Map(rows.map((row) => [row.key, toState(row)])),
          now,
        );
        const states = [...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return { result: waitMs, write: waitMs > 0 ? null : this.upsert(states) };
      },
    });
  }

  private upsert(states: Array<[string, ThrottleState]>) {
    return this.db
      .insertInto("throttle")
      .values(
        states.map(([key, state]) => ({
          key,
          count: state.count,
          window_started_at: state.windowStartedAt,
          blocked_until: state.blockedUntil,
        })),
      )
      .onConflict((conflict) =>
        conflict.column("key").doUpdateSet((eb) => ({
          count: eb.ref("excluded.count"),
          window_started_at: eb.ref("excluded.window_started_at"),
          blocked_until: eb.ref("excluded.blocked_until"),
        })),
      );
  }

  async release(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await retryDeadlocks(() =>
      this.db
        .updateTable("throttle")
        .set({ count: sql<number>`count - 1` })
        .where("key", "in", this.inKeyOrder(keys))
        .where("count", ">", 0)
        .execute(),
    );
  }

  /**
   * The keys to change, locked in key order (as `reserve` locks them): a statement that locked
   * them in another order could deadlock with a reservation.
   */
  private inKeyOrder(keys: string[]) {
    return this.runtime.forUpdate(
      this.db.selectFrom("throttle").select("key").where("key", "in", keys).orderBy("key"),
    );
  }

  async get(keys: string[]): Promise<Map<string, ThrottleState>> {
    const found = new Map<string, ThrottleState>();
    if (keys.length === 0) return found;
    await this.countHitsNow();
    const rows = await this.preparedFor(this.getQueries, keys.length, (placeholders) =>
      this.db.selectFrom("throttle").selectAll().where("key", "in", placeholders),
    )(...keys);
    for (const row of rows) {
      found.set(row.key, toState(row));
    }
    return found;
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.countHitsNow();
    const clear = this.preparedFor(this.clearQueries, keys.length, (placeholders) =>
      this.db.deleteFrom("throttle").where("key", "in", this.inKeyOrder(placeholders)),
    );
    await retryDeadlocks(() => clear(...keys));
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
      query = prepare<Row, string[]>(this.runtime, () => build(placeholders));
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
