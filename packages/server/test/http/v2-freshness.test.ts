/**
 * Medusa v2 mode: a credential made from another (a cookie from a token, a token from a cookie or
 * a registration token) is as fresh as the sign-in it comes from, never fresher — so it cannot
 * change the password without `old_password` once that sign-in is older than FRESH_SESSION_AGE.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { sessionCookie } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";

const KEY = "pk_freshness_test_key";
const PASSWORD = "Correct-Horse-9-staple";

describe("v2 mode: exchanged credentials are no fresher than their sign-in", () => {
  const app = useServer({
    env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY, FRESH_SESSION_AGE: "1s" },
  });
  const store = { "x-publishable-api-key": KEY };

  async function signUp(email: string): Promise<{ registration: string; login: string }> {
    const registered = await app.api.post("/auth/customer/emailpass/register", {
      email,
      password: PASSWORD,
    });
    const registration = registered.body.token as string;
    const created = await app.api.post(
      "/store/customers",
      { email },
      {
        token: registration,
        headers: store,
      },
    );
    assert.equal(created.status, 200, created.text);
    const login = await app.api.post("/auth/customer/emailpass", { email, password: PASSWORD });
    return { registration, login: login.body.token as string };
  }

  /** A password change without old_password, with these credentials. */
  const changeWithout = (options: { token?: string; cookie?: string }) =>
    app.api.post("/auth/customer/emailpass/update", { password: "A-new-passphrase-9" }, options);

  it("a stale token refreshed, or exchanged for a cookie, still needs old_password", async () => {
    const { registration, login } = await signUp(uniqueEmail("fresh"));
    await sleep(1200);
    const stale = await changeWithout({ token: login });
    assert.equal(stale.status, 403, stale.text);

    const cookieStart = await app.api.post("/auth/session", undefined, { token: login });
    assert.equal(cookieStart.status, 200, cookieStart.text);
    const cookie = sessionCookie(cookieStart)!;
    const fromCookie = await changeWithout({ cookie });
    assert.equal(fromCookie.status, 403, fromCookie.text);

    const refreshedFromCookie = await app.api.post("/auth/token/refresh", undefined, { cookie });
    assert.equal(refreshedFromCookie.status, 200, refreshedFromCookie.text);
    const viaCookie = await changeWithout({ token: refreshedFromCookie.body.token });
    assert.equal(viaCookie.status, 403, viaCookie.text);

    const refreshedFromRegistration = await app.api.post("/auth/token/refresh", undefined, {
      token: registration,
    });
    assert.equal(refreshedFromRegistration.status, 200, refreshedFromRegistration.text);
    const viaRegistration = await changeWithout({ token: refreshedFromRegistration.body.token });
    assert.equal(viaRegistration.status, 403, viaRegistration.text);
  });

  it("a fresh login may change the password at once; old_password works later", async () => {
    const email = uniqueEmail("fresh-ok");
    const { login } = await signUp(email);
    const now = await changeWithout({ token: login });
    assert.equal(now.status, 200, now.text);
    const again = await app.api.post("/auth/customer/emailpass", {
      email,
      password: "A-new-passphrase-9",
    });
    await sleep(1200);
    const later = await app.api.post(
      "/auth/customer/emailpass/update",
      { password: "Another-passphrase-10", old_password: "A-new-passphrase-9" },
      { token: again.body.token },
    );
    assert.deepEqual([later.status, later.body], [200, { success: true }]);
  });
});
