import { sql, type Kysely, type Selectable } from "kysely";
import type { Address } from "../../domain.js";
import type { AddressPatch, AddressStore } from "../types.js";
import { readMetadata, writeMerged, writeMetadata } from "./json.js";
import type { Dialect, SqlDatabase } from "./database.js";
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
  private readonly dialect: Dialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
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

  async addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean> {
    const row = { ...address, metadata: writeMetadata(address.metadata) };
    if (this.dialect === "postgres") {
      // The customer's row lock queues concurrent additions; each counts after the last commits.
      return this.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom("customer")
          .select("id")
          .where("id", "=", address.customer_id)
          .forUpdate()
          .execute();
        const { live } = await trx
          .selectFrom("address")
          .select((eb) => eb.fn.countAll<number>().as("live"))
          .where("customer_id", "=", address.customer_id)
          .where("deleted_at", "is", null)
          .executeTakeFirstOrThrow();
        if (Number(live) >= limit) return false;
        await trx.insertInto("address").values(row).execute();
        return true;
      });
    }
    // SQLite runs one statement at a time: the count and the insert are one statement.
    const columns = sql.join(ADDRESS_COLUMNS.map((column) => sql.ref(column)));
    const values = sql.join(ADDRESS_COLUMNS.map((column) => row[column]));
    const live = sql`select count(*) from address
      where customer_id = ${address.customer_id} and deleted_at is null`;
    const result = await sql`insert into address (${columns})
      select ${values} where (${live}) < ${limit}`.execute(this.db);
    return result.numAffectedRows === 1n;
  }

  async update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null> {
    const { metadata, ...rest } = patch;
    const values = { ...rest, updated_at: updatedAt };
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
