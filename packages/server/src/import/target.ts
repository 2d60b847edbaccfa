/**
 * Writes imported customers into Gatehouse's own tables (DATABASE_URL or the SQLite file): a batch
 * at a time, in one transaction per batch, so an interrupted import leaves whole batches and
 * resumes by running again. A customer whose id is already there is left as it is (Gatehouse's
 * copy may be newer: an upgraded hash); one whose email another customer of Gatehouse already
 * holds is a conflict, not written. Medusa v2 mode (MEDUSA_VERSION=2) links each account to an
 * `auth_identity` row (migration 0006) whose password lives in the customer row, as linking does.
 */
import type { Insertable } from "kysely";
import type { MedusaVersion } from "../config.js";
import { normalizeEmail } from "../services/emails.js";
import { newAuthIdentityId } from "../stores/medusa-v2/ids.js";
import { toRow } from "../stores/sql/address-store.js";
import { emailKey } from "../stores/sql/identity-store.js";
import { writeMetadata } from "../stores/sql/json.js";
import type { SqlRuntime } from "../stores/sql/runtime.js";
import type { AddressTable, AuthIdentityTable, CustomerTable } from "../stores/sql/schema.js";
import type { ImportCustomer } from "./records.js";

/** Rows per INSERT: 1,000 addresses × 20 columns stays under SQLite's 32,766 parameters. */
const ROWS_PER_STATEMENT = 1000;

export interface Conflict {
  customer: ImportCustomer;
  reason: string;
}

export interface BatchOutcome {
  imported: number;
  addresses: number;
  identities: number;
  present: number;
  conflicts: Conflict[];
}

export const chunks = <T>(rows: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  }
  return out;
};

export const customerRow = (customer: ImportCustomer): Insertable<CustomerTable> => ({
  id: customer.id,
  created_at: customer.created_at,
  updated_at: customer.updated_at,
  deleted_at: null,
  email: normalizeEmail(customer.email),
  first_name: customer.first_name,
  last_name: customer.last_name,
  billing_address_id: customer.billing_address_id,
  phone: customer.phone,
  has_account: customer.has_account ? 1 : 0,
  metadata: writeMetadata(customer.metadata),
  password_hash: customer.password_hash,
  company_name: customer.company_name,
});

export const addressRows = (customer: ImportCustomer) => customer.addresses.map(toRow);

/** Medusa v2 mode: the account's identity, linked (its password is the customer's). */
function identityRow(customer: ImportCustomer): Insertable<AuthIdentityTable> {
  const email = customer.identity?.email ?? customer.email;
  return {
    id: customer.identity?.id ?? newAuthIdentityId(),
    email,
    email_key: emailKey(email),
    password_hash: null,
    customer_id: customer.id,
    created_at: customer.identity?.created_at ?? customer.created_at,
  };
}

const slot = (hasAccount: boolean | number, email: string) =>
  `${hasAccount ? "account" : "guest"}:${email}`;

export class ImportTarget {
  constructor(
    private readonly runtime: SqlRuntime,
    private readonly version: MedusaVersion,
    private readonly dryRun: boolean,
  ) {}

