/**
 * `gatehouse customers find|show|export|delete`: an operator's view of one customer. Output is
 * JSON (export: JSON Lines); a password hash is never printed.
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { Customer } from "../domain.js";
import { normalizeEmail } from "../services/emails.js";
import type { Stores } from "../stores/types.js";
import { CliError, printJson, withGatehouse } from "./context.js";

/** The live customer with this id, with its addresses, or a CliError. */
async function customerWithAddresses(stores: Stores, id: string) {
  const found = await stores.customers.findWithAddresses(id);
  if (!found) throw new CliError(`no customer with id ${id}`);
  return found;
}

/** A session as shown: what it is and when, never its token (sessions hold only its hash). */
export const sessionView = (session: {
  id: string;
  kind: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string | null;
}) => ({
  id: session.id,
  kind: session.kind,
  created_at: new Date(session.created_at).toISOString(),
  last_seen_at: new Date(session.last_seen_at).toISOString(),
  expires_at: new Date(session.expires_at).toISOString(),
  user_agent: session.user_agent,
});

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

export function customersCommand(program: Command): void {
  const customers = program
    .command("customers")
    .description("find, show, export or delete a customer");

  customers
    .command("find")
    .description("find a registered customer by email, or any live customer by id")
    .argument("<email-or-id>", "an email address or a customer id (cus_…)")
    .action(async (key: string) => {
      await withGatehouse(async ({ stores }) => {
        let customer: Customer | null;
        if (key.includes("@")) {
          customer =
            (await stores.customers.findAccountByEmail(normalizeEmail(key)))?.customer ?? null;
        } else {
          customer = await stores.customers.findById(key);
          if (customer?.deleted_at != null) customer = null;
        }
        if (!customer) throw new CliError(`no customer found for ${key}`);
        printJson(customer);
      });
    });

  customers
    .command("show")
    .description("show a customer with its addresses and live sessions")
    .argument("<id>", "the customer id (cus_…)")
    .action(async (id: string) => {
      await withGatehouse(async ({ stores, services }) => {
        const found = await customerWithAddresses(stores, id);
        const sessions = await services.sessions.list(id);
        printJson({
          customer: found.customer,
          billing_address: found.billingAddress,
          shipping_addresses: found.shippingAddresses,
          sessions: sessions.map(sessionView),
        });
      });
    });

  customers
    .command("export")
    .description(
      "export a customer's data as JSON Lines (profile, addresses, sessions), for a data-portability request",
    )
    .argument("<id>", "the customer id (cus_…)")
    .action(async (id: string) => {
      await withGatehouse(async ({ stores, services }) => {
        const found = await customerWithAddresses(stores, id);
        const lines: unknown[] = [{ type: "profile", data: found.customer }];
        const addresses = [
          ...(found.billingAddress ? [{ ...found.billingAddress, billing: true }] : []),
          ...found.shippingAddresses.map((address) => ({ ...address, billing: false })),
        ];
        for (const address of addresses) lines.push({ type: "address", data: address });
        for (const session of await services.sessions.list(id)) {
          lines.push({ type: "session", data: sessionView(session) });
        }
        // The outbox (EventStore) keeps events only until delivered and has no query by customer.
        lines.push({
          type: "note",
          data: {
            events:
              "account events are not included: Gatehouse keeps them only until they are " +
              "delivered to the webhook (or logged), and cannot list them by customer",
          },
        });
        process.stdout.write(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
      });
    });

  customers
    .command("delete")
    .description(
      "erase a customer: personal data and addresses erased, sessions ended, customer.deleted sent",
    )
    .argument("<id>", "the customer id (cus_…)")
    .option("--yes", "do not ask for confirmation")
    .action(async (id: string, options: { yes?: boolean }) => {
      await withGatehouse(async ({ stores, services }) => {
        const { customer } = await customerWithAddresses(stores, id);
        if (!options.yes && !(await confirm(`Erase customer ${id} (${customer.email})?`))) {
          throw new CliError("not deleted: confirm at the prompt, or pass --yes");
        }
        const erased = await services.customers.erase(id);
        printJson({ deleted: erased.id, email: erased.email });
      });
    });
}
