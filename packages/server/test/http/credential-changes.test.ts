/**
 * Credential changes over real HTTP: no session outlives a password change or reset that raced
 * its login; password and email changes need proof; reset completion and email changes are not
 * enumeration oracles and are throttled; reset requests answer before their work. In Medusa v2
 * mode (MEDUSA_VERSION=2): a password change at the update route ends every other session of the
 * customer, and update-route calls, reset requests and reset emails are limited.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { useServer, withServer } from "../../../../testing/fixture.js";
import { queryTestDb } from "../../../../testing/db.js";
import {
  STRONG_PASSWORD,
  client,
  getToken,
  login,
  register,
  registerV2,
  sessionCookie,
  type ApiResponse,
} from "../../../../testing/http.js";
import { storedSessions } from "../../../../testing/sessions.js";
import { assertRateLimited, eventually } from "../../../../testing/expect.js";
import { storedThrottles } from "../../../../testing/throttle.js";
import {
  INVALID_CREDENTIALS,
  INVALID_TOKEN as V2_INVALID_TOKEN,
  UNAUTHORIZED,
  assertJson,
  gatehouseTarget,
  raw,
  signedInThrice,
} from "../../../../testing/v2-storefront.js";
import {
  loggedResetToken,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";
import { ConfigError, loadConfig } from "../../src/config.js";

const NEW_PASSWORD = "a brand new passphrase";
const INVALID_TOKEN = { type: "unauthorized", message: "Invalid or expired password reset token" };
/** Shaped like a real token (43 base64url characters), but never issued. */
const BOGUS_TOKEN = "A".repeat(43);

async function requestResetToken(server: TestServer, email: string): Promise<string> {
  const from = server.logs.length;
  const res = await client(server.url).post("/store/customers/password-token", { email });
  assert.equal(res.status, 204);
  return loggedResetToken(server, email, from);
}

const statusCounts = (responses: ApiResponse[]) => {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
};

/**
 * Logs in with `password` in `loops` concurrent loops (cookie and token alternately) while
 * `change` runs, which starts once `before` logins have succeeded. Each loop stops at its first
 * refused login after the change. Returns every cookie and token obtained, and the attempts.
 * Four loops: an account takes at most 5 login attempts at once (the login limits).
 */
async function loginLoopsAround(
  loginUrl: string,
  email: string,
  password: string,
  change: () => Promise<void>,
  { loops = 4, before = 50 } = {},
): Promise<{ cookies: string[]; tokens: string[]; attempts: number }> {
  const api = client(loginUrl);
  const cookies: string[] = [];
  const tokens: string[] = [];
  let attempts = 0;
  let changing = false;
  let changed = false;
  let startChange!: () => void;
  const changeMayStart = new Promise<void>((resolve) => (startChange = resolve));
  const loop = async (bearer: boolean) => {
    for (;;) {
      const changedBefore = changed;
      attempts++;
      const res = await api.post(bearer ? "/store/auth/token" : "/store/auth", {
        email,
        password,
      });
      if (res.status === 200) {
        if (bearer) tokens.push(res.body.access_token as string);
        else cookies.push(sessionCookie(res)!);
        if (cookies.length + tokens.length >= before) startChange();
      } else {
        assert.ok([401, 429].includes(res.status), `${res.status} ${res.text}`);
        // A refusal before the change would mean the loop proves nothing.
        assert.ok(changing, `login refused before the change: ${res.status} ${res.text}`);
        if (changedBefore) return;
      }
    }
  };
  const changer = (async () => {
    await changeMayStart;
    changing = true;
    await change();
    changed = true;
  })();
  await Promise.all([changer, ...Array.from({ length: loops }, (_, i) => loop(i % 2 === 1))]);
  return { cookies, tokens, attempts };
}

/** Every cookie and token is refused now (401). */
async function assertAllRefused(url: string, cookies: string[], tokens: string[]) {
  const api = client(url);
  const statuses = await Promise.all([
    ...cookies.map((cookie) => api.get("/store/auth", { cookie }).then((res) => res.status)),
    ...tokens.map((token) => api.get("/store/auth", { token }).then((res) => res.status)),
  ]);
  const surviving = statuses.filter((status) => status !== 401).length;
  assert.equal(surviving, 0, `${surviving} of ${statuses.length} sessions survived the change`);
}

