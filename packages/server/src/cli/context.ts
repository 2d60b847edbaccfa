/**
 * What every `gatehouse` command works with: the server's configuration (the same environment and
 * `.env`, config.ts), and on demand the server's stores and services (createGatehouse), opened
 * without listening. A CliError is one line on stderr and exit code 1 (index.ts).
 */
import pino from "pino";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { withSecrets } from "../dev-secrets.js";
import { createGatehouse, type Gatehouse } from "../gatehouse.js";
import { BackendUnavailableError } from "../stores/open-stores.js";

/** A problem the operator can act on: printed as it is, exit code 1. */
export class CliError extends Error {}

/** The configuration, or a CliError worded as the server words it. */
export function cliConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`${error.message}\nSee docs/configuration.md.`);
    }
    throw error;
  }
}

/** Warnings and errors only, to stderr: stdout is the command's output. */
export const cliLogger = () => pino({ level: "warn", base: undefined }, pino.destination(2));

/**
 * Runs `work` with the server's stores and services (migrating as the server does at start),
 * then closes them. The HTTP app is built but never listens.
 */
export async function withGatehouse<T>(work: (gatehouse: Gatehouse) => Promise<T>): Promise<T> {
  const { config } = withSecrets(cliConfig());
  let gatehouse: Gatehouse;
  try {
    gatehouse = await createGatehouse(config, cliLogger());
  } catch (error) {
    if (error instanceof BackendUnavailableError) throw new CliError(error.message);
    throw error;
  }
  try {
    return await work(gatehouse);
  } finally {
    await gatehouse.app.close();
    await gatehouse.close();
  }
}

/** One JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
