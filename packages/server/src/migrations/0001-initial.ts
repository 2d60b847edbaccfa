import { sql, type Kysely } from "kysely";

/** Customers, addresses, sessions, signing keys and password-reset tokens. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("customer")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("deleted_at", "bigint")
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("first_name", "text")
    .addColumn("last_name", "text")
    .addColumn("billing_address_id", "text")
    .addColumn("phone", "text")
    .addColumn("has_account", "boolean", (c) => c.notNull())
    .addColumn("metadata", "text")
    .addColumn("password_hash", "text")
    .execute();
  // One registered and one guest row per email at most, as in Medusa.
  await db.schema
    .createIndex("customer_email_account_unique")
    .on("customer")
    .columns(["email", "has_account"])
    .unique()
    .where(sql.ref("deleted_at"), "is", null)
    .execute();

  await db.schema
    .createTable("address")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => c.references("customer.id").onDelete("cascade"))
    .addColumn("company", "text")
    .addColumn("first_name", "text")
    .addColumn("last_name", "text")
    .addColumn("address_1", "text")
    .addColumn("address_2", "text")
    .addColumn("city", "text")
    .addColumn("country_code", "text")
    .addColumn("province", "text")
    .addColumn("postal_code", "text")
    .addColumn("phone", "text")
    .addColumn("metadata", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("deleted_at", "bigint")
    .execute();
  await db.schema.createIndex("address_customer_id").on("address").column("customer_id").execute();

  await db.schema
    .createTable("session")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.unique())
    .addColumn("customer_id", "text", (c) =>
      c.notNull().references("customer.id").onDelete("cascade"),
    )
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("session_customer_id").on("session").column("customer_id").execute();

  await db.schema
    .createTable("signing_key")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("algorithm", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("password_reset")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) =>
      c.notNull().references("customer.id").onDelete("cascade"),
    )
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["password_reset", "signing_key", "session", "address", "customer"]) {
    await db.schema.dropTable(table).execute();
  }
}
