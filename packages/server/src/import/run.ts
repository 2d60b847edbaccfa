/**
 * `gatehouse import` in two passes over the source (docs/cli.md, "import"). The first reads every
 * customer's email and finds what needs the operator's decision: emails Gatehouse compares
 * case-insensitively that Medusa held as separate customers. It keeps one small entry per customer
 * (id, email) and the set of ids, about 300 bytes each. The second pass writes batch by batch,
 * leaving those groups out. A dry run makes both passes and writes nothing.
 */
import type { MedusaVersion } from "../config.js";
import { normalizeEmail } from "../services/emails.js";
import { emailKey } from "../stores/sql/identity-store.js";
import type { SqlRuntime } from "../stores/sql/runtime.js";
import type { ImportCustomer } from "./records.js";
import type { ImportSource } from "./source.js";
import { ImportTarget } from "./target.js";

/**
 * Customers per batch: one INSERT and one transaction each. 1,000 rows × 14 columns stays well
 * under either database's parameter limit, a batch's transaction holds SQLite's write lock for a
 * few milliseconds only (a running server keeps serving), and an interruption loses one batch.
 */
export const BATCH_SIZE = 1000;

/**
 * Entries kept (and listed) in each of the summary's lists of bad rows, decision groups and
 * conflicts: enough to see what is wrong with a source, few enough that a source of nothing but
 * bad rows, case variants or customers Gatehouse already holds fills neither the summary nor the
 * terminal (nor memory, with bad rows and conflicts); the rest are counted.
 */
export const KEPT_ENTRIES = 1000;

export interface Member {
  id: string;
  email: string;
  has_account: boolean;
}

export interface ImportReport {
  source: string;
  target: string;
  medusa_version: MedusaVersion;
  dry_run: boolean;
  /** Customers read that could be imported (bad rows not counted). */
  read: number;
  /** Imported now (dry run: would be). */
  imported: number;
  addresses: number;
  identities: number;
  already_present: number;
  /** Customers left out until the operator decides: the groups' members and the conflicts. */
  need_decision: number;
  /** The first KEPT_ENTRIES groups; decision_group_count counts them all. */
  decision_groups: Array<{ reason: string; customers: Member[] }>;
  decision_group_count: number;
  /** The first KEPT_ENTRIES conflicts; conflict_count counts them all. */
  conflicts: Array<Member & { reason: string }>;
  conflict_count: number;
  /** The first KEPT_ENTRIES rows that are no customer; bad_row_count counts them all. */
  bad_rows: Array<{ at: string; id?: string; reason: string }>;
  bad_row_count: number;
  /** Information: a guest and an account with one email, both imported (Gatehouse keeps both). */
  guest_and_account: Array<{ email: string; guest: string; account: string }>;
  notes: string[];
}

const member = (customer: ImportCustomer): Member => ({
  id: customer.id,
  email: customer.email,
  has_account: customer.has_account,
});

/**
 * The unique keys a customer takes in Gatehouse: its email among accounts or guests, its address
 * ids (a file's; a database's are its primary key) and, v2 accounts, its identity's email and id.
 */
function keysOf(customer: ImportCustomer, version: MedusaVersion): string[] {
  const keys = [`${customer.has_account ? "account" : "guest"}:${normalizeEmail(customer.email)}`];
  for (const { id } of customer.addresses) keys.push(`address:${id}`);
  if (version === 2 && customer.has_account) {
    // Every v2 account gets an identity, with the customer's email when the source has none.
    keys.push(`identity:${emailKey(customer.identity?.email ?? customer.email)}`);
    if (customer.identity) keys.push(`identity id:${customer.identity.id}`);
  }
  return keys;
}

const REASONS: Record<string, string> = {
  account: "accounts whose emails differ only in case",
  guest: "guests whose emails differ only in case",
  identity: "accounts whose emailpass identities share an email, up to case",
  "identity id": "customers with the same auth identity id",
  address: "customers with the same address id",
};

const groupReason = (key: string) => REASONS[key.slice(0, key.indexOf(":"))]!;

