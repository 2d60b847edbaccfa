/**
 * Property-based fuzzing of Medusa v2 mode (MEDUSA_VERSION=2, standalone, PUBLISHABLE_API_KEYS),
 * the same properties as v1's (fuzz.test.ts) over v2's routes and bodies: whatever the body,
 * headers, cookies, tokens (login, registration, reset), publishable key, path or method, a request
 * gets a 2xx–4xx answer — every 4xx a JSON error with a string `type` and `message`, or v2's bare
 * `{"message":"Unauthorized"}` — never a 5xx, a crash or a hang, and no request loses or corrupts a
 * stored customer or its identity.
 *
 * A third of v1's cases (one backend well under a minute); FUZZ_SEED and FUZZ_RUNS as in v1.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, request } from "../../../../testing/http.js";
import { createFuzzer } from "../../../../testing/fuzz/fuzzer.js";
import { allAnswered, fuzzProperties } from "../../../../testing/fuzz/properties.js";
import type { FuzzRequest } from "../../../../testing/fuzz/requests.js";
import { TEST_TIMEOUT_MS, runs } from "../../../../testing/fuzz/settings.js";

const KEY = "pk_fuzz_v2_key";

describe("fuzzing every v2 route (any input: a 2xx-4xx JSON answer, never a 5xx, crash or hang)", () => {
  const fuzzer = createFuzzer({ api: 2, publishableKey: KEY });
  // Added first, so it runs first: the second instance stops before the fuzzed one.
  after(() => fuzzer.stop());
  // Per-IP limits off (every request comes from 127.0.0.1); per-account back-off stays on.
  const app = useServer({
    env: {
      MEDUSA_VERSION: "2",
      PUBLISHABLE_API_KEYS: `pk_other_key,${KEY}`,
      RATE_LIMIT_LOGIN_IP: "100000/1m",
      RATE_LIMIT_LOGIN_IP_ACCOUNT: "100000/1m",
    },
  });
  before(() => fuzzer.start(app.server));
  const { fuzz, exchange, plain, accounts, reserve, totals, sandboxChanges } = fuzzer;

  fuzzProperties(fuzzer, () => app.url, {
    share: 1 / 3,
    races: () =>
      it(
        "races for one email: registrations in its spellings, then customer creations",
        { timeout: TEST_TIMEOUT_MS },
        (t) =>
          fuzz(
            t,
            fuzzer.arbs.emailRace,
            runs(15),
            async ({ local, spellings, contenders }, stats) => {
              // Spellings of one address that normalize alike (case, NFC vs NFD): one identity at most.
              const address = `${local}-é@example.com`;
              const spelled = (n: number) =>
                [address, address.toUpperCase(), address.normalize("NFD")][(n + spellings) % 3]!;
              const registrations = contenders.map(([kind, spelling]): FuzzRequest => ({
                via: "fetch",
                method: "POST",
                path: "/auth/customer/emailpass/register",
                headers: [["content-type", "application/json"]],
                // "change": another password (v2 has no email change), a second identity's attempt.
                body: JSON.stringify({
                  email: spelled(spelling),
                  password: kind === "register" ? STRONG_PASSWORD : `${STRONG_PASSWORD} 2`,
                }),
              }));
              await allAnswered(registrations.map((one) => exchange(one, stats)));
              const identities = await app.db.query(
                "select id from auth_identity where email_key = $1",
                [address.normalize("NFKC").toLowerCase()],
              );
              assert.ok(identities.length <= 1, `${identities.length} identities for ${address}`);
              // The winner's registration token creates its customer, several times at once.
              const login = await request(app.url, "POST", "/auth/customer/emailpass", {
                body: { email: address, password: STRONG_PASSWORD },
              });
              if (login.status !== 200) return;
              const creations = contenders.map((_, spelling): FuzzRequest => ({
                via: "fetch",
                method: "POST",
                path: "/store/customers",
                headers: [
                  ["content-type", "application/json"],
                  ["authorization", `Bearer ${login.body.token as string}`],
                ],
                body: JSON.stringify({ email: spelled(spelling), first_name: "Racer" }),
              }));
              await allAnswered(creations.map((one) => exchange(one, stats)));
              const customers = await app.db.query("select id from customer where email = $1", [
                address.normalize("NFKC").toLowerCase(),
              ]);
              assert.ok(customers.length <= 1, `${customers.length} customers for ${address}`);
            },
          ),
      ),
  });

  it("afterwards: the server is alive and every customer is intact", async (t) => {
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
        customer: { id: string; email: string; addresses: Array<{ id: string }> };
      };
      assert.equal(customer.id, accounts.C.id);
      assert.equal(customer.email, accounts.C.email);
      assert.ok(
        customer.addresses.some((address) => address.id === reserve.addressId),
        "C's address survived",
      );
    }

    // Every customer logs in with its password (E with the one the fuzzer set, if it changed it)
    // on fuzzer.unthrottled; A, B and C, whose emails no failed login uses, on the fuzzed one too.
    for (const account of Object.values(accounts)) {
      const instances = ["A", "B", "C"].includes(account.role)
        ? [app.server, fuzzer.unthrottled]
        : [fuzzer.unthrottled];
      for (const instance of instances) {
        const response = await request(instance.url, "POST", "/auth/customer/emailpass", {
          body: { email: account.email, password: account.password },
        });
        assert.equal(
          response.status,
          200,
          `${account.role} (${account.email}) logs in: ${response.text}`,
        );
        const claims = JSON.parse(
          Buffer.from((response.body.token as string).split(".")[1]!, "base64url").toString(),
        ) as { actor_id: string; app_metadata: { customer_id: string } };
        assert.equal(claims.actor_id, account.id, `${account.role}'s token names its customer`);
      }
    }

    // The stored rows: same email, an Argon2id hash, not deleted, and one identity linked to it.
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
    t.diagnostic(`the sandbox customer E changed its password ${sandboxChanges.password} times`);
    for (const [id, count] of totals.knownBugs) t.diagnostic(`known bug ${id}: ${count} answers`);
    const errors = app.server.logs.filter(
      (entry) => typeof entry.level === "number" && entry.level >= 50,
    );
    t.diagnostic(`${errors.length} error-level log lines from the server`);
  });
});
