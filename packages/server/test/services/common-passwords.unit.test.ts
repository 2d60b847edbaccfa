/**
 * The common-password check against zxcvbn-ts's own list: every entry is found, in any case, and
 * nothing else is.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dictionary } from "@zxcvbn-ts/language-common";
import { isCommonPassword } from "../../src/services/common-passwords.js";

const entries = dictionary["passwords-common"] as string[];

describe("common passwords", () => {
  it("finds every entry of the list, also upper-cased", () => {
    assert.ok(entries.length > 40_000);
    const missing = entries.filter((entry) => !isCommonPassword(entry));
    assert.deepEqual(missing, []);
    assert.ok(isCommonPassword("PASSWORD"));
    assert.ok(isCommonPassword("Qwerty123"));
  });

  it("finds nothing that is not in the list", () => {
    const listed = new Set(entries.map((entry) => entry.toLowerCase()));
    for (const candidate of [
      "",
      "correct horse battery staple",
      "gatehouse-Test-pw-7391",
      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
      "\u0000",
      "passwor",
      "password\n123456",
      ...entries.slice(0, 500).map((entry) => `${entry}~`),
    ]) {
      assert.equal(isCommonPassword(candidate), listed.has(candidate.toLowerCase()), candidate);
    }
  });
});
