/**
 * Password reset over real HTTP (contract §2.9–2.10, SPEC §3.1, §3.3 and §6.6): the token request
 * never reveals which emails exist; a token is single-use, bound to its customer, and a reset ends
 * every session. Without PASSWORD_RESET_WEBHOOK_URL the (non-production) server logs the token; with
 * it, the token is POSTed to the webhook in a `customer.password_reset_requested` account event.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { setTimeout as sleep } from "node:timers/promises";
import {
  STRONG_PASSWORD,
  getToken,
  login,
  register,
  type ApiResponse,
} from "../../../../testing/http.js";
import { CUSTOMER_KEYS, assertJsonError } from "../../../../testing/expect.js";
import { loggedResetToken, uniqueEmail } from "../../../../testing/server.js";

const CUSTOMER_KEYS_SORTED = [...CUSTOMER_KEYS].sort();
const NEW_PASSWORD = "a brand new passphrase for the reset";
const INVALID_TOKEN = { type: "unauthorized", message: "Invalid or expired password reset token" };
const WRONG_LOGIN = { type: "unauthorized", message: "Wrong email or password" };
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

describe("password reset (token delivered in the development log)", () => {
  const app = useServer();
  const { api, db, customerRow, sessionCount } = app;

  const resetRows = (customerId: string) =>
    db.query<Record<string, any>>("select * from password_reset where customer_id = $1", [
      customerId,
    ]);

  /** Log entries, from index `from` on, that carry a reset token for `email`. */
  const tokenEntries = (email: string, from = 0) =>
    app.server.logs
      .slice(from)
      .filter((entry) => entry.email === email && typeof entry.token === "string");

  /** Requests a reset token for `email` (204 expected) and returns the token the server logged. */
  async function requestToken(email: string, asTyped = email): Promise<string> {
    const from = app.server.logs.length;
    const res = await api.post("/store/customers/password-token", { email: asTyped });
    assert.equal(res.status, 204, res.text);
    return loggedResetToken(app.server, email, from);
  }

  const reset = (email: string, token: string, password = NEW_PASSWORD, cookie?: string) =>
    api.post("/store/customers/password-reset", { email, token, password }, { cookie });

  describe("POST /store/customers/password-token", () => {
    it("answers 204 with an empty body for registered, unknown and guest emails alike", async () => {
      const registered = uniqueEmail("registered");
      const { customer } = await register(app.url, registered);
      const guest = uniqueEmail("guest");
      const guestId = await app.insertGuest(guest);
      const unknown = uniqueEmail("unknown");

      const from = app.server.logs.length;
      const responses: ApiResponse[] = [];
      for (const email of [registered, unknown, guest]) {
        responses.push(await api.post("/store/customers/password-token", { email }));
      }
      for (const res of responses) {
        assert.equal(res.status, 204);
        assert.equal(res.text, "");
        assert.equal(res.setCookies.length, 0);
      }
      const [first, ...rest] = responses;
      for (const res of rest) {
        assert.equal(res.headers.get("content-type"), first!.headers.get("content-type"));
        assert.equal(res.headers.get("content-length"), first!.headers.get("content-length"));
      }

      // Only the registered customer gets a token (stored hashed), and only it is notified.
      const token = await loggedResetToken(app.server, registered, from);
      assert.match(token, TOKEN_SHAPE);
      const rows = await resetRows(customer.id);
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]!.token_hash, token, "the database holds a hash, not the token");
      assert.ok(Number(rows[0]!.expires_at) > Date.now());
      assert.equal((await resetRows(guestId)).length, 0);
      await sleep(300);
      assert.equal(tokenEntries(unknown, from).length, 0);
      assert.equal(tokenEntries(guest, from).length, 0);
    });

    it("looks the email up case-insensitively", async () => {
      const email = uniqueEmail("case");
      await register(app.url, email);
      const token = await requestToken(email, email.toUpperCase());
      assert.match(token, TOKEN_SHAPE);
    });

    it('refuses an invalid email with 400 "email must be an email"', async () => {
      for (const body of [{ email: "not-an-email" }, { email: " a@example.com" }, {}]) {
        const res = await api.post("/store/customers/password-token", body);
        assertJsonError(res, 400, { type: "invalid_data", message: "email must be an email" });
      }
      const extra = await api.post("/store/customers/password-token", {
        email: uniqueEmail(),
        foo: 1,
      });
      assertJsonError(extra, 400, {
        type: "invalid_data",
        message: "property foo should not exist",
      });
    });
  });

  describe("POST /store/customers/password-reset", () => {
    it("resets the password with the token: 200 {customer} with scalars only, no secrets", async () => {
      const email = uniqueEmail("reset");
      const { customer } = await register(app.url, email, STRONG_PASSWORD, {
        first_name: "Alec",
      });
      const oldHash = (await customerRow(customer.id)).password_hash;
      const token = await requestToken(email);
      const res = await reset(email, token);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.deepEqual(Object.keys(res.body), ["customer"]);
      assert.deepEqual(Object.keys(res.body.customer).sort(), CUSTOMER_KEYS_SORTED);
      assert.ok(!("billing_address" in res.body.customer));
      assert.ok(!("shipping_addresses" in res.body.customer));
      assert.equal(res.body.customer.id, customer.id);
      assert.equal(res.body.customer.email, email);
      assert.equal(res.body.customer.first_name, "Alec");
      assert.equal(res.body.customer.has_account, true);
      assert.ok(!/password|\$argon2/i.test(res.text), "no password or hash in the body");
      assert.ok(!res.text.includes(token));

      const newHash = (await customerRow(customer.id)).password_hash;
      assert.match(newHash, /^\$argon2id\$/);
      assert.notEqual(newHash, oldHash);
      assert.equal((await resetRows(customer.id)).length, 0, "the token is consumed");
    });

    it("lets the customer log in with the new password; the old one gets 401", async () => {
      const email = uniqueEmail("reset-login");
      const { customer } = await register(app.url, email);
      assert.equal((await reset(email, await requestToken(email))).status, 200);
      assertJsonError(
        await api.post("/store/auth", { email, password: STRONG_PASSWORD }),
        401,
        WRONG_LOGIN,
      );
      const res = await api.post("/store/auth", { email, password: NEW_PASSWORD });
      assert.equal(res.status, 200);
      assert.equal(res.body.customer.id, customer.id);
    });

    it("ends every session and bearer token of the customer, and only that customer's", async () => {
      const email = uniqueEmail("reset-sessions");
      const registered = await register(app.url, email);
      const second = await login(app.url, email);
      const token = await getToken(app.url, email);
      const bystander = await register(app.url, uniqueEmail("bystander"));
      const customerId = registered.customer.id;
      assert.equal(await sessionCount(customerId), 3);

      // Even the session the reset is sent from ends: a reset revokes all of them.
      const res = await reset(email, await requestToken(email), NEW_PASSWORD, registered.cookie);
      assert.equal(res.status, 200, res.text);

      for (const credentials of [
        { cookie: registered.cookie },
        { cookie: second.cookie },
        { token },
      ]) {
        const me = await api.get("/store/customers/me", credentials);
        assert.equal(me.status, 401, JSON.stringify(credentials));
        assert.equal(me.body.type, "unauthorized");
        assert.equal((await api.get("/store/auth", credentials)).status, 401);
      }
      assert.equal(await sessionCount(customerId), 0);
      assert.equal((await api.get("/store/auth", { cookie: bystander.cookie })).status, 200);
    });

    it("does not set a cookie or log the customer in", async () => {
      const email = uniqueEmail("reset-nocookie");
      const { customer, cookie } = await register(app.url, email);
      await api.delete("/store/auth", { cookie });
      const res = await reset(email, await requestToken(email));
      assert.equal(res.status, 200);
      assert.equal(res.setCookies.length, 0);
      assert.equal(res.headers.get("set-cookie"), null);
      assert.equal(await sessionCount(customer.id), 0, "no session was created");
    });

    it("refuses a reused token with 401 'Invalid or expired password reset token'", async () => {
      const email = uniqueEmail("reuse");
      await register(app.url, email);
      const token = await requestToken(email);
      assert.equal((await reset(email, token)).status, 200);
      const again = await reset(email, token, "yet another fresh passphrase");
      assertJsonError(again, 401, INVALID_TOKEN);
      assert.equal(again.setCookies.length, 0);
      assert.equal(
        (await api.post("/store/auth", { email, password: NEW_PASSWORD })).status,
        200,
        "the password set by the first use stays",
      );
    });

    it("answers garbage, unknown and empty tokens with 401, never 500", async () => {
      const email = uniqueEmail("garbage");
      const { customer } = await register(app.url, email);
      const hash = (await customerRow(customer.id)).password_hash;
      await requestToken(email); // a live token exists; none of the guesses below is it
      for (const token of [
        "garbage",
        "",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lcl9pZCI6ImN1c18xIn0.sig",
        randomBytes(32).toString("base64url"),
        "x".repeat(5000),
        "../../etc/passwd",
      ]) {
        const res = await reset(email, token);
        assertJsonError(res, 401, INVALID_TOKEN);
      }
      assert.equal((await customerRow(customer.id)).password_hash, hash);
      // An unknown email gets the same answer.
      assertJsonError(await reset(uniqueEmail("nobody"), "garbage"), 401, INVALID_TOKEN);
    });

    it("refuses customer A's token used with customer B's email (401), and changes neither password", async () => {
      const emailA = uniqueEmail("owner-a");
      const emailB = uniqueEmail("victim-b");
      const a = await register(app.url, emailA);
      const b = await register(app.url, emailB);
      const hashA = (await customerRow(a.customer.id)).password_hash;
      const hashB = (await customerRow(b.customer.id)).password_hash;
      const tokenA = await requestToken(emailA);
      assertJsonError(await reset(emailB, tokenA), 401, INVALID_TOKEN);
      assert.equal((await customerRow(a.customer.id)).password_hash, hashA);
      assert.equal((await customerRow(b.customer.id)).password_hash, hashB);
      assert.equal((await api.get("/store/auth", { cookie: b.cookie })).status, 200);
      assert.equal(
        (await api.post("/store/auth", { email: emailB, password: STRONG_PASSWORD })).status,
        200,
      );
      assertJsonError(
        await api.post("/store/auth", { email: emailB, password: NEW_PASSWORD }),
        401,
        WRONG_LOGIN,
      );
    });

    it("refuses an expired token with 401 (not 500)", async () => {
      const email = uniqueEmail("expired");
      const { customer } = await register(app.url, email);
      const token = await requestToken(email);
      await db.query("update password_reset set expires_at = $1 where customer_id = $2", [
        Date.now() - 1000,
        customer.id,
      ]);
      assertJsonError(await reset(email, token), 401, INVALID_TOKEN);
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
    });

    it("no longer accepts a token once the password was changed through the profile", async () => {
      const email = uniqueEmail("changed");
      const { cookie } = await register(app.url, email);
      const token = await requestToken(email);
      const change = await api.post(
        "/store/customers/me",
        { password: "changed it myself in the meantime" },
        { cookie },
      );
      assert.equal(change.status, 200, change.text);
      assertJsonError(await reset(email, token), 401, INVALID_TOKEN);
    });

    it('answers {} with 400 "email must be an email, token must be a string, password must be a string"', async () => {
      const res = await api.post("/store/customers/password-reset", {});
      assertJsonError(res, 400, {
        type: "invalid_data",
        message: "email must be an email, token must be a string, password must be a string",
      });
      const extra = await api.post("/store/customers/password-reset", {
        email: uniqueEmail(),
        token: "t",
        password: NEW_PASSWORD,
        customer_id: "cus_x",
      });
      assertJsonError(extra, 400, {
        type: "invalid_data",
        message: "property customer_id should not exist",
      });
    });

    it("refuses a weak new password with 400 before consuming the token, which stays usable", async () => {
      const email = uniqueEmail("weak");
      const { customer } = await register(app.url, email);
      const hash = (await customerRow(customer.id)).password_hash;
      const token = await requestToken(email);
      const cases: Array<[string, RegExp]> = [
        ["", /^password must be at least 8 characters long$/],
        ["1234567", /^password must be at least 8 characters long$/],
        ["z".repeat(129), /^password must be at most 128 characters long$/],
        ["password", /common/],
      ];
      for (const [password, message] of cases) {
        const res = await reset(email, token, password);
        assert.equal(res.status, 400, password);
        assert.equal(res.body.type, "invalid_data");
        assert.match(res.body.message, message);
      }
      assert.equal((await customerRow(customer.id)).password_hash, hash);
      assert.equal((await resetRows(customer.id)).length, 1, "the token was not consumed");
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );

      const res = await reset(email, token);
      assert.equal(res.status, 200, res.text);
      assert.equal((await api.post("/store/auth", { email, password: NEW_PASSWORD })).status, 200);
    });
  });
});

