import type { Metadata } from "../../domain.js";

/** Metadata is stored as JSON text in both dialects. */
export const readMetadata = (text: string | null): Metadata | null =>
  text === null ? null : (JSON.parse(text) as Metadata);

export const writeMetadata = (value: Metadata | null | undefined): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
