/** Medusa v1's Store Auth routes over real HTTP (contract §2.1–2.5, changed only where SPEC §6 says). */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { storedSessions } from "../../../../testing/sessions.js";
import {
  STRONG_PASSWORD,
  getToken,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import { CUSTOMER_KEYS } from "../../../../testing/expect.js";
import { uniqueEmail } from "../../../../testing/server.js";

describe("Store Auth API", () => {
  const app = useServer();
  const { api } = app;
  let email: string;
  let customerId: string;

  before(async () => {
    email = uniqueEmail("alec");
    const registered = await register(app.url, email, STRONG_PASSWORD, {
      first_name: "Alec",
      last_name: "Reynolds",
    });
    customerId = registered.customer.id;
  });

  describe("POST /store/auth", () => {
    it("logs in: 200 with the customer, orders [] and shipping_addresses, and a session cookie", async () => {
      const res = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.deepEqual(Object.keys(res.body), ["customer"]);
      const { customer } = res.body;
      assert.deepEqual(Object.keys(customer), [...CUSTOMER_KEYS, "orders", "shipping_addresses"]);
      assert.equal(customer.id, customerId);
      assert.equal(customer.email, email);
      assert.equal(customer.first_name, "Alec");
      assert.equal(customer.has_account, true);
      assert.deepEqual(customer.orders, []);
      assert.deepEqual(customer.shipping_addresses, []);
      assert.match(customer.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(!res.text.includes("password"), "no password or hash in the body");
      assert.ok(sessionCookie(res));
    });

    it("accepts the email in any case (stored lower-cased)", async () => {
      const res = await api.post("/store/auth", {
        email: email.toUpperCase(),
        password: STRONG_PASSWORD,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.customer.email, email);
    });

    it("answers a wrong password, an unknown email and a guest-only email with the same 401 JSON", async () => {
      const guest = uniqueEmail("guest");
      await app.insertGuest(guest, { id: "cus_01GUESTGUESTGUESTGUESTGUES" });
      const bodies = [];
      for (const attempt of [
        { email, password: "not the password" },
        { email: uniqueEmail("nobody"), password: STRONG_PASSWORD },
        { email: guest, password: STRONG_PASSWORD },
        { email, password: 12345678 },
      ]) {
        const res = await api.post("/store/auth", attempt);
        assert.equal(res.status, 401);
        assert.match(res.headers.get("content-type")!, /^application\/json/);
        assert.equal(res.setCookies.length, 0, "no cookie for a failed login");
        bodies.push(res.body);
      }
      for (const body of bodies)
        assert.deepEqual(body, { type: "unauthorized", message: "Wrong email or password" });
    });

    it("validates like Medusa: messages in class-validator's words, unknown properties first", async () => {
      const cases: Array<[unknown, string]> = [
        [{}, "email must be an email, password should not be empty"],
        [{ email: "x", password: "" }, "email must be an email, password should not be empty"],
        [{ email, password: "" }, "password should not be empty"],
        [{ email: ` ${email}`, password: "x" }, "email must be an email"],
        [{ email, password: "x", extra: 1 }, "property extra should not exist"],
        [
          { extra: 1 },
          "property extra should not exist, email must be an email, password should not be empty",
        ],
        [[], "email must be an email, password should not be empty"],
        ["a string", "email must be an email, password should not be empty"],
      ];
      for (const [body, message] of cases) {
        const res = await api.post("/store/auth", body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.deepEqual(res.body, { type: "invalid_data", message }, JSON.stringify(body));
      }
    });

    it("refuses an absurdly long password before hashing it", async () => {
      const res = await api.post("/store/auth", { email, password: "x".repeat(5000) });
      assert.equal(res.status, 400);
      assert.equal(res.body.message, "password must be shorter than or equal to 1024 characters");
    });

    it("tolerates a trailing slash and any path case, as Medusa's Express router does", async () => {
      for (const path of ["/store/auth/", "/Store/Auth"]) {
        const res = await api.post(path, { email, password: STRONG_PASSWORD });
        assert.equal(res.status, 200, path);
      }
    });
  });

  describe("GET /store/auth", () => {
    it("returns the customer of the session cookie, without a new Set-Cookie", async () => {
      const { cookie } = await login(app.url, email);
      const res = await api.get("/store/auth", { cookie });
      assert.equal(res.status, 200);
      assert.equal(res.body.customer.id, customerId);
      assert.deepEqual(res.body.customer.orders, []);
      assert.equal(res.setCookies.length, 0);
    });

    it("returns the customer of a Bearer token (scheme case-insensitive)", async () => {
      const token = await getToken(app.url, email);
      for (const authorization of [`Bearer ${token}`, `bearer    ${token}`]) {
        const res = await api.get("/store/auth", { headers: { authorization } });
        assert.equal(res.status, 200);
        assert.equal(res.body.customer.id, customerId);
      }
    });

    it("prefers the cookie's customer when both a cookie and a token are sent", async () => {
      const other = uniqueEmail("other");
      const { customer: otherCustomer } = await register(app.url, other);
      const { cookie } = await login(app.url, email);
      const token = await getToken(app.url, other);
      const res = await api.get("/store/auth", { cookie, token });
      assert.equal(res.status, 200);
      assert.equal(res.body.customer.id, customerId);
      assert.notEqual(res.body.customer.id, otherCustomer.id);
    });

    it("answers 401 JSON without credentials, with a stale cookie (and clears it), and with a bad token", async () => {
      const none = await api.get("/store/auth");
      assert.equal(none.status, 401);
      assert.equal(none.body.type, "unauthorized");
      assert.match(none.body.message, /Log in first/);
      assert.equal(none.setCookies.length, 0, "no session for anonymous requests");

      const stale = await api.get("/store/auth", {
        cookie: "connect.sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      });
      assert.equal(stale.status, 401);
      assert.match(stale.body.message, /expired or was revoked/);
      assert.match(stale.setCookies[0]!, /^connect\.sid=; .*Expires=Thu, 01 Jan 1970/);

      const bad = await api.get("/store/auth", {
        headers: { authorization: "Bearer not.a.token" },
      });
      assert.equal(bad.status, 401);
      assert.match(bad.body.message, /bearer token/);
      const basic = await api.get("/store/auth", {
        headers: { authorization: "Basic dXNlcjpwYXNz" },
      });
      assert.equal(basic.status, 401);
    });

    it("answers 404 when the session's customer no longer exists", async () => {
      const gone = uniqueEmail("gone");
      const { cookie, customer } = await register(app.url, gone);
      await app.db.query("update customer set deleted_at = $1 where id = $2", [
        Date.now(),
        customer.id,
      ]);
      const res = await api.get("/store/auth", { cookie });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        type: "not_found",
        message: `Customer with id: ${customer.id} was not found`,
      });
    });
  });

  describe("DELETE /store/auth", () => {
    it("revokes the session server-side and sends an expiring cookie; the old cookie is refused", async () => {
      const { cookie } = await login(app.url, email);
      const res = await api.delete("/store/auth", { cookie });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      assert.match(
        res.setCookies[0]!,
        /^connect\.sid=; .*Path=\/; .*Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax/,
      );
      const replay = await api.get("/store/auth", { cookie });
      assert.equal(replay.status, 401);
    });

    it("revokes the bearer token it is called with", async () => {
      const token = await getToken(app.url, email);
      assert.equal((await api.get("/store/auth", { token })).status, 200);
      assert.equal((await api.delete("/store/auth", { token })).status, 200);
      assert.equal((await api.get("/store/auth", { token })).status, 401);
      assert.equal((await api.get("/store/customers/me", { token })).status, 401);
    });

    it("answers 200 without any session, and without a Set-Cookie", async () => {
      const res = await api.delete("/store/auth", { body: {} });
      assert.equal(res.status, 200);
      assert.equal(res.setCookies.length, 0);
    });

    it("leaves the customer's other sessions alone", async () => {
      const first = await login(app.url, email);
      const second = await login(app.url, email);
      await api.delete("/store/auth", { cookie: first.cookie });
      assert.equal((await api.get("/store/auth", { cookie: second.cookie })).status, 200);
    });
  });

  describe("GET /store/auth/:email", () => {
    it("is true only for registered accounts, whatever the case or encoding", async () => {
      const plus = `a+${uniqueEmail("b")}`;
      await register(app.url, plus);
      const cases: Array<[string, boolean]> = [
        [email, true],
        [email.toUpperCase(), true],
        [encodeURIComponent(plus), true],
        [plus, true],
        [uniqueEmail("unknown"), false],
        ["token", false],
        ["not-an-email", false],
      ];
      for (const [value, exists] of cases) {
        const res = await api.get(`/store/auth/${value}`);
        assert.equal(res.status, 200, value);
        assert.deepEqual(res.body, { exists }, value);
        assert.equal(res.setCookies.length, 0);
      }
    });

    it("is false for guest-only emails", async () => {
      const guest = uniqueEmail("guest");
      await app.insertGuest(guest, { id: "cus_01GUESTGUESTGUESTGUESTGUE2" });
      assert.deepEqual((await api.get(`/store/auth/${guest}`)).body, { exists: false });
    });

    it("answers a malformed path with a JSON 4xx, never a 5xx", async () => {
      for (const path of [
        "/store/auth/%E0%A4%A",
        "/store/auth/a/b",
        `/store/auth/${"x".repeat(2000)}`,
      ]) {
        const res = await api.get(path);
        assert.ok(res.status >= 400 && res.status < 500, `${path} → ${res.status}`);
        assert.match(res.headers.get("content-type")!, /^application\/json/);
        assert.equal(typeof res.body.message, "string");
      }
    });
  });

  describe("POST /store/auth/token", () => {
    it("returns a bearer token naming a session, and sets no cookie", async () => {
      const res = await api.post("/store/auth/token", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 200);
      assert.equal(res.body.token_type, "Bearer");
      assert.equal(res.body.expires_in, 7 * 24 * 3600);
      assert.equal(res.setCookies.length, 0);
      const [header, payload] = (res.body.access_token as string)
        .split(".")
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")));
      assert.equal(header.alg, "EdDSA");
      assert.equal(typeof header.kid, "string");
      assert.equal(payload.customer_id, customerId);
      assert.equal(payload.domain, "store");
      assert.match(payload.sid, /^sess_/);
      assert.equal(payload.iss, "gatehouse");
      assert.equal(payload.exp - payload.iat, 7 * 24 * 3600);
      const row = (await storedSessions(app.server)).find((session) => session.id === payload.sid);
      assert.deepEqual(
        { kind: row?.kind, customer_id: row?.customer_id },
        { kind: "bearer", customer_id: customerId },
      );
    });

    it("fails like login: 401 JSON for wrong credentials, 400 for invalid bodies", async () => {
      const wrong = await api.post("/store/auth/token", { email, password: "nope-nope" });
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.body, { type: "unauthorized", message: "Wrong email or password" });
      const invalid = await api.post("/store/auth/token", { email: "x" });
      assert.deepEqual(invalid.body, {
        type: "invalid_data",
        message: "email must be an email, password should not be empty",
      });
    });

    it("publishes the signing key at /.well-known/jwks.json", async () => {
      const token = await getToken(app.url, email);
      const kid = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid;
      const res = await api.get("/.well-known/jwks.json");
      assert.equal(res.status, 200);
      const key = res.body.keys.find((entry: { kid: string }) => entry.kid === kid);
      assert.equal(key.kty, "OKP");
      assert.equal(key.crv, "Ed25519");
      assert.equal(key.d, undefined, "no private part");
    });
  });
});
