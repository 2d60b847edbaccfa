/**
 * The policy for new passwords (password-policy.ts): length, whitespace, common passwords with
 * and without decoration, repeats, sequences and context words; passphrases pass.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { passwordProblem, type PasswordContext } from "../../src/services/password-policy.js";

const LIMITS = { minLength: 8, maxLength: 128 };
const CONTEXT: PasswordContext = {
  emails: ["jane.doe+shop@example.com"],
  names: ["Jane", "Doe-Smith"],
  storeName: "Acme Outfitters",
};
const check = (password: string, context: PasswordContext = CONTEXT) =>
  passwordProblem(password, LIMITS, context);

function refused(cases: string[], reason: RegExp, context?: PasswordContext) {
  for (const password of cases) {
    const problem = check(password, context);
    assert.ok(problem, `${JSON.stringify(password)} should be refused`);
    assert.match(problem, /^password /, password);
    assert.match(problem, reason, `${JSON.stringify(password)}: ${problem}`);
  }
}

describe("password policy", () => {
  it("accepts passphrases and random strings", () => {
    for (const password of [
      "correct horse battery",
      "correct horse battery staple",
      "Tr0ub4dor&3-staple",
      "qzvhwkcp",
      "Xq7#pLm2Vb9z",
      "gatehouse-Test-pw-7391",
      "a-New-Password-2024!",
      "a storefront passphrase 31",
      "pässwörd mit Ümläuten ✓",
      "密码是很长的一句话吧",
      "🔐🦄🌈🎉🍕🚀💡🎈",
      "пароль-очень-длинный",
      "correct horse  battery",
      "bookkeeper tea",
      "jane rides horses home",
      "Jane#Sm1th-x",
      "acme sells fine boots",
      "83749261",
      "x".repeat(3) + "q7#kp", // three repeated, five of its own
      "abcd x7#q", // a short run, five of its own
      "thirsty camel",
    ]) {
      assert.equal(check(password), undefined, password);
    }
  });

  it("checks the length in characters after NFC", () => {
    assert.equal(check("qz7#kp"), "password must be at least 8 characters long");
    assert.equal(
      check("qz7#kpW" + "x".repeat(122)),
      "password must be at most 128 characters long",
    );
    // Eight characters once composed (é as e + combining accent is one character).
    assert.equal(check("zqé7#kpw".normalize("NFD")), undefined);
    assert.equal(
      passwordProblem("qz7#kpwm", { minLength: 12, maxLength: 128 }),
      "password must be at least 12 characters long",
    );
  });

  it("refuses whitespace-only passwords", () => {
    refused([" ".repeat(8), "\t".repeat(10), " \u00a0 \u3000    ", "\n".repeat(12)], /only spaces/);
  });

  it("refuses common passwords, also with digits or symbols added", () => {
    refused(["password", "Baseball", "iloveyou", "qwertyuiop", "12345678"], /commonly used/);
    refused(
      ["Password1!", "!!Password2024", "monkey123!", "Summer2024!", "Football#1", "1dragon!!"],
      /commonly used passwords with digits or symbols added/,
    );
  });

  it("refuses a repeated character or a repeated short unit", () => {
    refused(
      [
        "aaaaaaaa",
        "AAAAaaaa",
        "12341234",
        "abcabcabc",
        "abababab!",
        "passpasspass",
        "xyzzy-xyzzy-xyzzy-",
        "Tr0ub4dor&3Tr0ub4dor&3",
        "密码密码密码密码",
        "!!!!!!!!!!",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1",
      ],
      /repeated character or pattern/,
    );
  });

  it("refuses sequences of letters, digits and keyboard rows, either way", () => {
    refused(
      [
        "abcdefgh",
        "ABCDEFGHIJ",
        "87654321",
        "zyxwvuts",
        "qwertyui",
        "asdfghjk",
        "lkjhgfdsa",
        "zxcvbnm,",
        "abc123xyz",
        "mnopqrs1",
        "1234567890-=",
        "!@#$%^&*",
      ],
      /sequence of letters, digits or keys|commonly used/,
    );
    refused(["abcd4321", "rstu6789", "poiuy123"], /sequence/);
  });

  it("refuses passwords made of repeats and sequences together", () => {
    refused(["aaaa1234", "abcdxxxx", "1111qwer"], /repeats and sequences|repeated|sequence/);
    assert.match(check("aaaabcd9")!, /repeats and sequences/);
  });

  it("refuses the email address and passwords made mostly of the customer's words", () => {
    assert.equal(
      check("JANE.DOE+shop@example.com"),
      "password must not contain your email address",
    );
    assert.equal(
      check("my jane.doe+shop@example.com!"),
      "password must not contain your email address",
    );
    refused(["jane.doe+shop", "JaneDoe2024!", "1987janedoe", "shopjane!"], /your email address/);
    refused(["DoeSmith!!", "smith-doe-1987", "Jane#Doe#Smith"], /your name/);
    refused(["AcmeOutfitters1", "outfitters!!", "acme-acme-7x"], /the store's name|repeated/);
    assert.equal(
      check("JaneDoe2024!"),
      "password must not be made mostly of your email address and your name; add words of your own",
    );
    // Without the context, the same passwords are fine.
    for (const password of ["DoeSmith!!", "AcmeOutfitters1", "smith-doe-1987"]) {
      assert.equal(check(password, {}), undefined, password);
    }
  });

  it("ignores context words of fewer than three characters and empty context", () => {
    assert.equal(check("al li bo brings tea", { names: ["Al", "Li", "Bo"] }), undefined);
    assert.equal(check("quiet otter dance", { emails: [null, ""], names: [undefined] }), undefined);
  });

  it("answers in time linear in the length", () => {
    // Inputs that would make a backtracking pattern search explode.
    for (const password of [
      "a".repeat(127) + "!",
      "ab".repeat(63) + "x",
      "abcdefgh".repeat(16),
      `${"jane".repeat(31)}doe!`,
    ]) {
      assert.ok(check(password), password);
    }
  });
});
