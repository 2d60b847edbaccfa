/** Customers in SQL. The per-request reads are compiled once (prepared.ts); writes use Kysely. */
import type { Kysely, Selectable } from "kysely";
import { ADDRESS_FIELDS, CUSTOMER_FIELDS, type Customer } from "../../domain.js";
import {
  ERASED_ADDRESS_FIELDS,
  ERASED_ADDRESS_V2_FIELDS,
  erasedEmail,
  type CustomerPatch,
  type CustomerStore,
  type NewCustomer,
} from "../types.js";
import { isUniqueViolation, type Decision, type SqlRuntime } from "./runtime.js";
import { readMetadata, writeMerged, writeMetadata } from "./json.js";
import { param, prepare } from "./prepared.js";
import { toAddress } from "./address-store.js";
import { customerWithAddresses } from "./customer-queries.js";
import type { AddressTable, CustomerTable, Database } from "./schema.js";

const columns = CUSTOMER_FIELDS;

export function toCustomer(row: Omit<Selectable<CustomerTable>, "password_hash">): Customer {
  return {
    id: row.id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    deleted_at: row.deleted_at,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    billing_address_id: row.billing_address_id,
    phone: row.phone,
    has_account: Boolean(row.has_account),
    metadata: readMetadata(row.metadata),
    company_name: row.company_name,
  };
}

/** What an erased customer keeps of its personal fields: nothing. */
const ERASED_CUSTOMER = {
  first_name: null,
  last_name: null,
  phone: null,
  company_name: null,
  metadata: null,
  password_hash: null,
  billing_address_id: null,
};

/** What an erased address keeps: its id and times (the flags are integers here). */
const ERASED_ADDRESS = {
  ...ERASED_ADDRESS_FIELDS,
  ...ERASED_ADDRESS_V2_FIELDS,
  is_default_shipping: 0,
  is_default_billing: 0,
};

type ViewRow = Omit<Selectable<CustomerTable>, "password_hash"> & {
  addresses: string | Array<Selectable<AddressTable>>;
  billing_address: string | Selectable<AddressTable> | null;
};

/** SQLite returns JSON built in a query as text; PostgreSQL's driver has already parsed it. */
const fromJson = <T>(value: string | T): T =>
  typeof value === "string" ? (JSON.parse(value) as T) : value;

export class SqlCustomerStore implements CustomerStore {
  // Every authenticated request and every login runs one of these: compiled once.
  private readonly byId;
  private readonly accountByEmail: (
    email: string,
  ) => Promise<Selectable<CustomerTable> | undefined>;
  private readonly withAddresses: (id: string) => Promise<ViewRow | undefined>;
  private readonly accountExists: (email: string) => Promise<boolean>;

  private readonly db: Kysely<Database>;

  constructor(private readonly runtime: SqlRuntime) {
    const db = (this.db = runtime.db);
    this.byId = prepare<Omit<Selectable<CustomerTable>, "password_hash">, [string]>(runtime, () =>
      db
        .selectFrom("customer")
        .select(columns)
        .where("id", "=", param(0))
        .where("deleted_at", "is", null),
    );
    // The customer, its address book and its billing address in one statement (one round trip
    // on PostgreSQL).
    const account = () =>
      db
        .selectFrom("customer")
        .select([...columns, "password_hash"])
        .where("has_account", "=", 1)
        .where("deleted_at", "is", null);
    // Only the email column, in the partial unique index on (email, has_account) whose condition
    // is `deleted_at is null`: the index alone answers (the email check runs it on every call).
    // On SQLite, EXPLAIN shows the table cursor's seek deferred and never made: no row is read.
    const registered = () =>
      db
        .selectFrom("customer")
        .select("email")
        .where("has_account", "=", 1)
        .where("deleted_at", "is", null);

    this.withAddresses = runtime.readerByKey(
      "customer.id",
      customerWithAddresses<ViewRow>(runtime, db, {
        customer: CUSTOMER_FIELDS,
        address: ADDRESS_FIELDS,
      }),
      (row) => row.id,
    );
    this.accountByEmail = runtime.readerByKey(
      "email",
      (matches) => account().where(matches),
      (row) => row.email,
    );
    const registeredEmail = runtime.readerByKey(
      "email",
      (matches) => registered().where(matches),
      (row) => row.email,
    );
    this.accountExists = async (email) => (await registeredEmail(email)) !== undefined;
  }

  async findWithAddresses(id: string) {
    const row = await this.withAddresses(id);
    if (!row) return null;
    const { addresses, billing_address: billing, ...customer } = row;
    const rows = fromJson(addresses);
    // Neither dialect promises that JSON aggregation keeps the subquery's order: sort again.
    rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const billingRow = fromJson(billing);
    return {
      customer: toCustomer(customer),
      shippingAddresses: rows.map(toAddress),
      billingAddress: billingRow ? toAddress(billingRow) : null,
    };
  }

  hasAccount(email: string): Promise<boolean> {
    return this.accountExists(email);
  }

  async findById(id: string): Promise<Customer | null> {
    const [row] = await this.byId(id);
    return row ? toCustomer(row) : null;
  }

  async findAccountByEmail(email: string) {
    const row = await this.accountByEmail(email);
    return row ? { customer: toCustomer(row), passwordHash: row.password_hash } : null;
  }

  async create(input: NewCustomer): Promise<Customer | null> {
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
      has_account: input.has_account ? 1 : 0,
      metadata: writeMetadata(input.metadata),
      password_hash: input.password_hash,
      company_name: input.company_name,
    };
    try {
      await this.db.insertInto("customer").values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return toCustomer(row);
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer | null | "duplicate"> {
    const { metadata, ...values } = patch;
    const live = this.db
      .updateTable("customer")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    try {
      if (metadata === undefined) {
        const row = await live.set(values).returning(columns).executeTakeFirst();
        return row ? toCustomer(row) : null;
      }
      return await writeMerged(
        async () => (await this.byId(id))[0],
        metadata,
        async (merged, expected) => {
          const row = await live
            .set({ ...values, metadata: merged })
            .where((eb) =>
              expected === null ? eb("metadata", "is", null) : eb("metadata", "=", expected),
            )
            .returning(columns)
            .executeTakeFirst();
          return row && toCustomer(row);
        },
      );
    } catch (error) {
      if (isUniqueViolation(error)) return "duplicate";
      throw error;
    }
  }

  async erase(id: string, at: number): Promise<Customer | null> {
    const live = this.db
      .selectFrom("customer")
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    // Under the customer's row lock: of concurrent erasures, the first erases; the others then
    // read a deleted row and find nothing.
    return this.runtime.readModifyWrite({
      lock: [this.runtime.forUpdate(live.select("id"))],
      read: live.select(columns),
      decide: ([row]): Decision<Customer | null> => {
        if (!row) return { result: null, write: null };
        return {
          result: toCustomer(row),
          write: [
            // Every address of the book (deleted ones too) and the billing address.
            this.db
              .updateTable("address")
              .set((eb) => ({
                ...ERASED_ADDRESS,
                updated_at: at,
                deleted_at: eb.fn.coalesce("deleted_at", eb.val(at)),
              }))
              .where((eb) =>
                eb.or([
                  eb("customer_id", "=", id),
                  ...(row.billing_address_id ? [eb("id", "=", row.billing_address_id)] : []),
                ]),
              ),
            this.db
              .updateTable("customer")
              .set({ ...ERASED_CUSTOMER, email: erasedEmail(id), updated_at: at, deleted_at: at })
              .where("id", "=", id),
            this.db.deleteFrom("auth_identity").where("customer_id", "=", id),
          ],
        };
      },
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
