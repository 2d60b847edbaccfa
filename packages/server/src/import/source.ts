/** Where `gatehouse import` reads customers from: a Medusa database or a file. */
import type { MedusaVersion } from "../config.js";
import type { SourceItem } from "./records.js";

export interface ImportSource {
  /** What it is, for the summary (a database's password masked). */
  description: string;
  /** The Medusa version of a database; null for a file, which suits either. */
  version: MedusaVersion | null;
  /**
   * Every item in a stable order, `size` at a time; may be read more than once. Without
   * `addresses`, customers may come without their addresses (the first pass needs only emails).
   */
  batches(size: number, addresses: boolean): AsyncIterable<SourceItem[]>;
  /** What the source leaves out by design, one line each (e.g. deleted customers). */
  notes(): Promise<string[]>;
  close(): Promise<void>;
}

/** A source that cannot be read (any more): one line for the operator. */
export class SourceError extends Error {}
