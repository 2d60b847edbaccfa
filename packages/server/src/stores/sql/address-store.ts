import type { Kysely, Selectable } from "kysely";
import type { Address, AddressFields } from "../../domain.js";
import type { AddressStore } from "../types.js";
import { readMetadata, writeMetadata } from "./json.js";
import type { SqlDatabase } from "./database.js";
import type { AddressTable, Database } from "./schema.js";

/** Every column, named (SQLite's JSON helpers need explicit selections). */
export const ADDRESS_COLUMNS = [
  "id",
  "customer_id",
  "company",
  "first_name",
  "last_name",
  "address_1",
  "address_2",
  "city",
  "country_code",
  "province",
  "postal_code",
  "phone",
  "metadata",
  "created_at",
  "updated_at",
  "deleted_at",
] as const satisfies ReadonlyArray<keyof AddressTable>;

export const toAddress = (row: Selectable<AddressTable>): Address => ({
  ...row,
  metadata: readMetadata(row.metadata),
});

export class SqlAddressStore implements AddressStore {
  private readonly db: Kysely<Database>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
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
    await this.db
      .insertInto("address")
      .values({ ...address, metadata: writeMetadata(address.metadata) })
      .execute();
    return address;
  }

  async update(id: string, fields: AddressFields, updatedAt: number): Promise<Address | null> {
    const { metadata, ...rest } = fields;
    const values = {
      ...rest,
      updated_at: updatedAt,
      ...(metadata !== undefined && { metadata: writeMetadata(metadata) }),
    };
    const row = await this.db
      .updateTable("address")
      .set(values)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row ? toAddress(row) : null;
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
