/** Addresses in Medusa v1's own `address` table. */
import type { Kysely } from "kysely";
import { ADDRESS_V1_FIELDS, type Address } from "../../domain.js";
import { writeMerged } from "../sql/json.js";
import type { SqlRuntime } from "../sql/runtime.js";
import type { AddressPatch, AddressStore } from "../types.js";
import { addToBook } from "../sql/customer-queries.js";
import { asJsonb, metadataStill, metadataText, toDate } from "../medusa-rows.js";
import { addressRow, toAddress } from "./rows.js";
import type { MedusaV1Database } from "./schema.js";

export class MedusaAddressStore implements AddressStore {
  private readonly db: Kysely<MedusaV1Database>;

  constructor(private readonly runtime: SqlRuntime) {
    this.db = runtime.db as unknown as Kysely<MedusaV1Database>;
  }

  async findById(id: string): Promise<Address | null> {
    const row = await this.db
      .selectFrom("address")
      .select(ADDRESS_V1_FIELDS)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row ? toAddress(row) : null;
  }

  async create(address: Address): Promise<Address> {
    await this.db.insertInto("address").values(addressRow(address)).execute();
    return address;
  }

  async addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean> {
    return addToBook(this.runtime, this.db, address.customer_id, limit, [
      this.db.insertInto("address").values(addressRow(address)),
    ]);
  }

  async update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null> {
    // address_name and the default flags are Medusa v2's: Medusa v1's table has no such columns.
    const {
      metadata,
      address_name: _name,
      is_default_shipping: _shipping,
      is_default_billing: _billing,
      ...rest
    } = patch;
    const values = { ...rest, updated_at: toDate(updatedAt) };
    const live = this.db
      .updateTable("address")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    if (metadata === undefined) {
      const row = await live.set(values).returning(ADDRESS_V1_FIELDS).executeTakeFirst();
      return row ? toAddress(row) : null;
    }
    return writeMerged(
      () =>
        this.db
          .selectFrom("address")
          .select(metadataText())
          .where("id", "=", id)
          .where("deleted_at", "is", null)
          .executeTakeFirst(),
      metadata,
      async (merged, expected) => {
        const row = await live
          .set({ ...values, metadata: asJsonb(merged) })
          .where(metadataStill(expected))
          .returning(ADDRESS_V1_FIELDS)
          .executeTakeFirst();
        return row && toAddress(row);
      },
    );
  }

  async softDelete(customerId: string, id: string, deletedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable("address")
      .set({ deleted_at: toDate(deletedAt), updated_at: toDate(deletedAt) })
      .where("id", "=", id)
      .where("customer_id", "=", customerId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
