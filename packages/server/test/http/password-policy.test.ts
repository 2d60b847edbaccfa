/**
 * The password policy over real HTTP (SPEC §3.3, NIST SP 800-63B, ASVS 2.1.7): registration,
 * profile change and reset completion refuse whitespace-only, repeated, sequential and common
 * passwords and ones made of the customer's email, names or the store's name (STORE_NAME), with
 * a 400 that names the reason; nothing is stored. Passphrases pass. Medusa v2 mode's registration
 * (MEDUSA_VERSION=2) refuses the same passwords with v1 mode's answer, and stores no identity.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, login, register } from "../../../../testing/http.js";
import { loggedResetToken, uniqueEmail } from "../../../../testing/server.js";

const STORE_NAME = "Harbourside Provisions";
const FIRST_NAME = "Marguerite";
const LAST_NAME = "Okonkwo";

/** Bad passwords for a customer with `email` (and the names above), and what the message says. */
const badPasswords = (email: string): Array<[string, RegExp]> => [
  ["aaaaaaaa", /^password must not be a repeated character or pattern/],
  ["abcdefgh", /^password must not be a sequence of letters, digits or keys/],
  ["12341234", /^password must not be a repeated character or pattern/],
  ["        ", /^password must not be only spaces/],
  ["Password1!", /^password is one of the most commonly used passwords with digits or symbols/],
  [email, /^password must not contain your email address$/],
  ["abcabcabc", /^password must not be a repeated character or pattern/],
  ["qwertyui", /^password is one of the most commonly used passwords/],
  ["poiuytre", /^password must not be a sequence of letters, digits or keys/],
  [`${FIRST_NAME}2024!`, /^password must not be made mostly of your name; add words of your own$/],
  [`${LAST_NAME}#${FIRST_NAME}`, /^password must not be made mostly of your name/],
  ["HarboursideProvisions1", /^password must not be made mostly of the store's name/],
];
const GOOD_PASSWORDS = ["correct horse battery", "Tr0ub4dor&3-staple", "qzvhwkcp"];

describe("password policy over HTTP", () => {
  const app = useServer({ env: { STORE_NAME } });
  const { api, db } = app;

  const storedHash = async (id: string) =>
    (
      await db.query<{ password_hash: string }>(
        "select password_hash from customer where id = $1",
        [id],
      )
    )[0]!.password_hash;
  const accounts = async (email: string) =>
    (await db.query("select id from customer where email = $1", [email])).length;

  it("registration refuses each weak password with a 400 naming the reason, and stores nothing", async () => {
    for (const [password, reason] of badPasswords("")) {
      const email = uniqueEmail("weak");
      const res = await api.post("/store/customers", {
        email,
        password: password === "" ? email : password,
        first_name: FIRST_NAME,
        last_name: LAST_NAME,
      });
      assert.equal(res.status, 400, `${password}: ${res.text}`);
      assert.equal(res.body.type, "invalid_data");
      assert.match(res.body.message, reason, password);
      assert.equal(res.headers.get("set-cookie"), null);
      assert.equal(await accounts(email), 0, password);
    }
  });

  it("registration accepts passphrases and random letters", async () => {
    for (const password of GOOD_PASSWORDS) {
      const email = uniqueEmail("good");
      const res = await api.post("/store/customers", {
        email,
        password,
        first_name: FIRST_NAME,
        last_name: LAST_NAME,
      });
      assert.equal(res.status, 200, `${password}: ${res.text}`);
      assert.equal((await login(app.url, email, password)).response.status, 200);
    }
  });

  it("a profile change checks the current and the new email and names", async () => {
    const email = uniqueEmail("profile");
    const { cookie, customer } = await register(app.url, email, STRONG_PASSWORD, {
      first_name: FIRST_NAME,
      last_name: LAST_NAME,
    });
    const hash = await storedHash(customer.id);
    const newEmail = uniqueEmail("renamed");
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      ...badPasswords(email).map(([password, reason]): [Record<string, unknown>, RegExp] => [
        { password },
        reason,
      ]),
      // The new names and email of the same request count too, and nothing of it is stored.
      [
        { first_name: "Zephyrine", password: "Zephyrine1987!" },
        /^password must not be made mostly of your name/,
      ],
      [{ email: newEmail, password: `${newEmail}!` }, /must not contain your email address/],
    ];
    for (const [body, reason] of cases) {
      const res = await api.post("/store/customers/me", body, { cookie });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.type, "invalid_data");
      assert.match(res.body.message, reason, JSON.stringify(body));
    }
    const [row] = await db.query<Record<string, unknown>>(
      "select email, first_name, password_hash from customer where id = $1",
      [customer.id],
    );
    assert.deepEqual(row, { email, first_name: FIRST_NAME, password_hash: hash });

    for (const password of GOOD_PASSWORDS) {
      const res = await api.post("/store/customers/me", { password }, { cookie });
      assert.equal(res.status, 200, `${password}: ${res.text}`);
    }
    assert.notEqual(await storedHash(customer.id), hash);
    assert.equal((await login(app.url, email, GOOD_PASSWORDS.at(-1))).response.status, 200);
  });

  it("reset completion checks the account's email and names, and keeps the token for a good password", async () => {
    const email = uniqueEmail("reset");
    const { customer } = await register(app.url, email, STRONG_PASSWORD, {
      first_name: FIRST_NAME,
      last_name: LAST_NAME,
    });
    const hash = await storedHash(customer.id);
    const token = await requestToken(email);
    for (const [password, reason] of badPasswords(email)) {
      const res = await api.post("/store/customers/password-reset", { email, token, password });
      assert.equal(res.status, 400, `${password}: ${res.text}`);
      assert.equal(res.body.type, "invalid_data");
      assert.match(res.body.message, reason, password);
    }
    assert.equal(await storedHash(customer.id), hash);

    const res = await api.post("/store/customers/password-reset", {
      email,
      token,
      password: GOOD_PASSWORDS[0],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal((await login(app.url, email, GOOD_PASSWORDS[0])).response.status, 200);
    for (const password of GOOD_PASSWORDS.slice(1)) {
      const again = await api.post("/store/customers/password-reset", {
        email,
        token: await requestToken(email),
        password,
      });
      assert.equal(again.status, 200, `${password}: ${again.text}`);
    }
  });

  describe("v2 registration (MEDUSA_VERSION=2)", () => {
    const v2 = useServer({ env: { MEDUSA_VERSION: "2", STORE_NAME } });
    const stored = async (email: string) => [
      (await v2.db.query("select id from auth_identity where email_key = $1", [email])).length,
      (await v2.db.query("select id from customer where email = $1", [email])).length,
    ];
    // v2 registers an identity (email and password) only: no names to check against.
    const v2BadPasswords = (email: string) => [
      ...badPasswords(email).filter(([, reason]) => !/your name/.test(reason.source)),
      ["short", /^password must be at least 8 characters long/] as [string, RegExp],
      ["password", /^password is one of the most commonly used passwords/] as [string, RegExp],
    ];

    it("refuses each weak password with v1 mode's 400, and stores no identity", async () => {
      for (const [password, reason] of v2BadPasswords("")) {
        const email = uniqueEmail("weak-v2");
        const typed = password === "" ? email : password;
        const res = await v2.api.post("/auth/customer/emailpass/register", {
          email,
          password: typed,
        });
        assert.equal(res.status, 400, `${typed}: ${res.text}`);
        assert.match(res.headers.get("content-type")!, /^application\/json/);
        assert.equal(res.body.type, "invalid_data");
        assert.match(res.body.message, reason, typed);
        assert.equal(res.body.token, undefined);
        assert.deepEqual(await stored(email), [0, 0], typed);
        // v1 mode's registration answers the same to the same email and password.
        const v1 = await api.post("/store/customers", { email, password: typed });
        assert.deepEqual([v1.status, v1.body], [res.status, res.body], typed);
      }
    });

    it("registers an identity with a passphrase", async () => {
      for (const password of GOOD_PASSWORDS) {
        const email = uniqueEmail("good-v2");
        const res = await v2.api.post("/auth/customer/emailpass/register", { email, password });
        assert.equal(res.status, 200, `${password}: ${res.text}`);
        assert.equal(typeof res.body.token, "string");
        assert.deepEqual(await stored(email), [1, 0], password);
      }
    });
  });

  /** Requests a reset token and returns the one the (development) server logs. */
  async function requestToken(email: string): Promise<string> {
    const from = app.server.logs.length;
    assert.equal((await api.post("/store/customers/password-token", { email })).status, 204);
    return loggedResetToken(app.server, email, from, 10_000);
  }
});
