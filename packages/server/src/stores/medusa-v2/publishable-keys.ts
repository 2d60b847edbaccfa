/**
 * Publishable API keys in Medusa v2's `api_key` table, checked as Medusa's own
 * `ensurePublishableApiKeyMiddleware` does: a key of type 'publishable', not deleted, not revoked
 * (a revocation may be scheduled: revoked once `revoked_at` has passed).
 */
import { sql, type Kysely } from "kysely";
import { BoundedMap } from "../../runtime/bounded-map.js";
import type { SqlRuntime } from "../sql/runtime.js";
import type { PublishableKeys } from "../types.js";
import type { MedusaV2Database } from "./schema.js";

/**
 * How long a valid key is believed without asking Medusa's database again. Every store request
 * carries the key, so this turns one query per request into one per key every 30 s; a key
 * revoked (or deleted) in Medusa's admin stops working here within 30 s, and a scheduled
 * revocation at its exact time (the answer is kept no longer than `revoked_at`). Unknown keys
 * are not remembered: a key just created works at once.
 */
export const VALID_KEY_TTL_MS = 30_000;
/** Keys remembered (a store has a handful; the bound only stops a flood of distinct keys). */
const MAX_KEYS = 1000;

export class MedusaV2PublishableKeys implements PublishableKeys {
  private readonly db: Kysely<MedusaV2Database>;
  private readonly valid = new BoundedMap<string, number>(MAX_KEYS);

  constructor(
    runtime: SqlRuntime,
    private readonly now: () => number = Date.now,
  ) {
    this.db = runtime.db as unknown as Kysely<MedusaV2Database>;
  }

  async isValid(key: string): Promise<boolean> {
    const now = this.now();
    const until = this.valid.get(key);
    if (until !== undefined && until > now) return true;
    this.valid.delete(key);
    const row = await this.db
      .selectFrom("api_key")
      .select("revoked_at")
      .where("token", "=", key)
      .where("type", "=", "publishable")
      .where("deleted_at", "is", null)
      .where(sql<boolean>`(revoked_at is null or revoked_at > now())`)
      .executeTakeFirst();
    if (!row) return false;
    const revokedAt = row.revoked_at?.getTime() ?? Infinity;
    this.valid.set(key, Math.min(now + VALID_KEY_TTL_MS, revokedAt));
    return true;
  }
}
