/**
 * Login limits under concurrency and abuse: attempts reserved before the password check (a burst
 * gets what serial attempts get, on one instance or several), refused attempts kept out of the
 * hashing queue, device cookies that keep the owner in, IPv6 clients counted by prefix, no email
 * in clear in the throttle keys, and the development 429 message. The same limits hold on Medusa v2
 * mode's routes (MEDUSA_VERSION=2): logins, registrations of a known email and wrong
 * `old_password`s count as failed logins, and registrations are limited per address.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useServer, withServer as withOwnServer } from "../../../../testing/fixture.js";
import { setTimeout as sleep } from "node:timers/promises";
import { assertRateLimited } from "../../../../testing/expect.js";
import {
  STRONG_PASSWORD,
  client,
  register,
  registerV2,
  request,
  type ApiResponse,
} from "../../../../testing/http.js";
import { queryTestDb } from "../../../../testing/db.js";
import { storedThrottles } from "../../../../testing/throttle.js";
import { startServer, uniqueEmail, type TestServer } from "../../../../testing/server.js";

const from = (ip: string, cookie?: string) => ({ headers: { "x-forwarded-for": ip }, cookie });

const tally = (responses: ApiResponse[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

/** A server of the test's own; every one here trusts X-Forwarded-For (tests speak for many addresses). */
const withServer = (env: Record<string, string>, use: (server: TestServer) => Promise<void>) =>
  withOwnServer({ TRUST_PROXY: "true", ...env }, use);

/**
 * Sends `wrong` attempts at once, then `last` as soon as the first 429 shows that the back-off
 * has engaged (so that it is not among the first five, whatever order the server sees them in).
 */
async function burstThen(
  wrong: Array<() => Promise<ApiResponse>>,
  last: () => Promise<ApiResponse>,
): Promise<ApiResponse[]> {
  let refused!: () => void;
  const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
  const sent = wrong.map((send) =>
    send().then((res) => {
      if (res.status === 429) refused();
      return res;
    }),
  );
  await Promise.race([firstRefusal, Promise.all(sent)]);
  return Promise.all([...sent, last()]);
}

/** `name=value` of the device cookie a response sets. */
const deviceCookie = (response: ApiResponse) =>
  response.setCookies.find((cookie) => cookie.startsWith("gatehouse.device="))?.split(";")[0];

