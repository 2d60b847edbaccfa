import { sql, type Kysely } from "kysely";
import type { EventOutcome, EventStore, StoredEvent } from "../types.js";
import type { SqlRuntime } from "./runtime.js";
import type { Database } from "./schema.js";

/** Longest `last_error` kept: enough for a status line or a network error's message. */
const MAX_ERROR_LENGTH = 500;

export class SqlEventStore implements EventStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly runtime: SqlRuntime) {
    this.db = runtime.db;
  }

  async add(event: Omit<StoredEvent, "attempts">): Promise<void> {
    await this.db
      .insertInto("account_event")
      .values({
        id: event.id,
        type: event.type,
        payload: JSON.stringify(event.data),
        created_at: event.created_at,
        status: "pending",
        attempts: 0,
        next_attempt_at: event.created_at,
        locked_until: 0,
        locked_by: null,
        delivered_at: null,
        last_error: null,
      })
      .execute();
  }

  async claim(
    worker: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const due = this.db
      .selectFrom("account_event")
      .select("id")
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where("locked_until", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit);
    const rows = await this.db
      .updateTable("account_event")
      .set({
        locked_until: leaseUntil,
        locked_by: worker,
        attempts: sql<number>`attempts + 1`,
      })
      // Rows another claim has locked are skipped, not waited for.
      .where("id", "in", this.runtime.forUpdate(due, { skipLocked: true }))
      // Checked again on the row itself: a claim that committed meanwhile has leased it.
      .where("status", "=", "pending")
      .where("locked_until", "<=", now)
      .returning(["id", "type", "payload", "created_at", "attempts"])
      .execute();
    return rows
      .map((row) => ({
        id: row.id,
        type: row.type,
        data: JSON.parse(row.payload) as Record<string, unknown>,
        created_at: row.created_at,
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  }

  async finish(
    id: string,
    outcome: EventOutcome,
    at: number,
    data: Record<string, unknown>,
    error: string | null,
  ): Promise<void> {
    await this.db
      .updateTable("account_event")
      .set({
        status: outcome,
        delivered_at: outcome === "failed" ? null : at,
        payload: JSON.stringify(data),
        locked_until: 0,
        locked_by: null,
        last_error: error?.slice(0, MAX_ERROR_LENGTH) ?? null,
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .execute();
  }

  async retry(id: string, worker: string, nextAttemptAt: number, error: string): Promise<void> {
    await this.db
      .updateTable("account_event")
      .set({
        next_attempt_at: nextAttemptAt,
        locked_until: 0,
        locked_by: null,
        last_error: error.slice(0, MAX_ERROR_LENGTH),
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("locked_by", "=", worker)
      .execute();
  }

  async deleteFinished(finishedBefore: number, failedBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom("account_event")
      .where((eb) =>
        eb.or([
          eb.and([
            eb("status", "in", ["delivered", "logged"]),
            eb("delivered_at", "<", finishedBefore),
          ]),
          eb.and([eb("status", "=", "failed"), eb("created_at", "<", failedBefore)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
