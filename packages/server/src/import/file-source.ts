/**
 * Customers from a file (docs/cli.md, "import"): JSON Lines, one customer object a line, or CSV
 * with a header row (csv-parse). Both are read as a stream, line by line, so memory stays flat
 * whatever the file's size. A line that is not a customer is an item with its line number and
 * the reason; the others are imported.
 */
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { parse } from "csv-parse";
import { customerFromFields, type SourceItem } from "./records.js";
import { SourceError, type ImportSource } from "./source.js";

function item(line: number, fields: unknown, now: number): SourceItem {
  const at = `line ${line}`;
  const customer = customerFromFields(fields, now);
  if (typeof customer !== "string") return { at, customer };
  const id = (fields as { id?: unknown } | null)?.id;
  return { at, problem: customer, ...(typeof id === "string" && { id }) };
}

/**
 * Longest line or CSV record read: 1 MiB, hundreds of times a customer with many addresses, and
 * low enough that a file without line breaks (or a stray quote in a CSV) cannot fill memory.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * A file's lines (without "\n" or "\r\n"), and null for a line over MAX_RECORD_BYTES, skipped
 * without being held. (readline holds any line whole; split2's overflow skip loses line numbers.)
 */
async function* cappedLines(path: string): AsyncGenerator<string | null> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const line = () => {
    const text = tooLong ? null : Buffer.concat(parts).toString("utf8").replace(/\r$/, "");
    [parts, size, tooLong] = [[], 0, false];
    return text;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      if (size + end - start > MAX_RECORD_BYTES) tooLong = true;
      else if (!tooLong) parts.push(chunk.subarray(start, end));
      yield line();
      start = end + 1;
    }
    size += chunk.length - start;
    if (size > MAX_RECORD_BYTES) [parts, tooLong] = [[], true];
    else if (!tooLong) parts.push(chunk.subarray(start));
  }
  if (size > 0 || tooLong) yield line();
}

async function* jsonLines(path: string, now: number): AsyncGenerator<SourceItem> {
  let number = 0;
  for await (let line of cappedLines(path)) {
    number++;
    if (line === null) {
      yield { at: `line ${number}`, problem: `longer than ${MAX_RECORD_BYTES} bytes` };
      continue;
    }
    // A byte order mark some editors write.
    if (number === 1) line = line.replace(/^\uFEFF/, "");
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
  const input = createReadStream(path);
  const parser = input.pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      skip_empty_lines: true,
      // A malformed record (wrong number of fields, a broken quote) is reported, not fatal.
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
    }),
  );
  parser.on("skip", (error: Error & { lines?: number; code?: string }) => {
    // csv-parse stops reading after an over-long record, so that one ends the import.
    if (error.code === "CSV_MAX_RECORD_SIZE") {
      parser.destroy(
        new SourceError(
          `${path}: the record at line ${error.lines ?? "?"} is longer than ` +
            `${MAX_RECORD_BYTES} bytes (a stray quote?); nothing was imported`,
        ),
      );
      return;
    }
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
