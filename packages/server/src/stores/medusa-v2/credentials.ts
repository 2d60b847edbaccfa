/**
 * A customer's credentials in Medusa v2: an `auth_identity` (its `app_metadata.customer_id` names
 * the customer) and its emailpass `provider_identity` (`entity_id` the email as typed,
 * `provider_metadata.password` the hash). Shared by the customer and identity stores.
 *
 * One key per email. Gatehouse's key of an email is `normalizeEmail` (NFKC, then lower case, in
 * JavaScript); PostgreSQL's is `lower(normalize(entity_id, NFKC))`, the expression of Gatehouse's
 * index (open.ts). Lookups compare that expression with Gatehouse's key, and every creation or
 * change of an identity's email runs under a transaction-scoped advisory lock on Gatehouse's key.
 * The two keys agree for nearly every email, but not for all (PostgreSQL's `lower()` follows the
 * database's locale and its Unicode tables, JavaScript's its own: `İ`, a final `Σ`, letters newer
 * than the database's tables): so an identity is written only with an email whose two keys agree,
 * checked in the writing transaction (`claimEmail`), and a 400 otherwise. Then two emails with one
 * Gatehouse key take one lock, and the second writer finds the first through the index: they can
 * never both be written, concurrently or not.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import { ulid } from "ulid";
import type { AuthIdentity } from "../../domain.js";
import { invalidData } from "../../errors.js";
import { normalizeEmail } from "../../services/emails.js";
import { toDate, toMs } from "../medusa-rows.js";
import { EMAILPASS, type MedusaV2Database } from "./schema.js";

type Db = Kysely<MedusaV2Database>;

/** The advisory-lock namespace of Gatehouse's email locks ("gate" in ASCII). */
const EMAIL_LOCK_NAMESPACE = 0x67617465;

/** PostgreSQL's key of an email column, the expression Gatehouse's index holds (open.ts). */
export const emailKeyOf = (column: string) =>
  sql<string>`lower(normalize(${sql.ref(column)}, NFKC))`;

/** The call that takes, until the transaction ends, the lock on one email's key. */
const emailLock = (key: string) =>
  sql`pg_advisory_xact_lock(${EMAIL_LOCK_NAMESPACE}, hashtext(${key}))`;

/** Holds, until the transaction ends, the lock on one email (any spelling with its key). */
export async function lockEmail(trx: Transaction<MedusaV2Database>, email: string): Promise<void> {
  await sql`select ${emailLock(normalizeEmail(email))}`.execute(trx);
}

/**
 * Locks the email as `lockEmail` does, before an identity is written with it, and refuses (400)
 * an email whose key PostgreSQL computes differently from Gatehouse: the index would hold it
 * under a key no lookup asks for, and another spelling of it could be registered next to it.
 */
export async function claimEmail(trx: Transaction<MedusaV2Database>, email: string): Promise<void> {
  const key = normalizeEmail(email);
  const { rows } = await sql<{ key: string }>`
    select lower(normalize(${email}::text, NFKC)) as key from ${emailLock(key)}`.execute(trx);
  if (rows[0]?.key !== key) {
    throw invalidData(
      "email cannot be used with this store: Medusa's database (PostgreSQL) lower-cases or " +
        "normalizes one of its characters differently from Gatehouse (Unicode NFKC, then lower " +
        "case), so it could not be matched as one email; use an address without that character",
    );
  }
}

export interface IdentityRow {
  id: string;
  provider_identity_id: string;
  email: string;
  customer_id: string | null;
  password_hash: string | null;
  created_at: Date | string;
}

/** The emailpass identities joined with their auth identity, live ones only. */
function identities(db: Db) {
  return db
    .selectFrom("provider_identity as pi")
    .innerJoin("auth_identity as ai", "ai.id", "pi.auth_identity_id")
    .select([
      "ai.id",
      "pi.id as provider_identity_id",
      "pi.entity_id as email",
      sql<string | null>`ai.app_metadata->>'customer_id'`.as("customer_id"),
      sql<string | null>`pi.provider_metadata->>'password'`.as("password_hash"),
      "ai.created_at",
    ])
    .where("pi.provider", "=", EMAILPASS)
    .where("pi.deleted_at", "is", null)
    .where("ai.deleted_at", "is", null);
}

