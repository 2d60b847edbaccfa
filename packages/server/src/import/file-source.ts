/**
 * Customers from a file (docs/cli.md, "import"): JSON Lines, one customer object a line, or CSV
 * with a header row (csv-parse). Both are read as a stream, line by line, so memory stays flat
 * whatever the file's size. A line that is not a customer is an item with its line number and
 * the reason; the others are imported.
 */
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { customerFromFields, type SourceItem } from "./records.js";
import type { ImportSource } from "./source.js";

function item(line: number, fields: unknown, now: number): SourceItem {
  const at = `line ${line}`;
  const customer = customerFromFields(fields, now);
  if (typeof customer !== "string") return { at, customer };
  const id = (fields as { id?: unknown } | null)?.id;
  return { at, problem: customer, ...(typeof id === "string" && { id }) };
}

async function* jsonLines(path: string, now: number): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    let fields: unknown;
    try {
      fields = JSON.parse(line);
    } catch (error) {
      yield { at: `line ${number}`, problem: `not JSON: ${(error as Error).message}` };
      continue;
    }
    yield item(number, fields, now);
  }
}

async function* csvRecords(path: string, now: number): AsyncGenerator<SourceItem> {
  const skipped: SourceItem[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      skip_empty_lines: true,
      // A malformed record (wrong number of fields, a broken quote) is reported, not fatal.
      skip_records_with_error: true,
    }),
  );
  parser.on("skip", (error: Error & { lines?: number }) => {
    skipped.push({ at: `line ${error.lines ?? "?"}`, problem: error.message });
  });
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    yield item(info.lines, record, now);
  }
  yield* skipped;
}

/** A JSON Lines (.jsonl, .ndjson) or CSV (.csv) file; null for any other name. */
export async function openFileSource(path: string): Promise<ImportSource | null> {
  const kind = /\.(jsonl|ndjson)$/i.test(path) ? "jsonl" : /\.csv$/i.test(path) ? "csv" : null;
  if (kind === null) return null;
  await access(path);
  // One "now" for customers without created_at, so that both passes read the same values.
  const now = Date.now();
  return {
    description: `${kind === "csv" ? "CSV" : "JSON Lines"} file ${path}`,
    version: null,
    async *batches(size: number) {
      let batch: SourceItem[] = [];
      for await (const next of kind === "csv" ? csvRecords(path, now) : jsonLines(path, now)) {
        batch.push(next);
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    notes: async () => [],
    close: async () => {},
  };
}