export async function runImport(options: {
  source: ImportSource;
  runtime: SqlRuntime;
  version: MedusaVersion;
  dryRun: boolean;
  onStart?: (total: number) => void;
  onProgress?: (done: number) => void;
}): Promise<ImportReport> {
  const { source, version, dryRun } = options;
  const report: ImportReport = {
    source: source.description,
    target: options.runtime.location,
    medusa_version: version,
    dry_run: dryRun,
    read: 0,
    imported: 0,
    addresses: 0,
    identities: 0,
    already_present: 0,
    need_decision: 0,
    decision_groups: [],
    decision_group_count: 0,
    conflicts: [],
    conflict_count: 0,
    bad_rows: [],
    bad_row_count: 0,
    guest_and_account: [],
    notes: await source.notes(),
  };

  const badRow = (row: ImportReport["bad_rows"][number]) => {
    if (report.bad_row_count++ < KEPT_ENTRIES) report.bad_rows.push(row);
  };

  // Pass 1: the first holder of every key (a small tuple per customer), the keys held more than
  // once, and the rows that are no customer.
  const holders = new Map<string, readonly [id: string, email: string, hasAccount: boolean]>();
  const groups = new Map<string, Member[]>();
  const ids = new Set<string>();
  const repeated = new Set<string>();
  let total = 0;
  for await (const batch of source.batches(BATCH_SIZE, false)) {
    for (const item of batch) {
      total++;
      if (!("customer" in item)) {
        badRow({ at: item.at, ...(item.id && { id: item.id }), reason: item.problem });
        continue;
      }
      const { customer } = item;
      if (ids.has(customer.id)) {
        repeated.add(customer.id);
        badRow({ at: item.at, id: customer.id, reason: `id ${customer.id} appears again` });
        continue;
      }
      ids.add(customer.id);
      report.read++;
      for (const key of keysOf(customer, version)) {
        const first = holders.get(key);
        if (first === undefined) {
          holders.set(key, [customer.id, customer.email, customer.has_account]);
          continue;
        }
        let group = groups.get(key);
        if (!group) {
          const [id, email, has_account] = first;
          group = [{ id, email, has_account }];
          groups.set(key, group);
        }
        group.push(member(customer));
      }
    }
  }
  ids.clear();
  const undecided = new Set<string>();
  const listed = new Set<string>();
  for (const [key, members] of groups) {
    // Two accounts whose emails differ in case collide on the identity's email too: one group.
    const signature = JSON.stringify(members.map(({ id }) => id));
    if (listed.has(signature)) continue;
    listed.add(signature);
    if (report.decision_group_count++ < KEPT_ENTRIES) {
      report.decision_groups.push({ reason: groupReason(key), customers: members });
    }
    for (const { id } of members) undecided.add(id);
  }
  for (const [key, [guest]] of holders) {
    if (!key.startsWith("guest:")) continue;
    const email = key.slice("guest:".length);
    const account = holders.get(`account:${email}`);
    if (account === undefined || groups.has(key) || groups.has(`account:${email}`)) continue;
    report.guest_and_account.push({ email, guest, account: account[0] });
  }
  holders.clear();
  report.need_decision = undecided.size;

  // Pass 2: write what needs no decision, batch by batch.
  const target = new ImportTarget(options.runtime, version, dryRun);
  let position = 0;
  const firsts = new Set<string>();
  options.onStart?.(total);
  for await (const batch of source.batches(BATCH_SIZE, true)) {
    const customers: ImportCustomer[] = [];
    for (const item of batch) {
      position++;
      if (!("customer" in item)) continue;
      const { id } = item.customer;
      // Left out: a group's member, or an id seen already (reported as a bad row in pass 1).
      if (repeated.has(id)) {
        if (firsts.has(id)) continue;
        firsts.add(id);
      }
      if (!undecided.has(id)) customers.push(item.customer);
    }
    const outcome = await target.write(customers);
    report.imported += outcome.imported;
    report.addresses += outcome.addresses;
    report.identities += outcome.identities;
    report.already_present += outcome.present;
    for (const { customer, reason } of outcome.conflicts) {
      if (report.conflict_count++ < KEPT_ENTRIES) {
        report.conflicts.push({ ...member(customer), reason });
      }
    }
    options.onProgress?.(position);
  }
  report.need_decision += report.conflict_count;
  return report;
}