describe("login limits", () => {
  const app = useServer({ env: { TRUST_PROXY: "true" } });
  const { api } = app;

  describe("attempts are counted before the password is checked", () => {
    it("a burst of 60 on one account from one address: 5 × 401, then 429, the right password (last) too", async () => {
      const email = uniqueEmail("burst");
      await register(app.url, email);
      const responses = await burstThen(
        Array.from(
          { length: 59 },
          () => () =>
            api.post("/store/auth", { email, password: "wrong-password" }, from("203.0.113.10")),
        ),
        () => api.post("/store/auth", { email, password: STRONG_PASSWORD }, from("203.0.113.10")),
      );
      assert.deepEqual(tally(responses), { 401: 5, 429: 55 });
      const last = responses.at(-1)!;
      assert.equal(last.status, 429, "the right password waits like the rest");
      assert.equal(last.body.code, "rate_limited");
      assert.ok(Number(last.headers.get("retry-after")) >= 1);
    });

    it("a spray over 60 accounts from one address with RATE_LIMIT_LOGIN_IP=20/15m: exactly 20 × 401", async () => {
      await withServer({ RATE_LIMIT_LOGIN_IP: "20/15m" }, async (limited) => {
        const limitedApi = client(limited.url);
        const responses = await Promise.all(
          Array.from({ length: 60 }, () =>
            limitedApi.post(
              "/store/auth",
              { email: uniqueEmail("spray"), password: "wrong-password" },
              from("198.51.100.20"),
            ),
          ),
        );
        assert.deepEqual(tally(responses), { 401: 20, 429: 40 });
      });
    });

    it("the same spray split over two instances sharing storage: exactly 20 × 401", async () => {
      await withServer({ RATE_LIMIT_LOGIN_IP: "20/15m" }, async (first) => {
        const second = await startServer({
          shareWith: first,
          env: { TRUST_PROXY: "true", RATE_LIMIT_LOGIN_IP: "20/15m" },
        });
        try {
          const responses = await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              request((i % 2 ? second : first).url, "POST", "/store/auth", {
                body: { email: uniqueEmail("split"), password: "wrong-password" },
                ...from("198.51.100.21"),
              }),
            ),
          );
          assert.deepEqual(tally(responses), { 401: 20, 429: 40 });
        } finally {
          await second.stop();
        }
      });
    });

    it("right and wrong passwords at once on two instances, sharing keys: never a 5xx", async () => {
      // Successes give back and clear what failures reserve, on the same keys at the same time.
      const relaxed = {
        RATE_LIMIT_LOGIN_IP: "100000/1m",
        RATE_LIMIT_LOGIN_IP_ACCOUNT: "100000/1m",
      };
      await withServer(relaxed, async (first) => {
        const second = await startServer({
          shareWith: first,
          env: { TRUST_PROXY: "true", ...relaxed },
        });
        try {
          const emails = [uniqueEmail("mixed"), uniqueEmail("mixed"), uniqueEmail("mixed")];
          for (const email of emails) await register(first.url, email);
          const responses: ApiResponse[] = [];
          await Promise.all(
            Array.from({ length: 16 }, async (_, loop) => {
              for (let i = 0; i < 25; i++) {
                const res = await request(
                  (loop % 2 ? second : first).url,
                  "POST",
                  i % 3 ? "/store/auth" : "/store/auth/token",
                  {
                    body: {
                      email: emails[(loop + i) % 3],
                      password: i % 4 === 0 ? "wrong-password" : STRONG_PASSWORD,
                    },
                    ...from("198.51.100.30"),
                  },
                );
                responses.push(res);
              }
            }),
          );
          const counts = tally(responses);
          assert.ok(
            responses.every((res) => [200, 401, 429].includes(res.status)),
            JSON.stringify(counts),
          );
          assert.ok((counts[200] ?? 0) > 0 && (counts[401] ?? 0) > 0, JSON.stringify(counts));
        } finally {
          await second.stop();
        }
      });
    });

    it("a success gives back its reservation on the address's count", async () => {
      await withServer({ RATE_LIMIT_LOGIN_IP: "3/15m" }, async (limited) => {
        const limitedApi = client(limited.url);
        const email = uniqueEmail("refund");
        await register(limited.url, email);
        for (let i = 0; i < 5; i++) {
          const res = await limitedApi.post(
            "/store/auth",
            { email, password: STRONG_PASSWORD },
            from("198.51.100.22"),
          );
          assert.equal(res.status, 200, `login ${i}`);
        }
        for (let i = 0; i < 3; i++) {
          const res = await limitedApi.post(
            "/store/auth",
            { email: uniqueEmail(), password: "wrong-password" },
            from("198.51.100.22"),
          );
          assert.equal(res.status, 401, `failure ${i}`);
        }
      });
    });
  });

  describe("refused attempts take no place in the hashing queue", () => {
    it("a flood of 200 from one address leaves another address's logins at 200, never 503", async () => {
      await withServer({ PASSWORD_HASH_QUEUE: "16" }, async (small) => {
        const smallApi = client(small.url);
        const email = uniqueEmail("bystander");
        await register(small.url, email);
        let flooding = true;
        const flood = Promise.all(
          Array.from({ length: 200 }, () =>
            smallApi.post(
              "/store/auth",
              { email: uniqueEmail("flood"), password: "wrong-password" },
              from("198.51.100.66"),
            ),
          ),
        ).finally(() => (flooding = false));
        const bystander: number[] = [];
        while (flooding || bystander.length < 3) {
          const res = await smallApi.post(
            "/store/auth",
            { email, password: STRONG_PASSWORD },
            from("203.0.113.20"),
          );
          bystander.push(res.status);
        }
        const responses = await flood;
        const flooded = tally(responses);
        assert.deepEqual(new Set(bystander), new Set([200]), String(bystander));
        assert.equal(flooded[503], undefined, JSON.stringify(flooded));
        assert.equal(flooded[401]! + flooded[429]!, 200, JSON.stringify(flooded));
        // Beyond its share of the queue (2 of 16) the address is told to slow down.
        const overShare = responses.find((res) =>
          String(res.body?.message).startsWith("Too many logins from this address at once"),
        );
        assert.ok(overShare, JSON.stringify(flooded));
        assert.equal(overShare.status, 429);
        assert.equal(overShare.headers.get("retry-after"), "1");
      });
    });
  });

  describe("device cookies keep the owner in", () => {
    it("sets an HttpOnly device cookie for a year at every successful cookie login", async () => {
      const email = uniqueEmail("device");
      await register(app.url, email);
      for (const res of [
        await api.post("/store/auth", { email, password: STRONG_PASSWORD }),
        await api.post("/store/auth", { email, password: STRONG_PASSWORD }),
      ]) {
        assert.equal(res.status, 200);
        const header = res.setCookies.find((cookie) => cookie.startsWith("gatehouse.device="));
        assert.ok(header, res.setCookies.join(" | "));
        assert.match(header, /; Max-Age=31536000/);
        assert.match(header, /; Path=\//);
        assert.match(header, /; HttpOnly/);
        assert.match(header, /; SameSite=Lax/);
      }
      const failed = await api.post("/store/auth", { email, password: "wrong-password" });
      assert.equal(deviceCookie(failed), undefined, "none on a failure");
      const token = await api.post("/store/auth/token", { email, password: STRONG_PASSWORD });
      assert.equal(token.setCookies.length, 0, "none for a token");
    });

    it("the owner's device logs in while attackers have locked the account; nobody else does", async () => {
      const email = uniqueEmail("owner");
      const other = uniqueEmail("other");
      await register(app.url, email);
      await register(app.url, other);
      const owner = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.30"),
      );
      const device = deviceCookie(owner)!;
      const otherLogin = await api.post(
        "/store/auth",
        { email: other, password: STRONG_PASSWORD },
        from("198.51.100.40"),
      );
      const foreignDevice = deviceCookie(otherLogin)!;
      // Attackers from several addresses engage both accounts' back-off (a burst, as in F1),
      // then lengthen it to 8 s with three more failures once each delay has passed.
      const bursts = await Promise.all(
        [email, other].map((target) =>
          Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              api.post(
                "/store/auth",
                { email: target, password: "wrong-password" },
                from(`198.51.100.${50 + (i % 5)}`),
              ),
            ),
          ),
        ),
      );
      for (const burst of bursts) assert.deepEqual(tally(burst), { 401: 5, 429: 45 });
      for (const delay of [1100, 2100, 4100]) {
        await sleep(delay);
        for (const target of [email, other]) {
          const res = await api.post(
            "/store/auth",
            { email: target, password: "wrong" },
            from("198.51.100.56"),
          );
          assert.equal(res.status, 401);
        }
      }
      const newDevice = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.31"),
      );
      assert.equal(newDevice.status, 429, "a client without the device cookie waits");
      const foreign = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.31", foreignDevice),
      );
      assert.equal(foreign.status, 429, "another account's device cookie is ignored");
      const forged = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.31", `gatehouse.device=${device.split("=")[1]!.slice(0, 30)}x`),
      );
      assert.equal(forged.status, 429, "a malformed device cookie is ignored");

      const back = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.30", device),
      );
      assert.equal(back.status, 200, "the owner's device is let in");
      const token = await api.post(
        "/store/auth/token",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.32", device),
      );
      assert.equal(token.status, 200, "from another address too, and for a token");
      const stillLocked = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.31"),
      );
      assert.equal(stillLocked.status, 429, "the owner's success does not unlock other clients");
      const stolen = await api.post(
        "/store/auth",
        { email: other, password: STRONG_PASSWORD },
        from("198.51.100.61", device),
      );
      assert.equal(stolen.status, 429, "this account's device cookie opens no other account");
    });

    it("a device has its own back-off: 5 free failures, then 429", async () => {
      const email = uniqueEmail("device-backoff");
      await register(app.url, email);
      const device = deviceCookie(
        await api.post("/store/auth", { email, password: STRONG_PASSWORD }, from("203.0.113.33")),
      )!;
      const burst = await burstThen(
        Array.from(
          { length: 50 },
          () => () =>
            api.post("/store/auth", { email, password: "wrong" }, from("203.0.113.33", device)),
        ),
        () =>
          api.post(
            "/store/auth",
            { email, password: STRONG_PASSWORD },
            from("203.0.113.33", device),
          ),
      );
      assert.deepEqual(tally(burst), { 401: 5, 429: 46 });
      assert.equal(burst.at(-1)!.status, 429, "the right password waits too");
      const elsewhere = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        from("203.0.113.34"),
      );
      assert.equal(elsewhere.status, 200, "the device's failures do not lock the account");
    });
  });

  describe("IPv6 clients are counted by their prefix", () => {
    it("addresses in one /64 share a budget; another /64 has its own; IPv4-mapped counts as IPv4", async () => {
      await withServer(
        { RATE_LIMIT_EXISTS: "3/1m", RATE_LIMIT_LOGIN_IP: "2/15m" },
        async (limited) => {
          const limitedApi = client(limited.url);
          const exists = (ip: string) =>
            limitedApi.get(`/store/auth/${uniqueEmail()}`, from(ip)).then((res) => res.status);
          for (const ip of ["2001:db8:1:2::a", "2001:db8:1:2::b", "2001:db8:1:2:ffff::c"]) {
            assert.equal(await exists(ip), 200, ip);
          }
          assert.equal(await exists("2001:db8:1:2::d"), 429);
          assert.equal(await exists("2001:db8:1:3::a"), 200, "another /64");
          for (let i = 0; i < 3; i++) assert.equal(await exists("::ffff:192.0.2.9"), 200);
          assert.equal(await exists("192.0.2.9"), 429, "the mapped address is the IPv4 one");

          const login = (ip: string) =>
            limitedApi
              .post("/store/auth", { email: uniqueEmail(), password: "wrong" }, from(ip))
              .then((res) => res.status);
          assert.equal(await login("2001:db8:9:9::1"), 401);
          assert.equal(await login("2001:db8:9:9::2"), 401);
          assert.equal(await login("2001:db8:9:9::3"), 429);
          assert.equal(await login("2001:db8:9:a::1"), 401);
        },
      );
    });

    it("a burst from 50 addresses of one /64 gets one budget", async () => {
      await withServer({ RATE_LIMIT_EXISTS: "3/1m" }, async (limited) => {
        const responses = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            client(limited.url).get(
              `/store/auth/${uniqueEmail()}`,
              from(`2001:db8:5:6::${(i + 1).toString(16)}`),
            ),
          ),
        );
        assert.deepEqual(tally(responses), { 200: 3, 429: 47 });
      });
    });

    it("RATE_LIMIT_IPV6_PREFIX=128 counts every address on its own", async () => {
      await withServer({ RATE_LIMIT_EXISTS: "1/1m", RATE_LIMIT_IPV6_PREFIX: "128" }, async (s) => {
        const sApi = client(s.url);
        for (const ip of ["2001:db8:1:2::a", "2001:db8:1:2::b"]) {
          assert.equal((await sApi.get(`/store/auth/${uniqueEmail()}`, from(ip))).status, 200);
        }
        assert.equal(
          (await sApi.get(`/store/auth/${uniqueEmail()}`, from("2001:db8:1:2::a"))).status,
          429,
        );
      });
    });
  });

  describe("throttle keys hold no email", () => {
    it("stores no typed email after failed logins and reset requests", async () => {
      const email = uniqueEmail("keyed");
      const unknown = uniqueEmail("typo");
      await register(app.url, email);
      for (const typed of [email, unknown, email.toUpperCase()]) {
        assert.equal(
          (await api.post("/store/auth", { email: typed, password: "wrong" })).status,
          401,
        );
        assert.equal(
          (await api.post("/store/customers/password-token", { email: typed })).status,
          204,
        );
      }
      const keys = (await storedThrottles(app.server)).map((row) => row.key);
      assert.ok(
        keys.some((key) => key.includes("login:account:")),
        keys.join(" "),
      );
      assert.ok(
        keys.some((key) => key.includes("password-token:email:")),
        keys.join(" "),
      );
      for (const key of keys) {
        for (const typed of [email, unknown]) {
          assert.ok(!key.toLowerCase().includes(typed.split("@")[0]!), key);
        }
        assert.ok(!key.includes("@"), key);
      }
    });
  });

  describe("429 messages in development", () => {
    it("say when to retry and that RATE_LIMIT=false switches the limits off", async () => {
      await withServer({ NODE_ENV: "development", RATE_LIMIT_EXISTS: "1/1m" }, async (dev) => {
        const devApi = client(dev.url);
        assert.equal((await devApi.get(`/store/auth/${uniqueEmail()}`)).status, 200);
        const res = await devApi.get(`/store/auth/${uniqueEmail()}`);
        assert.equal(res.status, 429);
        assert.match(
          res.body.message,
          /^Too many requests from this address; try again later \(development: retry in \d+ seconds, or set RATE_LIMIT=false to switch the limits off\)$/,
        );
        assert.equal(res.body.code, "rate_limited");
      });
    });
  });
});

