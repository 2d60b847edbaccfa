import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * PostgreSQL only: every committed change to a customer, an address or a session is announced on
 * the `gatehouse_changes` channel (LISTEN/NOTIFY), with what it touched, so that every Gatehouse
 * process can drop what it keeps in memory of it (stores/sql/change-feed.ts) — including changes
 * made outside Gatehouse, by an operator's SQL. Payloads: `customer:<id>`, `address:<customer
 * id, or empty for a billing address>`, `session:<id>`, and `*` for a TRUNCATE. New sessions announce nothing: nothing
 * kept in memory can be made stale by a row that did not exist.
 */
const NOTIFY_CHANGE = sql`
create or replace function gatehouse_notify_change() returns trigger language plpgsql as $$
declare
  changed record;
begin
  if tg_op = 'DELETE' then changed := old; else changed := new; end if;
  if tg_table_name = 'customer' then
    perform pg_notify('gatehouse_changes', 'customer:' || changed.id);
    if tg_op = 'UPDATE' and old.id <> new.id then
      perform pg_notify('gatehouse_changes', 'customer:' || old.id);
    end if;
  elsif tg_table_name = 'address' then
    perform pg_notify('gatehouse_changes', 'address:' || coalesce(changed.customer_id, ''));
    if tg_op = 'UPDATE' and old.customer_id is distinct from new.customer_id then
      perform pg_notify('gatehouse_changes', 'address:' || coalesce(old.customer_id, ''));
    end if;
  else
    perform pg_notify('gatehouse_changes', 'session:' || changed.id);
    if tg_op = 'UPDATE' and old.id <> new.id then
      perform pg_notify('gatehouse_changes', 'session:' || old.id);
    end if;
  end if;
  return null;
end
$$`;

/** A TRUNCATE touches every row without firing row triggers: announced as `*`, everything. */
const NOTIFY_TRUNCATE = sql`
create or replace function gatehouse_notify_truncate() returns trigger language plpgsql as $$
begin
  perform pg_notify('gatehouse_changes', '*');
  return null;
end
$$`;

const TRIGGERS = [
  ["customer", "insert or update or delete"],
  ["address", "insert or update or delete"],
  ["session", "update or delete"],
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await NOTIFY_CHANGE.execute(db);
  await NOTIFY_TRUNCATE.execute(db);
  for (const [table, events] of TRIGGERS) {
    await sql`
      create trigger ${sql.raw(`${table}_notify_change`)}
      after ${sql.raw(events)} on ${sql.table(table)}
      for each row execute function gatehouse_notify_change()`.execute(db);
    await sql`
      create trigger ${sql.raw(`${table}_notify_truncate`)}
      after truncate on ${sql.table(table)}
      for each statement execute function gatehouse_notify_truncate()`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const [table] of TRIGGERS) {
    await sql`drop trigger if exists ${sql.raw(`${table}_notify_change`)} on ${sql.table(table)}`.execute(
      db,
    );
    await sql`drop trigger if exists ${sql.raw(`${table}_notify_truncate`)} on ${sql.table(table)}`.execute(
      db,
    );
  }
  await sql`drop function if exists gatehouse_notify_change()`.execute(db);
  await sql`drop function if exists gatehouse_notify_truncate()`.execute(db);
}