describe("password reset with PASSWORD_RESET_WEBHOOK_URL", () => {
  interface Received {
    method: string | undefined;
    url: string | undefined;
    headers: IncomingHttpHeaders;
    body: any;
  }
  let webhook: Server;
  const received: Received[] = [];

  before(async () => {
    webhook = createServer((request, response) => {
      let raw = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => (raw += chunk));
      request.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
        // Other account events (registrations) go to the same webhook.
        if ((body as { type?: unknown }).type === "customer.password_reset_requested")
          received.push({
            method: request.method,
            url: request.url,
            headers: request.headers,
            body,
          });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  });
  const app = useServer(() => {
    const { port } = webhook.address() as AddressInfo;
    return {
      env: { PASSWORD_RESET_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/password-reset` },
    };
  });
  const { api } = app;
  after(() => new Promise((resolve) => webhook?.close(resolve)));

  async function waitForWebhook(count: number): Promise<Received> {
    const deadline = Date.now() + 2000;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error("the webhook was not called");
      await sleep(20);
    }
    return received[count - 1]!;
  }

  it("POSTs {type: customer.password_reset_requested, data: {id, email, first_name, last_name, token}} and the token works", async () => {
    const email = uniqueEmail("hooked");
    const { customer } = await register(app.url, email, STRONG_PASSWORD, {
      first_name: "Alec",
      last_name: "Reynolds",
    });
    const res = await api.post("/store/customers/password-token", { email: email.toUpperCase() });
    assert.equal(res.status, 204);
    assert.equal(res.text, "");

    const call = await waitForWebhook(1);
    assert.equal(call.method, "POST");
    assert.equal(call.url, "/hooks/password-reset");
    assert.match(call.headers["content-type"] ?? "", /^application\/json/);
    const token = call.body?.data?.token;
    assert.match(token, TOKEN_SHAPE);
    assert.deepEqual(call.body, {
      type: "customer.password_reset_requested",
      timestamp: call.body.timestamp,
      data: { id: customer.id, email, first_name: "Alec", last_name: "Reynolds", token },
    });
    assert.ok(
      !app.server.logs.some((entry) => JSON.stringify(entry).includes(token)),
      "with a webhook the token is never logged",
    );

    const done = await api.post("/store/customers/password-reset", {
      email,
      token,
      password: NEW_PASSWORD,
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.customer.id, customer.id);
    assert.equal((await api.post("/store/auth", { email, password: NEW_PASSWORD })).status, 200);
  });

  it("does not call the webhook for unknown or guest emails", async () => {
    const before = received.length;
    const guest = uniqueEmail("hook-guest");
    await app.insertGuest(guest);
    for (const email of [uniqueEmail("hook-unknown"), guest]) {
      const res = await api.post("/store/customers/password-token", { email });
      assert.equal(res.status, 204);
      assert.equal(res.text, "");
    }
    await sleep(500);
    assert.equal(received.length, before);
  });
});
