/**
 * Medusa v2 mode (standalone, every backend): sessions made from an existing credential are
 * limited per customer (RATE_LIMIT_SESSION_EXCHANGE), not per address (shoppers share addresses): `POST /auth/session`, and refreshes
 * that make a session (a cookie session into a token, a registration token into a login token).
 * Beyond the limit: 429 with Retry-After and the body of the other limits. A bearer token's
 * rotation makes no session and is not limited.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withServer } from "../../../../testing/fixture.js";
import {
  client,
  registerV2,
  sessionCookie,
  type ApiResponse,
  type RequestOptions,
} from "../../../../testing/http.js";
import { storedSessions } from "../../../../testing/sessions.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";
import { loadConfig } from "../../src/config.js";

const KEY = "pk_session_limit_test_key";
const BURST = 50;
const LIMIT = 10;
const store = { "x-publishable-api-key": KEY };
const env = {
  MEDUSA_VERSION: "2",
  PUBLISHABLE_API_KEYS: KEY,
  TRUST_PROXY: "true",
  RATE_LIMIT_SESSION_EXCHANGE: `${LIMIT}/15m`,
};
/** Requests from one client address (the test's proxy header; TRUST_PROXY is on). */
const ADDRESS = { "x-forwarded-for": "203.0.113.7" };
const OTHER_ADDRESS = { "x-forwarded-for": "198.51.100.9" };
const MESSAGE = /^Too many sessions made for this account; try again later/;

/** Exactly `LIMIT` answers 200; the rest 429 with Retry-After and the limits' JSON body. */
function assertLimited(answers: ApiResponse[], allowed = LIMIT): void {
  const statuses = answers.map((res) => res.status);
  assert.equal(statuses.filter((status) => status === 200).length, allowed, String(statuses));
  for (const res of answers.filter((one) => one.status !== 200)) {
    assert.equal(res.status, 429, res.text);
    assert.equal(res.body.type, "not_allowed");
    assert.equal(res.body.code, "rate_limited");
    assert.match(res.body.message, MESSAGE);
    assert.ok(Number(res.headers.get("retry-after")) >= 1, "Retry-After");
  }
}

/** A customer of a fresh server, and its login token. */
async function customer(server: TestServer) {
  return registerV2(client(server.url), uniqueEmail("limited"), store);
}

const burst = (send: () => Promise<ApiResponse>) =>
  Promise.all(Array.from({ length: BURST }, send));

describe("v2 mode: sessions made from a credential are limited per customer", () => {
  it("RATE_LIMIT_SESSION_EXCHANGE defaults to 600 per 10 minutes", () => {
    assert.deepEqual(loadConfig({}).rateLimits.sessionExchange, {
      limit: 600,
      windowMs: 10 * 60_000,
    });
  });

  it(`a burst of ${BURST} POST /auth/session for one customer: ${LIMIT} cookies, the rest 429, from any address; another customer at the same address is not held back`, async () => {
    await withServer(env, async (server) => {
      const api = client(server.url);
      const { id, token } = await customer(server);
      const answers = await burst(() =>
        api.post("/auth/session", undefined, { token, headers: ADDRESS }),
      );
      assertLimited(answers);
      assert.equal((await storedSessions(server, id)).length, 1 + LIMIT);
      const elsewhere = await api.post("/auth/session", undefined, {
        token,
        headers: OTHER_ADDRESS,
      });
      assertLimited([elsewhere], 0);
      const neighbour = await customer(server);
      const beside = await api.post("/auth/session", undefined, {
        token: neighbour.token,
        headers: ADDRESS,
      });
      assert.equal(beside.status, 200, beside.text);
    });
  });

  it(`refreshes that make a session share the budget (a burst of ${BURST} from a cookie); rotations are not limited`, async () => {
    await withServer(env, async (server) => {
      const api = client(server.url);
      const { token } = await customer(server);
      const from = (credential: RequestOptions) => ({ ...credential, headers: ADDRESS });
      const started = await api.post("/auth/session", undefined, from({ token }));
      const cookie = sessionCookie(started)!;
      const answers = await burst(() =>
        api.post("/auth/token/refresh", undefined, from({ cookie })),
      );
      // POST /auth/session took one of the budget.
      assertLimited(answers, LIMIT - 1);
      // The budget is spent; a login token still rotates, again and again.
      let current = token;
      for (let i = 0; i < LIMIT + 5; i++) {
        const rotated = await api.post("/auth/token/refresh", undefined, from({ token: current }));
        assert.equal(rotated.status, 200, rotated.text);
        current = rotated.body.token as string;
      }
    });
  });

  it("a registration token is refreshed freely until its customer exists; then its refresh into a login token counts", async () => {
    await withServer(env, async (server) => {
      const api = client(server.url);
      const email = uniqueEmail("limited-registration");
      const registered = await api.post("/auth/customer/emailpass/register", {
        email,
        password: "Correct-Horse-9-staple",
      });
      let registration = registered.body.token as string;
      for (let i = 0; i < LIMIT + 5; i++) {
        const refreshed = await api.post("/auth/token/refresh", undefined, {
          token: registration,
          headers: ADDRESS,
        });
        assert.equal(refreshed.status, 200, refreshed.text);
        registration = refreshed.body.token as string;
      }
      const created = await api.post(
        "/store/customers",
        { email },
        { token: registration, headers: store },
      );
      assert.equal(created.status, 200, created.text);
      const answers = await burst(() =>
        api.post("/auth/token/refresh", undefined, { token: registration, headers: ADDRESS }),
      );
      assertLimited(answers);
    });
  });
});
