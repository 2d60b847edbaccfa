import { sql, type Kysely } from "kysely";

/**
 * Medusa v2's fields and its auth identities: customer.company_name; address.address_name and
 * the two default flags; session.token_version (bearer-token rotation); and `auth_identity`,
 * email+password credentials that may exist before their customer (v2 registers them first).
 * While unlinked, an identity holds the password hash; linking moves it into the customer row.
 * `email_key` is the email normalized (one identity per email, case-insensitively).
 *
 * The change-notification triggers of 0003 are row triggers on whole tables: the new columns
 * are announced like the others (a token_version change as `session:<id>`, so every instance's
 * cached copy of the session is dropped). auth_identity is read from the database each time: no
 * trigger.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("customer").addColumn("company_name", "text").execute();
  await db.schema.alterTable("address").addColumn("address_name", "text").execute();
  for (const flag of ["is_default_shipping", "is_default_billing"]) {
    await db.schema
      .alterTable("address")
      .addColumn(flag, "boolean", (c) => c.notNull().defaultTo(false))
      .execute();
    // One live default of each kind per customer, as Medusa v2's own index: the address store
    // keeps it (under the customer's lock); the database refuses a write that would not.
    await db.schema
      .createIndex(`address_${flag}_unique`)
      .on("address")
      .column("customer_id")
      .unique()
      .where(sql.ref(flag), "=", sql.lit(true))
      .where(sql.ref("deleted_at"), "is", null)
      .execute();
  }
  await db.schema
    .alterTable("session")
    .addColumn("token_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("auth_identity")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_key", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text")
    .addColumn("customer_id", "text", (c) => c.unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("auth_identity").execute();
  for (const flag of ["is_default_shipping", "is_default_billing"]) {
    await db.schema.dropIndex(`address_${flag}_unique`).execute();
  }
  const columns = [
    ["session", "token_version"],
    ["address", "is_default_billing"],
    ["address", "is_default_shipping"],
    ["address", "address_name"],
    ["customer", "company_name"],
  ] as const;
  // SQLite (3.35+) drops a column in place, as PostgreSQL does, once no index names it.
  for (const [table, column] of columns) {
    await db.schema.alterTable(table).dropColumn(column).execute();
  }
}
