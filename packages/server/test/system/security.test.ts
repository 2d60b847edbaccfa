/**
 * The security pack: one group per OWASP ASVS 4.0.3 requirement (ids in the names), plus the
 * enumeration checks. docs/security.md maps each id to these tests.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { useServer, withServer } from "../../../../testing/fixture.js";
import {
  STRONG_PASSWORD,
  client,
  getToken,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import { loggedResetToken, uniqueEmail } from "../../../../testing/server.js";

const strict = { RATE_LIMIT_LOGIN_IP: "1000/15m" };

describe("security pack", () => {
  const app = useServer({ env: strict });
  const { api } = app;

  const registerWith = (password: string) =>
    api.post("/store/customers", { email: uniqueEmail(), password });

  describe("ASVS 2.1.1 minimum password length", () => {
    it("refuses passwords shorter than 8 characters by default, saying so", async () => {
      const res = await registerWith("Xq7#pLm");
      assert.equal(res.status, 400);
      assert.equal(res.body.message, "password must be at least 8 characters long");
      assert.equal((await registerWith("Xq7#pLm2")).status, 200);
    });

    it("applies a configured minimum (PASSWORD_MIN_LENGTH=12 meets ASVS level 1)", async () => {
      await withServer({ PASSWORD_MIN_LENGTH: "12" }, async (strictServer) => {
        const strictApi = client(strictServer.url);
        const short = await strictApi.post("/store/customers", {
          email: uniqueEmail(),
          password: "Xq7#pLm2Vb9",
        });
        assert.equal(short.body.message, "password must be at least 12 characters long");
        const ok = await strictApi.post("/store/customers", {
          email: uniqueEmail(),
          password: "Xq7#pLm2Vb9z",
        });
        assert.equal(ok.status, 200);
      });
    });
  });

  describe("ASVS 2.1.2 long passwords", () => {
    it("permits 64 and 128 characters and refuses more than 128", async () => {
      // Random hex: a repeated unit such as "a1".repeat(32) is refused as a pattern.
      assert.equal((await registerWith(randomBytes(32).toString("hex"))).status, 200);
      assert.equal((await registerWith(randomBytes(64).toString("hex"))).status, 200);
      const res = await registerWith(randomBytes(64).toString("hex") + "d");
      assert.equal(res.status, 400);
      assert.equal(res.body.message, "password must be at most 128 characters long");
    });
  });

  describe("ASVS 2.1.3 no truncation", () => {
    it("distinguishes passwords that differ only in their last character", async () => {
      const email = uniqueEmail();
      const password = `Tr0ub4dor&3-${randomBytes(49).toString("hex")}`;
      await register(app.url, email, password);
      assert.equal(
        (await api.post("/store/auth", { email, password: password.slice(0, -1) + "X" })).status,
        401,
      );
      assert.equal((await api.post("/store/auth", { email, password })).status, 200);
    });
  });

  describe("ASVS 2.1.4 any printable Unicode", () => {
    it("accepts spaces, emoji and non-Latin scripts", async () => {
      for (const password of [
        "correct horse  battery",
        "🔐🦄🌈🎉🍕🚀💡🎈",
        "пароль-очень-длинный",
        "密码是很长的一句话吧",
      ]) {
        const email = uniqueEmail();
        assert.equal(
          (await api.post("/store/customers", { email, password })).status,
          200,
          password,
        );
        assert.equal((await api.post("/store/auth", { email, password })).status, 200, password);
      }
    });
  });

  describe("ASVS 2.1.7 breached and common passwords", () => {
    it("refuses passwords from the common-password list, in any case, with a reason", async () => {
      for (const password of ["password", "12345678", "Baseball", "qwertyuiop", "iloveyou"]) {
        const res = await registerWith(password);
        assert.equal(res.status, 400, password);
        assert.match(res.body.message, /commonly used/, password);
      }
    });

    it("checks new passwords on profile update too", async () => {
      const { cookie } = await register(app.url, uniqueEmail());
      const res = await api.post("/store/customers/me", { password: "football" }, { cookie });
      assert.equal(res.status, 400);
      assert.match(res.body.message, /commonly used/);
    });
  });

  describe("ASVS 2.2.1 anti-automation: failed-login throttling", () => {
    it("backs off an account after 5 consecutive failures: 429 rate_limited with Retry-After", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await api.post("/store/auth", { email, password: "wrong-password" })).status,
          401,
        );
      }
      const res = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 429, "even the right password waits");
      assert.equal(res.body.code, "rate_limited");
      assert.equal(res.body.type, "not_allowed");
      assert.match(res.headers.get("content-type")!, /application\/json/);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      const token = await api.post("/store/auth/token", { email, password: STRONG_PASSWORD });
      assert.equal(token.status, 429, "the token route shares the counter");
    });

    it("lets the account in once the back-off has passed, and a success resets the count", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      for (let i = 0; i < 5; i++)
        await api.post("/store/auth", { email, password: "wrong-password" });
      await sleep(1100);
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await api.post("/store/auth", { email, password: "wrong-password" })).status,
          401,
          `try ${i}`,
        );
      }
    });

    it("doubles the delay with every further failure", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      for (let i = 0; i < 5; i++)
        await api.post("/store/auth", { email, password: "wrong-password" });
      await sleep(1100);
      assert.equal((await api.post("/store/auth", { email, password: "wrong-again" })).status, 401);
      const res = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "2");
    });

    it("limits failures per client IP across accounts", async () => {
      await withServer({ RATE_LIMIT_LOGIN_IP: "4/1m" }, async (limited) => {
        const limitedApi = client(limited.url);
        for (let i = 0; i < 4; i++) {
          assert.equal(
            (await limitedApi.post("/store/auth", { email: uniqueEmail(), password: "x-wrong-x" }))
              .status,
            401,
          );
        }
        const res = await limitedApi.post("/store/auth", {
          email: uniqueEmail(),
          password: "x-wrong-x",
        });
        assert.equal(res.status, 429);
        assert.ok(Number(res.headers.get("retry-after")) > 1);
      });
    });

    it("limits failures per IP and account, and honours X-Forwarded-For only from a trusted proxy", async () => {
      await withServer(
        { RATE_LIMIT_LOGIN_IP_ACCOUNT: "2/1m", TRUST_PROXY: "127.0.0.1" },
        async (proxied) => {
          const proxiedApi = client(proxied.url);
          const email = uniqueEmail();
          await register(proxied.url, email);
          const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
          for (let i = 0; i < 2; i++) {
            assert.equal(
              (
                await proxiedApi.post(
                  "/store/auth",
                  { email, password: "nope-nope" },
                  from("203.0.113.7"),
                )
              ).status,
              401,
            );
          }
          assert.equal(
            (
              await proxiedApi.post(
                "/store/auth",
                { email, password: STRONG_PASSWORD },
                from("203.0.113.7"),
              )
            ).status,
            429,
          );
          assert.equal(
            (
              await proxiedApi.post(
                "/store/auth",
                { email, password: STRONG_PASSWORD },
                from("198.51.100.9"),
              )
            ).status,
            200,
            "another client address is not held back",
          );
        },
      );
      // Without TRUST_PROXY the header is ignored: every request counts for the real peer.
      await withServer({ RATE_LIMIT_LOGIN_IP_ACCOUNT: "2/1m" }, async (direct) => {
        const directApi = client(direct.url);
        const email = uniqueEmail();
        await register(direct.url, email);
        for (const ip of ["203.0.113.1", "203.0.113.2"]) {
          await directApi.post(
            "/store/auth",
            { email, password: "nope-nope" },
            { headers: { "x-forwarded-for": ip } },
          );
        }
        const res = await directApi.post(
          "/store/auth",
          { email, password: STRONG_PASSWORD },
          { headers: { "x-forwarded-for": "203.0.113.3" } },
        );
        assert.equal(res.status, 429);
      });
    });

    it("throttles existence checks, registrations and reset requests per IP", async () => {
      await withServer(
        {
          RATE_LIMIT_EXISTS: "3/1m",
          RATE_LIMIT_REGISTER: "2/1m",
          RATE_LIMIT_PASSWORD_TOKEN: "2/1m",
        },
        async (limited) => {
          const limitedApi = client(limited.url);
          for (let i = 0; i < 3; i++)
            assert.equal((await limitedApi.get(`/store/auth/${uniqueEmail()}`)).status, 200);
          const exists = await limitedApi.get(`/store/auth/${uniqueEmail()}`);
          assert.equal(exists.status, 429);
          assert.equal(exists.body.code, "rate_limited");
          for (let i = 0; i < 2; i++) {
            assert.equal(
              (
                await limitedApi.post("/store/customers", {
                  email: uniqueEmail(),
                  password: STRONG_PASSWORD,
                })
              ).status,
              200,
            );
          }
          assert.equal(
            (
              await limitedApi.post("/store/customers", {
                email: uniqueEmail(),
                password: STRONG_PASSWORD,
              })
            ).status,
            429,
          );
          for (let i = 0; i < 2; i++) {
            assert.equal(
              (await limitedApi.post("/store/customers/password-token", { email: uniqueEmail() }))
                .status,
              204,
            );
          }
          assert.equal(
            (await limitedApi.post("/store/customers/password-token", { email: uniqueEmail() }))
              .status,
            429,
          );
        },
      );
    });

    it("counts concurrent existence checks exactly, per IP", async () => {
      await withServer(
        { RATE_LIMIT_EXISTS: "10/1m", TRUST_PROXY: "127.0.0.1" },
        async (limited) => {
          const limitedApi = client(limited.url);
          // 25 checks from each of two addresses, all in flight at once.
          const statuses = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              limitedApi
                .get(`/store/auth/${uniqueEmail()}`, {
                  headers: { "x-forwarded-for": `203.0.113.${i % 2 === 0 ? 20 : 21}` },
                })
                .then((res) => ({ ip: i % 2, status: res.status })),
            ),
          );
          for (const ip of [0, 1]) {
            const mine = statuses.filter((entry) => entry.ip === ip).map((entry) => entry.status);
            assert.equal(mine.filter((status) => status === 200).length, 10, String(mine));
            assert.equal(mine.filter((status) => status === 429).length, 15, String(mine));
          }
        },
      );
    });
  });

  describe("ASVS 2.4.1 password storage", () => {
    it("stores Argon2id hashes, never the password, and never returns them", async () => {
      const email = uniqueEmail();
      const { customer, response } = await register(app.url, email);
      assert.ok(!response.text.includes("argon2") && !response.text.includes(STRONG_PASSWORD));
      const [row] = await app.db.query<{ password_hash: string }>(
        "select password_hash from customer where id = $1",
        [customer.id],
      );
      assert.match(row!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.ok(!row!.password_hash.includes(STRONG_PASSWORD));
    });
  });

  describe("ASVS 2.5.6 password recovery", () => {
    it("uses a single-use token and ends every session", async () => {
      const email = uniqueEmail();
      const { cookie } = await register(app.url, email);
      const token = await getToken(app.url, email);
      const from = app.server.logs.length;
      assert.equal((await api.post("/store/customers/password-token", { email })).status, 204);
      const reset = await loggedResetToken(app.server, email, from);
      assert.match(reset, /^[A-Za-z0-9_-]{43}$/, "256 random bits");
      const body = { email, token: reset, password: "a brand new passphrase" };
      assert.equal((await api.post("/store/customers/password-reset", body)).status, 200);
      assert.equal(
        (await api.post("/store/customers/password-reset", body)).status,
        401,
        "single use",
      );
      assert.equal((await api.get("/store/auth", { cookie })).status, 401);
      assert.equal((await api.get("/store/auth", { token })).status, 401);
    });
  });

  describe("ASVS 3.2.1 new session token at authentication", () => {
    it("issues a new cookie value at every login and registration, and the old one is dead", async () => {
      const email = uniqueEmail();
      const first = await register(app.url, email);
      const second = await api.post(
        "/store/auth",
        { email, password: STRONG_PASSWORD },
        { cookie: first.cookie },
      );
      assert.notEqual(sessionCookie(second), first.cookie);
      assert.equal((await api.get("/store/auth", { cookie: first.cookie })).status, 401);
    });
  });

  describe("ASVS 3.2.2 session token entropy", () => {
    it("uses 256-bit random ids: 43 base64url characters, all distinct", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      const values = new Set<string>();
      for (let i = 0; i < 20; i++) values.add((await login(app.url, email)).cookie.split("=")[1]!);
      assert.equal(values.size, 20);
      for (const value of values) assert.match(value, /^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe("ASVS 3.3.1 logout invalidates the session", () => {
    it("refuses the cookie and the token after logout", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      const { cookie } = await login(app.url, email);
      const token = await getToken(app.url, email);
      await api.delete("/store/auth", { cookie });
      await api.delete("/store/auth", { token });
      assert.equal((await api.get("/store/customers/me", { cookie })).status, 401);
      assert.equal((await api.get("/store/customers/me", { token })).status, 401);
    });
  });

  describe("ASVS 3.3.2 idle and absolute timeouts", () => {
    it("ends sessions after the idle timeout", async () => {
      await withServer(
        { SESSION_IDLE_TIMEOUT: "1s", SESSION_ABSOLUTE_TIMEOUT: "1h" },
        async (short) => {
          const email = uniqueEmail();
          const { cookie } = await register(short.url, email);
          assert.equal((await client(short.url).get("/store/auth", { cookie })).status, 200);
          await sleep(1200);
          assert.equal((await client(short.url).get("/store/auth", { cookie })).status, 401);
        },
      );
    });
  });

  describe("ASVS 3.3.3 terminate other sessions", () => {
    it("lists sessions, revokes one, revokes all others, and a password change revokes the rest", async () => {
      const email = uniqueEmail();
      const { cookie: current } = await register(app.url, email);
      const other = await login(app.url, email);
      const third = await login(app.url, email);
      const token = await getToken(app.url, email);
      const list = await api.get("/store/auth/sessions", { cookie: current });
      assert.equal(list.status, 200);
      assert.equal(list.body.sessions.length, 4);
      const mine = list.body.sessions.find((session: { current: boolean }) => session.current);
      assert.ok(mine);
      const otherId = (
        await api.get("/store/auth/sessions", { cookie: other.cookie })
      ).body.sessions.find((session: { current: boolean }) => session.current).id;
      assert.equal(
        (await api.delete(`/store/auth/sessions/${otherId}`, { cookie: current })).status,
        200,
      );
      assert.equal((await api.get("/store/auth", { cookie: other.cookie })).status, 401);
      assert.equal(
        (
          await api.delete("/store/auth/sessions/sess_01M8FHNEA8CNF7C9NHQJHT5VDE", {
            cookie: current,
          })
        ).status,
        404,
      );

      const fourth = await login(app.url, email);
      assert.equal(
        (
          await api.post(
            "/store/customers/me",
            { password: "another long passphrase" },
            { cookie: current },
          )
        ).status,
        200,
      );
      for (const cookie of [third.cookie, fourth.cookie])
        assert.equal((await api.get("/store/auth", { cookie })).status, 401);
      assert.equal((await api.get("/store/auth", { token })).status, 401);
      assert.equal(
        (await api.get("/store/auth", { cookie: current })).status,
        200,
        "no re-login needed",
      );

      const fifth = await login(app.url, email, "another long passphrase");
      const revoked = await api.delete("/store/auth/sessions", { cookie: current });
      assert.deepEqual(revoked.body, { revoked: 1 });
      assert.equal((await api.get("/store/auth", { cookie: fifth.cookie })).status, 401);
    });

    it("never reveals or revokes another customer's session", async () => {
      const victim = await register(app.url, uniqueEmail());
      const victimSession = (await api.get("/store/auth/sessions", { cookie: victim.cookie })).body
        .sessions[0].id;
      const attacker = await register(app.url, uniqueEmail());
      const res = await api.delete(`/store/auth/sessions/${victimSession}`, {
        cookie: attacker.cookie,
      });
      assert.equal(res.status, 404);
      assert.equal((await api.get("/store/auth", { cookie: victim.cookie })).status, 200);
    });
  });

  describe("ASVS 3.4.1 Secure cookie attribute", () => {
    it("sets Secure over HTTPS (trusted proxy) and with SameSite=None", async () => {
      await withServer({ TRUST_PROXY: "127.0.0.1" }, async (proxied) => {
        const res = await client(proxied.url).post(
          "/store/customers",
          { email: uniqueEmail(), password: STRONG_PASSWORD },
          { headers: { "x-forwarded-proto": "https" } },
        );
        assert.match(res.setCookies[0]!, /; Secure/);
      });
      await withServer({ SESSION_COOKIE_SAMESITE: "none" }, async (crossSite) => {
        const res = await client(crossSite.url).post("/store/customers", {
          email: uniqueEmail(),
          password: STRONG_PASSWORD,
        });
        assert.match(res.setCookies[0]!, /; Secure; SameSite=None/);
        assert.ok(
          crossSite.logs.some((line) =>
            String(line.msg).includes("Secure session cookie on a plain-HTTP request"),
          ),
        );
      });
    });
  });

  describe("ASVS 3.4.2 HttpOnly", () => {
    it("marks the session cookie HttpOnly", async () => {
      const res = await registerWith(STRONG_PASSWORD);
      assert.match(res.setCookies[0]!, /; HttpOnly/);
    });
  });

  describe("ASVS 3.4.3 SameSite", () => {
    it("sets SameSite=Lax by default", async () => {
      const res = await registerWith(STRONG_PASSWORD);
      assert.match(res.setCookies[0]!, /; SameSite=Lax/);
    });
  });

  describe("ASVS 3.5.3 signed, tamper-evident tokens", () => {
    it("refuses a token whose payload was changed", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      const token = await getToken(app.url, email);
      const [header, payload, signature] = token.split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString("base64url")}.${signature}`;
      assert.equal((await api.get("/store/auth", { token: forged })).status, 401);
    });
  });

  describe("enumeration", () => {
    it("login: a wrong password and an unknown email get the same status and body", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      const real = await api.post("/store/auth", { email, password: "wrong-password" });
      const unknown = await api.post("/store/auth", {
        email: uniqueEmail(),
        password: "wrong-password",
      });
      assert.equal(real.status, unknown.status);
      assert.deepEqual(real.body, unknown.body);
    });

    it("login: a throttled real account and a throttled unknown email answer alike", async () => {
      const email = uniqueEmail();
      const ghost = uniqueEmail("ghost");
      await register(app.url, email);
      for (let i = 0; i < 5; i++) {
        await api.post("/store/auth", { email, password: "wrong-password" });
        await api.post("/store/auth", { email: ghost, password: "wrong-password" });
      }
      const real = await api.post("/store/auth", { email, password: "wrong-password" });
      const unknown = await api.post("/store/auth", { email: ghost, password: "wrong-password" });
      assert.equal(real.status, 429);
      assert.equal(unknown.status, 429);
      assert.deepEqual(real.body, unknown.body);
      assert.equal(real.headers.get("retry-after"), unknown.headers.get("retry-after"));
    });

    it("register: a guest-only email registers exactly like an unknown one", async () => {
      const guest = uniqueEmail("guest");
      await app.insertGuest(guest, { id: "cus_01ENUMGUEST00000000000000" });
      const guestRes = await api.post("/store/customers", {
        email: guest,
        password: STRONG_PASSWORD,
      });
      const unknownRes = await api.post("/store/customers", {
        email: uniqueEmail(),
        password: STRONG_PASSWORD,
      });
      assert.equal(guestRes.status, 200);
      assert.equal(unknownRes.status, 200);
      assert.deepEqual(Object.keys(guestRes.body.customer), Object.keys(unknownRes.body.customer));
    });

    it("exists: can be switched to always-false", async () => {
      await withServer({ AUTH_EXISTS_ENABLED: "false" }, async (quiet) => {
        const email = uniqueEmail();
        await register(quiet.url, email);
        assert.deepEqual((await client(quiet.url).get(`/store/auth/${email}`)).body, {
          exists: false,
        });
      });
    });

    it("reset: registered, guest-only and unknown emails all get 204 with an empty body", async () => {
      const email = uniqueEmail();
      await register(app.url, email);
      const responses = await Promise.all(
        [email, uniqueEmail()].map((address) =>
          api.post("/store/customers/password-token", { email: address }),
        ),
      );
      for (const res of responses) {
        assert.equal(res.status, 204);
        assert.equal(res.text, "");
      }
    });
  });

  describe("browser-facing defences", () => {
    it("sends Cache-Control: no-store on every response carrying a customer or a token, and nosniff everywhere", async () => {
      const email = uniqueEmail();
      const { cookie, response } = await register(app.url, email);
      const token = await api.post("/store/auth/token", { email, password: STRONG_PASSWORD });
      for (const res of [
        response,
        token,
        await api.get("/store/auth", { cookie }),
        await api.get("/store/customers/me", { cookie }),
      ]) {
        assert.equal(res.headers.get("cache-control"), "no-store");
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      }
      assert.equal((await api.get("/health")).headers.get("x-content-type-options"), "nosniff");
    });
  });
});
