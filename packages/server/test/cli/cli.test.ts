/**
 * The `gatehouse` command line, run as a subprocess against the database of a running server on
 * the runner's backend: what it changes is what the server then serves over HTTP.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { runCli } from "../../../../testing/cli.js";
import { eventually } from "../../../../testing/expect.js";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, login, register, request } from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

describe("gatehouse CLI", () => {
  // Failed logins from one client are limited per client + account too: room for the lock test.
  const app = useServer({ env: { RATE_LIMIT_LOGIN_IP_ACCOUNT: "1000/15m" } });
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(app.server.env, args, env);

  it("has --help on the program and on every command", async () => {
    const top = await cli(["--help"]);
    assert.equal(top.code, 0, top.stderr);
    for (const name of [
      "migrate",
      "doctor",
      "customers",
      "sessions",
      "throttle",
      "keys",
      "import",
    ]) {
      assert.match(top.stdout, new RegExp(`\\b${name}\\b`));
    }
    const customers = await cli(["customers", "--help"]);
    assert.equal(customers.code, 0);
    for (const name of ["find", "show", "export", "delete"]) {
      assert.match(customers.stdout, new RegExp(`\\b${name}\\b`));
    }
    const revoke = await cli(["sessions", "revoke", "--help"]);
    assert.match(revoke.stdout, /--customer <id>/);
    const unknown = await cli(["frobnicate"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command/);
  });

  it("migrates: nothing to do on a migrated database; down then up", async () => {
    const up = await cli(["migrate"]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^nothing to do on /);
    const down = await cli(["migrate", "down"]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^reverted \S+/);
    const again = await cli(["migrate", "up"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^applied \S+/);
    const wrong = await cli(["migrate", "sideways"]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /up or down/);
  });

  it("finds, shows and exports a customer registered over HTTP, without its password hash", async () => {
    const email = uniqueEmail("cli");
    const { customer } = await register(app.url, email, STRONG_PASSWORD, { first_name: "Ada" });
    await request(app.url, "POST", "/store/customers/me/addresses", {
      cookie: (await login(app.url, email)).cookie,
      body: {
        address: {
          first_name: "Ada",
          last_name: "L",
          address_1: "1 Main St",
          city: "Paris",
          country_code: "fr",
          postal_code: "75001",
        },
      },
    });

    const byEmail = await cli(["customers", "find", email.toUpperCase()]);
    assert.equal(byEmail.code, 0, byEmail.stderr);
    assert.equal(JSON.parse(byEmail.stdout).id, customer.id);
    const byId = await cli(["customers", "find", customer.id]);
    assert.equal(JSON.parse(byId.stdout).email, email);

    const shown = await cli(["customers", "show", customer.id]);
    assert.equal(shown.code, 0, shown.stderr);
    const view = JSON.parse(shown.stdout);
    assert.equal(view.customer.first_name, "Ada");
    assert.equal(view.shipping_addresses.length, 1);
    assert.equal(view.sessions.length, 2);
    assert.doesNotMatch(shown.stdout, /password|argon2|scrypt/i);

    const exported = await cli(["customers", "export", customer.id]);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = exported.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => line.type),
      ["profile", "address", "session", "session", "note"],
    );
    assert.equal(lines[0].data.email, email);
    assert.equal(lines[1].data.city, "Paris");
    assert.doesNotMatch(exported.stdout, /password_hash|argon2|token_hash/i);

    const missing = await cli(["customers", "show", "cus_nobody"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no customer with id cus_nobody/);
  });

  it("deletes a customer only with --yes (no prompt without a terminal)", async () => {
    const email = uniqueEmail("cli-delete");
    const { customer, cookie } = await register(app.url, email);
    const refused = await cli(["customers", "delete", customer.id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--yes/);
    assert.equal((await request(app.url, "GET", "/store/auth", { cookie })).status, 200);

    const deleted = await cli(["customers", "delete", customer.id, "--yes"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(JSON.parse(deleted.stdout).deleted, customer.id);
    await eventually(
      async () => (await request(app.url, "GET", "/store/auth", { cookie })).status === 401,
      5000,
    );
    const gone = await cli(["customers", "find", email]);
    assert.equal(gone.code, 1);
    const relogin = await request(app.url, "POST", "/store/auth", {
      body: { email, password: STRONG_PASSWORD },
    });
    assert.equal(relogin.status, 401);
  });

  it("lists and revokes sessions: one with --session, then all; the cookie then gets 401", async () => {
    const email = uniqueEmail("cli-sessions");
    const { customer, cookie: first } = await register(app.url, email);
    const { cookie: second } = await login(app.url, email);

    const listed = await cli(["sessions", "list", "--customer", customer.id]);
    assert.equal(listed.code, 0, listed.stderr);
    const sessions = JSON.parse(listed.stdout) as Array<{ id: string }>;
    assert.equal(sessions.length, 2);
    assert.doesNotMatch(listed.stdout, /token/i);

    const one = await cli([
      "sessions",
      "revoke",
      "--customer",
      customer.id,
      "--session",
      sessions[0]!.id,
    ]);
    assert.equal(one.code, 0, one.stderr);
    await eventually(
      async () => (await request(app.url, "GET", "/store/auth", { cookie: first })).status === 401,
      5000,
    );
    assert.equal((await request(app.url, "GET", "/store/auth", { cookie: second })).status, 200);

    const notTheirs = await cli([
      "sessions",
      "revoke",
      "--customer",
      "cus_other",
      "--session",
      sessions[1]!.id,
    ]);
    assert.equal(notTheirs.code, 1);

    const all = await cli(["sessions", "revoke", "--customer", customer.id]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), { revoked: 1 });
    await eventually(
      async () => (await request(app.url, "GET", "/store/auth", { cookie: second })).status === 401,
      5000,
    );
  });

  it("throttle unlock lets a locked email log in at once", async () => {
    const email = uniqueEmail("cli-locked");
    await register(app.url, email);
    const attempt = (password: string) =>
      request(app.url, "POST", "/store/auth", { body: { email, password } });
    // Five failures, then each further one doubles the back-off (1 s, 2 s, then 4 s).
    for (let i = 0; i < 5; i++) assert.equal((await attempt("wrong password")).status, 401);
    await sleep(1100);
    assert.equal((await attempt("wrong password")).status, 401);
    await sleep(2100);
    assert.equal((await attempt("wrong password")).status, 401);
    const lockedAt = Date.now();
    assert.equal((await attempt(STRONG_PASSWORD)).status, 429);

    const unlocked = await cli(["throttle", "unlock", "--email", email]);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal((await attempt(STRONG_PASSWORD)).status, 200);
    // Only meaningful while the 4 s block would still hold.
    assert.ok(Date.now() - lockedAt < 4000, "the unlock came after the block ended by itself");
  });

  it("rotates EdDSA signing keys, and says HS256 has none", async () => {
    const rotated = await cli(["keys", "rotate"]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(JSON.parse(rotated.stdout).kid, /^[\w-]+$/);
    const hs256 = await cli(["keys", "rotate"], { JWT_ALGORITHM: "HS256" });
    assert.equal(hs256.code, 1);
    assert.match(hs256.stderr, /EdDSA only/);
  });

  it("doctor: ok on the server's configuration; unreachable Redis is a problem with a fix", async () => {
    const healthy = await cli(["doctor"]);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /^configuration: ok/m);
    assert.match(healthy.stdout, /^database: ok/m);

    const broken = await cli(["doctor"], { REDIS_URL: "redis://127.0.0.1:1" });
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^database: ok/m);
    assert.match(
      broken.stdout,
      /^redis: problem: cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*fix: check that Redis is running/m,
    );
  });

  it("doctor: a webhook endpoint is checked by a TCP connection, and named when it refuses", async () => {
    const receiver = createServer(() => assert.fail("doctor must send no request to the webhook"));
    await new Promise<void>((listening) => receiver.listen(0, "127.0.0.1", listening));
    const { port } = receiver.address() as AddressInfo;
    try {
      const reachable = await cli(["doctor"], { WEBHOOK_URL: `http://127.0.0.1:${port}/hook` });
      assert.equal(reachable.code, 0, reachable.stdout + reachable.stderr);
      assert.match(reachable.stdout, /^webhook: ok .*no event sent/m);
    } finally {
      await new Promise((closed) => receiver.close(closed));
    }
    const refused = await cli(["doctor"], { WEBHOOK_URL: `http://127.0.0.1:${port}/hook` });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      /^webhook: problem: cannot connect to WEBHOOK_URL .*ECONNREFUSED.*fix: /m,
    );
  });

  it("reports a configuration problem as the server does, exit code 1", async () => {
    const run = await cli(["customers", "find", "x@example.com"], { PORT: "abc" });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /PORT="abc"/);
    assert.match(run.stderr, /See docs\/configuration\.md/);
  });
});
