import type { Kysely, Selectable } from "kysely";
import type { Session, SessionKind } from "../../domain.js";
import type { SessionStore } from "../types.js";
import type { Database, SessionTable } from "./schema.js";

const columns = [
  "id",
  "customer_id",
  "kind",
  "created_at",
  "last_seen_at",
  "expires_at",
  "user_agent",
] as const;

const toSession = (row: Omit<Selectable<SessionTable>, "token_hash">): Session => ({
  ...row,
  kind: row.kind as SessionKind,
});

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: Session, tokenHash: string | null): Promise<void> {
    await this.db
      .insertInto("session")
      .values({ ...session, token_hash: tokenHash })
      .execute();
  }

  async findByTokenHash(tokenHash: string): Promise<Session | null> {
    const row = await this.db
      .selectFrom("session")
      .select(columns)
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async findById(id: string): Promise<Session | null> {
    const row = await this.db
      .selectFrom("session")
      .select(columns)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async touch(id: string, lastSeenAt: number): Promise<void> {
    await this.db
      .updateTable("session")
      .set({ last_seen_at: lastSeenAt })
      .where("id", "=", id)
      .where("last_seen_at", "<", lastSeenAt)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("session").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async deleteForCustomer(customerId: string, exceptId?: string): Promise<number> {
    let query = this.db.deleteFrom("session").where("customer_id", "=", customerId);
    if (exceptId !== undefined) query = query.where("id", "!=", exceptId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForCustomer(customerId: string): Promise<Session[]> {
    const rows = await this.db
      .selectFrom("session")
      .select(columns)
      .where("customer_id", "=", customerId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toSession);
  }

  async deleteExpired(now: number, idleCutoff: number): Promise<number> {
    const result = await this.db
      .deleteFrom("session")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", idleCutoff)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
