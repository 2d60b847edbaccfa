import type { Kysely } from "kysely";

/** The outbox of account events (services/events.ts): kept in SQL even when sessions live in Redis. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("account_event")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("locked_until", "bigint", (c) => c.notNull())
    .addColumn("locked_by", "text")
    .addColumn("delivered_at", "bigint")
    .addColumn("last_error", "text")
    .execute();
  // The worker's claim: pending events by due time.
  await db.schema
    .createIndex("account_event_due")
    .on("account_event")
    .columns(["status", "next_attempt_at"])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("account_event").execute();
}
