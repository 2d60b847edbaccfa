/**
 * Addresses in Medusa v2's own `customer_address` table. Medusa keeps one default shipping and one
 * default billing address per customer (unique partial indexes, soft-deleted rows included): an
 * address written with a default flag takes it from the customer's others in the same
 * transaction, under the customer's row lock, so concurrent writes never meet the index.
 */
import { type Kysely, type Transaction } from "kysely";
import type { Address } from "../../domain.js";
import { writeMerged } from "../sql/json.js";
import type { SqlRuntime } from "../sql/runtime.js";
import type { AddressPatch, AddressStore } from "../types.js";
import { asJsonb, metadataStill, metadataText, toDate } from "../medusa-rows.js";
import { addressRow, toAddress } from "./rows.js";
import type { MedusaV2Database } from "./schema.js";

type Trx = Transaction<MedusaV2Database>;
type Flags = Pick<Partial<Address>, "is_default_shipping" | "is_default_billing">;

export class MedusaV2AddressStore implements AddressStore {
  private readonly db: Kysely<MedusaV2Database>;

  constructor(runtime: SqlRuntime) {
    this.db = runtime.db as unknown as Kysely<MedusaV2Database>;
  }

  async findById(id: string): Promise<Address | null> {
    const row = await this.db
      .selectFrom("customer_address")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row ? toAddress(row) : null;
  }

  /** Medusa v2 has no address outside a customer's book: the address must name its customer. */
  async create(address: Address): Promise<Address> {
    const { customer_id: customerId } = address;
    if (customerId === null) throw new Error("a Medusa v2 address belongs to a customer");
    await this.db.transaction().execute(async (trx) => {
      await lockCustomer(trx, customerId);
      await takeDefaults(trx, customerId, address.id, address);
      await trx
        .insertInto("customer_address")
        .values(addressRow({ ...address, customer_id: customerId }))
        .execute();
    });
    return address;
  }

  async addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await lockCustomer(trx, address.customer_id))) return false;
      const { live } = await trx
        .selectFrom("customer_address")
        .select((eb) => eb.fn.countAll<string>().as("live"))
        .where("customer_id", "=", address.customer_id)
        .where("deleted_at", "is", null)
        .executeTakeFirstOrThrow();
      if (Number(live) >= limit) return false;
      await takeDefaults(trx, address.customer_id, address.id, address);
      await trx.insertInto("customer_address").values(addressRow(address)).execute();
      return true;
    });
  }

  async update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null> {
    if (!patch.is_default_shipping && !patch.is_default_billing) {
      return this.write(this.db, id, patch, updatedAt);
    }
    return this.db.transaction().execute(async (trx) => {
      const owner = await trx
        .selectFrom("customer_address")
        .select("customer_id")
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (!owner) return null;
      await lockCustomer(trx, owner.customer_id);
      await takeDefaults(trx, owner.customer_id, id, patch);
      return this.write(trx, id, patch, updatedAt);
    });
  }

  async softDelete(customerId: string, id: string, deletedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable("customer_address")
      // A deleted address is no longer a default (Medusa's default indexes count deleted rows).
      .set({
        deleted_at: toDate(deletedAt),
        updated_at: toDate(deletedAt),
        is_default_shipping: false,
        is_default_billing: false,
      })
      .where("id", "=", id)
      .where("customer_id", "=", customerId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  private write(
    db: Kysely<MedusaV2Database> | Trx,
    id: string,
    patch: AddressPatch,
    updatedAt: number,
  ): Promise<Address | null> {
    const { metadata, ...rest } = patch;
    const values = { ...rest, updated_at: toDate(updatedAt) };
    const live = db
      .updateTable("customer_address")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    if (metadata === undefined) {
      return live
        .set(values)
        .returningAll()
        .executeTakeFirst()
        .then((row) => (row ? toAddress(row) : null));
    }
    return writeMerged(
      () =>
        db
          .selectFrom("customer_address")
          .select(metadataText())
          .where("id", "=", id)
          .where("deleted_at", "is", null)
          .executeTakeFirst(),
      metadata,
      async (merged, expected) => {
        const row = await live
          .set({ ...values, metadata: asJsonb(merged) })
          .where(metadataStill(expected))
          .returningAll()
          .executeTakeFirst();
        return row && toAddress(row);
      },
    );
  }
}

/** Locks the customer's row until the transaction ends; false when there is no such customer. */
async function lockCustomer(trx: Trx, customerId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("customer")
    .select("id")
    .where("id", "=", customerId)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Clears the flags `address` sets from every other address of the customer (deleted ones too). */
async function takeDefaults(trx: Trx, customerId: string, addressId: string, flags: Flags) {
  for (const flag of ["is_default_shipping", "is_default_billing"] as const) {
    if (!flags[flag]) continue;
    await trx
      .updateTable("customer_address")
      .set({ [flag]: false })
      .where("customer_id", "=", customerId)
      .where("id", "!=", addressId)
      .where(flag, "=", true)
      .execute();
  }
}
