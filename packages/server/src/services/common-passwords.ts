/**
 * The most common passwords, from zxcvbn-ts's maintained, frequency-ranked list (about 49,000
 * entries from real breaches). Compared case-insensitively: "Password1" is as guessable as "password1".
 */
import { dictionary } from "@zxcvbn-ts/language-common";

let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(
    (dictionary["passwords-common"] as string[]).map((entry) => entry.toLowerCase()),
  );
  return common.has(password.normalize("NFC").toLowerCase());
}
