/** Customers in Medusa v1's own `customer` table, with their addresses from its `address` table. */
import { sql, type Kysely, type Selectable } from "kysely";
import { ADDRESS_V1_FIELDS, CUSTOMER_V1_FIELDS, type Customer } from "../../domain.js";
import { customerWithAddresses } from "../sql/customer-queries.js";
import { param, prepare } from "../sql/prepared.js";
import { isUniqueViolation, type SqlRuntime } from "../sql/runtime.js";
import { writeMerged, writeMetadata } from "../sql/json.js";
import {
  ERASED_ADDRESS_FIELDS,
  erasedEmail,
  type CustomerPatch,
  type CustomerStore,
  type NewCustomer,
} from "../types.js";
import { asJsonb, metadataStill, metadataText, toDate } from "../medusa-rows.js";
import { toAddress, toCustomer } from "./rows.js";
import type { MedusaAddressTable, MedusaCustomerTable, MedusaV1Database } from "./schema.js";

type CustomerRow = Omit<Selectable<MedusaCustomerTable>, "password_hash">;
type ViewRow = CustomerRow & {
  addresses: Array<Selectable<MedusaAddressTable>>;
  billing_address: Selectable<MedusaAddressTable> | null;
};

export class MedusaCustomerStore implements CustomerStore {
  private readonly db: Kysely<MedusaV1Database>;
  private readonly byId: (id: string) => Promise<CustomerRow[]>;
  private readonly withAddresses: (id: string) => Promise<ViewRow | undefined>;
  private readonly accountByEmail: (
    email: string,
  ) => Promise<Selectable<MedusaCustomerTable> | undefined>;
  private readonly registeredEmail: (email: string) => Promise<{ email: string } | undefined>;

  constructor(runtime: SqlRuntime) {
    const db = (this.db = runtime.db as unknown as Kysely<MedusaV1Database>);
    const live = () => db.selectFrom("customer").where("customer.deleted_at", "is", null);
    this.byId = prepare<CustomerRow, [string]>(runtime, () =>
      live().select(CUSTOMER_V1_FIELDS).where("id", "=", param(0)),
    );
    // The customer, its address book and its billing address in one statement.
    this.withAddresses = runtime.readerByKey(
      "customer.id",
      customerWithAddresses<ViewRow>(runtime, db, {
        customer: CUSTOMER_V1_FIELDS,
        address: ADDRESS_V1_FIELDS,
      }),
      (row) => row.id,
    );
    // Medusa's login lookup: the lower-cased email among accounts (services/auth.js).
    this.accountByEmail = runtime.readerByKey(
      "email",
      (matches) =>
        live()
          .select([...CUSTOMER_V1_FIELDS, "password_hash"])
          .where("has_account", "=", true)
          .where(matches) as never,
      (row: Selectable<MedusaCustomerTable>) => row.email,
    );
    this.registeredEmail = runtime.readerByKey(
      "email",
      (matches) => live().select("email").where("has_account", "=", true).where(matches) as never,
      (row: { email: string }) => row.email,
    );
  }

  async findById(id: string): Promise<Customer | null> {
    const [row] = await this.byId(id);
    return row ? toCustomer(row) : null;
  }

  async findWithAddresses(id: string) {
    const row = await this.withAddresses(id);
    if (!row) return null;
    const { addresses, billing_address: billing, ...customer } = row;
    const shippingAddresses = addresses.map(toAddress);
    // JSON aggregation does not promise the subquery's order: sort again.
    shippingAddresses.sort(
      (a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return {
      customer: toCustomer(customer),
      billingAddress: billing ? toAddress(billing) : null,
      shippingAddresses,
    };
  }

  async findAccountByEmail(email: string) {
    const row = await this.accountByEmail(email);
    return row ? { customer: toCustomer(row), passwordHash: row.password_hash } : null;
  }

  async hasAccount(email: string): Promise<boolean> {
    return (await this.registeredEmail(email)) !== undefined;
  }

  async create(input: NewCustomer): Promise<Customer | null> {
    const row = {
      id: input.id,
      email: input.email,
      first_name: input.first_name,
      last_name: input.last_name,
      billing_address_id: null,
      password_hash: input.password_hash,
      phone: input.phone,
      has_account: input.has_account,
      created_at: toDate(input.created_at),
      updated_at: toDate(input.created_at),
      deleted_at: null,
    };
    try {
      await this.db
        .insertInto("customer")
        .values({ ...row, metadata: asJsonb(writeMetadata(input.metadata)) })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return toCustomer({ ...row, metadata: input.metadata });
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer | null | "duplicate"> {
    // company_name is Medusa v2's: Medusa v1's table has no such column.
    const { metadata, updated_at, company_name: _v2Only, ...rest } = patch;
    const values = { ...rest, updated_at: toDate(updated_at) };
    const live = this.db
      .updateTable("customer")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    try {
      if (metadata === undefined) {
        const row = await live.set(values).returning(CUSTOMER_V1_FIELDS).executeTakeFirst();
        return row ? toCustomer(row) : null;
      }
      return await writeMerged(
        () =>
          this.db
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
            .returning(CUSTOMER_V1_FIELDS)
            .executeTakeFirst();
          return row && toCustomer(row);
        },
      );
    } catch (error) {
      if (isUniqueViolation(error)) return "duplicate";
      throw error;
    }
  }

  /**
   * Medusa v1 lets a cart take an address of the book itself (by id), and the order keeps that
   * row: an address an order, swap or claim refers to stays as that record, only detached from
   * the customer. Every other address of the customer is nulled and soft-deleted.
   */
  async erase(id: string, at: number): Promise<Customer | null> {
    return this.db.transaction().execute(async (trx) => {
      // The row lock: concurrent erasures queue, and each after the first finds the row deleted.
      const row = await trx
        .selectFrom("customer")
        .select(CUSTOMER_V1_FIELDS)
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return null;
      const when = toDate(at);
      const billing = row.billing_address_id;
      const mine = trx
        .selectFrom("address")
        .select("id")
        .where((eb) =>
          eb.or([eb("customer_id", "=", id), ...(billing ? [eb("id", "=", billing)] : [])]),
        );
      const aRecord = sql<boolean>`(exists (select 1 from "order" o where o.shipping_address_id = address.id or o.billing_address_id = address.id)
        or exists (select 1 from swap s where s.shipping_address_id = address.id)
        or exists (select 1 from claim_order c where c.shipping_address_id = address.id))`;
      await trx
        .updateTable("customer")
        .set({
          first_name: null,
          last_name: null,
          phone: null,
          metadata: null,
          password_hash: null,
          billing_address_id: null,
          email: erasedEmail(id),
          updated_at: when,
          deleted_at: when,
        })
        .where("id", "=", id)
        .execute();
      await trx
        .updateTable("address")
        .set({ customer_id: null, updated_at: when })
        .where("id", "in", mine)
        .where(aRecord)
        .execute();
      await trx
        .updateTable("address")
        .set((eb) => ({
          ...ERASED_ADDRESS_FIELDS,
          updated_at: when,
          deleted_at: eb.fn.coalesce("deleted_at", eb.val(when)),
        }))
        .where((eb) =>
          eb.or([eb("customer_id", "=", id), ...(billing ? [eb("id", "=", billing)] : [])]),
        )
        .where(sql<boolean>`not ${aRecord}`)
        .execute();
      return toCustomer(row);
    });
  }

  async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable("customer")
      .set({ password_hash: next })
      .where("id", "=", id)
      .where("password_hash", "=", expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
