/** `gatehouse throttle unlock --email <email>`: lifts the login lock of an account. */
import type { Command } from "commander";
import { printJson, withGatehouse } from "./context.js";

export function throttleCommand(program: Command): void {
  const throttle = program.command("throttle").description("rate limits and login locks");

  throttle
    .command("unlock")
    .description(
      "clear an email's failed-login counters and back-off (and, with --ip, that client's count for it)",
    )
    .requiredOption("--email <email>", "the account's email address")
    .option("--ip <address>", "also clear this client address's failures for the email")
    .action(async (options: { email: string; ip?: string }) => {
      await withGatehouse(async ({ services }) => {
        await services.throttle.unlockEmail(options.email, options.ip);
        printJson({ unlocked: options.email });
      });
    });
}