describe("login limits in v2 mode (MEDUSA_VERSION=2)", () => {
  const app = useServer({ env: { MEDUSA_VERSION: "2", TRUST_PROXY: "true" } });
  const { api } = app;
  const store = { "x-publishable-api-key": "pk_limits" };
  const INVALID_CREDENTIALS = { type: "unauthorized", message: "Invalid email or password" };
  const IDENTITY_EXISTS = { type: "unauthorized", message: "Identity with email already exists" };
  const TOO_MANY_FAILURES =
    /^Too many failed login attempts; try again in \d+ seconds? \(development: /;
  const v2Login = (url: string, email: string, password: string, ip: string) =>
    request(url, "POST", "/auth/customer/emailpass", { body: { email, password }, ...from(ip) });
  const v2Server = (env: Record<string, string>, use: (server: TestServer) => Promise<void>) =>
    withServer({ MEDUSA_VERSION: "2", ...env }, use);
  const identities = (email: string) =>
    app.db.query("select id from auth_identity where email_key = $1", [email.toLowerCase()]);

  it("a burst of 50 on one account from one address: 5 × 401, then v1 mode's 429, the right password (last) too", async () => {
    const email = uniqueEmail("v2-burst");
    const { id } = await registerV2(api, email, store);
    const responses = await burstThen(
      Array.from(
        { length: 49 },
        () => () => v2Login(app.url, email, "wrong-password", "203.0.113.110"),
      ),
      () => v2Login(app.url, email, STRONG_PASSWORD, "203.0.113.110"),
    );
    assert.deepEqual(tally(responses), { 401: 5, 429: 45 });
    for (const res of responses.filter((one) => one.status === 401)) {
      assert.deepEqual(res.body, INVALID_CREDENTIALS);
    }
    for (const res of responses.filter((one) => one.status === 429)) {
      assertRateLimited(res, TOO_MANY_FAILURES);
    }
    assert.equal(responses.at(-1)!.status, 429, "the right password waits like the rest");
    // Only registerV2's own login made a session.
    assert.equal(await app.sessionCount(id), 1);
  });

  it("a spray over 50 accounts from one address with RATE_LIMIT_LOGIN_IP=20/15m: exactly 20 × 401", async () => {
    await v2Server({ TRUST_PROXY: "true", RATE_LIMIT_LOGIN_IP: "20/15m" }, async (limited) => {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          v2Login(limited.url, uniqueEmail("v2-spray"), "wrong-password", "198.51.100.120"),
        ),
      );
      assert.deepEqual(tally(responses), { 401: 20, 429: 30 });
      assertRateLimited(
        responses.find((res) => res.status === 429)!,
        /^Too many/,
      );
      // Another address has its own budget.
      const elsewhere = await v2Login(limited.url, uniqueEmail(), "wrong", "198.51.100.121");
      assert.deepEqual(elsewhere.body, INVALID_CREDENTIALS);
    });
  });

  it("registering a known email counts as a login attempt: a burst of 50 wrong passwords locks the account", async () => {
    const email = uniqueEmail("v2-register-known");
    await registerV2(api, email, store);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(app.url, "POST", "/auth/customer/emailpass/register", {
          body: { email: i % 2 ? email : email.toUpperCase(), password: `Other-Horse-${i}-staple` },
          ...from("203.0.113.111"),
        }),
      ),
    );
    assert.deepEqual(tally(responses), { 401: 5, 429: 45 });
    for (const res of responses.filter((one) => one.status === 401)) {
      assert.deepEqual(res.body, IDENTITY_EXISTS);
    }
    assertRateLimited(
      responses.find((res) => res.status === 429)!,
      TOO_MANY_FAILURES,
    );
    assert.equal((await identities(email)).length, 1, "no second identity");
    // The account's back-off holds for its owner's login too, from any address.
    const owner = await v2Login(app.url, email, STRONG_PASSWORD, "203.0.113.112");
    assertRateLimited(owner, TOO_MANY_FAILURES);
  });

  it("registrations are limited per address: a burst of 50 with RATE_LIMIT_REGISTER=10/10m makes exactly 10 identities", async () => {
    await v2Server({ RATE_LIMIT_REGISTER: "10/10m" }, async (limited) => {
      const emails = Array.from({ length: 50 }, () => uniqueEmail("v2-register"));
      const responses = await Promise.all(
        emails.map((email) =>
          client(limited.url).post("/auth/customer/emailpass/register", {
            email,
            password: STRONG_PASSWORD,
          }),
        ),
      );
      assert.deepEqual(tally(responses), { 200: 10, 429: 40 });
      for (const res of responses.filter((one) => one.status === 429)) {
        assertRateLimited(res, /^Too many requests from this address; try again later/);
      }
      const stored = await queryTestDb<{ email: string }>(
        limited,
        "select email from auth_identity",
      );
      const registered = emails.filter((_, i) => responses[i]!.status === 200);
      assert.deepEqual(stored.map((row) => row.email).sort(), registered.sort());
    });
  });

  it("wrong old_passwords at the update route count as failed logins of the account", async () => {
    await v2Server({ RATE_LIMIT_LOGIN_IP_ACCOUNT: "3/15m" }, async (limited) => {
      const limitedApi = client(limited.url);
      const email = uniqueEmail("v2-guessing");
      const { id, token } = await registerV2(limitedApi, email, store);
      const storedHash = async () =>
        (
          await queryTestDb<{ password_hash: string }>(
            limited,
            "select password_hash from customer where id = $1",
            [id],
          )
        )[0]!.password_hash;
      const hash = await storedHash();
      const guess = (old_password: string) =>
        limitedApi.post(
          "/auth/customer/emailpass/update",
          { password: "A-new-passphrase-9-long", old_password },
          { token },
        );
      for (let i = 0; i < 3; i++) {
        const res = await guess(`wrong guess ${i}`);
        assert.equal(res.status, 401, res.text);
        assert.deepEqual(res.body, { type: "unauthorized", message: "old_password is incorrect" });
      }
      assertRateLimited(await guess(STRONG_PASSWORD), /^Too many failed login attempts/);
      assertRateLimited(
        await limitedApi.post("/auth/customer/emailpass", { email, password: STRONG_PASSWORD }),
        /^Too many failed login attempts/,
      );
      assert.equal(await storedHash(), hash, "the password is unchanged");
    });
  });
});
