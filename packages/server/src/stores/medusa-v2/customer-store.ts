/**
 * Customers in Medusa v2's own `customer` table, their addresses from `customer_address`, and
 * their passwords where Medusa keeps them: in the emailpass identity (credentials.ts). A registered
 * customer is found by email through that identity, as Medusa's own login finds it.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Customer } from "../../domain.js";
import { duplicate } from "../../errors.js";
import { normalizeEmail } from "../../services/emails.js";
import { writeMerged } from "../sql/json.js";
import { isUniqueViolation, type SqlRuntime } from "../sql/runtime.js";
import {
  ERASED_ADDRESS_FIELDS,
  ERASED_ADDRESS_V2_FIELDS,
  erasedEmail,
  type CustomerPatch,
  type CustomerStore,
  type CustomerWithAddresses,
  type NewCustomer,
} from "../types.js";
import { newAuthIdentityId } from "./ids.js";
import { asJsonb, metadataStill, metadataText, toDate } from "../medusa-rows.js";
import {
  claimEmail,
  emailKeyOf,
  identityByEmail,
  identityOfCustomer,
  insertIdentity,
  writePassword,
} from "./credentials.js";
import { CUSTOMER_COLUMNS, toAddress, toCustomer, type CustomerRow } from "./rows.js";
import { EMAILPASS, type MedusaV2Database } from "./schema.js";

type Db = Kysely<MedusaV2Database> | Transaction<MedusaV2Database>;
type Values = Partial<
  Record<"email" | "first_name" | "last_name" | "phone" | "company_name", string | null>
> & {
  updated_at: Date;
};

export class MedusaV2CustomerStore implements CustomerStore {
  private readonly db: Kysely<MedusaV2Database>;

  constructor(private readonly runtime: SqlRuntime) {
    this.db = runtime.db as unknown as Kysely<MedusaV2Database>;
  }

  async findById(id: string): Promise<Customer | null> {
    const row = await this.db
      .selectFrom("customer")
      .select(CUSTOMER_COLUMNS)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row ? toCustomer(row) : null;
  }

  async findWithAddresses(id: string): Promise<CustomerWithAddresses | null> {
    const row = await this.db
      .selectFrom("customer")
      .select(CUSTOMER_COLUMNS)
      .select((eb) =>
        this.runtime
          .jsonArrayFrom(
            eb
              .selectFrom("customer_address")
              .selectAll()
              .whereRef("customer_address.customer_id", "=", "customer.id")
              .where("customer_address.deleted_at", "is", null)
              .orderBy("customer_address.created_at")
              .orderBy("customer_address.id"),
          )
          .as("addresses"),
      )
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    // Times in the JSON of the addresses are text; toAddress reads both.
    const { addresses, ...customer } = row as unknown as CustomerRow & {
      addresses: Array<Parameters<typeof toAddress>[0]>;
    };
    const shippingAddresses = addresses.map(toAddress);
    // JSON aggregation does not promise the subquery's order: sort again.
    shippingAddresses.sort(
      (a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return { customer: toCustomer(customer), billingAddress: null, shippingAddresses };
  }

  /** The registered customer an emailpass identity of this email (any spelling) is linked to. */
  private accountByEmail(email: string) {
    return this.db
      .selectFrom("provider_identity as pi")
      .innerJoin("auth_identity as ai", "ai.id", "pi.auth_identity_id")
      .innerJoin("customer", (join) =>
        join.on(sql<boolean>`customer.id = ai.app_metadata->>'customer_id'`),
      )
      .select(CUSTOMER_COLUMNS.map((column) => `customer.${column}` as const))
      .select(sql<string | null>`pi.provider_metadata->>'password'`.as("password_hash"))
      .where(emailKeyOf("pi.entity_id"), "=", normalizeEmail(email))
      .where("pi.provider", "=", EMAILPASS)
      .where("pi.deleted_at", "is", null)
      .where("ai.deleted_at", "is", null)
      .where("customer.has_account", "=", true)
      .where("customer.deleted_at", "is", null)
      .orderBy(sql`pi.entity_id = ${email}`, "desc")
      .orderBy("pi.created_at")
      .limit(1)
      .executeTakeFirst();
  }

  async findAccountByEmail(email: string) {
    const row = await this.accountByEmail(email);
    if (!row) return null;
    const { password_hash: passwordHash, ...customer } = row;
    return { customer: toCustomer(customer), passwordHash };
  }

  async hasAccount(email: string): Promise<boolean> {
    return (await this.accountByEmail(email)) !== undefined;
  }

  /**
   * A registered customer comes with its identity (`authid_…` linked to it, the email as typed,
   * the password hash), all in one transaction under the email's lock: null when any identity
   * already has this email (in any spelling with its key), or (Medusa's unique index) the
   * customer exists.
   */
  async create(input: NewCustomer): Promise<Customer | null> {
    const at = toDate(input.created_at);
    const row = {
      id: input.id,
      company_name: input.company_name,
      first_name: input.first_name,
      last_name: input.last_name,
      email: input.email,
      phone: input.phone,
      has_account: input.has_account,
      metadata: asJsonb(input.metadata === null ? null : JSON.stringify(input.metadata)),
      created_at: at,
      updated_at: at,
      deleted_at: null,
    };
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (input.has_account) {
          await claimEmail(trx, input.email);
          if (await identityByEmail(trx, input.email)) return null;
        }
        const inserted = await trx
          .insertInto("customer")
          .values(row)
          .returning(CUSTOMER_COLUMNS)
          .executeTakeFirstOrThrow();
        if (input.has_account) {
          await insertIdentity(
            trx,
            {
              id: newAuthIdentityId(),
              email: input.email,
              customer_id: input.id,
              created_at: input.created_at,
            },
            input.password_hash,
          );
        }
        return toCustomer(inserted);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer | null | "duplicate"> {
    const { metadata, updated_at, password_hash, billing_address_id, ...rest } = patch;
    if (billing_address_id) {
      throw new Error(
        "Medusa v2 has no billing address of the customer (its addresses have flags)",
      );
    }
    const values: Values = { ...rest, updated_at: toDate(updated_at) };
    let customer: Customer | null | "duplicate";
    try {
      customer =
        rest.email === undefined
          ? await this.write(this.db, id, values, metadata)
          : await this.db
              .transaction()
              .execute((trx) => this.writeWithEmail(trx, id, rest.email!, values, metadata));
    } catch (error) {
      if (isUniqueViolation(error)) return "duplicate";
      throw error;
    }
    if (customer !== null && customer !== "duplicate" && password_hash !== undefined) {
      await this.setPassword(customer, password_hash);
    }
    return customer;
  }

  /**
   * Medusa v2 copies addresses into its orders and carts (order_address, cart_address): every
   * address of the customer is nulled and soft-deleted. Every auth identity linked to the
   * customer is deleted with its provider identities (any provider: none may sign in to it).
   */
  async erase(id: string, at: number): Promise<Customer | null> {
    return this.db.transaction().execute(async (trx) => {
      // The row lock: concurrent erasures queue, and each after the first finds the row deleted.
      const row = await trx
        .selectFrom("customer")
        .select(CUSTOMER_COLUMNS)
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return null;
      const when = toDate(at);
      await trx
        .updateTable("customer")
        .set({
          first_name: null,
          last_name: null,
          phone: null,
          company_name: null,
          metadata: null,
          email: erasedEmail(id),
          updated_at: when,
          deleted_at: when,
        })
        .where("id", "=", id)
        .execute();
      await trx
        .updateTable("customer_address")
        .set((eb) => ({
          ...ERASED_ADDRESS_FIELDS,
          ...ERASED_ADDRESS_V2_FIELDS,
          updated_at: when,
          deleted_at: eb.fn.coalesce("deleted_at", eb.val(when)),
        }))
        .where("customer_id", "=", id)
        .execute();
      const linked = trx
        .selectFrom("auth_identity")
        .select("id")
        .where(sql<boolean>`app_metadata->>'customer_id' = ${id}`);
      await trx.deleteFrom("provider_identity").where("auth_identity_id", "in", linked).execute();
      // Medusa's other rows of an identity (MFA factors, reset tokens) go with it (on delete cascade).
      await trx
        .deleteFrom("auth_identity")
        .where(sql<boolean>`app_metadata->>'customer_id' = ${id}`)
        .execute();
      return toCustomer(row);
    });
  }

  async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    const identity = await identityOfCustomer(this.db, id);
    return identity ? writePassword(this.db, identity.provider_identity_id, next, expected) : false;
  }

  /** A new email: the customer's and its identity's (as typed), unless another identity has it. */
  private async writeWithEmail(
    trx: Transaction<MedusaV2Database>,
    id: string,
    email: string,
    values: Values,
    metadata: CustomerPatch["metadata"],
  ): Promise<Customer | null | "duplicate"> {
    await claimEmail(trx, email);
    const mine = await identityOfCustomer(trx, id);
    const holder = await identityByEmail(trx, email);
    if (holder && holder.id !== mine?.id) return "duplicate";
    const customer = await this.write(trx, id, values, metadata);
    if (customer && mine) {
      await trx
        .updateTable("provider_identity")
        .set({ entity_id: email, updated_at: values.updated_at })
        .where("id", "=", mine.provider_identity_id)
        .execute();
    }
    return customer;
  }

  private async write(
    db: Db,
    id: string,
    values: Values,
    metadata: CustomerPatch["metadata"],
  ): Promise<Customer | null> {
    const live = db.updateTable("customer").where("id", "=", id).where("deleted_at", "is", null);
    if (metadata === undefined) {
      const row = await live.set(values).returning(CUSTOMER_COLUMNS).executeTakeFirst();
      return row ? toCustomer(row) : null;
    }
    return writeMerged(
      () =>
        db
          .selectFrom("customer")
          .select(metadataText())
          .where("id", "=", id)
          .where("deleted_at", "is", null)
          .executeTakeFirst(),
      metadata,
      async (merged, expected) => {
        const row = await live
          .set({ ...values, metadata: asJsonb(merged) })
          .where(metadataStill(expected))
          .returning(CUSTOMER_COLUMNS)
          .executeTakeFirst();
        return row && toCustomer(row);
      },
    );
  }

  /**
   * Writes the password into the customer's identity, giving it one if it has none (unless
   * another identity has its email: one identity per email).
   */
  private async setPassword(customer: Customer, hash: string): Promise<void> {
    const identity = await identityOfCustomer(this.db, customer.id);
    if (identity) {
      await writePassword(this.db, identity.provider_identity_id, hash);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await claimEmail(trx, customer.email);
      if (await identityByEmail(trx, customer.email)) {
        throw duplicate("Another identity has this customer's email: its password was not set");
      }
      await insertIdentity(
        trx,
        {
          id: newAuthIdentityId(),
          email: customer.email,
          customer_id: customer.id,
          created_at: Date.now(),
        },
        hash,
      );
    });
  }
}
