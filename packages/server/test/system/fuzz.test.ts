/**
 * Property-based fuzzing of every route over real HTTP (SPEC §2.2, §5): whatever the body, headers,
 * cookies, token, path or method, a request gets a 2xx–4xx answer — every 4xx a JSON error with a
 * string `type` and `message` — never a 5xx, a crash or a hang, and no request loses or corrupts a
 * stored customer.
 *
 * FUZZ_SEED=<integer> replays (or varies) a run: the seed is printed, and a failure prints the seed,
 * the counterexample and the exact request. FUZZ_RUNS=<factor> scales the number of cases (1 by
 * default: about 4,500 requests per backend).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { STRONG_PASSWORD, request } from "../../../../testing/http.js";
import { createFuzzer } from "../../../../testing/fuzz/fuzzer.js";
import { KNOWN_BUGS } from "../../../../testing/fuzz/oracle.js";
import { allAnswered, fuzzProperties } from "../../../../testing/fuzz/properties.js";
import type { FuzzRequest } from "../../../../testing/fuzz/requests.js";
import { TEST_TIMEOUT_MS, runs } from "../../../../testing/fuzz/settings.js";

describe("fuzzing every route (any input: a 2xx-4xx JSON answer, never a 5xx, crash or hang)", () => {
  const fuzzer = createFuzzer();
  // Added first, so it runs first: the second instance stops before the fuzzed one.
  after(() => fuzzer.stop());
  // Per-IP limits off (every request comes from 127.0.0.1); per-account back-off stays on.
  const app = useServer({
    env: { RATE_LIMIT_LOGIN_IP: "100000/1m", RATE_LIMIT_LOGIN_IP_ACCOUNT: "100000/1m" },
  });
  before(() => fuzzer.start(app.server));
  const { fuzz, exchange, plain, accounts, reserve, racers, totals } = fuzzer;
  const { sandboxChanges } = fuzzer;

  // --- properties ----------------------------------------------------------------------------

  fuzzProperties(fuzzer, () => app.url, {
    races: () =>
      it(
        "races for one email: registrations and email changes at once",
        { timeout: TEST_TIMEOUT_MS },
        (t) =>
          fuzz(
            t,
            fuzzer.arbs.emailRace,
            runs(40),
            async ({ local, spellings, contenders }, stats) => {
              // Spellings of one address that normalize alike (case, NFC vs NFD): one account at most.
              const target = (spelling: number) => {
                const address = `${local}-é@example.com`;
                const spelled = [address, address.toUpperCase(), address.normalize("NFD")][
                  spelling % 3
                ]!;
                return spelled;
              };
              const requests = contenders.map(([kind, spelling], index): FuzzRequest =>
                kind === "register"
                  ? {
                      via: "fetch",
                      method: "POST",
                      path: "/store/customers",
                      headers: [["content-type", "application/json"]],
                      body: JSON.stringify({
                        email: target(spelling + spellings),
                        password: STRONG_PASSWORD,
                      }),
                    }
                  : {
                      via: "fetch",
                      method: "POST",
                      path: "/store/customers/me",
                      headers: [
                        ["content-type", "application/json"],
                        ["cookie", racers[index % racers.length]!],
                      ],
                      body: JSON.stringify({ email: target(spelling + spellings) }),
                    },
              );
              await allAnswered(requests.map((one) => exchange(one, stats)));
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

    // C's credentials from before the fuzzing still work, and its address is still there.
    const reserved: Array<Record<string, string>> = [
      { cookie: `connect.sid=${reserve.cookie}` },
      { authorization: `Bearer ${reserve.token}` },
    ];
    for (const headers of reserved) {
      const me = await plain("GET", "/store/customers/me", headers);
      assert.equal(me.status, 200, me.text);
      const customer = (
        JSON.parse(me.text) as {
          customer: { id: string; email: string; shipping_addresses: Array<{ id: string }> };
        }
      ).customer;
      assert.equal(customer.id, accounts.C.id);
      assert.equal(customer.email, accounts.C.email);
      assert.ok(
        customer.shipping_addresses.some((address) => address.id === reserve.addressId),
        "C's address survived",
      );
    }

    // Every customer logs in with its password (E with the one the fuzzer set, if it changed it)
    // on the fuzzer.unthrottled instance; A, B and C, whose emails no failed login ever uses, on the
    // fuzzed instance too (the fuzzer throttles D, and may hit E's latest email by chance).
    for (const account of Object.values(accounts)) {
      const instances = ["A", "B", "C"].includes(account.role)
        ? [app.server, fuzzer.unthrottled]
        : [fuzzer.unthrottled];
      for (const instance of instances) {
        const response = await request(instance.url, "POST", "/store/auth", {
          body: { email: account.email, password: account.password },
        });
        assert.equal(
          response.status,
          200,
          `${account.role} (${account.email}) logs in: ${response.text}`,
        );
        assert.equal(response.body.customer.id, account.id);
        assert.equal(response.body.customer.email, account.email.toLowerCase());
      }
    }

    // The stored rows: same email (E's as last answered), an Argon2id hash, not deleted.
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
    }
    t.diagnostic(
      `the sandbox customer E changed its email ${sandboxChanges.email} times and its password ${sandboxChanges.password} times`,
    );
    for (const [id, count] of totals.knownBugs) t.diagnostic(`known bug ${id}: ${count} answers`);
    const errors = app.server.logs.filter(
      (entry) => typeof entry.level === "number" && entry.level >= 50,
    );
    t.diagnostic(`${errors.length} error-level log lines from the server`);
  });

  // The minimal reproducers: regression tests for fixed bugs, `todo` tests for open ones.
  for (const bug of KNOWN_BUGS) {
    it(`reproducer: ${bug.id}`, { todo: bug.open && `known server bug ${bug.id}` }, async () => {
      const problem = await bug.reproduce(app.url);
      assert.equal(problem, undefined, problem);
    });
  }
});
