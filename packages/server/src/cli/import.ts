/**
 * `gatehouse import --from <postgres://… | file.jsonl | file.csv> [--dry-run] [--json]`: copies
 * customers, their addresses and password hashes from Medusa's database (read-only) or a file into
 * Gatehouse's own store, for moving authentication out of Medusa (docs/cli.md, "import"). A
 * progress bar on stderr when it is a terminal; the summary on stdout.
 */
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { openFileSource } from "../import/file-source.js";
import { openMedusaSource } from "../import/medusa-source.js";
import { runImport, type ImportReport } from "../import/run.js";
import { SourceError, type ImportSource } from "../import/source.js";
import { redactUrl } from "../stores/redact-url.js";
import { migrateToLatest, openSqlRuntime, pendingMigrations } from "../stores/sql/runtime.js";
import { CliError, cliConfig, printJson } from "./context.js";

/** Information lines shown in the text summary before "--json lists all". */
const SHOWN_INFO = 20;

/** `from` as it may be shown: anything URL-like (`scheme://`) with its credentials masked. */
const shown = (from: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(from) ? redactUrl(from) : from);

async function openSource(from: string): Promise<ImportSource> {
  if (/^postgres(ql)?:\/\//i.test(from)) {
    try {
      return await openMedusaSource(from);
    } catch (error) {
      if (error instanceof SourceError) throw new CliError(error.message);
      throw error;
    }
  }
  let source: ImportSource | null;
  try {
    source = await openFileSource(from);
  } catch (error) {
    const message = (error as Error).message.replaceAll(from, shown(from));
    throw new CliError(`cannot read ${shown(from)}: ${message}`);
  }
  if (!source) {
    throw new CliError(
      `--from takes a Medusa database URL (postgres://…) or a .jsonl or .csv file, not ${shown(from)}`,
    );
  }
  return source;
}

function summary(report: ImportReport): string {
  const would = report.dry_run ? "would import" : "imported";
  const lines = [
    `${report.dry_run ? "dry run: nothing written. " : ""}import from ${report.source} ` +
      `into ${report.target} (MEDUSA_VERSION=${report.medusa_version})`,
    `read: ${report.read} customers`,
    `${would}: ${report.imported} customers, ${report.addresses} addresses` +
      (report.medusa_version === 2 ? `, ${report.identities} auth identities` : ""),
    `already present: ${report.already_present}`,
    `need a decision: ${report.need_decision}`,
    `bad rows: ${report.bad_row_count}`,
    `guest and account with one email: ${report.guest_and_account.length} (both imported)`,
  ];
  /** What a capped list (run.ts, KEPT_ENTRIES) left out, as one line. */
  const more = (count: number, kept: number, what: string) => {
    if (count > kept) {
      lines.push(`… and ${count - kept} more ${what} (only the first ${kept} are kept)`);
    }
  };
  for (const group of report.decision_groups) {
    const members = group.customers.map((c) => `${c.id} ${c.email}`).join(", ");
    lines.push(`decision: ${group.reason}: ${members}`);
  }
  more(report.decision_group_count, report.decision_groups.length, "decision groups");
  for (const conflict of report.conflicts) {
    lines.push(`conflict: ${conflict.id} ${conflict.email}: ${conflict.reason}`);
  }
  more(report.conflict_count, report.conflicts.length, "conflicts");
  for (const bad of report.bad_rows) lines.push(`bad row: ${bad.at}: ${bad.reason}`);
  more(report.bad_row_count, report.bad_rows.length, "bad rows");
  for (const pair of report.guest_and_account.slice(0, SHOWN_INFO)) {
    lines.push(`guest and account: ${pair.email}: guest ${pair.guest}, account ${pair.account}`);
  }
  if (report.guest_and_account.length > SHOWN_INFO) {
    lines.push(`… and ${report.guest_and_account.length - SHOWN_INFO} more (--json lists all)`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export function importCommand(program: Command): void {
  program
    .command("import")
    .description(
      "copy customers with their addresses and password hashes from Medusa's database or a file " +
        "into Gatehouse's own store",
    )
    .requiredOption(
      "--from <source>",
      "a Medusa v1 or v2 database URL (postgres://…, read only), or a .jsonl or .csv file",
    )
    .option("--dry-run", "read everything and report what would be imported; write nothing")
    .option("--json", "print the summary as JSON")
    .action(async (options: { from: string; dryRun?: boolean; json?: boolean }) => {
      const config = cliConfig();
      if (config.medusaDatabaseUrl !== undefined) {
        throw new CliError(
          "import copies customers into Gatehouse's own store, but MEDUSA_DATABASE_URL is set: " +
            "Gatehouse already serves Medusa's own tables, and importing into them makes no sense",
        );
      }
      if (config.databaseUrl !== undefined && options.from === config.databaseUrl) {
        throw new CliError("--from is DATABASE_URL, Gatehouse's own database: nothing to import");
      }
      const source = await openSource(options.from);
      try {
        if (source.version !== null && source.version !== config.medusaVersion) {
          throw new CliError(
            `${source.description} is Medusa v${source.version}, but MEDUSA_VERSION=` +
              `${config.medusaVersion}: import copies a Medusa v1 store into MEDUSA_VERSION=1 and ` +
              `a v2 store into MEDUSA_VERSION=2; set MEDUSA_VERSION=${source.version}`,
          );
        }
        const runtime = await openSqlRuntime(config);
        try {
          if (options.dryRun) {
            if ((await pendingMigrations(runtime.db)).length > 0) {
              throw new CliError(
                `${runtime.location} has pending migrations: run gatehouse migrate first ` +
                  "(a dry run writes nothing)",
              );
            }
          } else {
            await migrateToLatest(runtime.db);
          }
          const bar = process.stderr.isTTY
            ? new cliProgress.SingleBar(
                {
                  stream: process.stderr,
                  format:
                    `${options.dryRun ? "checking" : "importing"} ` +
                    "[{bar}] {percentage}% {value}/{total} rows, eta {eta_formatted}",
                  etaBuffer: 20,
                },
                cliProgress.Presets.shades_classic,
              )
            : null;
          let report: ImportReport;
          try {
            report = await runImport({
              source,
              runtime,
              version: config.medusaVersion,
              dryRun: options.dryRun === true,
              onStart: (total) => bar?.start(total, 0),
              onProgress: (done) => bar?.update(done),
            });
          } catch (error) {
            if (error instanceof SourceError) throw new CliError(error.message);
            throw error;
          } finally {
            bar?.stop();
          }
          if (options.json) printJson(report);
          else process.stdout.write(summary(report));
        } finally {
          await runtime.close();
        }
      } finally {
        await source.close();
      }
    });
}
