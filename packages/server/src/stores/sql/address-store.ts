import type { Kysely, Selectable } from "kysely";
import { ADDRESS_FIELDS, type Address } from "../../domain.js";
import type { AddressPatch, AddressStore } from "../types.js";
import { addToBook } from "./customer-queries.js";
import { readMetadata, writeMerged, writeMetadata } from "./json.js";
import type { SqlRuntime } from "./runtime.js";
import type { AddressTable, Database } from "./schema.js";

/** Every column, named (SQLite's JSON helpers need explicit selections). */
export const ADDRESS_COLUMNS = ADDRESS_FIELDS satisfies ReadonlyArray<keyof AddressTable>;

export const toAddress = (row: Selectable<AddressTable>): Address => ({
  ...row,
  metadata: readMetadata(row.metadata),
  is_default_shipping: Boolean(row.is_default_shipping),
  is_default_billing: Boolean(row.is_default_billing),
});

/** An address as a row: metadata as JSON text, the flags as 0/1 (SQLite binds no booleans). */
const toRow = (address: Address) => ({
  ...address,
  metadata: writeMetadata(address.metadata),
  is_default_shipping: address.is_default_shipping ? 1 : 0,
  is_default_billing: address.is_default_billing ? 1 : 0,
});

/** A flag of a patch as a column value (0/1), left out when the patch does not set it. */
const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

export class SqlAddressStore implements AddressStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly runtime: SqlRuntime) {
    this.db = runtime.db;
  }

  async findById(id: string): Promise<Address | null> {
    const row = await this.db
      .selectFrom("address")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row ? toAddress(row) : null;
  }

  async create(address: Address): Promise<Address> {
    await this.db.insertInto("address").values(toRow(address)).execute();
    return address;
  }

  async addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean> {
    const row = toRow(address);
    return addToBook(
      this.runtime,
      this.db,
      address.customer_id,
      limit,
      this.db.insertInto("address").values(row),
    );
  }

  async update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null> {
    const { metadata, is_default_shipping, is_default_billing, ...rest } = patch;
    const values = {
      ...rest,
      is_default_shipping: flag(is_default_shipping),
      is_default_billing: flag(is_default_billing),
      updated_at: updatedAt,
    };
    const live = this.db
      .updateTable("address")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    if (metadata === undefined) {
      const row = await live.set(values).returningAll().executeTakeFirst();
      return row ? toAddress(row) : null;
    }
    return writeMerged(
      () =>
        this.db
          .selectFrom("address")
          .select("metadata")
          .where("id", "=", id)
          .where("deleted_at", "is", null)
          .executeTakeFirst(),
      metadata,
      async (merged, expected) => {
        const row = await live
          .set({ ...values, metadata: merged })
          .where((eb) =>
            expected === null ? eb("metadata", "is", null) : eb("metadata", "=", expected),
          )
          .returningAll()
          .executeTakeFirst();
        return row && toAddress(row);
      },
    );
  }

  async softDelete(customerId: string, id: string, deletedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable("address")
      .set({ deleted_at: deletedAt, updated_at: deletedAt })
      .where("id", "=", id)
      .where("customer_id", "=", customerId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
