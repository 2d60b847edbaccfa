/**
 * The most common passwords, from zxcvbn-ts's maintained, frequency-ranked list (about 49,000
 * entries from real breaches). Compared case-insensitively: "Password1" is as guessable as "password1".
 *
 * Only registrations and password changes ask, so the list is loaded at the first question, not
 * at start, and kept compact: one sorted string of the lower-cased entries and their offsets
 * (about 0.6 MB), searched by bisection, instead of a Set of 49,000 strings beside the package's
 * own array (about 4 MB of heap, 15 MB of RSS). The package's module is dropped from the require
 * cache once read, so its array can be collected.
 */
import { createRequire } from "node:module";

const LIST = "@zxcvbn-ts/language-common/dist/passwords.json.cjs";

interface SortedList {
  text: string;
  /** starts[i] is where entry i begins in `text`; starts[length] is one past the end. */
  starts: Uint32Array;
}

let list: SortedList | undefined;

function load(): SortedList {
  const require = createRequire(import.meta.url);
  const path = require.resolve(LIST);
  const entries = [
    ...new Set((require(path) as string[]).map((entry) => entry.normalize("NFC").toLowerCase())),
  ].sort();
  delete require.cache[path];
  const starts = new Uint32Array(entries.length + 1);
  let offset = 0;
  entries.forEach((entry, i) => {
    starts[i] = offset;
    offset += entry.length + 1;
  });
  starts[entries.length] = offset;
  return { text: entries.join("\n"), starts };
}

export function isCommonPassword(password: string): boolean {
  list ??= load();
  const wanted = password.normalize("NFC").toLowerCase();
  const { text, starts } = list;
  let low = 0;
  let high = starts.length - 2;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const entry = text.slice(starts[middle]!, starts[middle + 1]! - 1);
    if (entry === wanted) return true;
    if (entry < wanted) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
