#!/usr/bin/env node
/**
 * The `gatehouse` command line (docs/cli.md): operating a Gatehouse with the server's own
 * configuration (the environment and `.env`), without starting the HTTP server. One file per
 * command group. A CliError, or a failure, is one line on stderr and exit code 1.
 */
import { existsSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError } from "./context.js";
import { customersCommand } from "./customers.js";
import { doctorCommand } from "./doctor.js";
import { importCommand } from "./import.js";
import { keysCommand } from "./keys.js";
import { migrateCommand } from "./migrate.js";
import { sessionsCommand } from "./sessions.js";
import { throttleCommand } from "./throttle.js";

// A variable already set in the environment wins over the file (as for the server).
if (existsSync(".env")) process.loadEnvFile(".env");

const program = new Command("gatehouse")
  .description("Operate a Gatehouse server: migrations, checks, customers, sessions, keys, imports")
  .showHelpAfterError()
  .exitOverride();
migrateCommand(program);
doctorCommand(program);
customersCommand(program);
sessionsCommand(program);
throttleCommand(program);
keysCommand(program);
importCommand(program);
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed the help or the usage problem already.
    process.exitCode = error.exitCode;
  } else {
    const message =
      error instanceof CliError ? error.message : `gatehouse: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}
// Storage clients may keep a timer or socket a moment longer: the command is done.
process.stdout.write("", () => process.exit());
