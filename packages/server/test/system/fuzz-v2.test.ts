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
import { checkAfterFuzzing } from "../../../../testing/fuzz/final-checks.js";
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
  const { fuzz, exchange } = fuzzer;

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

  it("afterwards: the server is alive and every customer is intact", (t) =>
    checkAfterFuzzing(t, fuzzer, app));
});
