/**
 * `medusa.auth` against a real Gatehouse server process: cookie sessions kept by the instance's
 * jar, bearer tokens, logout, `exists`, session management, errors, custom headers and retries.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServer, uniqueEmail, type TestServer } from "../../../testing/server.js";
import type { MedusaError } from "../src/index.js";
import Medusa from "../src/index.js";
import { PASSWORD, recordingFetch, register, rejection } from "./helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: TestServer;
let baseUrl: string;

before(async () => {
  server = await startServer();
  baseUrl = server.url;
});

after(async () => {
  await server?.stop();
});

async function expectUnauthorized(promise: Promise<unknown>): Promise<MedusaError> {
  const err = await rejection(promise);
  assert.equal(err.status, 401);
  assert.equal(err.type, "unauthorized");
  assert.equal(err.response.status, 401);
  assert.equal(err.response.data.type, "unauthorized");
  assert.equal(typeof err.response.data.message, "string");
  assert.equal(err.message, err.response.data.message);
  assert.ok(err.response.headers instanceof Headers);
  return err;
}

describe("auth: cookie sessions", () => {
  it("authenticate logs in; getSession then returns the customer", async () => {
    const { email } = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    await expectUnauthorized(medusa.auth.getSession());

    const login = await medusa.auth.authenticate({ email, password: PASSWORD });
    assert.equal(login.customer.email, email);
    assert.equal(login.customer.has_account, true);
    assert.deepEqual(login.customer.orders, []);
    assert.deepEqual(login.customer.shipping_addresses, []);
    assert.equal(login.response.status, 200);
    assert.ok(login.response.headers instanceof Headers);
    assert.match(login.response.headers.get("content-type") ?? "", /application\/json/);

    const cookies = medusa.client.cookieJar?.all() ?? [];
    const sid = cookies.find((c) => c.name === "connect.sid");
    assert.ok(sid, "the jar keeps the connect.sid cookie");
    assert.equal(sid.httpOnly, true);
    assert.equal(sid.sameSite?.toLowerCase(), "lax");
    assert.equal(sid.path, "/");

    const session = await medusa.auth.getSession();
    assert.equal(session.customer.id, login.customer.id);
    assert.equal(session.customer.email, email);
    assert.equal(session.response.status, 200);
  });

  it("a wrong password rejects with 401 unauthorized", async () => {
    const { email } = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    await expectUnauthorized(medusa.auth.authenticate({ email, password: "not-the-password-1" }));
    await expectUnauthorized(
      medusa.auth.authenticate({ email: uniqueEmail("nobody"), password: PASSWORD }),
    );
    assert.equal(medusa.client.cookieJar?.all().length, 0, "no session for a failed login");
  });

  it("deleteSession logs out: the cookie is dropped and getSession rejects with 401", async () => {
    const { medusa } = await register(baseUrl);
    await medusa.auth.getSession();
    const cookieBefore = medusa.client.cookieJar?.header(new URL(baseUrl + "/"));
    assert.ok(cookieBefore);

    const out = await medusa.auth.deleteSession();
    assert.equal(out.response.status, 200);
    assert.equal(
      medusa.client.cookieJar?.all().length,
      0,
      "the expiring Set-Cookie empties the jar",
    );

    const err = await expectUnauthorized(medusa.auth.getSession());
    assert.ok(err instanceof Error);

    // The old cookie is revoked server-side, not just forgotten by the client.
    const replay = new Medusa({ baseUrl, customHeaders: { Cookie: cookieBefore } });
    await expectUnauthorized(replay.auth.getSession());
  });

  it("deleteSession without a session still succeeds", async () => {
    const medusa = new Medusa({ baseUrl });
    const out = await medusa.auth.deleteSession();
    assert.equal(out.response.status, 200);
  });

  it("two instances logged in as different customers never see each other", async () => {
    const alice = await register(baseUrl, { prefix: "alice", first_name: "Alice" });
    const bob = await register(baseUrl, { prefix: "bob", first_name: "Bob" });
    const anonymous = new Medusa({ baseUrl });

    for (let i = 0; i < 2; i++) {
      const [a, b] = await Promise.all([
        alice.medusa.auth.getSession(),
        bob.medusa.auth.getSession(),
      ]);
      assert.equal(a.customer.email, alice.email);
      assert.equal(b.customer.email, bob.email);
      await expectUnauthorized(anonymous.auth.getSession());
    }

    // A token obtained by one instance is not used by another.
    await bob.medusa.auth.getToken({ email: bob.email, password: PASSWORD });
    assert.equal(alice.medusa.client.accessToken, undefined);
    assert.equal((await alice.medusa.auth.getSession()).customer.email, alice.email);

    // Logging one out leaves the other logged in.
    await alice.medusa.auth.deleteSession();
    await expectUnauthorized(alice.medusa.auth.getSession());
    assert.equal((await bob.medusa.auth.getSession()).customer.email, bob.email);
  });
});

describe("auth: exists", () => {
  it("is true for a registered email, in any case, and false for an unknown one", async () => {
    const { email } = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    const yes = await medusa.auth.exists(email);
    assert.equal(yes.exists, true);
    assert.equal(yes.response.status, 200);
    assert.equal((await medusa.auth.exists(email.toUpperCase())).exists, true);
    assert.equal((await medusa.auth.exists(uniqueEmail("unknown"))).exists, false);
  });

  it("round-trips emails containing '+' and '/'", async () => {
    const { email } = await register(baseUrl, { prefix: "first+tag/dept" });
    assert.ok(email.includes("+") && email.includes("/"));
    const medusa = new Medusa({ baseUrl });
    assert.equal((await medusa.auth.exists(email)).exists, true);
    assert.equal((await medusa.auth.exists(email.replace("+tag", "+other"))).exists, false);
    assert.equal((await medusa.auth.exists(email.replace("/dept", "/other"))).exists, false);
  });
});

describe("auth: bearer tokens", () => {
  it("getToken makes the instance send the token; getSession works without a cookie", async () => {
    const { email, customer } = await register(baseUrl);
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch });

    const token = await medusa.auth.getToken({ email, password: PASSWORD });
    assert.equal(typeof token.access_token, "string");
    assert.equal(token.token_type, "Bearer");
    assert.equal(typeof token.expires_in, "number");
    assert.equal(token.response.status, 200);
    assert.equal(medusa.client.accessToken, token.access_token);
    assert.equal(medusa.client.cookieJar?.all().length, 0, "getToken sets no cookie");

    const session = await medusa.auth.getSession();
    assert.equal(session.customer.id, customer.id);
    const sent = calls.at(-1)?.headers;
    assert.equal(sent?.get("authorization"), `Bearer ${token.access_token}`);
    assert.equal(sent?.has("cookie"), false);
    assert.equal((await medusa.customers.retrieve()).customer.id, customer.id);
  });

  it("the token works from a fresh instance through customHeaders, until deleteSession", async () => {
    const { email, customer } = await register(baseUrl);
    const holder = new Medusa({ baseUrl });
    const { access_token } = await holder.auth.getToken({ email, password: PASSWORD });

    const other = new Medusa({ baseUrl });
    await expectUnauthorized(other.auth.getSession());
    const viaHeader = await other.auth.getSession({ Authorization: `Bearer ${access_token}` });
    assert.equal(viaHeader.customer.id, customer.id);

    const viaProperty = new Medusa({ baseUrl });
    viaProperty.client.accessToken = access_token;
    assert.equal((await viaProperty.auth.getSession()).customer.id, customer.id);

    await holder.auth.deleteSession();
    assert.equal(holder.client.accessToken, undefined, "the instance forgets its token");
    await expectUnauthorized(holder.auth.getSession());
    await expectUnauthorized(other.auth.getSession({ Authorization: `Bearer ${access_token}` }));
  });

  it("per-call headers override the instance's token", async () => {
    const alice = await register(baseUrl);
    const bob = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    await medusa.auth.getToken({ email: alice.email, password: PASSWORD });
    const bobToken = await bob.medusa.auth.getToken({ email: bob.email, password: PASSWORD });
    const asBob = await medusa.auth.getSession({
      Authorization: `Bearer ${bobToken.access_token}`,
    });
    assert.equal(asBob.customer.email, bob.email);
    assert.equal((await medusa.auth.getSession()).customer.email, alice.email);
  });
});

describe("auth: custom headers", () => {
  it("a per-call Cookie header replaces the jar's cookies", async () => {
    const alice = await register(baseUrl);
    const jarCookie = alice.medusa.client.cookieJar?.header(new URL(baseUrl + "/"));
    assert.ok(jarCookie);

    await expectUnauthorized(alice.medusa.auth.getSession({ Cookie: "connect.sid=forged" }));
    assert.equal((await alice.medusa.auth.getSession()).customer.email, alice.email);

    const fresh = new Medusa({ baseUrl });
    const borrowed = await fresh.customers.retrieve({ cookie: jarCookie });
    assert.equal(borrowed.customer.email, alice.email);
    await expectUnauthorized(fresh.auth.getSession());
  });

  it("config.customHeaders apply to every request, per-call headers win", async () => {
    const alice = await register(baseUrl);
    const bob = await register(baseUrl);
    const aliceCookie = alice.medusa.client.cookieJar?.header(new URL(baseUrl + "/"));
    const bobCookie = bob.medusa.client.cookieJar?.header(new URL(baseUrl + "/"));
    assert.ok(aliceCookie && bobCookie);

    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({
      baseUrl,
      fetch,
      publishableApiKey: "pk_test_123",
      customHeaders: { Cookie: aliceCookie, "x-trace": "config" },
    });
    assert.equal((await medusa.auth.getSession()).customer.email, alice.email);
    assert.equal(calls[0]?.headers.get("x-trace"), "config");
    assert.equal(calls[0]?.headers.get("x-publishable-api-key"), "pk_test_123");
    assert.equal(calls[0]?.headers.get("accept"), "application/json");

    const res = await medusa.auth.getSession({ cookie: bobCookie, "X-Trace": "call" });
    assert.equal(res.customer.email, bob.email);
    assert.equal(calls[1]?.headers.get("x-trace"), "call");
  });
});

describe("auth: credentials a call brings, and keepCredentials", () => {
  it("a call with its own Authorization or Cookie never falls back to the remembered ones", async () => {
    const first = await register(baseUrl);
    const second = await register(baseUrl);
    const medusa = new Medusa({ baseUrl });
    await medusa.auth.authenticate({ email: first.email, password: PASSWORD });
    await medusa.auth.getToken({ email: first.email, password: PASSWORD });
    const other = await new Medusa({ baseUrl }).auth.getToken({
      email: second.email,
      password: PASSWORD,
    });

    const asSecond = await medusa.auth.getSession({
      Authorization: `Bearer ${other.access_token}`,
    });
    assert.equal(asSecond.customer.email, second.email);
    // An expired visitor cookie must not be rescued by the instance's own token or cookie.
    await expectUnauthorized(medusa.auth.getSession({ Cookie: "connect.sid=expired" }));
    assert.equal(
      (await medusa.auth.getSession()).customer.email,
      first.email,
      "its own session is untouched",
    );
  });

  it("keepCredentials: false remembers neither the cookie nor the token", async () => {
    const { email } = await register(baseUrl);
    const shared = new Medusa({ baseUrl, keepCredentials: false });
    assert.equal(shared.client.cookieJar, undefined);
    const login = await shared.auth.authenticate({ email, password: PASSWORD });
    assert.equal(login.customer.email, email);
    const { access_token } = await shared.auth.getToken({ email, password: PASSWORD });
    assert.equal(shared.client.accessToken, undefined);
    await expectUnauthorized(shared.auth.getSession());
    const visitor = await shared.auth.getSession({ Authorization: `Bearer ${access_token}` });
    assert.equal(visitor.customer.email, email);
  });
});

describe("auth: sessions", () => {
  it("lists, revokes one, and revokes all other sessions", async () => {
    const main = await register(baseUrl);
    const laptop = new Medusa({ baseUrl });
    await laptop.auth.authenticate({ email: main.email, password: PASSWORD });
    const app = new Medusa({ baseUrl });
    await app.auth.getToken({ email: main.email, password: PASSWORD });
    const phone = new Medusa({ baseUrl });
    await phone.auth.authenticate({ email: main.email, password: PASSWORD });

    const { sessions, response } = await main.medusa.auth.listSessions();
    assert.equal(response.status, 200);
    assert.equal(sessions.length, 4);
    assert.equal(sessions.filter((s) => s.current).length, 1);
    assert.equal(sessions.find((s) => s.current)?.kind, "cookie");
    assert.equal(sessions.filter((s) => s.kind === "bearer").length, 1);
    for (const s of sessions) {
      assert.equal(typeof s.id, "string");
      assert.ok(!Number.isNaN(Date.parse(s.created_at)));
      assert.ok(!Number.isNaN(Date.parse(s.last_seen_at)));
    }

    // The phone's session is the current one from the phone's point of view.
    const phoneId = (await phone.auth.listSessions()).sessions.find((s) => s.current)?.id;
    assert.ok(phoneId);
    await main.medusa.auth.revokeSession(phoneId);
    await expectUnauthorized(phone.auth.getSession());
    await laptop.auth.getSession();

    await main.medusa.auth.revokeOtherSessions();
    await expectUnauthorized(laptop.auth.getSession());
    await expectUnauthorized(app.auth.getSession());
    const left = await main.medusa.auth.listSessions();
    assert.equal(left.sessions.length, 1);
    assert.equal(left.sessions[0]?.current, true);
  });

  it("listSessions requires authentication", async () => {
    await expectUnauthorized(new Medusa({ baseUrl }).auth.listSessions());
  });
});

describe("auth: retries against the server", () => {
  it("with maxRetries 2, a POST succeeds and carries an Idempotency-Key", async () => {
    const { email } = await register(baseUrl);
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch, maxRetries: 2 });
    const { customer } = await medusa.auth.authenticate({ email, password: PASSWORD });
    assert.equal(customer.email, email);
    assert.equal(calls.length, 1);
    assert.match(calls[0]?.headers.get("idempotency-key") ?? "", UUID);

    await medusa.auth.getSession();
    assert.equal(calls[1]?.headers.has("idempotency-key"), false);
  });

  it("does not retry a 401 or a 400", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch, maxRetries: 2 });
    await expectUnauthorized(medusa.auth.getSession());
    const invalid = await rejection(medusa.auth.authenticate({ email: "nope", password: "x" }));
    assert.equal(invalid.status, 400);
    assert.equal(calls.length, 2);
  });
});
