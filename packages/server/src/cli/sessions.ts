/** `gatehouse sessions list|revoke --customer <id>`: a customer's sessions (cookie and bearer). */
import type { Command } from "commander";
import { CliError, printJson, withGatehouse } from "./context.js";
import { sessionView } from "./customers.js";

export function sessionsCommand(program: Command): void {
  const sessions = program.command("sessions").description("list or revoke a customer's sessions");

  sessions
    .command("list")
    .description("list a customer's live sessions (never their tokens)")
    .requiredOption("--customer <id>", "the customer id (cus_…)")
    .action(async (options: { customer: string }) => {
      await withGatehouse(async ({ services }) => {
        printJson((await services.sessions.list(options.customer)).map(sessionView));
      });
    });

  sessions
    .command("revoke")
    .description("revoke every session of a customer, or one with --session")
    .requiredOption("--customer <id>", "the customer id (cus_…)")
    .option("--session <id>", "only this session (sess_…)")
    .action(async (options: { customer: string; session?: string }) => {
      await withGatehouse(async ({ stores, services }) => {
        if (options.session === undefined) {
          const revoked = await services.sessions.revokeAll(options.customer, "customer_request");
          printJson({ revoked });
          return;
        }
        const session = await stores.sessions.findById(options.session);
        if (!session || session.customer_id !== options.customer) {
          throw new CliError(`customer ${options.customer} has no session ${options.session}`);
        }
        await services.sessions.revoke(session.id);
        printJson({ revoked: 1 });
      });
    });
}