  /** Imports what of `batch` is new (or, dry run, counts what would be). */
  async write(batch: ImportCustomer[]): Promise<BatchOutcome> {
    const db = this.runtime.db;
    const outcome: BatchOutcome = {
      imported: 0,
      addresses: 0,
      identities: 0,
      present: 0,
      conflicts: [],
    };
    if (batch.length === 0) return outcome;
    const present = new Set(
      (
        await db
          .selectFrom("customer")
          .select("id")
          .where(
            "id",
            "in",
            batch.map((customer) => customer.id),
          )
          .execute()
      ).map((row) => row.id),
    );
    outcome.present = present.size;
    const fresh = batch.filter((customer) => !present.has(customer.id));
    if (fresh.length === 0) return outcome;

    const holders = new Map<string, string>();
    const emails = [...new Set(fresh.map((customer) => normalizeEmail(customer.email)))];
    for (const row of await db
      .selectFrom("customer")
      .select(["id", "email", "has_account"])
      .where("deleted_at", "is", null)
      .where("email", "in", emails)
      .execute()) {
      holders.set(slot(row.has_account, row.email), row.id);
    }
    const accounts = this.version === 2 ? fresh.filter((customer) => customer.has_account) : [];
    const identities = new Map(accounts.map((customer) => [customer.id, identityRow(customer)]));
    const identityHolders = new Map<string, string>();
    if (identities.size > 0) {
      const rows = [...identities.values()];
      for (const row of await db
        .selectFrom("auth_identity")
        .select(["id", "email_key"])
        .where((eb) =>
          eb.or([
            eb(
              "email_key",
              "in",
              rows.map((identity) => identity.email_key),
            ),
            eb(
              "id",
              "in",
              rows.map((identity) => identity.id),
            ),
          ]),
        )
        .execute()) {
        identityHolders.set(`key:${row.email_key}`, row.id);
        identityHolders.set(`id:${row.id}`, row.id);
      }
    }

    // Address ids are kept, so one that another customer holds (in Gatehouse, or earlier in this
    // batch) would hand that customer's address to this one: a conflict, never written.
    const addressHolders = new Map<string, string | null>();
    for (const ids of chunks(fresh.flatMap((customer) => customer.addresses.map(({ id }) => id)))) {
      for (const row of await db
        .selectFrom("address")
        .select(["id", "customer_id"])
        .where("id", "in", ids)
        .execute()) {
        addressHolders.set(row.id, row.customer_id);
      }
    }

    const writable: ImportCustomer[] = [];
    for (const customer of fresh) {
      const holder = holders.get(slot(customer.has_account, normalizeEmail(customer.email)));
      const identity = identities.get(customer.id);
      const taken = customer.addresses.find(({ id }) => addressHolders.has(id));
      if (holder !== undefined) {
        const kind = customer.has_account ? "an account" : "a guest";
        outcome.conflicts.push({
          customer,
          reason: `Gatehouse already has ${kind} with this email: ${holder}`,
        });
      } else if (taken) {
        const owner = addressHolders.get(taken.id);
        outcome.conflicts.push({
          customer,
          reason: `Gatehouse already has the address ${taken.id} (${owner ? `customer ${owner}` : "no customer"})`,
        });
      } else if (identity && identityHolders.has(`id:${identity.id}`)) {
        outcome.conflicts.push({
          customer,
          reason: `Gatehouse already has the auth identity ${identity.id}`,
        });
      } else if (identity && identityHolders.has(`key:${identity.email_key}`)) {
        outcome.conflicts.push({
          customer,
          reason: `Gatehouse's auth identity ${identityHolders.get(`key:${identity.email_key}`)} has this email`,
        });
      } else {
        writable.push(customer);
        for (const { id } of customer.addresses) addressHolders.set(id, customer.id);
        if (identity) {
          identityHolders.set(`id:${identity.id}`, identity.id);
          identityHolders.set(`key:${identity.email_key}`, identity.id);
        }
      }
    }
    if (this.dryRun) {
      outcome.imported = writable.length;
      outcome.addresses = writable.reduce((sum, customer) => sum + customer.addresses.length, 0);
      outcome.identities = writable.filter((customer) => identities.has(customer.id)).length;
      return outcome;
    }
    if (writable.length === 0) return outcome;

    await db.transaction().execute(async (trx) => {
      // DO NOTHING: a customer someone registers meanwhile (its id or email) wins, and is not
      // overwritten; the imported one is a conflict.
      const inserted = new Set(
        (
          await trx
            .insertInto("customer")
            .values(writable.map(customerRow))
            .onConflict((conflict) => conflict.doNothing())
            .returning("id")
            .execute()
        ).map((row) => row.id),
      );
      const written = writable.filter((customer) => inserted.has(customer.id));
      for (const customer of writable) {
        if (inserted.has(customer.id)) continue;
        outcome.conflicts.push({
          customer,
          reason: "Gatehouse took its id or email meanwhile (a registration during the import)",
        });
      }
      const insertedIds = async (
        table: "address" | "auth_identity",
        rows: Array<Insertable<AddressTable> | Insertable<AuthIdentityTable>>,
      ) => {
        const ids = new Set<string>();
        for (const part of chunks(rows)) {
          for (const row of await trx
            .insertInto(table)
            .values(part as never)
            .onConflict((conflict) => conflict.doNothing())
            .returning("id")
            .execute()) {
            ids.add(row.id);
          }
        }
        return ids;
      };
      const addressesIn = await insertedIds("address", written.flatMap(addressRows));
      const identitiesIn = await insertedIds(
        "auth_identity",
        written.flatMap((customer) => identities.get(customer.id) ?? []),
      );
      // An address or identity id taken meanwhile: that customer is taken out again, whole.
      const short = new Set(
        written
          .filter(
            (customer) =>
              customer.addresses.some(({ id }) => !addressesIn.has(id)) ||
              (identities.has(customer.id) && !identitiesIn.has(identities.get(customer.id)!.id)),
          )
          .map((customer) => customer.id),
      );
      for (const customer of written) {
        if (!short.has(customer.id)) continue;
        const addressIds = customer.addresses
          .map(({ id }) => id)
          .filter((id) => addressesIn.has(id));
        for (const ids of chunks(addressIds)) {
          await trx.deleteFrom("address").where("id", "in", ids).execute();
          for (const id of ids) addressesIn.delete(id);
        }
        const identity = identities.get(customer.id);
        if (identity && identitiesIn.delete(identity.id)) {
          await trx.deleteFrom("auth_identity").where("id", "=", identity.id).execute();
        }
        await trx.deleteFrom("customer").where("id", "=", customer.id).execute();
        outcome.conflicts.push({
          customer,
          reason: "Gatehouse took one of its address or auth identity ids meanwhile",
        });
      }
      outcome.imported = written.length - short.size;
      outcome.addresses = addressesIn.size;
      outcome.identities = identitiesIn.size;
    });
    return outcome;
  }
}
