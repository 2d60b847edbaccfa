/**
 * Emailpass identities in Medusa v2's `auth_identity` and `provider_identity` tables
 * (credentials.ts): an identity may exist before its customer (v2 registers the credentials
 * first); `createCustomer` creates the customer and links it through `app_metadata.customer_id`,
 * as Medusa's `POST /store/customers` does. The password stays in the provider identity.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { AuthIdentity, Customer } from "../../domain.js";
import { isUniqueViolation, type SqlRuntime } from "../sql/runtime.js";
import type { IdentityStore, NewCustomer } from "../types.js";
import { asJsonb, toDate } from "../medusa-rows.js";
import {
  claimEmail,
  identityByEmail,
  identityById,
  identityOfCustomer,
  insertIdentity,
  lockEmail,
  toIdentity,
  writePassword,
} from "./credentials.js";
import { CUSTOMER_COLUMNS, toCustomer } from "./rows.js";
import type { MedusaV2Database } from "./schema.js";

export class MedusaV2IdentityStore implements IdentityStore {
  private readonly db: Kysely<MedusaV2Database>;

  constructor(runtime: SqlRuntime) {
    this.db = runtime.db as unknown as Kysely<MedusaV2Database>;
  }

  async findByEmail(email: string) {
    const row = await identityByEmail(this.db, email);
    return row ? { identity: toIdentity(row), passwordHash: row.password_hash } : null;
  }

  async findById(id: string) {
    const row = await identityById(this.db, id);
    return row ? { identity: toIdentity(row), passwordHash: row.password_hash } : null;
  }

  async findByCustomer(customerId: string): Promise<AuthIdentity | null> {
    const row = await identityOfCustomer(this.db, customerId);
    return row ? toIdentity(row) : null;
  }

  async create(identity: AuthIdentity, passwordHash: string): Promise<AuthIdentity | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        await claimEmail(trx, identity.email);
        if (await identityByEmail(trx, identity.email)) return null;
        await insertIdentity(trx, { ...identity, customer_id: null }, passwordHash);
        return { ...identity, customer_id: null };
      });
    } catch (error) {
      // Medusa's unique (entity_id, provider) counts soft-deleted identities too.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async createCustomer(
    identityId: string,
    customer: Omit<NewCustomer, "has_account" | "password_hash">,
    passwordHash: string,
  ): Promise<Customer | "linked" | "duplicate" | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        // The identity's row lock: of concurrent calls, one links; the others then see the link.
        const identity = await lockedIdentity(trx, identityId);
        if (!identity) return null;
        if (identity.customer_id !== null) return "linked";
        // Reset since the registration token was checked: the token no longer proves it.
        if (identity.password_hash !== passwordHash) return null;
        await lockEmail(trx, customer.email);
        const holder = await identityByEmail(trx, customer.email);
        if (holder && holder.id !== identityId && holder.customer_id !== null) return "duplicate";
        const at = toDate(customer.created_at);
        const row = await trx
          .insertInto("customer")
          .values({
            id: customer.id,
            company_name: customer.company_name,
            first_name: customer.first_name,
            last_name: customer.last_name,
            email: customer.email,
            phone: customer.phone,
            has_account: true,
            metadata: asJsonb(
              customer.metadata === null ? null : JSON.stringify(customer.metadata),
            ),
            created_at: at,
            updated_at: at,
            deleted_at: null,
          })
          .returning(CUSTOMER_COLUMNS)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable("auth_identity")
          .set({
            app_metadata: sql`coalesce(app_metadata, '{}'::jsonb) || jsonb_build_object('customer_id', ${customer.id}::text)`,
            updated_at: at,
          })
          .where("id", "=", identityId)
          .execute();
        return toCustomer(row);
      });
    } catch (error) {
      // Medusa's unique (email, has_account): a registered customer with this exact email.
      if (isUniqueViolation(error)) return "duplicate";
      throw error;
    }
  }

  async setUnlinkedPassword(identityId: string, passwordHash: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Under the lock createCustomer takes: linked first, the identity is left alone.
      const identity = await lockedIdentity(trx, identityId);
      if (!identity || identity.customer_id !== null) return false;
      return writePassword(trx, identity.provider_identity_id, passwordHash);
    });
  }
}

/** A live identity, its auth_identity row locked until the transaction ends. */
async function lockedIdentity(trx: Transaction<MedusaV2Database>, id: string) {
  const locked = await trx
    .selectFrom("auth_identity")
    .select("id")
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .forUpdate()
    .executeTakeFirst();
  return locked && identityById(trx, id);
}
