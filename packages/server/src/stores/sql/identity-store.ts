/**
 * Medusa v2's emailpass identities in Gatehouse's own SQL (table auth_identity, migration 0006).
 * While unlinked an identity holds its password hash; linking it creates its customer with that
 * hash and clears it here, so customer.password_hash stays the one password of an account.
 */
import type { Kysely, Selectable } from "kysely";
import type { AuthIdentity, Customer } from "../../domain.js";
import { normalizeEmail } from "../../services/emails.js";
import type { IdentityStore, NewCustomer } from "../types.js";
import { toCustomer } from "./customer-store.js";
import { writeMetadata } from "./json.js";
import { isUniqueViolation, type Decision, type SqlRuntime } from "./runtime.js";
import type { AuthIdentityTable, Database } from "./schema.js";

/**
 * The unique key of an email: one identity per email, in any spelling Gatehouse takes as the same
 * (NFKC, then lower case: services/emails.ts). Computed here, never by the database, so that the
 * key of a stored identity is the key every lookup asks for (migration 0008 re-keyed the identities
 * stored under the lower case alone).
 */
export const emailKey = normalizeEmail;

const toIdentity = (
  row: Pick<Selectable<AuthIdentityTable>, keyof AuthIdentity>,
): AuthIdentity => ({
  id: row.id,
  email: row.email,
  customer_id: row.customer_id,
  created_at: row.created_at,
});

const columns = ["id", "email", "customer_id", "created_at"] as const;

export class SqlIdentityStore implements IdentityStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly runtime: SqlRuntime) {
    this.db = runtime.db;
  }

  findByEmail(email: string) {
    return this.withPassword("i.email_key", emailKey(email));
  }

  findById(id: string) {
    return this.withPassword("i.id", id);
  }

  /** The identity and its current password hash: its own while unlinked, then its customer's. */
  private async withPassword(column: "i.email_key" | "i.id", value: string) {
    const row = await this.db
      .selectFrom("auth_identity as i")
      .leftJoin("customer as c", "c.id", "i.customer_id")
      .select(["i.id", "i.email", "i.customer_id", "i.created_at", "i.password_hash"])
      .select("c.password_hash as customer_password_hash")
      .where(column, "=", value)
      .executeTakeFirst();
    if (!row) return null;
    return {
      identity: toIdentity(row),
      passwordHash: row.customer_id === null ? row.password_hash : row.customer_password_hash,
    };
  }

  async findByCustomer(customerId: string): Promise<AuthIdentity | null> {
    const row = await this.db
      .selectFrom("auth_identity")
      .select(columns)
      .where("customer_id", "=", customerId)
      .executeTakeFirst();
    return row ? toIdentity(row) : null;
  }

  async create(identity: AuthIdentity, passwordHash: string): Promise<AuthIdentity | null> {
    try {
      await this.db
        .insertInto("auth_identity")
        .values({
          id: identity.id,
          email: identity.email,
          email_key: emailKey(identity.email),
          password_hash: passwordHash,
          customer_id: null,
          created_at: identity.created_at,
        })
        .execute();
    } catch (error) {
      // The unique email_key decides races between concurrent creates of one email.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return { ...identity, customer_id: null };
  }

  async createCustomer(
    identityId: string,
    input: Omit<NewCustomer, "has_account" | "password_hash">,
    passwordHash: string,
  ): Promise<Customer | "linked" | "duplicate" | null> {
    const identity = this.db.selectFrom("auth_identity").where("id", "=", identityId);
    try {
      // Under the identity's row lock: concurrent calls queue, and each after the first reads
      // the link the first made.
      return await this.runtime.readModifyWrite({
        lock: [this.runtime.forUpdate(identity.select("id"))],
        read: identity.select(["customer_id", "password_hash"]),
        decide: ([found]): Decision<Customer | "linked" | null> => {
          if (!found) return { result: null, write: null };
          if (found.customer_id !== null) return { result: "linked", write: null };
          // Reset since the registration token was checked: the token no longer proves it.
          if (found.password_hash !== passwordHash) return { result: null, write: null };
          const row = {
            id: input.id,
            created_at: input.created_at,
            updated_at: input.created_at,
            deleted_at: null,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            billing_address_id: null,
            phone: input.phone,
            has_account: 1,
            metadata: writeMetadata(input.metadata),
            password_hash: found.password_hash,
            company_name: input.company_name,
          };
          return {
            result: toCustomer(row),
            write: [
              this.db.insertInto("customer").values(row),
              this.db
                .updateTable("auth_identity")
                .set({ customer_id: input.id, password_hash: null })
                .where("id", "=", identityId),
            ],
          };
        },
      });
    } catch (error) {
      // The customer's unique (email, has_account) index: a registered customer has this email.
      if (isUniqueViolation(error)) return "duplicate";
      throw error;
    }
  }

  async setUnlinkedPassword(identityId: string, passwordHash: string): Promise<boolean> {
    // Waits for a createCustomer holding the row; once it is linked, nothing is written.
    const result = await this.db
      .updateTable("auth_identity")
      .set({ password_hash: passwordHash })
      .where("id", "=", identityId)
      .where("customer_id", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
