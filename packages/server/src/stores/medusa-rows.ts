/** What Medusa v1's and v2's rows share: `timestamptz` times and `jsonb` metadata. */
import { sql } from "kysely";
import type { Metadata } from "../domain.js";

/** A time as node-postgres returns it (a Date), or as JSON built in a query returns it (text). */
export const toMs = (value: Date | string): number =>
  value instanceof Date ? value.getTime() : Date.parse(value);
export const toMsOrNull = (value: Date | string | null): number | null =>
  value === null ? null : toMs(value);
export const toDate = (ms: number): Date => new Date(ms);
export const toDateOrNull = (ms: number | null): Date | null => (ms === null ? null : toDate(ms));

/** A row whose times are read as a Date or as text. */
export type Times<T> = Omit<T, "created_at" | "updated_at" | "deleted_at"> & {
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
};

/** A row's three times as epoch ms. */
export const timesOf = (row: Pick<Times<object>, "created_at" | "updated_at" | "deleted_at">) => ({
  created_at: toMs(row.created_at),
  updated_at: toMs(row.updated_at),
  deleted_at: toMsOrNull(row.deleted_at),
});

/**
 * Metadata for a compare-and-set merge (sql/json.ts, writeMerged) on a `jsonb` column: read as
 * text, which is one text per jsonb value, so comparing texts compares values; written back cast.
 */
export const metadataText = () => sql<string | null>`metadata::text`.as("metadata");
export const asJsonb = (text: string | null) => sql<Metadata | null>`cast(${text} as jsonb)`;
export const metadataStill = (expected: string | null) =>
  expected === null ? sql<boolean>`metadata is null` : sql<boolean>`metadata::text = ${expected}`;