describe("credential changes", () => {
  const app = useServer();
  const { api } = app;

  describe("logins in flight during a password change or reset", () => {
    it("a password change leaves no session or token of a login with the old password", async () => {
      const email = uniqueEmail("race-change");
      const owner = await register(app.url, email);
      const { cookies, tokens, attempts } = await loginLoopsAround(
        app.url,
        email,
        STRONG_PASSWORD,
        async () => {
          const res = await api.post(
            "/store/customers/me",
            { password: NEW_PASSWORD },
            { cookie: owner.cookie },
          );
          assert.equal(res.status, 200, res.text);
        },
      );
      assert.ok(attempts >= 50, `${attempts} logins`);
      assert.ok(cookies.length > 0 && tokens.length > 0);
      await assertAllRefused(app.url, cookies, tokens);
      // Only the session that made the change is stored, and it still works.
      const stored = await storedSessions(app.server, owner.customer.id);
      assert.equal(stored.length, 1);
      assert.equal((await api.get("/store/auth", { cookie: owner.cookie })).status, 200);
    });

    it("a password reset leaves no session or token of a login with the old password", async () => {
      const email = uniqueEmail("race-reset");
      const { customer } = await register(app.url, email);
      const resetToken = await requestResetToken(app.server, email);
      const { cookies, tokens, attempts } = await loginLoopsAround(
        app.url,
        email,
        STRONG_PASSWORD,
        async () => {
          const res = await api.post("/store/customers/password-reset", {
            email,
            token: resetToken,
            password: NEW_PASSWORD,
          });
          assert.equal(res.status, 200, res.text);
        },
      );
      assert.ok(attempts >= 50, `${attempts} logins`);
      await assertAllRefused(app.url, cookies, tokens);
      assert.equal((await storedSessions(app.server, customer.id)).length, 0);
    });

    it("holds across instances: logins on A, the change on B", async () => {
      const b = await startServer({ shareWith: app.server });
      try {
        const email = uniqueEmail("race-instances");
        const owner = await register(b.url, email);
        const { cookies, tokens } = await loginLoopsAround(
          app.url,
          email,
          STRONG_PASSWORD,
          async () => {
            const res = await client(b.url).post(
              "/store/customers/me",
              { password: NEW_PASSWORD },
              { cookie: owner.cookie },
            );
            assert.equal(res.status, 200, res.text);
          },
        );
        await assertAllRefused(app.url, cookies, tokens);
        await assertAllRefused(b.url, cookies, tokens);
        assert.equal((await storedSessions(app.server, owner.customer.id)).length, 1);
      } finally {
        await b.stop();
      }
    });
  });

  describe("password-reset completion", () => {
    it("answers the same for a registered and an unknown email, whatever the password", async () => {
      const registered = uniqueEmail("reset-known");
      await register(app.url, registered, undefined, {
        first_name: "Wilhelmina",
        last_name: "Featherstonehaugh",
      });
      const unknown = uniqueEmail("reset-unknown");
      const cases = [
        { password: "x", status: 400 },
        { password: "password", status: 400 },
        { password: NEW_PASSWORD, status: 401 },
        // Made of the registered customer's names: only a token holder may learn that.
        { password: "WilhelminaFeatherstonehaugh", status: 401 },
      ];
      for (const { password, status } of cases) {
        for (const token of [BOGUS_TOKEN, "bogus"]) {
          const answers = [];
          for (const email of [registered, unknown, registered.toUpperCase()]) {
            const res = await api.post("/store/customers/password-reset", {
              email,
              token,
              password,
            });
            answers.push({ status: res.status, body: res.body as unknown });
          }
          assert.equal(answers[0]!.status, status, `${password}: ${JSON.stringify(answers[0])}`);
          assert.deepEqual(answers[1], answers[0], `${password}, ${token}`);
          assert.deepEqual(answers[2], answers[0], `${password}, ${token}`);
        }
      }
      const res = await api.post("/store/customers/password-reset", {
        email: unknown,
        token: BOGUS_TOKEN,
        password: NEW_PASSWORD,
      });
      assert.deepEqual(res.body, INVALID_TOKEN);
      // The registered customer's password is untouched.
      await login(app.url, registered);
    });

    it("a weak password is refused without spending a valid token", async () => {
      const email = uniqueEmail("reset-weak");
      await register(app.url, email);
      const token = await requestResetToken(app.server, email);
      const weak = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: "password",
      });
      assert.equal(weak.status, 400);
      const reset = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: NEW_PASSWORD,
      });
      assert.equal(reset.status, 200, reset.text);
    });

    it("is limited per client IP: a burst of 50 gets exactly RATE_LIMIT_PASSWORD_RESET answers", async () => {
      await withServer({ RATE_LIMIT_PASSWORD_RESET: "10/15m" }, async (limited) => {
        const email = uniqueEmail("reset-burst");
        await register(limited.url, email);
        const responses = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            client(limited.url).post("/store/customers/password-reset", {
              email: i % 2 === 0 ? email : uniqueEmail(),
              token: BOGUS_TOKEN,
              password: NEW_PASSWORD,
            }),
          ),
        );
        assert.deepEqual(statusCounts(responses), { 401: 10, 429: 40 });
        const refused = responses.find((res) => res.status === 429)!;
        assert.equal(refused.body.code, "rate_limited");
        assert.equal(refused.body.type, "not_allowed");
        assert.ok(Number(refused.headers.get("retry-after")) > 0);
      });
    });
  });

  describe("proof for password and email changes", () => {
    const stale = useServer({ env: { FRESH_SESSION_AGE: "2s" } });
    const staleApi = stale.api;
    const FRESH = 2000;

    /** A registered customer with a cookie session and a token, both older than FRESH_SESSION_AGE. */
    async function staleCustomer() {
      const email = uniqueEmail("proof");
      const { cookie, customer } = await register(stale.url, email);
      const token = await getToken(stale.url, email);
      await sleep(FRESH + 500);
      return { email, cookie, token, customer };
    }

    const storedHash = async (customerId: string) =>
      (
        await stale.db.query<{ password_hash: string }>(
          "select password_hash from customer where id = $1",
          [customerId],
        )
      )[0]!.password_hash;

    it("a stale session needs old_password for a new password or email (403), not for other fields", async () => {
      const { email, cookie, token, customer } = await staleCustomer();
      const hash = await storedHash(customer.id);
      for (const auth of [{ cookie }, { token }]) {
        for (const body of [{ password: NEW_PASSWORD }, { email: uniqueEmail("new") }]) {
          const res = await staleApi.post("/store/customers/me", body, auth);
          assert.equal(res.status, 403, res.text);
          assert.equal(res.body.type, "not_allowed");
          assert.match(res.body.message, /old_password/);
          assert.match(res.body.message, /log in again/);
        }
      }
      // Names, phone, metadata and the unchanged email need only a session.
      const profile = await staleApi.post(
        "/store/customers/me",
        { first_name: "Ada", phone: "123", metadata: { a: 1 }, email: email.toUpperCase() },
        { cookie },
      );
      assert.equal(profile.status, 200, profile.text);
      assert.equal(profile.body.customer.first_name, "Ada");
      assert.equal(profile.body.customer.email, email);
      assert.equal(await storedHash(customer.id), hash, "the password is unchanged");
    });

    it("with the right old_password: 200, on a cookie session and on a bearer token", async () => {
      const { email, cookie, token } = await staleCustomer();
      const newEmail = uniqueEmail("proven");
      const byToken = await staleApi.post(
        "/store/customers/me",
        { email: newEmail, old_password: STRONG_PASSWORD },
        { token },
      );
      assert.equal(byToken.status, 200, byToken.text);
      assert.equal(byToken.body.customer.email, newEmail);
      const byCookie = await staleApi.post(
        "/store/customers/me",
        { password: NEW_PASSWORD, old_password: STRONG_PASSWORD },
        { cookie },
      );
      assert.equal(byCookie.status, 200, byCookie.text);
      assert.equal((await staleApi.get("/store/auth", { cookie })).status, 200);
      assert.equal((await staleApi.get("/store/auth", { token })).status, 401);
      await login(stale.url, newEmail, NEW_PASSWORD);
      assert.equal(
        (await staleApi.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        401,
      );
    });

    it("a wrong old_password is 401 and changes nothing; old_password alone is 400", async () => {
      const { email, cookie, token, customer } = await staleCustomer();
      const hash = await storedHash(customer.id);
      for (const auth of [{ cookie }, { token }]) {
        const res = await staleApi.post(
          "/store/customers/me",
          { password: NEW_PASSWORD, old_password: "not the password" },
          auth,
        );
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { type: "unauthorized", message: "old_password is incorrect" });
      }
      const emailRes = await staleApi.post(
        "/store/customers/me",
        { email: uniqueEmail(), old_password: "not the password" },
        { cookie },
      );
      assert.equal(emailRes.status, 401);
      const alone = await staleApi.post(
        "/store/customers/me",
        { first_name: "X", old_password: STRONG_PASSWORD },
        { cookie },
      );
      assert.equal(alone.status, 400);
      assert.equal(alone.body.message, "old_password is only accepted with password or email");
      assert.equal(await storedHash(customer.id), hash);
      const me = await staleApi.get("/store/customers/me", { cookie });
      assert.equal(me.body.customer.email, email);
      assert.equal(me.body.customer.first_name, null);
    });

    it("a fresh session (login or registration moments ago) needs no old_password", async () => {
      const { email } = await staleCustomer();
      const { cookie } = await login(stale.url, email);
      const token = await getToken(stale.url, email);
      const byToken = await staleApi.post(
        "/store/customers/me",
        { email: uniqueEmail("fresh") },
        { token },
      );
      assert.equal(byToken.status, 200, byToken.text);
      const byCookie = await staleApi.post(
        "/store/customers/me",
        { password: NEW_PASSWORD },
        { cookie },
      );
      assert.equal(byCookie.status, 200, byCookie.text);
      const fresh = await register(stale.url, uniqueEmail("fresh-registration"));
      const res = await staleApi.post(
        "/store/customers/me",
        { password: NEW_PASSWORD },
        { cookie: fresh.cookie },
      );
      assert.equal(res.status, 200, res.text);
    });

    it("wrong old_passwords count as failed logins of the account", async () => {
      await withServer({ RATE_LIMIT_LOGIN_IP_ACCOUNT: "3/15m" }, async (limited) => {
        const email = uniqueEmail("guessing");
        const { cookie } = await register(limited.url, email);
        const limitedApi = client(limited.url);
        const guess = (old_password: string) =>
          limitedApi.post(
            "/store/customers/me",
            { password: NEW_PASSWORD, old_password },
            {
              cookie,
            },
          );
        for (let i = 0; i < 3; i++) assert.equal((await guess(`wrong guess ${i}`)).status, 401);
        const throttled = await guess(STRONG_PASSWORD);
        assert.equal(throttled.status, 429);
        assert.equal(throttled.body.code, "rate_limited");
        assert.equal(
          (await limitedApi.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
          429,
        );
      });
    });
  });

  describe("email changes", () => {
    it("are limited per customer: a burst of 50 gets exactly RATE_LIMIT_EMAIL_CHANGE answers", async () => {
      await withServer({ RATE_LIMIT_EMAIL_CHANGE: "5/1h" }, async (limited) => {
        const taken = uniqueEmail("taken");
        await register(limited.url, taken);
        const { cookie, customer } = await register(limited.url, uniqueEmail("changer"));
        const limitedApi = client(limited.url);
        const addresses = Array.from({ length: 50 }, (_, i) =>
          i % 10 === 0 ? taken : uniqueEmail(`burst${i}`),
        );
        const responses = await Promise.all(
          addresses.map((email) => limitedApi.post("/store/customers/me", { email }, { cookie })),
        );
        const counts = statusCounts(responses);
        assert.equal((counts[200] ?? 0) + (counts[422] ?? 0), 5, JSON.stringify(counts));
        assert.equal(counts[429], 45, JSON.stringify(counts));
        const refused = responses.find((res) => res.status === 429)!;
        assert.equal(refused.body.code, "rate_limited");
        assert.match(refused.body.message, /email changes/);
        // The limit is on email changes only: other fields still update.
        const names = await limitedApi.post("/store/customers/me", { first_name: "N" }, { cookie });
        assert.equal(names.status, 200);
        const [row] = await queryTestDb<{ email: string }>(
          limited,
          "select email from customer where id = $1",
          [customer.id],
        );
        const changed = responses
          .map((res, i) => (res.status === 200 ? addresses[i] : undefined))
          .filter(Boolean);
        assert.ok(changed.includes(row!.email), "the stored email is one of the accepted ones");
      });
    });
  });

  describe("password-reset requests", () => {
    it("answer 204 before the lookup and the insert; a failure there is logged, not answered", async () => {
      const email = uniqueEmail("reset-fails");
      await register(app.url, email);
      const dialect = app.server.env.DATABASE_URL ? "postgres" : "sqlite";
      const failing =
        dialect === "postgres"
          ? [
              "create function refuse_reset() returns trigger language plpgsql as $$ begin raise exception 'no resets'; end $$",
              "create trigger refuse_reset before insert on password_reset for each row execute function refuse_reset()",
            ]
          : [
              "create trigger refuse_reset before insert on password_reset begin select raise(abort, 'no resets'); end",
            ];
      for (const statement of failing) await app.db.query(statement);
      const from = app.server.logs.length;
      try {
        const res = await api.post("/store/customers/password-token", { email });
        assert.equal(res.status, 204, res.text);
        const deadline = Date.now() + 5000;
        while (
          !app.server.logs.slice(from).some((line) => line.msg === "password reset request failed")
        ) {
          assert.ok(Date.now() < deadline, "the failure was logged");
          await sleep(20);
        }
      } finally {
        await app.db.query(
          "drop trigger refuse_reset" + (dialect === "postgres" ? " on password_reset" : ""),
        );
        if (dialect === "postgres") await app.db.query("drop function refuse_reset()");
      }
      // The server carries on; the next request delivers a usable token.
      const token = await requestResetToken(app.server, email);
      const reset = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: NEW_PASSWORD,
      });
      assert.equal(reset.status, 200, reset.text);
      assert.ok(!app.server.logs.some((line) => Number(line.level) >= 60), "nothing fatal");
    });
  });

  describe("settings", () => {
    it("defaults: FRESH_SESSION_AGE 10m, RATE_LIMIT_PASSWORD_RESET 10/15m, RATE_LIMIT_EMAIL_CHANGE 5/1h", () => {
      const config = loadConfig({});
      assert.equal(config.session.freshAgeMs, 10 * 60_000);
      assert.deepEqual(config.rateLimits.passwordReset, { limit: 10, windowMs: 15 * 60_000 });
      assert.deepEqual(config.rateLimits.emailChange, { limit: 5, windowMs: 3600_000 });
    });

    it("refuses invalid values, naming the variable and what it accepts", () => {
      assert.throws(
        () =>
          loadConfig({
            FRESH_SESSION_AGE: "soon",
            RATE_LIMIT_PASSWORD_RESET: "ten",
            RATE_LIMIT_EMAIL_CHANGE: "0/1h",
          }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.problems.length, 3);
          assert.match(error.problems[0]!, /^FRESH_SESSION_AGE="soon": expected a duration/);
          assert.match(
            error.problems[1]!,
            /^RATE_LIMIT_PASSWORD_RESET="ten": expected COUNT\/DURATION/,
          );
          assert.match(
            error.problems[2]!,
            /^RATE_LIMIT_EMAIL_CHANGE="0\/1h": expected COUNT\/DURATION/,
          );
          return true;
        },
      );
    });
  });
});

