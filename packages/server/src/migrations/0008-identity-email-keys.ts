import { PostgresAdapter, sql, type Kysely } from "kysely";
import { normalizeEmail } from "../services/emails.js";

/**
 * (v2) `auth_identity.email_key` becomes the key every lookup asks for, `normalizeEmail` (NFKC, then
 * lower case): identities were stored under the lower case alone, so `Ｂob@x.com` (fullwidth `Ｂ`)
 * kept the key `ｂob@x.com` and `bob@x.com` could register next to it. Only emails with a character
 * outside printable ASCII can change (ASCII is its own NFKC form). Oldest first, each identity
 * takes its new key unless another identity holds it already; one that cannot keeps its old key,
 * which no lookup asks for (the spelling that made it finds the holder). Going down leaves the keys:
 * a lookup by the normalized email, which is what the earlier code asks for, still finds them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const nonAscii =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql<boolean>`email ~ '[^ -~]'`
      : sql<boolean>`email glob '*[^ -~]*'`;
  const rows = await db
    .selectFrom("auth_identity")
    .select(["id", "email", "email_key"])
    .where(nonAscii)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  for (const { id, email, email_key: old } of rows as Array<Record<string, string>>) {
    const key = normalizeEmail(email!);
    if (key === old) continue;
    await db
      .updateTable("auth_identity")
      .set({ email_key: key })
      .where("id", "=", id)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("auth_identity as holder")
              .select("holder.id")
              .where("holder.email_key", "=", key),
          ),
        ),
      )
      .execute();
  }
}

export async function down(): Promise<void> {}
