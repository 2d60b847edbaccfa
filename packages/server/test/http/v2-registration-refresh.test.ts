/**
 * Medusa v2 mode (standalone, every backend): a registration token keeps the start of its sign-in
 * across refreshes (claim `auth_time`). Refreshing never extends it past 30 minutes after the
 * sign-in, and a login token made from it is no fresher than that sign-in. The server's clock is
 * moved on by the test (testing/movable-clock.cjs).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { useServer } from "../../../../testing/fixture.js";
import { sessionCookie } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";

const KEY = "pk_registration_refresh_test_key";
const PASSWORD = "Correct-Horse-9-staple";
const MINUTE = 60_000;
/** The registration token's lifetime (docs/configuration.md), in seconds. */
const REGISTRATION_TTL_S = 30 * 60;
const UNAUTHORIZED = { message: "Unauthorized" };

describe("v2 mode: a registration token keeps the start of its sign-in", () => {
  // HS256: the last test re-signs a token as the server would have before `auth_time` existed.
  const app = useServer({
    env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY, JWT_ALGORITHM: "HS256" },
    movableClock: true,
  });
  const store = { "x-publishable-api-key": KEY };

  async function register(email: string): Promise<string> {
    const res = await app.api.post("/auth/customer/emailpass/register", {
      email,
      password: PASSWORD,
    });
    assert.equal(res.status, 200, res.text);
    return res.body.token as string;
  }

  async function refresh(token: string): Promise<string> {
    const res = await app.api.post("/auth/token/refresh", undefined, { token });
    assert.equal(res.status, 200, res.text);
    return res.body.token as string;
  }

  const createCustomer = (token: string, email: string) =>
    app.api.post("/store/customers", { email }, { token, headers: store });

  it("a refresh keeps auth_time and exp; 30 minutes after the sign-in the whole chain is dead", async () => {
    const email = uniqueEmail("chain");
    const first = await register(email);
    const signIn = decodeJwt(first);
    assert.equal(signIn.exp! - signIn.iat!, REGISTRATION_TTL_S);
    const chain = [first];
    for (let step = 1; step <= 5; step++) {
      await app.server.moveClock(5 * MINUTE);
      const next = await refresh(chain.at(-1)!);
      const claims = decodeJwt(next);
      assert.equal(claims.exp, signIn.exp, `refresh ${step}`);
      assert.equal(claims.auth_time, signIn.iat, `refresh ${step}: auth_time is the sign-in`);
      assert.ok(claims.iat! >= signIn.iat! + step * 5 * 60, `refresh ${step}: iat is its time`);
      chain.push(next);
    }
    // 25 minutes after the sign-in, the last token still creates the customer…
    assert.equal((await createCustomer(chain.at(-1)!, email)).status, 200);
    await app.server.moveClock(5 * MINUTE + 1000);
    // …and 30 minutes after it, no token of the chain does anything.
    for (const token of chain) {
      const refreshed = await app.api.post("/auth/token/refresh", undefined, { token });
      assert.deepEqual([refreshed.status, refreshed.body], [401, UNAUTHORIZED]);
    }
    // A new login starts a new sign-in (a login token, the customer exists).
    const login = await app.api.post("/auth/customer/emailpass", { email, password: PASSWORD });
    assert.equal(login.status, 200, login.text);
    assert.ok(decodeJwt(login.body.token).actor_id);
  });

  it("a login token or cookie from a refreshed registration token needs old_password once the sign-in is 10 minutes old", async () => {
    const email = uniqueEmail("stale-sign-in");
    const registered = await register(email);
    await app.server.moveClock(9 * MINUTE);
    // Refreshed 9 minutes after the sign-in; the customer is created with the new token.
    const refreshed = await refresh(registered);
    assert.equal((await createCustomer(refreshed, email)).status, 200);
    await app.server.moveClock(2 * MINUTE);
    // 11 minutes after the sign-in (FRESH_SESSION_AGE is 10), though 2 after the refresh.
    const login = await refresh(refreshed);
    assert.ok(decodeJwt(login).actor_id);
    const session = await app.api.post("/auth/session", undefined, { token: login });
    assert.equal(session.status, 200, session.text);
    const cookie = sessionCookie(session)!;
    for (const credential of [{ token: login }, { cookie }]) {
      const stale = await app.api.post(
        "/auth/customer/emailpass/update",
        { password: "A-new-passphrase-9-long" },
        credential,
      );
      assert.equal(stale.status, 403, stale.text);
    }
    const proven = await app.api.post(
      "/auth/customer/emailpass/update",
      { password: "A-new-passphrase-9-long", old_password: PASSWORD },
      { token: login },
    );
    assert.deepEqual([proven.status, proven.body], [200, { success: true }]);
  });

  it("refuses a registration token without auth_time (issued before the claim), or whose exp is later than 30 minutes after it", async () => {
    const email = uniqueEmail("no-auth-time");
    const token = await register(email);
    const claims = decodeJwt(token);
    const secret = new TextEncoder().encode(app.server.env.JWT_SECRET);
    const resign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader(decodeProtectedHeader(token) as { alg: string })
        .sign(secret);
    // Control: the same claims, signed again, are accepted.
    assert.equal((await app.api.post("/auth/token/refresh", undefined, { token })).status, 200);
    assert.equal(
      (await app.api.post("/auth/token/refresh", undefined, { token: await resign(claims) }))
        .status,
      200,
    );
    const { auth_time: authTime, ...withoutAuthTime } = claims;
    for (const forged of [
      withoutAuthTime,
      { ...claims, exp: (authTime as number) + REGISTRATION_TTL_S + 1 },
      { ...claims, auth_time: claims.iat! + 1 },
    ]) {
      const candidate = await resign(forged);
      const refreshed = await app.api.post("/auth/token/refresh", undefined, {
        token: candidate,
      });
      assert.deepEqual([refreshed.status, refreshed.body], [401, UNAUTHORIZED]);
      const created = await createCustomer(candidate, email);
      assert.deepEqual([created.status, created.body], [401, UNAUTHORIZED]);
    }
  });
});
