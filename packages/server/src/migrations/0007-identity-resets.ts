import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * (v2) A reset token names a customer or, for an auth identity whose customer was never created,
 * the identity (`auth_identity_id`): exactly one of the two. SQLite cannot make a column nullable
 * in place: there the table is made again, its rows kept. Going down drops the identities' tokens
 * (they live 15 minutes).
 */
const ONE_SUBJECT = "password_reset_one_subject";
const oneSubject = sql`(customer_id is null) <> (auth_identity_id is null)`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return rebuild(db, true);
  await db.schema
    .alterTable("password_reset")
    .alterColumn("customer_id", (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable("password_reset").addColumn("auth_identity_id", "text").execute();
  await db.schema
    .alterTable("password_reset")
    .addCheckConstraint(ONE_SUBJECT, oneSubject)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return rebuild(db, false);
  await db.deleteFrom("password_reset").where("customer_id", "is", null).execute();
  await db.schema.alterTable("password_reset").dropConstraint(ONE_SUBJECT).execute();
  await db.schema.alterTable("password_reset").dropColumn("auth_identity_id").execute();
  await db.schema
    .alterTable("password_reset")
    .alterColumn("customer_id", (c) => c.setNotNull())
    .execute();
}

/** SQLite: the table made again with or without the identity column, customers' rows kept. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function rebuild(db: Kysely<any>, identities: boolean): Promise<void> {
  let table = db.schema
    .createTable("password_reset_new")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => (identities ? c : c.notNull()))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull());
  if (identities) {
    table = table.addColumn("auth_identity_id", "text").addCheckConstraint(ONE_SUBJECT, oneSubject);
  }
  await table.execute();
  await sql`insert into password_reset_new (token_hash, customer_id, created_at, expires_at)
    select token_hash, customer_id, created_at, expires_at from password_reset
    where customer_id is not null`.execute(db);
  await db.schema.dropTable("password_reset").execute();
  await db.schema.alterTable("password_reset_new").renameTo("password_reset").execute();
}
