/** Cookie sessions (SPEC §3.1): attributes, fixation, expiry, CORS/CSRF, and the session list. */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { storedSessions } from "../../../../testing/sessions.js";
import {
  STRONG_PASSWORD,
  client,
  getToken,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../../testing/server.js";

describe("cookie sessions", () => {
  const app = useServer({
    env: { STORE_CORS: "http://shop.test:8000,/^https:\\/\\/.*\\.shop\\.test$/" },
  });
  const { api } = app;
  let email: string;

  before(async () => {
    email = uniqueEmail();
    await register(app.url, email);
  });

  it("sets connect.sid with HttpOnly, Path=/, SameSite=Lax, an Expires 7 days out, and no Secure over HTTP", async () => {
    const res = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
    const header = res.setCookies.find((cookie) => cookie.startsWith("connect.sid="))!;
    const [pair, ...attributes] = header.split("; ");
    assert.match(pair!, /^connect\.sid=[A-Za-z0-9_-]{43}$/, "256 random bits, base64url");
    assert.ok(attributes.includes("HttpOnly"));
    assert.ok(attributes.includes("Path=/"));
    assert.ok(attributes.includes("SameSite=Lax"));
    assert.ok(!attributes.includes("Secure"));
    const expires = Date.parse(attributes.find((a) => a.startsWith("Expires="))!.slice(8));
    assert.ok(Math.abs(expires - (Date.now() + 7 * 86_400_000)) < 60_000);
  });

  it("sets Secure when the request came over HTTPS through a trusted proxy", async () => {
    const proxied = await startServer({ env: { TRUST_PROXY: "127.0.0.1" } });
    try {
      const address = uniqueEmail();
      await register(proxied.url, address);
      const res = await client(proxied.url).post(
        "/store/auth",
        { email: address, password: STRONG_PASSWORD },
        { headers: { "x-forwarded-proto": "https" } },
      );
      assert.match(res.setCookies[0]!, /; Secure/);
      const untrusted = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        { headers: { "x-forwarded-proto": "https" } },
      );
      assert.doesNotMatch(
        untrusted.setCookies[0]!,
        /; Secure/,
        "X-Forwarded-Proto is ignored from untrusted peers",
      );
    } finally {
      await proxied.stop();
    }
  });

  it("stores only a hash of the session id", async () => {
    const { cookie } = await login(app.url, email);
    const value = cookie.split("=")[1]!;
    const rows = await storedSessions(app.server);
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.notEqual(row.token_hash, value);
      assert.ok(!row.id.includes(value));
    }
  });

  it("sends no cookie and stores no session for anonymous requests", async () => {
    const before = (await storedSessions(app.server)).length;
    for (const path of ["/health", "/store/auth", `/store/auth/${email}`, "/store/nothing"]) {
      const res = await api.get(path);
      assert.equal(res.setCookies.length, 0, path);
    }
    assert.equal((await storedSessions(app.server)).length, before);
  });

  it("issues a new id at login: a cookie presented at login is not authenticated afterwards (no fixation)", async () => {
    const planted = "connect.sid=PLANTEDPLANTEDPLANTEDPLANTEDPLANTEDPLANTED123";
    const res = await api.post(
      "/store/auth",
      { email, password: STRONG_PASSWORD },
      { cookie: planted },
    );
    assert.equal(res.status, 200);
    assert.notEqual(sessionCookie(res), planted);
    assert.equal((await api.get("/store/auth", { cookie: planted })).status, 401);

    const { cookie: before } = await login(app.url, email);
    const again = await api.post(
      "/store/auth",
      { email, password: STRONG_PASSWORD },
      { cookie: before },
    );
    const after = sessionCookie(again)!;
    assert.notEqual(after, before);
    assert.equal(
      (await api.get("/store/auth", { cookie: before })).status,
      401,
      "the replaced session is revoked",
    );
    assert.equal((await api.get("/store/auth", { cookie: after })).status, 200);
  });

  it("issues a new id at registration too", async () => {
    const { cookie: before } = await login(app.url, email);
    const res = await api.post(
      "/store/customers",
      { email: uniqueEmail(), password: STRONG_PASSWORD },
      { cookie: before },
    );
    assert.equal(res.status, 200);
    assert.notEqual(sessionCookie(res), before);
    assert.equal((await api.get("/store/auth", { cookie: before })).status, 401);
  });

  describe("CORS with STORE_CORS", () => {
    it("allows listed origins (exact and /regex/) with credentials, and answers preflights for medusa-js's headers", async () => {
      for (const origin of ["http://shop.test:8000", "https://eu.shop.test"]) {
        const res = await api.request("OPTIONS", "/store/auth", {
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,idempotency-key,x-publishable-api-key",
          },
        });
        assert.equal(res.status, 204);
        assert.equal(res.headers.get("access-control-allow-origin"), origin);
        assert.equal(res.headers.get("access-control-allow-credentials"), "true");
        const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase();
        for (const header of ["content-type", "idempotency-key", "x-publishable-api-key"]) {
          assert.ok(allowed.includes(header), header);
        }
        assert.equal(res.setCookies.length, 0);
      }
    });

    it("does not allow other origins", async () => {
      const res = await api.get("/store/auth", { headers: { origin: "https://evil.example" } });
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    });
  });

  describe("CSRF", () => {
    it("refuses a cookie-authenticated write from a foreign Origin with 403, and changes nothing", async () => {
      const { cookie, customer } = await login(app.url, email);
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Mallory" },
        { cookie, headers: { origin: "https://evil.example" } },
      );
      assert.equal(res.status, 403);
      assert.equal(res.body.type, "not_allowed");
      assert.match(res.body.message, /evil\.example/);
      const me = await api.get("/store/customers/me", { cookie });
      assert.equal(me.body.customer.first_name, customer.first_name);
      const logout = await api.delete("/store/auth", {
        cookie,
        headers: { origin: "https://evil.example" },
      });
      assert.equal(logout.status, 403);
      assert.equal((await api.get("/store/auth", { cookie })).status, 200, "still logged in");
    });

    it("allows the same write from an allowed origin, from the server's own origin, and without Origin", async () => {
      const { cookie } = await login(app.url, email);
      for (const origin of ["http://shop.test:8000", new URL(app.url).origin, undefined]) {
        const headers: Record<string, string> = origin ? { origin } : {};
        const res = await api.post(
          "/store/customers/me",
          { first_name: "Alec" },
          { cookie, headers },
        );
        assert.equal(res.status, 200, String(origin));
      }
    });
  });
});

describe("session lifetime", () => {
  const app = useServer({
    env: { SESSION_IDLE_TIMEOUT: "2s", SESSION_ABSOLUTE_TIMEOUT: "5s" },
  });
  const { api } = app;
  let email: string;

  before(async () => {
    email = uniqueEmail();
    await register(app.url, email);
  });

  it("ends a session left idle longer than the idle timeout", async () => {
    const { cookie } = await login(app.url, email);
    const token = await getToken(app.url, email);
    await sleep(2300);
    assert.equal((await api.get("/store/auth", { cookie })).status, 401);
    assert.equal((await api.get("/store/auth", { token })).status, 401);
  });

  it("slides the idle timeout with use, but never past the absolute cap", async () => {
    const { cookie } = await login(app.url, email);
    const started = Date.now();
    // Used every 700 ms, the session outlives the 2 s idle timeout…
    while (Date.now() - started < 4200) {
      await sleep(700);
      assert.equal(
        (await api.get("/store/auth", { cookie })).status,
        200,
        `${Date.now() - started} ms`,
      );
    }
    // …until the 5 s absolute cap.
    await sleep(Math.max(0, 5200 - (Date.now() - started)));
    assert.equal((await api.get("/store/auth", { cookie })).status, 401);
  });
});
