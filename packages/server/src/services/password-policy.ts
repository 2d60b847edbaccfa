/**
 * The policy for new passwords (NIST SP 800-63B 5.1.1.2, ASVS 2.1): a length, no composition
 * rules, and a refusal of what an attacker tries first: common passwords (also with digits or
 * symbols added), repeats, sequences, and the customer's own email, name or the store's name.
 * Every check is a pass or two over at most 128 characters: no regular expression backtracks.
 */
import { isCommonPassword } from "./common-passwords.js";

/** A password must keep this many characters that no pattern or context word explains. */
const MIN_OWN_CHARACTERS = 4;
/** The longest unit looked for among repeats inside a password (`abcabc`, `12341234`). */
const MAX_REPEATED_UNIT = 8;
/** A base word shorter than this is not looked up on the common list once decoration is trimmed. */
const MIN_BASE_WORD = 4;
/** Context words shorter than this (`Al`, `Li`) are not looked for. */
const MIN_CONTEXT_WORD = 3;

/** Ascending runs (descending ones are read backwards): the alphabet, digits and keyboard rows. */
const SEQUENCES = [
  "abcdefghijklmnopqrstuvwxyz",
  "0123456789",
  "1234567890",
  "qwertyuiop[]",
  "asdfghjkl;'",
  "zxcvbnm,./",
  "!@#$%^&*()",
].map((alphabet) => new Map([...alphabet].map((char, index) => [char, index])));

export interface PasswordLimits {
  minLength: number;
  maxLength: number;
}

/** What the password must not be made of. Missing or empty values are ignored. */
export interface PasswordContext {
  emails?: ReadonlyArray<string | null | undefined>;
  names?: ReadonlyArray<string | null | undefined>;
  storeName?: string | undefined;
}

const ADVICE = "choose a longer passphrase of unrelated words";

/**
 * The class-validator-style message for the first problem of a new password, or undefined when
 * it is acceptable.
 */
export function passwordProblem(
  password: string,
  limits: PasswordLimits,
  context: PasswordContext = {},
  field = "password",
): string | undefined {
  const normalized = password.normalize("NFC");
  const chars = [...normalized.toLowerCase()];
  if ([...normalized].length < limits.minLength) {
    return `${field} must be at least ${limits.minLength} characters long`;
  }
  if ([...normalized].length > limits.maxLength) {
    return `${field} must be at most ${limits.maxLength} characters long`;
  }
  if (normalized.trim() === "") {
    return `${field} must not be only spaces; choose a passphrase of several words`;
  }
  const folded = chars.join("");
  const emails = present(context.emails).map((email) => email.normalize("NFC").toLowerCase());
  if (emails.some((email) => folded.includes(email))) {
    return `${field} must not contain your email address`;
  }
  if (isCommonPassword(folded)) {
    return `${field} is one of the most commonly used passwords; choose a less common one`;
  }
  const [start, end] = undecorated(chars);
  const base = chars.slice(start, end);
  if (
    base.length >= MIN_BASE_WORD &&
    end - start < chars.length &&
    isCommonPassword(base.join(""))
  ) {
    return `${field} is one of the most commonly used passwords with digits or symbols added; choose a less common one`;
  }

  const repeated = new Uint8Array(chars.length);
  markRepeats(chars, repeated);
  if (isPeriodic(chars)) repeated.fill(1);
  else if (isPeriodic(base)) repeated.fill(1, start, end);
  const sequential = new Uint8Array(chars.length);
  markSequences(chars, sequential);
  if (uncovered(repeated) < MIN_OWN_CHARACTERS) {
    return `${field} must not be a repeated character or pattern (such as aaaa or abcabc); ${ADVICE}`;
  }
  if (uncovered(sequential) < MIN_OWN_CHARACTERS) {
    return `${field} must not be a sequence of letters, digits or keys (such as abcd, 4321 or qwerty); ${ADVICE}`;
  }
  if (uncovered(repeated, sequential) < MIN_OWN_CHARACTERS) {
    return `${field} must not be made of repeats and sequences (such as aaaa, abcd or qwerty); ${ADVICE}`;
  }

  const found = contextFound(base.join(""), context, emails);
  if (found.size > 0) {
    return `${field} must not be made mostly of ${[...found].join(" and ")}; add words of your own`;
  }
  return undefined;
}

