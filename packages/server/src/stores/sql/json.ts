import type { Metadata } from "../../domain.js";
import { HttpError } from "../../errors.js";
import type { MetadataMerge } from "../types.js";

/** Metadata is stored as JSON text in both dialects. */
export const readMetadata = (text: string | null): Metadata | null =>
  text === null ? null : (JSON.parse(text) as Metadata);

export const writeMetadata = (value: Metadata | null | undefined): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

/** Merges that found the metadata changed under them, tried again before giving up. */
const MERGE_ATTEMPTS = 100;

/**
 * Writes what `merge` makes of the stored metadata, only if the stored text is still the one
 * read (`write` returns undefined otherwise, or when the row is gone); then reads and merges
 * again. Each retry means another update was written, so a merge waits only for those.
 */
export async function writeMerged<T>(
  read: () => Promise<{ metadata: string | null } | undefined>,
  merge: MetadataMerge,
  write: (metadata: string | null, expected: string | null) => Promise<T | undefined>,
): Promise<T | null> {
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const row = await read();
    if (!row) return null;
    const written = await write(writeMetadata(merge(readMetadata(row.metadata))), row.metadata);
    if (written !== undefined) return written;
  }
  throw new HttpError(409, "conflict", "The metadata is being changed by other requests; retry");
}
