/**
 * Sessions in SQL. The per-request queries (read, create, touch) are compiled once (prepared.ts);
 * the rarer ones use Kysely.
 */
import type { Kysely, Selectable } from "kysely";
import { SESSION_FIELDS, type Session, type SessionKind } from "../../domain.js";
import type { SessionStore } from "../types.js";
import type { SqlRuntime } from "./runtime.js";
import { param, prepare } from "./prepared.js";
import type { Database, SessionTable } from "./schema.js";

const columns = SESSION_FIELDS;

const toSession = (row: Omit<Selectable<SessionTable>, "token_hash">): Session => ({
  ...row,
  kind: row.kind as SessionKind,
});

export class SqlSessionStore implements SessionStore {
  // The queries every authenticated request runs, compiled once.
  private readonly byTokenHash;
  private readonly byId;
  private readonly touchQuery;
  private readonly insertQuery;

  private readonly db: Kysely<Database>;

  constructor(runtime: SqlRuntime) {
    const db = (this.db = runtime.db);
    this.byTokenHash = prepare<Omit<Selectable<SessionTable>, "token_hash">, [string]>(
      runtime,
      () => db.selectFrom("session").select(columns).where("token_hash", "=", param(0)),
    );
    this.byId = prepare<Omit<Selectable<SessionTable>, "token_hash">, [string]>(runtime, () =>
      db.selectFrom("session").select(columns).where("id", "=", param(0)),
    );
    // Every login inserts one.
    this.insertQuery = prepare<
      unknown,
      [string, string | null, string, string, number, number, number, string | null, number]
    >(runtime, () =>
      db.insertInto("session").values({
        id: param(0),
        token_hash: param<string | null>(1),
        customer_id: param(2),
        kind: param(3),
        created_at: param<number>(4),
        last_seen_at: param<number>(5),
        expires_at: param<number>(6),
        user_agent: param<string | null>(7),
        token_version: param<number>(8),
      }),
    );
    this.touchQuery = prepare<unknown, [number, string, number]>(runtime, () =>
      db
        .updateTable("session")
        .set({ last_seen_at: param<number>(0) })
        .where("id", "=", param(1))
        .where("last_seen_at", "<", param<number>(2)),
    );
  }

  async create(session: Session, tokenHash: string | null): Promise<void> {
    await this.insertQuery(
      session.id,
      tokenHash,
      session.customer_id,
      session.kind,
      session.created_at,
      session.last_seen_at,
      session.expires_at,
      session.user_agent,
      session.token_version,
    );
  }

  async findByTokenHash(tokenHash: string): Promise<Session | null> {
    const [row] = await this.byTokenHash(tokenHash);
    return row ? toSession(row) : null;
  }

  async findById(id: string): Promise<Session | null> {
    const [row] = await this.byId(id);
    return row ? toSession(row) : null;
  }

  findByIdUncached(id: string): Promise<Session | null> {
    return this.findById(id);
  }

  async touch(id: string, lastSeenAt: number): Promise<void> {
    await this.touchQuery(lastSeenAt, id, lastSeenAt);
  }

  async rotateToken(id: string, expected: number): Promise<boolean> {
    // One conditional UPDATE: of concurrent calls with one `expected`, only one matches the row.
    const result = await this.db
      .updateTable("session")
      .set({ token_version: expected + 1 })
      .where("id", "=", id)
      .where("token_version", "=", expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
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