const present = (values: ReadonlyArray<string | null | undefined> | undefined): string[] =>
  (values ?? []).filter((value): value is string => typeof value === "string" && value !== "");

/** `[start, end)` of the password without the digits and symbols at its ends. */
function undecorated(chars: string[]): [number, number] {
  let start = 0;
  let end = chars.length;
  while (start < end && !isLetter(chars[start]!)) start++;
  while (end > start && !isLetter(chars[end - 1]!)) end--;
  return [start, end];
}

const LETTER = /\p{L}/u;
const isLetter = (char: string) => LETTER.test(char);

/** Marks every stretch that repeats a unit of up to 8 characters (`aaa`, `abab`, `xyzxyz`). */
function markRepeats(chars: string[], marks: Uint8Array): void {
  const n = chars.length;
  for (let unit = 1; unit <= Math.min(MAX_REPEATED_UNIT, n >> 1); unit++) {
    let start = unit; // first character of the current run that equals the one a unit earlier
    for (let i = unit; i <= n; i++) {
      if (i < n && chars[i] === chars[i - unit]) continue;
      // A single character needs three in a row; a longer unit needs two whole copies.
      if (i - start >= Math.max(unit, 2)) marks.fill(1, start - unit, i);
      start = i + 1;
    }
  }
}

/** Whether the characters are one unit of any length repeated (the last copy may be cut short). */
function isPeriodic(chars: string[]): boolean {
  const n = chars.length;
  if (n < 2) return false;
  // Knuth–Morris–Pratt's prefix function: border[i] is the longest proper prefix of
  // chars[0..i] that is also its suffix; n - border[n - 1] is the shortest period.
  const border = new Uint16Array(n);
  for (let i = 1; i < n; i++) {
    let k = border[i - 1]!;
    while (k > 0 && chars[i] !== chars[k]) k = border[k - 1]!;
    if (chars[i] === chars[k]) k++;
    border[i] = k;
  }
  return (n - border[n - 1]!) * 2 <= n;
}

/** Marks every run of three or more consecutive letters, digits or keys, either way. */
function markSequences(chars: string[], marks: Uint8Array): void {
  for (const alphabet of SEQUENCES) {
    let start = 0;
    let direction = 0;
    for (let i = 1; i <= chars.length; i++) {
      const step = i < chars.length ? stepBetween(alphabet, chars[i - 1]!, chars[i]!) : 0;
      if (step !== 0 && step === direction) continue;
      if (direction !== 0 && i - start >= 3) marks.fill(1, start, i);
      start = i - 1;
      direction = step;
    }
  }
}

function stepBetween(alphabet: Map<string, number>, from: string, to: string): number {
  const a = alphabet.get(from);
  const b = alphabet.get(to);
  return a !== undefined && b !== undefined && Math.abs(b - a) === 1 ? b - a : 0;
}

function uncovered(first: Uint8Array, second?: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < first.length; i++) if (!first[i] && !second?.[i]) count++;
  return count;
}

/**
 * Removes the context words from the password's base (lower-cased, digits and symbols at the
 * ends trimmed) and, when fewer than MIN_OWN_CHARACTERS remain, names the kinds of words found.
 */
function contextFound(base: string, context: PasswordContext, emails: string[]): Set<string> {
  const words: Array<[string, string]> = [];
  const add = (kind: string, value: string) => {
    const folded = value.normalize("NFC").toLowerCase();
    for (const word of [folded, ...folded.split(/[^\p{L}\p{N}]+/u)]) {
      if ([...word].length >= MIN_CONTEXT_WORD) words.push([word, kind]);
    }
  };
  for (const email of emails) {
    const at = email.lastIndexOf("@");
    add("your email address", at > 0 ? email.slice(0, at) : email);
  }
  for (const name of present(context.names)) add("your name", name);
  if (context.storeName) add("the store's name", context.storeName);
  words.sort(([a], [b]) => b.length - a.length);

  let rest = base;
  const found = new Set<string>();
  for (const [word, kind] of words) {
    if (!base.includes(word)) continue;
    found.add(kind);
    // Each pass removes at least MIN_CONTEXT_WORD characters.
    while (rest.includes(word)) rest = rest.split(word).join("");
  }
  return [...rest].length < MIN_OWN_CHARACTERS ? found : new Set();
}
