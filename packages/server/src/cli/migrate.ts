/** `gatehouse migrate [up|down]`: the database migrations (the server also applies them at start). */
import type { Command } from "commander";
import { migrateDown, migrateToLatest, openSqlRuntime } from "../stores/sql/runtime.js";
import { CliError, cliConfig } from "./context.js";

export function migrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("apply pending migrations (up, the default) or revert the newest one (down)")
    .argument("[direction]", "up or down", "up")
    .action(async (direction: string) => {
      if (direction !== "up" && direction !== "down") {
        throw new CliError(`migrate takes up or down, not ${direction}`);
      }
      const database = await openSqlRuntime(cliConfig());
      try {
        const names =
          direction === "up" ? await migrateToLatest(database.db) : await migrateDown(database.db);
        const verb = direction === "up" ? "applied" : "reverted";
        process.stdout.write(
          names.length > 0
            ? `${verb} ${names.join(", ")} on ${database.location}\n`
            : `nothing to do on ${database.location}\n`,
        );
      } catch (error) {
        throw new CliError(`Migration failed: ${(error as Error).message}`);
      } finally {
        await database.close();
      }
    });
}
