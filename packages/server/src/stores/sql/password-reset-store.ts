import type { Kysely } from "kysely";
import type { PasswordResetStore, ResetSubject } from "../types.js";
import type { Database } from "./schema.js";

export class SqlPasswordResetStore implements PasswordResetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    tokenHash: string,
    subject: ResetSubject,
    createdAt: number,
    expiresAt: number,
  ): Promise<void> {
    await this.db
      .insertInto("password_reset")
      .values({
        token_hash: tokenHash,
        customer_id: "customerId" in subject ? subject.customerId : null,
        auth_identity_id: "identityId" in subject ? subject.identityId : null,
        created_at: createdAt,
        expires_at: expiresAt,
      })
      .execute();
  }

  async consume(tokenHash: string, customerId: string, now: number): Promise<boolean> {
    // DELETE … RETURNING is one statement: of two concurrent consumers only one gets the row.
    const row = await this.db
      .deleteFrom("password_reset")
      .where("token_hash", "=", tokenHash)
      .where("customer_id", "=", customerId)
      .returning(["expires_at"])
      .executeTakeFirst();
    return row !== undefined && row.expires_at > now;
  }

  async consumeAny(
    tokenHash: string,
    now: number,
  ): Promise<{ subject: ResetSubject; expiresAt: number } | null> {
    // As `consume`: DELETE … RETURNING gives the row to one consumer only.
    const row = await this.db
      .deleteFrom("password_reset")
      .where("token_hash", "=", tokenHash)
      .returning(["customer_id", "auth_identity_id", "expires_at"])
      .executeTakeFirst();
    if (row === undefined || row.expires_at <= now) return null;
    const subject =
      row.customer_id !== null
        ? { customerId: row.customer_id }
        : { identityId: row.auth_identity_id! };
    return { subject, expiresAt: row.expires_at };
  }

  async isValid(tokenHash: string, customerId: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("password_reset")
      .select("expires_at")
      .where("token_hash", "=", tokenHash)
      .where("customer_id", "=", customerId)
      .executeTakeFirst();
    return row !== undefined && row.expires_at > now;
  }

  async deleteForCustomer(customerId: string): Promise<void> {
    await this.db.deleteFrom("password_reset").where("customer_id", "=", customerId).execute();
  }

  async deleteForIdentity(identityId: string): Promise<void> {
    await this.db.deleteFrom("password_reset").where("auth_identity_id", "=", identityId).execute();
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("password_reset")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
