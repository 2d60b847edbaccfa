import type { Kysely } from "kysely";
import type { SigningKey } from "../../domain.js";
import type { SigningKeyStore } from "../types.js";
import type { Database } from "./schema.js";

export class SqlSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<SigningKey[]> {
    const rows = await this.db
      .selectFrom("signing_key")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("kid", "desc")
      .execute();
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
      privateJwk: row.private_jwk,
      created_at: row.created_at,
    }));
  }

  async insert(key: SigningKey): Promise<void> {
    await this.db
      .insertInto("signing_key")
      .values({
        kid: key.kid,
        algorithm: key.algorithm,
        public_jwk: JSON.stringify(key.publicJwk),
        private_jwk: key.privateJwk,
        created_at: key.created_at,
      })
      .execute();
  }

  async deleteOlderThan(createdBefore: number, keepKid: string): Promise<number> {
    const result = await this.db
      .deleteFrom("signing_key")
      .where("created_at", "<", createdBefore)
      .where("kid", "!=", keepKid)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
