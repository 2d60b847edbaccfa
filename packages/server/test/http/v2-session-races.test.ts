/**
 * Medusa v2 mode (standalone, every backend): a session made from another credential — a cookie
 * from a login token (`POST /auth/session`), a token from a cookie session (`POST
 * /auth/token/refresh`) — never outlives a revocation of that credential that raced it. A thief's
 * 50 clients exchange a stolen credential over and over while the owner changes the password or
 * logs out everywhere: afterwards every credential the thief got is refused, and only the owner's
 * session is stored.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import {
  STRONG_PASSWORD,
  registerV2,
  sessionCookie,
  type ApiResponse,
  type RequestOptions,
} from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";

const KEY = "pk_session_race_test_key";
const BURST = 50;
/** Exchanges done before the revocation starts: the burst is in full flight by then. */
const BEFORE_REVOCATION = BURST;

describe("v2 mode: sessions made from a credential do not outlive its revocation", () => {
  const app = useServer({ env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: KEY } });
  const store = { "x-publishable-api-key": KEY };

  /** A customer, the thief's login token and the owner's, and the customer's id. */
  async function victim(prefix: string) {
    const email = uniqueEmail(prefix);
    const { id, token: thief } = await registerV2(app.api, email, store);
    const owner = await app.api.post("/auth/customer/emailpass", {
      email,
      password: STRONG_PASSWORD,
    });
    assert.equal(owner.status, 200, owner.text);
    return { id, thief, owner: owner.body.token as string };
  }

  /** A cookie session made from a login token. */
  async function cookieFrom(token: string): Promise<string> {
    const res = await app.api.post("/auth/session", undefined, { token });
    assert.equal(res.status, 200, res.text);
    return sessionCookie(res)!;
  }

  /** `POST /auth/session` with the token: the new cookie, or null. */
  const toCookie = (token: string) => async (): Promise<RequestOptions | null> => {
    const res = await app.api.post("/auth/session", undefined, { token });
    return res.status === 200 ? { cookie: sessionCookie(res)! } : null;
  };

  /** `POST /auth/token/refresh` with the cookie: the new token, or null. */
  const toToken = (cookie: string) => async (): Promise<RequestOptions | null> => {
    const res = await app.api.post("/auth/token/refresh", undefined, { cookie });
    return res.status === 200 ? { token: res.body.token as string } : null;
  };

  /**
   * BURST clients run the exchanges (in turn) over and over; once BEFORE_REVOCATION of them have
   * succeeded, `revoke` starts, and the clients stop when it has answered (their requests in
   * flight then finish). Returns every credential the exchanges got.
   */
  async function race(
    exchanges: Array<() => Promise<RequestOptions | null>>,
    revoke: () => Promise<ApiResponse>,
  ): Promise<RequestOptions[]> {
    const got: RequestOptions[] = [];
    let stop = false;
    let inFlight: () => void;
    const flying = new Promise<void>((resolve) => (inFlight = resolve));
    const client = async (index: number) => {
      while (!stop) {
        const credential = await exchanges[index % exchanges.length]!();
        if (credential) got.push(credential);
        if (got.length >= BEFORE_REVOCATION) inFlight();
      }
    };
    const clients = Array.from({ length: BURST }, (_, index) => client(index));
    await flying;
    const revoked = await revoke();
    stop = true;
    await Promise.all(clients);
    assert.equal(revoked.status, 200, revoked.text);
    return got;
  }

  /** Every credential is refused on a customer route (asked BURST at a time). */
  async function assertAllRefused(credentials: RequestOptions[]): Promise<void> {
    for (let i = 0; i < credentials.length; i += BURST) {
      const answers = await Promise.all(
        credentials
          .slice(i, i + BURST)
          .map((credential) =>
            app.api.get("/store/customers/me", { ...credential, headers: store }),
          ),
      );
      const alive = answers.filter((res) => res.status !== 401).length;
      assert.equal(alive, 0, `${alive} of ${credentials.length} credentials still work`);
    }
  }

  /** The owner's token still works, and the customer's only stored session is the owner's. */
  async function assertOnlyOwnerLeft(id: string, owner: string): Promise<void> {
    const me = await app.api.get("/store/customers/me", { token: owner, headers: store });
    assert.equal(me.status, 200, me.text);
    assert.equal(await app.sessionCount(id), 1);
  }

  const changePassword = (owner: string) => () =>
    app.api.post(
      "/auth/customer/emailpass/update",
      { password: "A-new-passphrase-9-long", old_password: STRONG_PASSWORD },
      { token: owner },
    );

  const logOutEverywhere = (owner: string) => () =>
    app.api.delete("/store/auth/sessions", { token: owner, headers: store });

  it(`${BURST} clients exchanging a token for cookies while the owner changes the password: no cookie survives`, async () => {
    const { id, thief, owner } = await victim("race-session");
    const cookies = await race([toCookie(thief)], changePassword(owner));
    await assertAllRefused([{ token: thief }, ...cookies]);
    await assertOnlyOwnerLeft(id, owner);
  });

  it(`${BURST} clients refreshing a cookie into tokens while the owner changes the password: no token survives`, async () => {
    const { id, thief, owner } = await victim("race-refresh");
    const cookie = await cookieFrom(thief);
    const tokens = await race([toToken(cookie)], changePassword(owner));
    await assertAllRefused([{ token: thief }, { cookie }, ...tokens]);
    await assertOnlyOwnerLeft(id, owner);
  });

  it(`${BURST} clients exchanging both ways while the owner logs out everywhere: nothing survives`, async () => {
    const { id, thief, owner } = await victim("race-revoke-all");
    const cookie = await cookieFrom(thief);
    const got = await race([toCookie(thief), toToken(cookie)], logOutEverywhere(owner));
    await assertAllRefused([{ token: thief }, { cookie }, ...got]);
    await assertOnlyOwnerLeft(id, owner);
  });
});
