/**
 * Medusa v2 mode's guarantees under concurrency (standalone, every backend): bursts against one
 * email (in many spellings), one registration, one refresh token and one reset token each have exactly one winner; a reset and
 * the registration token from before it, never both.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeJwt } from "jose";
import { useServer } from "../../../../testing/fixture.js";
import { emailVariant, loggedResetToken, uniqueEmail } from "../../../../testing/server.js";

const KEY = "pk_burst_test_key";
const PASSWORD = "Correct-Horse-9-staple";
const BURST = 50;

describe("v2 mode under bursts", () => {
  const app = useServer({ env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY } });
  const store = { "x-publishable-api-key": KEY };

  async function registered(email: string, password = PASSWORD): Promise<string> {
    const res = await app.api.post("/auth/customer/emailpass/register", { email, password });
    assert.equal(res.status, 200, res.text);
    return res.body.token as string;
  }

  async function customerWithToken(email: string): Promise<string> {
    const registration = await registered(email);
    const created = await app.api.post(
      "/store/customers",
      { email },
      { token: registration, headers: store },
    );
    assert.equal(created.status, 200, created.text);
    const login = await app.api.post("/auth/customer/emailpass", { email, password: PASSWORD });
    assert.equal(login.status, 200, login.text);
    return login.body.token as string;
  }

  it(`${BURST} registrations of one email in ${BURST} spellings (case, fullwidth): exactly one identity`, async () => {
    const email = uniqueEmail("nfkc");
    const variants = Array.from({ length: BURST }, (_, i) => emailVariant(email, i));
    const answers = await Promise.all(
      variants.map((variant, i) =>
        app.api.post("/auth/customer/emailpass/register", {
          email: variant,
          password: `${PASSWORD}-${i}`,
        }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, String(statuses));
    for (const res of answers.filter((one) => one.status !== 200)) {
      assert.ok([401, 429].includes(res.status), res.text);
      if (res.status === 401) assert.equal(res.body.message, "Identity with email already exists");
    }
    const rows = await app.db.query<{ email: string; email_key: string }>(
      "select email, email_key from auth_identity where email_key = $1",
      [email],
    );
    const winner = answers.findIndex((res) => res.status === 200);
    assert.deepEqual(rows, [{ email: variants[winner], email_key: email }]);
  });

  it(`${BURST} customer creations with one registration token: exactly one customer`, async () => {
    const email = uniqueEmail("burst-create");
    const registration = await registered(email);
    const answers = await Promise.all(
      Array.from({ length: BURST }, () =>
        app.api.post("/store/customers", { email }, { token: registration, headers: store }),
      ),
    );
    const statuses = answers.map((res) => res.status).sort();
    assert.deepEqual(statuses, [200, ...Array(BURST - 1).fill(422)], String(statuses));
    const rows = await app.db.query("select id from customer where email = $1", [email]);
    assert.equal(rows.length, 1);
  });

  it(`a reset racing ${BURST} creations and refreshes with a registration token from before it: the reset or the customer, never both`, async () => {
    // The burst starts with the reset, or a little into its password hashing: either may win.
    for (const delayMs of [0, 10, 20, 40]) {
      const email = uniqueEmail("burst-squat");
      const registration = await registered(email);
      const from = app.server.logs.length;
      await app.api.post("/auth/customer/emailpass/reset-password", { identifier: email });
      const resetToken = await loggedResetToken(app.server, email, from);
      const update = app.api.post(
        "/auth/customer/emailpass/update",
        { password: "Owner-Horse-9-staple" },
        { token: resetToken },
      );
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const answers = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          i % 2
            ? app.api.post("/auth/token/refresh", undefined, { token: registration })
            : app.api.post("/store/customers", { email }, { token: registration, headers: store }),
        ),
      );
      const updated = await update;
      const made = answers.filter((res, i) => i % 2 === 0 && res.status === 200);
      const rows = await app.db.query("select id from customer where email = $1", [email]);
      for (const res of answers.filter((one) => one.status === 401)) {
        assert.deepEqual(res.body, { message: "Unauthorized" });
      }
      if (updated.status === 200) {
        // The reset won: nothing the old token did or got makes a customer or a session.
        assert.deepEqual([made.length, rows.length], [0, 0]);
        for (const res of answers.filter((one) => one.status === 200)) {
          const token = res.body.token as string;
          assert.equal(decodeJwt(token).actor_id, "");
          const late = await app.api.post("/store/customers", { email }, { token, headers: store });
          assert.equal(late.status, 401, late.text);
        }
      } else {
        // The customer won: the identity's reset token is refused once its customer exists.
        assert.deepEqual([updated.status, updated.body.message], [401, "Invalid token"]);
        assert.deepEqual([made.length, rows.length], [1, 1]);
      }
    }
  });

  it(`${BURST} refreshes of one token: one new token at most, and the session ends`, async () => {
    const token = await customerWithToken(uniqueEmail("burst-refresh"));
    const answers = await Promise.all(
      Array.from({ length: BURST }, () =>
        app.api.post("/auth/token/refresh", undefined, { token }),
      ),
    );
    const fresh = answers.filter((res) => res.status === 200);
    assert.ok(fresh.length <= 1, `${fresh.length} refreshes succeeded`);
    for (const res of answers.filter((one) => one.status !== 200)) {
      assert.deepEqual([res.status, res.body], [401, { message: "Unauthorized" }]);
    }
    // Concurrent refreshes of one token are a replay: no token of that session works afterwards.
    for (const used of [token, ...fresh.map((res) => res.body.token as string)]) {
      const me = await app.api.get("/store/customers/me", { token: used, headers: store });
      assert.equal(me.status, 401, me.text);
    }
  });

  /** A burst of updates with one reset token of `email`: exactly one succeeds, and logs in. */
  async function resetBurst(email: string): Promise<string> {
    const from = app.server.logs.length;
    const requested = await app.api.post("/auth/customer/emailpass/reset-password", {
      identifier: email,
    });
    assert.equal(requested.status, 201);
    const resetToken = await loggedResetToken(app.server, email, from);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        app.api.post(
          "/auth/customer/emailpass/update",
          { password: `A-new-passphrase-${i}-long` },
          { token: resetToken },
        ),
      ),
    );
    const statuses = answers.map((res) => res.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, String(statuses));
    for (const res of answers.filter((one) => one.status !== 200)) {
      assert.ok([401, 429].includes(res.status), res.text);
      if (res.status === 401) assert.equal(res.body.message, "Invalid token");
    }
    const winner = answers.findIndex((res) => res.status === 200);
    const login = await app.api.post("/auth/customer/emailpass", {
      email,
      password: `A-new-passphrase-${winner}-long`,
    });
    assert.equal(login.status, 200, login.text);
    return login.body.token as string;
  }

  it(`${BURST} password updates with one reset token: exactly one succeeds`, async () => {
    const email = uniqueEmail("burst-reset");
    await customerWithToken(email);
    await resetBurst(email);
  });

  it(`${BURST} password updates with one reset token of an identity without a customer: exactly one succeeds`, async () => {
    const email = uniqueEmail("burst-identity-reset");
    await registered(email);
    const token = await resetBurst(email);
    // Still no customer: the new password logs in to a registration token.
    assert.equal(decodeJwt(token).actor_id, "");
    const [row] = await app.db.query(
      "select password_hash, customer_id from auth_identity where email = $1",
      [email],
    );
    assert.equal(row?.customer_id, null);
    assert.match(String(row?.password_hash), /^\$argon2id\$/);
  });
});