/**
 * The identity of an email, in any spelling with its key. Medusa itself may hold variants (its
 * own register compares exactly): the one spelled exactly as asked wins, then the oldest.
 */
export function identityByEmail(db: Db, email: string): Promise<IdentityRow | undefined> {
  return identities(db)
    .where(emailKeyOf("pi.entity_id"), "=", normalizeEmail(email))
    .orderBy(sql`pi.entity_id = ${email}`, "desc")
    .orderBy("pi.created_at")
    .orderBy("pi.id")
    .limit(1)
    .executeTakeFirst();
}

export function identityById(db: Db, id: string): Promise<IdentityRow | undefined> {
  return identities(db).where("ai.id", "=", id).limit(1).executeTakeFirst();
}

/**
 * The identity linked to a customer. Medusa has no index on `app_metadata`: it is looked for
 * among the identities of the customer's email first (indexed), and only when Medusa linked an
 * identity of another email (its `POST /store/customers` does not compare them) among all.
 */
export async function identityOfCustomer(
  db: Db,
  customerId: string,
): Promise<IdentityRow | undefined> {
  const linked = sql<boolean>`ai.app_metadata->>'customer_id' = ${customerId}`;
  const byEmail = await identities(db)
    .where(
      emailKeyOf("pi.entity_id"),
      "=",
      sql<string>`(select ${emailKeyOf("email")} from customer where id = ${customerId})`,
    )
    .where(linked)
    .limit(1)
    .executeTakeFirst();
  return byEmail ?? identities(db).where(linked).limit(1).executeTakeFirst();
}

export const toIdentity = (row: IdentityRow): AuthIdentity => ({
  id: row.id,
  email: row.email,
  customer_id: row.customer_id,
  created_at: toMs(row.created_at),
});

/** Inserts an auth identity and its emailpass provider identity (ids: `authid_…` and a bare ULID). */
export async function insertIdentity(
  trx: Transaction<MedusaV2Database>,
  identity: AuthIdentity,
  passwordHash: string | null,
): Promise<void> {
  const at = toDate(identity.created_at);
  const appMetadata = identity.customer_id === null ? null : { customer_id: identity.customer_id };
  await trx
    .insertInto("auth_identity")
    .values({
      id: identity.id,
      app_metadata: sql`cast(${appMetadata === null ? null : JSON.stringify(appMetadata)} as jsonb)`,
      created_at: at,
      updated_at: at,
      deleted_at: null,
    })
    .execute();
  const providerMetadata = passwordHash === null ? {} : { password: passwordHash };
  await trx
    .insertInto("provider_identity")
    .values({
      // Medusa's provider identities have a bare ULID for id (no prefix).
      id: ulid(identity.created_at),
      entity_id: identity.email,
      provider: EMAILPASS,
      auth_identity_id: identity.id,
      user_metadata: null,
      provider_metadata: sql`cast(${JSON.stringify(providerMetadata)} as jsonb)`,
      created_at: at,
      updated_at: at,
      deleted_at: null,
    })
    .execute();
}

/**
 * Writes a password hash into a provider identity's metadata (its other keys kept); with
 * `expected`, only if the stored hash is still that one. True if written.
 */
export async function writePassword(
  db: Db | Transaction<MedusaV2Database>,
  providerIdentityId: string,
  next: string,
  expected?: string,
): Promise<boolean> {
  let update = db
    .updateTable("provider_identity")
    .set({
      provider_metadata: sql`jsonb_set(coalesce(provider_metadata, '{}'::jsonb), '{password}', to_jsonb(${next}::text))`,
      updated_at: sql`now()`,
    })
    .where("id", "=", providerIdentityId)
    .where("deleted_at", "is", null);
  if (expected !== undefined) {
    update = update.where(sql<boolean>`provider_metadata->>'password' = ${expected}`);
  }
  const result = await update.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
