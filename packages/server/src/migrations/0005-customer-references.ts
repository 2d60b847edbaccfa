import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Sessions and reset tokens name their customer without a foreign key, so that the customers may
 * live in another database (Medusa's own tables, MEDUSA_DATABASE_URL). What the key's cascade did
 * is done by the code that deletes a customer. SQLite cannot drop a constraint: the two tables
 * are rebuilt, as SQLite's documentation prescribes for any change it cannot ALTER.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of ["session", "password_reset"]) {
      const { rows } = await sql<{ name: string }>`
        select conname as name from pg_constraint
        where conrelid = ${table}::regclass and contype = 'f'`.execute(db);
      for (const { name } of rows) {
        await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(name)}`.execute(db);
      }
    }
    return;
  }
  await rebuild(db, false);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of ["session", "password_reset"]) {
      await sql`delete from ${sql.table(table)} t
        where not exists (select 1 from customer c where c.id = t.customer_id)`.execute(db);
      await sql`alter table ${sql.table(table)} add foreign key (customer_id)
        references customer (id) on delete cascade`.execute(db);
    }
    return;
  }
  await rebuild(db, true);
}

/** SQLite: the two tables made again, with or without the foreign key, their rows kept. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function rebuild(db: Kysely<any>, withForeignKey: boolean): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const customerId = (c: any) =>
    withForeignKey ? c.notNull().references("customer.id").onDelete("cascade") : c.notNull();
  await db.schema
    .createTable("session_new")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.unique())
    .addColumn("customer_id", "text", customerId)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("user_agent", "text")
    .execute();
  await db.schema
    .createTable("password_reset_new")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", customerId)
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  const orphansOut = withForeignKey ? sql` where customer_id in (select id from customer)` : sql``;
  await sql`insert into session_new select id, token_hash, customer_id, kind, created_at,
    last_seen_at, expires_at, user_agent from session${orphansOut}`.execute(db);
  await sql`insert into password_reset_new select token_hash, customer_id, created_at, expires_at
    from password_reset${orphansOut}`.execute(db);
  for (const table of ["session", "password_reset"]) {
    await db.schema.dropTable(table).execute();
    await db.schema.alterTable(`${table}_new`).renameTo(table).execute();
  }
  await db.schema.createIndex("session_customer_id").on("session").column("customer_id").execute();
}
