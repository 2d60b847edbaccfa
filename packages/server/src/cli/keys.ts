/** `gatehouse keys rotate`: a new token signing key now (EdDSA). */
import type { Command } from "commander";
import { CliError, cliConfig, printJson, withGatehouse } from "./context.js";

export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("token signing keys");

  keys
    .command("rotate")
    .description(
      "make a new EdDSA signing key now; older keys stay published until their tokens expire",
    )
    .action(async () => {
      if (cliConfig().jwt.algorithm !== "EdDSA") {
        throw new CliError(
          "keys rotate works with JWT_ALGORITHM=EdDSA only: HS256 signs with JWT_SECRET itself " +
            "(change JWT_SECRET to rotate it; every token then stops verifying)",
        );
      }
      await withGatehouse(async ({ services }) => {
        printJson({ kid: await services.tokens.rotateNow() });
      });
    });
}