describe("credential changes in v2 mode (MEDUSA_VERSION=2)", () => {
  const KEY = "pk_credential_changes";
  const store = { "x-publishable-api-key": KEY };
  const v2 = useServer({ env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY } });
  const target = () => gatehouseTarget(v2.server, { publishableKey: KEY, commerce: false });
  const NEW_V2_PASSWORD = "A-brand-new-9-passphrase";
  const TOO_MANY_REQUESTS = /^Too many requests from this address; try again later/;

  /** A server of the test's own in v2 mode, with `env`. */
  const withV2Server = (env: Record<string, string>, use: (server: TestServer) => Promise<void>) =>
    withServer({ MEDUSA_VERSION: "2", ...env }, use);

  for (const caller of ["a", "c"] as const) {
    it(`a change at the update route with ${caller === "a" ? "a login token" : "the session cookie"} and old_password ends the customer's other sessions; the caller's stays`, async () => {
      const { account, a, b, c } = await signedInThrice(target());
      const credentials = { a: { token: a }, b: { token: b }, c: { cookie: c } };
      const me = (name: keyof typeof credentials) =>
        raw(target(), "GET", "/store/customers/me", credentials[name]);
      for (const name of ["a", "b", "c"] as const) assert.equal((await me(name)).status, 200);
      assert.equal(await v2.sessionCount(account.customer.id), 3);

      const changed = await raw(target(), "POST", "/auth/customer/emailpass/update", {
        pk: false,
        ...credentials[caller],
        body: { password: NEW_V2_PASSWORD, old_password: account.password },
      });
      assertJson(changed, 200, { success: true });
      for (const name of ["a", "b", "c"] as const) {
        if (name === caller) {
          const mine = await me(name);
          assert.equal(mine.status, 200, mine.text);
          assert.equal(mine.body.customer.id, account.customer.id);
        } else {
          assertJson(await me(name), 401, UNAUTHORIZED);
        }
      }
      assert.equal(await v2.sessionCount(account.customer.id), 1, "only the caller's is stored");

      const login = (password: string) =>
        raw(target(), "POST", "/auth/customer/emailpass", {
          pk: false,
          body: { email: account.email, password },
        });
      assert.equal((await login(NEW_V2_PASSWORD)).status, 200);
      assertJson(await login(account.password), 401, INVALID_CREDENTIALS);
    });
  }

  it("update-route calls are limited per address whatever their outcome: a burst of 50 gets exactly RATE_LIMIT_PASSWORD_RESET answers", async () => {
    await withV2Server(
      { TRUST_PROXY: "true", RATE_LIMIT_PASSWORD_RESET: "10/15m" },
      async (limited) => {
        const limitedApi = client(limited.url);
        const email = uniqueEmail("v2-update-burst");
        await registerV2(limitedApi, email, store);
        const from = limited.logs.length;
        const asked = await limitedApi.post("/auth/customer/emailpass/reset-password", {
          identifier: email,
        });
        assert.equal(asked.status, 201, asked.text);
        const resetToken = await loggedResetToken(limited, email, from);
        const update = (token: string, ip: string) =>
          limitedApi.post(
            "/auth/customer/emailpass/update",
            { password: NEW_V2_PASSWORD },
            { token, headers: { "x-forwarded-for": ip } },
          );
        const responses = await Promise.all(
          Array.from({ length: 50 }, () => update(BOGUS_TOKEN, "198.51.100.70")),
        );
        assert.deepEqual(statusCounts(responses), { 401: 10, 429: 40 });
        for (const res of responses) {
          if (res.status === 401) assert.deepEqual(res.body, V2_INVALID_TOKEN);
          else assertRateLimited(res, TOO_MANY_REQUESTS);
        }
        // The address's budget is spent, even for a real token; which a 429 does not use up.
        assertRateLimited(await update(resetToken, "198.51.100.70"), TOO_MANY_REQUESTS);
        assertJson(await update(resetToken, "198.51.100.71"), 200, { success: true });
        const login = await limitedApi.post("/auth/customer/emailpass", {
          email,
          password: NEW_V2_PASSWORD,
        });
        assert.equal(login.status, 200, login.text);
      },
    );
  });

  it("reset requests are limited per address: a burst of 50 gets exactly RATE_LIMIT_PASSWORD_TOKEN answers", async () => {
    await withV2Server({ RATE_LIMIT_PASSWORD_TOKEN: "10/15m" }, async (limited) => {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          client(limited.url).post("/auth/customer/emailpass/reset-password", {
            identifier: uniqueEmail("v2-reset-burst"),
          }),
        ),
      );
      assert.deepEqual(statusCounts(responses), { 201: 10, 429: 40 });
      for (const res of responses) {
        if (res.status === 201) assert.equal(res.text, "Created");
        else assertRateLimited(res, TOO_MANY_REQUESTS);
      }
    });
  });

  it("reset emails per email: of a burst of 50 requests all answer 201, RATE_LIMIT_PASSWORD_TOKEN_EMAIL make a token", async () => {
    await withV2Server({ RATE_LIMIT_PASSWORD_TOKEN_EMAIL: "3/1h" }, async (limited) => {
      const email = uniqueEmail("v2-reset-email");
      const { id } = await registerV2(client(limited.url), email, store);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client(limited.url).post("/auth/customer/emailpass/reset-password", {
            identifier: i % 2 ? email : email.toUpperCase(),
          }),
        ),
      );
      assert.deepEqual(statusCounts(responses), { 201: 50 });
      // Every request has been counted (after its answer), then the allowed ones made their token.
      await eventually(async () =>
        (await storedThrottles(limited)).some(
          ({ key, count }) => key.startsWith("password-token:email:") && count === 50,
        ),
      );
      const tokens = async () =>
        (
          await queryTestDb(
            limited,
            "select token_hash from password_reset where customer_id = $1",
            [id],
          )
        ).length;
      const events = () =>
        limited.logs.filter((line) => line.email === email && typeof line.token === "string")
          .length;
      await eventually(async () => (await tokens()) >= 3 && events() >= 3);
      assert.deepEqual([await tokens(), events()], [3, 3], "stored tokens, reset events");
    });
  });
});
