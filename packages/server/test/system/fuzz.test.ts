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
import { STRONG_PASSWORD } from "../../../../testing/http.js";
import { checkAfterFuzzing } from "../../../../testing/fuzz/final-checks.js";
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
  const { fuzz, exchange, racers } = fuzzer;

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

  it("afterwards: the server is alive and every customer is intact", (t) =>
    checkAfterFuzzing(t, fuzzer, app));

  // The minimal reproducers: regression tests for fixed bugs, `todo` tests for open ones.
  for (const bug of KNOWN_BUGS) {
    it(`reproducer: ${bug.id}`, { todo: bug.open && `known server bug ${bug.id}` }, async () => {
      const problem = await bug.reproduce(app.url);
      assert.equal(problem, undefined, problem);
    });
  }
});
