/**
 * Addresses in SQL. Medusa v2 keeps one default shipping and one default billing address per
 * customer: a write that sets a flag clears it on the customer's other live addresses in the same
 * transaction, under the customer's row lock (as addToBook counts under it), so concurrent writes
 * never leave two defaults.
 */
import type { Compilable, Kysely, Selectable } from "kysely";
import { ADDRESS_FIELDS, type Address } from "../../domain.js";
import type { AddressPatch, AddressStore } from "../types.js";
import { addToBook, lockCustomer } from "./customer-queries.js";
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
export const toRow = (address: Address) => ({
  ...address,
  metadata: writeMetadata(address.metadata),
  is_default_shipping: address.is_default_shipping ? 1 : 0,
  is_default_billing: address.is_default_billing ? 1 : 0,
});

/** A flag of a patch as a column value (0/1), left out when the patch does not set it. */
const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

type Flags = Partial<Pick<Address, "is_default_shipping" | "is_default_billing">>;

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
    const insert = this.db.insertInto("address").values(toRow(address));
    if (address.customer_id === null || !sets(address)) {
      await insert.execute();
      return address;
    }
    const customerId = address.customer_id;
    await this.runtime.readModifyWrite({
      lock: [lockCustomer(this.runtime, this.db, customerId)],
      read: this.db.selectFrom("customer").select("id").where("id", "=", customerId),
      decide: () => ({
        result: undefined,
        write: [...this.clearOthers(customerId, address.id, address, address.updated_at), insert],
      }),
    });
    return address;
  }

  async addToBook(address: Address & { customer_id: string }, limit: number): Promise<boolean> {
    return addToBook(this.runtime, this.db, address.customer_id, limit, [
      ...this.clearOthers(address.customer_id, address.id, address, address.updated_at),
      this.db.insertInto("address").values(toRow(address)),
    ]);
  }

  async update(id: string, patch: AddressPatch, updatedAt: number): Promise<Address | null> {
    const { metadata, is_default_shipping, is_default_billing, ...rest } = patch;
    const values = {
      ...rest,
      is_default_shipping: flag(is_default_shipping),
      is_default_billing: flag(is_default_billing),
      updated_at: updatedAt,
    };
    if (sets(patch)) return this.updateDefault(id, patch, values);
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

  /**
   * An update that sets a default flag: under the customer's lock and the address's own (so the
   * metadata merged here is the stored one), the flag is cleared on the customer's other live
   * addresses, then the address is written.
   */
  private async updateDefault(
    id: string,
    patch: AddressPatch,
    values: Record<string, unknown>,
  ): Promise<Address | null> {
    // An address never changes customer: read outside the transaction, it names the row to lock.
    const owner = await this.db
      .selectFrom("address")
      .select("customer_id")
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!owner) return null;
    const customerId = owner.customer_id;
    const row = this.db.selectFrom("address").selectAll().where("id", "=", id);
    return this.runtime.readModifyWrite({
      lock: [
        ...(customerId === null ? [] : [lockCustomer(this.runtime, this.db, customerId)]),
        this.runtime.forUpdate(row.select("id")),
      ],
      read: row.where("deleted_at", "is", null),
      decide: ([found]) => {
        if (!found) return { result: null, write: null };
        const metadata =
          patch.metadata && writeMetadata(patch.metadata(readMetadata(found.metadata)));
        const update = this.db
          .updateTable("address")
          .set({ ...values, ...(metadata !== undefined && { metadata }) })
          .where("id", "=", id)
          .returningAll();
        return {
          result: null,
          write: [
            ...(customerId === null
              ? []
              : this.clearOthers(customerId, id, patch, values.updated_at as number)),
            update,
          ],
          returned: (rows) => toAddress(rows[0] as Selectable<AddressTable>),
        };
      },
    });
  }

  /** Clears each flag `flags` sets on the customer's other live addresses. */
  private clearOthers(
    customerId: string,
    exceptId: string,
    flags: Flags,
    updatedAt: number,
  ): Array<Compilable<unknown>> {
    const kinds = (["is_default_shipping", "is_default_billing"] as const).filter(
      (kind) => flags[kind] === true,
    );
    return kinds.map((kind) =>
      this.db
        .updateTable("address")
        .set({ [kind]: 0, updated_at: updatedAt })
        .where("customer_id", "=", customerId)
        .where("id", "!=", exceptId)
        .where("deleted_at", "is", null)
        .where(kind, "=", 1),
    );
  }
}

/** Whether a write sets a default flag. */
const sets = (flags: Flags) =>
  flags.is_default_shipping === true || flags.is_default_billing === true;
