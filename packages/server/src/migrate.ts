/**
 * `npm run migrate` — applies pending migrations (the server also does this at start, under a
 * PostgreSQL advisory lock). `npm run migrate -- down` reverts the newest one.
 */
import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "./config.js";
import { migrateDown, migrateToLatest, openSqlRuntime } from "./stores/sql/runtime.js";

async function run(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const direction = process.argv[2] ?? "up";
  if (direction !== "up" && direction !== "down") {
    process.stderr.write(`Usage: npm run migrate [-- up|down] (got ${direction})\n`);
    process.exit(2);
  }
  const config = loadConfig(process.env);
  const database = await openSqlRuntime(config);
  const where = database.location;
  try {
    const names =
      direction === "up" ? await migrateToLatest(database.db) : await migrateDown(database.db);
    const verb = direction === "up" ? "applied" : "reverted";
    process.stdout.write(
      names.length > 0
        ? `${verb} ${names.join(", ")} on ${where}\n`
        : `nothing to do on ${where}\n`,
    );
  } finally {
    await database.close();
  }
}

run().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
