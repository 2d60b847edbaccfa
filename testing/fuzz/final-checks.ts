/**
 * What must hold after a fuzzing run, in v1 and v2 modes alike: the server is alive, the reserved
 * credentials of C still work and its address survived, every customer logs in with its password,
 * and every stored row is intact (in v2, with one identity linked to it).
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { ServerFixture } from "../fixture.js";
import { request } from "../http.js";
import type { Fuzzer } from "./fuzzer.js";

export async function checkAfterFuzzing(t: TestContext, fuzzer: Fuzzer, app: ServerFixture) {
  const { plain, accounts, reserve, totals, sandboxChanges } = fuzzer;
  const v2 = fuzzer.api === 2;
  t.diagnostic(
    `total: ${totals.requests} requests, ${totals.skipped} refused by the client, statuses ` +
      [...totals.statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(" "),
  );
  assert.equal(app.server.process.exitCode, null, "the server process is still running");
  assert.equal(app.server.process.signalCode, null, "the server process is still running");
  const health = await plain("GET", "/health");
  assert.equal(health.status, 200, health.text);

  // C's cookie and token from before the fuzzing still work, and its address is still there.
  const reserved: Array<Record<string, string>> = [
    { cookie: `connect.sid=${reserve.cookie}` },
    { authorization: `Bearer ${reserve.token}` },
  ];
  for (const headers of reserved) {
    const me = await plain("GET", "/store/customers/me", headers);
    assert.equal(me.status, 200, me.text);
    const { customer } = JSON.parse(me.text) as {
      customer: { id: string; email: string } & Record<string, Array<{ id: string }>>;
    };
    assert.equal(customer.id, accounts.C.id);
    assert.equal(customer.email, accounts.C.email);
    const book = customer[v2 ? "addresses" : "shipping_addresses"]!;
    assert.ok(
      book.some((address) => address.id === reserve.addressId),
      "C's address survived",
    );
  }

  // Every customer logs in with its password (E with the one the fuzzer set, if it changed it)
  // on fuzzer.unthrottled; A, B and C, whose emails no failed login ever uses, on the fuzzed
  // instance too (the fuzzer throttles D, and may hit E's latest email by chance).
  for (const account of Object.values(accounts)) {
    const instances = ["A", "B", "C"].includes(account.role)
      ? [app.server, fuzzer.unthrottled]
      : [fuzzer.unthrottled];
    for (const instance of instances) {
      const response = await request(
        instance.url,
        "POST",
        v2 ? "/auth/customer/emailpass" : "/store/auth",
        { body: { email: account.email, password: account.password } },
      );
      assert.equal(
        response.status,
        200,
        `${account.role} (${account.email}) logs in: ${response.text}`,
      );
      if (v2) {
        const claims = JSON.parse(
          Buffer.from((response.body.token as string).split(".")[1]!, "base64url").toString(),
        ) as { actor_id: string };
        assert.equal(claims.actor_id, account.id, `${account.role}'s token names its customer`);
      } else {
        assert.equal(response.body.customer.id, account.id);
        assert.equal(response.body.customer.email, account.email.toLowerCase());
      }
    }
  }

  // The stored rows: same email (E's as last answered), an Argon2id hash, not deleted; in v2,
  // one identity linked to it.
  for (const account of Object.values(accounts)) {
    const rows = await app.db.query<{
      email: string;
      password_hash: string | null;
      deleted_at: unknown;
      has_account: unknown;
    }>("select email, password_hash, deleted_at, has_account from customer where id = $1", [
      account.id,
    ]);
    assert.equal(rows.length, 1, `${account.role}'s row exists`);
    const row = rows[0]!;
    assert.equal(row.email, account.email.toLowerCase(), `${account.role}'s email`);
    assert.match(row.password_hash ?? "", /^\$argon2id\$/, `${account.role}'s password hash`);
    assert.equal(row.deleted_at, null, `${account.role} is not deleted`);
    assert.ok(Boolean(row.has_account), `${account.role} still has an account`);
    if (!v2) continue;
    const identities = await app.db.query<{ email_key: string }>(
      "select email_key from auth_identity where customer_id = $1",
      [account.id],
    );
    assert.deepEqual(
      identities.map((identity) => identity.email_key),
      [account.email.toLowerCase()],
      `${account.role}'s identity`,
    );
  }
  t.diagnostic(
    `the sandbox customer E changed its email ${sandboxChanges.email} times and its password ${sandboxChanges.password} times`,
  );
  for (const [id, count] of totals.knownBugs) t.diagnostic(`known bug ${id}: ${count} answers`);
  const errors = app.server.logs.filter(
    (entry) => typeof entry.level === "number" && entry.level >= 50,
  );
  t.diagnostic(`${errors.length} error-level log lines from the server`);
}
