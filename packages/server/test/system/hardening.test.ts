/**
 * Hardening over real HTTP: the Authorization header's cost, what /ready and the logs reveal,
 * the start-up checks, file modes, the Origin check, token spelling, the __Host- cookie, and
 * how emails and text are normalized before they are stored.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { eventually } from "../../../../testing/expect.js";
import { useServer } from "../../../../testing/fixture.js";
import { SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { backendName, createBackend, type Backend } from "../../../../testing/backend.js";
import {
  STRONG_PASSWORD,
  client,
  getToken,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import { runToExit, startServer, uniqueEmail } from "../../../../testing/server.js";
import { relayTo } from "../../../../testing/relay.js";

const BEARER_401 =
  "The bearer token is invalid, expired or revoked; get a new one with POST /store/auth/token";

/** A storage backend of the test's own, whose URLs the test may rewrite before a server uses them. */
async function withBackend(use: (backend: Backend) => Promise<void>): Promise<void> {
  const backend = await createBackend();
  try {
    await use(backend);
  } finally {
    await backend.drop();
  }
}

const postgresOnly = backendName() === "sqlite" ? "needs PostgreSQL (no URL on SQLite)" : false;

describe("hardening", () => {
  const app = useServer();
  const { api } = app;

  describe("Authorization header", () => {
    const long = "A".repeat(16_000);

    it("answers a 16 KB whitespace-free value with the bearer 401", async () => {
      const res = await api.get("/store/auth", { headers: { authorization: long } });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { type: "unauthorized", message: BEARER_401 });
      const bearer = await api.get("/store/auth", { headers: { authorization: `Bearer ${long}` } });
      assert.equal(bearer.status, 401);
      assert.equal(bearer.body.message, BEARER_401);
    });

    it("answers a burst of 50 such requests in linear time while /health stays responsive", async () => {
      await api.get("/health");
      const started = Date.now();
      const burst = Array.from({ length: 50 }, () =>
        api.get("/store/auth", { headers: { authorization: long } }),
      );
      const health = api.get("/health").then((res) => ({ res, ms: Date.now() - started }));
      const answers = await Promise.all(burst);
      const burstMs = Date.now() - started;
      assert.deepEqual(
        answers.map((res) => res.status),
        Array(50).fill(401),
      );
      assert.equal((await health).res.status, 200);
      // The unanchored regex spent about 120 ms of CPU on each: about 6 s for the burst.
      assert.ok(burstMs < 2000, `the burst took ${burstMs} ms`);
      assert.ok((await health).ms < 2000, `/health took ${(await health).ms} ms`);
    });

    it("still reads a Bearer token with any scheme case and extra whitespace", async () => {
      const email = uniqueEmail("authz");
      await register(app.url, email);
      const token = await getToken(app.url, email);
      for (const header of [`Bearer ${token}`, `bearer\t${token}`, `  BEARER   ${token} extra`]) {
        const res = await api.get("/store/auth", { headers: { authorization: header } });
        assert.equal(res.status, 200, header);
        assert.equal(res.body.customer.email, email);
      }
    });
  });

  describe("/ready", () => {
    it(
      "says only unavailable when a backend is down; the reason goes to the log",
      { skip: postgresOnly },
      async () => {
        await withBackend(async (backend) => {
          const database = await relayTo(backend.env.DATABASE_URL!);
          const redis = backend.env.REDIS_URL ? await relayTo(backend.env.REDIS_URL) : undefined;
          const relayed = await startServer({
            env: {
              ...backend.env,
              DATABASE_URL: database.url,
              ...(redis && { REDIS_URL: redis.url }),
            },
          });
          try {
            const ok = await client(relayed.url).get("/ready");
            assert.equal(ok.status, 200);
            await database.close();
            await redis?.close();
            const down = await client(relayed.url).get("/ready");
            assert.equal(down.status, 503);
            assert.deepEqual(down.body, {
              status: "unavailable",
              checks: { database: "unavailable", ...(redis && { redis: "unavailable" }) },
            });
            const ports = [database.url, redis?.url].map((url) => url && new URL(url).port);
            for (const leak of ["127.0.0.1", "ECONN", "connect", "postgres", ...ports])
              if (leak) assert.ok(!down.text.includes(leak), `${leak} in ${down.text}`);
            const logged = () =>
              relayed.logs.filter((entry) => /^not ready: /.test(String(entry.msg)));
            await eventually(async () => logged().length >= (redis ? 2 : 1));
            for (const entry of logged()) {
              const err = entry.err as { message?: string } | undefined;
              assert.ok(err?.message, `no reason logged: ${JSON.stringify(entry)}`);
            }
          } finally {
            await relayed.stop();
            await database.close();
            await redis?.close();
          }
        });
      },
    );
  });

  describe("credentials in logged URLs", () => {
    it("never logs a password given as a query parameter", { skip: postgresOnly }, async () => {
      await withBackend(async (backend) => {
        const withSecret = (url: string, secret: string) =>
          `${url}${url.includes("?") ? "&" : "?"}password=${secret}&sslmode=disable`;
        const secretServer = await startServer({
          env: {
            ...backend.env,
            DATABASE_URL: withSecret(backend.env.DATABASE_URL!, "QuerySecretPw123"),
            DATABASE_LISTEN_URL: withSecret(backend.env.DATABASE_URL!, "ListenSecretPw456"),
          },
        });
        try {
          assert.equal((await client(secretServer.url).get("/ready")).status, 200);
        } finally {
          await secretServer.stop();
        }
        const logs = JSON.stringify(secretServer.logs);
        assert.ok(!logs.includes("QuerySecretPw123"), logs);
        assert.ok(!logs.includes("ListenSecretPw456"), logs);
        const listening = secretServer.logs.find((entry) => entry.msg === "listening")!;
        assert.match(String(listening.database), /\?password=\*\*\*&sslmode=disable$/);
      });
    });
  });

  describe("start-up checks", () => {
    it("refuses NODE_ENV=Production, naming the accepted values", async () => {
      const { code, stderr } = await runToExit({
        NODE_ENV: "Production",
        COOKIE_SECRET: "c9f2Kq7ZxV1mWb4pLr8TgY3nHs6DeJ0a",
        JWT_SECRET: "Jm3Qw8Rz5Vx2Nc7Lb1Kp9Hf4Gt6Ys0dA",
      });
      assert.equal(code, 1);
      assert.match(
        stderr,
        /NODE_ENV="Production": expected one of production, development, test \(did you mean production\?\)/,
      );
    });

    it("refuses weak and shared secrets in production", async () => {
      const { code, stderr } = await runToExit({
        NODE_ENV: "production",
        DATABASE_URL: "postgres://127.0.0.1:1/none",
        COOKIE_SECRET: "a".repeat(32),
        JWT_SECRET: "a".repeat(32),
      });
      assert.equal(code, 1);
      assert.match(stderr, /COOKIE_SECRET: expected at least 8 different characters \(got 1\)/);
      assert.match(stderr, /COOKIE_SECRET and JWT_SECRET must differ/);
    });
  });

  describe("file modes", () => {
    it("creates DATA_DIR 0700 and its files 0600 even with umask 000", async () => {
      const parent = await mkdtemp(join(tmpdir(), "gatehouse-modes-"));
      const dataDir = join(parent, "nested", "data");
      const umask = process.umask(0);
      const modes: Record<string, number> = {};
      try {
        // No secrets given: development generates them into DATA_DIR (every backend).
        const own = await startServer({
          env: { DATA_DIR: dataDir, COOKIE_SECRET: "", JWT_SECRET: "" },
        });
        process.umask(umask);
        try {
          await register(own.url, uniqueEmail("modes"));
          const files = ["secrets.json"];
          if (backendName() === "sqlite")
            files.push("gatehouse.sqlite", "gatehouse.sqlite-wal", "gatehouse.sqlite-shm");
          modes.dir = (await stat(dataDir)).mode & 0o777;
          for (const file of files) modes[file] = (await stat(join(dataDir, file))).mode & 0o777;
        } finally {
          await own.stop();
        }
      } finally {
        process.umask(umask);
        await rm(parent, { recursive: true, force: true });
      }
      for (const [name, mode] of Object.entries(modes))
        assert.equal(mode, name === "dir" ? 0o700 : 0o600, `${name}: ${mode.toString(8)}`);
    });

    it(
      "tightens an existing database file it owns",
      { skip: backendName() === "sqlite" ? false : "SQLite only" },
      async () => {
        const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-modes-"));
        try {
          await writeFile(join(dataDir, "gatehouse.sqlite"), "", { mode: 0o644 });
          const own = await startServer({ env: { DATA_DIR: dataDir } });
          await own.stop();
          assert.equal((await stat(join(dataDir, "gatehouse.sqlite"))).mode & 0o777, 0o600);
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    );
  });

  describe("Origin check", () => {
    let cookie: string;
    let token: string;
    const update = (headers: Record<string, string>, auth: { cookie?: string; token?: string }) =>
      api.post("/store/customers/me", { first_name: "Origin" }, { ...auth, headers });

    before(async () => {
      const email = uniqueEmail("origin");
      ({ cookie } = await register(app.url, email));
      token = await getToken(app.url, email);
    });

    it("refuses a cookie write with no Origin but Sec-Fetch-Site: cross-site", async () => {
      const res = await update({ "sec-fetch-site": "cross-site" }, { cookie });
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, {
        type: "not_allowed",
        message:
          "A cross-site request without an Origin header is not allowed: send it from an allowed store origin",
      });
      for (const site of ["same-origin", "same-site", "none"])
        assert.equal((await update({ "sec-fetch-site": site }, { cookie })).status, 200, site);
      assert.equal((await update({}, { cookie })).status, 200);
      // A bearer token is not sent by the browser on its own: no CSRF check.
      assert.equal((await update({ "sec-fetch-site": "cross-site" }, { token })).status, 200);
    });

    it("compares scheme, host and port with the server's own origin", async () => {
      const own = new URL(app.url);
      assert.equal((await update({ origin: own.origin }, { cookie })).status, 200);
      const https = await update({ origin: `https://${own.host}` }, { cookie });
      assert.equal(https.status, 403);
      assert.equal(
        https.body.message,
        `Origin https://${own.host} is not an allowed store origin: add it to STORE_CORS to allow it`,
      );
      const otherPort = `http://${own.hostname}:${Number(own.port) === 1 ? 2 : 1}`;
      assert.equal((await update({ origin: otherPort }, { cookie })).status, 403);
    });

    it("takes the scheme from a trusted proxy (TRUST_PROXY)", async () => {
      const proxied = await startServer({ env: { TRUST_PROXY: "true" } });
      try {
        const own = new URL(proxied.url);
        const { cookie: proxiedCookie } = await register(proxied.url, uniqueEmail("proxy"));
        const write = (origin: string) =>
          client(proxied.url).post(
            "/store/customers/me",
            { first_name: "Proxied" },
            { cookie: proxiedCookie, headers: { origin, "x-forwarded-proto": "https" } },
          );
        assert.equal((await write(`https://${own.host}`)).status, 200);
        assert.equal((await write(`http://${own.host}`)).status, 403);
      } finally {
        await proxied.stop();
      }
    });

    it("refuses an Origin with userinfo, a path or a trailing slash", async () => {
      const own = new URL(app.url);
      for (const origin of [
        `http://evil@${own.host}`,
        `http://${own.host}/evil`,
        `http://${own.host}/`,
        "http://localhost:8000/",
      ]) {
        const res = await update({ origin }, { cookie });
        assert.equal(res.status, 403, origin);
        assert.deepEqual(res.body, {
          type: "not_allowed",
          message: `Origin ${origin} is not an origin: expected scheme://host[:port]`,
        });
      }
      // An allowed store origin (the development default) still passes.
      assert.equal((await update({ origin: "http://localhost:8000" }, { cookie })).status, 200);
    });
  });

  describe("bearer tokens", () => {
    it("refuses non-canonical base64url in a token", async () => {
      const email = uniqueEmail("b64");
      await register(app.url, email);
      const token = await getToken(app.url, email);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const last = token.at(-1)!;
      // The last character of a 64-byte signature carries 2 bits; its low 4 are padding.
      const strayBits = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
      const [head, payload, signature] = token.split(".");
      for (const variant of [`${token}==`, strayBits, `${head}=.${payload}.${signature}`]) {
        const res = await api.get("/store/auth", { token: variant });
        assert.equal(res.status, 401, variant);
        assert.equal(res.body.message, BEARER_401);
      }
      assert.equal((await api.get("/store/auth", { token })).status, 200);
    });

    it("gives HS256 tokens a kid that reveals nothing, and still accepts the former kid", async () => {
      const hs = await startServer({ env: { JWT_ALGORITHM: "HS256" } });
      try {
        const email = uniqueEmail("kid");
        await register(hs.url, email);
        const token = await getToken(hs.url, email);
        assert.equal(decodeProtectedHeader(token).kid, "hs256");
        const secret = hs.env.JWT_SECRET!;
        const formerKid = createHash("sha256").update(secret).digest("base64url").slice(0, 16);
        const claims = decodeJwt(token);
        const former = await new SignJWT(claims)
          .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: formerKid })
          .sign(new TextEncoder().encode(secret));
        const res = await client(hs.url).get("/store/auth", { token: former });
        assert.equal(res.status, 200);
        assert.equal(res.body.customer.email, email);
      } finally {
        await hs.stop();
      }
    });
  });

  describe("__Host- session cookie", () => {
    it("is set Secure, Path=/ and without Domain, and authenticates", async () => {
      const hosted = await startServer({ env: { SESSION_COOKIE_NAME: "__Host-sid" } });
      try {
        const email = uniqueEmail("host");
        const res = await client(hosted.url).post("/store/customers", {
          email,
          password: STRONG_PASSWORD,
        });
        assert.equal(res.status, 200);
        const header = res.setCookies.find((c) => c.startsWith("__Host-sid="));
        assert.ok(header, res.setCookies.join("\n"));
        const attributes = header.split(";").map((part) => part.trim().toLowerCase());
        assert.ok(attributes.includes("secure"), header);
        assert.ok(attributes.includes("path=/"), header);
        assert.ok(!attributes.some((part) => part.startsWith("domain")), header);
        const cookie = sessionCookie(res, "__Host-sid")!;
        const me = await client(hosted.url).get("/store/auth", { cookie });
        assert.equal(me.status, 200);
        assert.equal(me.body.customer.email, email);
      } finally {
        await hosted.stop();
      }
    });

    it("refuses to start with SESSION_COOKIE_SECURE=never", async () => {
      const { code, stderr } = await runToExit({
        NODE_ENV: "test",
        SESSION_COOKIE_NAME: "__Host-sid",
        SESSION_COOKIE_SECURE: "never",
      });
      assert.equal(code, 1);
      assert.match(stderr, /SESSION_COOKIE_NAME=__Host-sid needs Secure cookies/);
    });
  });

  describe("emails and text", () => {
    it("folds fullwidth letters: one account per NFKC email", async () => {
      const local = `bob-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const plain = `${local}@example.com`;
      const fullwidth = `ｂ${local.slice(1)}@example.com`;
      const { customer } = await register(app.url, plain);
      const duplicate = await api.post("/store/customers", {
        email: fullwidth,
        password: STRONG_PASSWORD,
      });
      assert.equal(duplicate.status, 422);
      assert.deepEqual(duplicate.body, {
        code: "invalid_request_error",
        type: "duplicate_error",
        message: "A customer with the given email already has an account. Log in instead",
      });
      const signedIn = await login(app.url, fullwidth);
      assert.equal(signedIn.customer.id, customer.id);
      assert.equal(signedIn.customer.email, plain);
      const exists = await api.get(`/store/auth/${encodeURIComponent(fullwidth)}`);
      assert.equal(exists.body.exists, true);
    });

    it("stores lone surrogates as U+FFFD, the same on every backend", async () => {
      const res = await api.request("POST", "/store/customers", {
        raw: JSON.stringify({ email: uniqueEmail("utf16"), password: STRONG_PASSWORD }).replace(
          /}$/,
          String.raw`,"first_name":"\ud800x","last_name":"y\udc00"}`,
        ),
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.customer.first_name, "\ufffdx");
      assert.equal(res.body.customer.last_name, "y\ufffd");
      const updated = await api.request("POST", "/store/customers/me", {
        cookie: sessionCookie(res),
        raw: String.raw`{"metadata":{"\udbffk":"\ud83d\ude00"}}`,
      });
      assert.equal(updated.status, 200, updated.text);
      assert.deepEqual(updated.body.customer.metadata, { "\ufffdk": "\u{1f600}" });
      const [row] = await app.db.query<{
        first_name: string;
        last_name: string;
        metadata: unknown;
      }>("select first_name, last_name, metadata from customer where id = $1", [
        res.body.customer.id,
      ]);
      assert.deepEqual(
        {
          ...row,
          metadata: typeof row!.metadata === "string" ? JSON.parse(row!.metadata) : row!.metadata,
        },
        { first_name: "\ufffdx", last_name: "y\ufffd", metadata: { "\ufffdk": "\u{1f600}" } },
      );
    });
  });

  describe("slow headers", () => {
    it(
      "cuts a connection whose headers drip in after at most 35 s, not 60 s",
      { skip: backendName() === "sqlite" ? false : "once is enough: no storage involved" },
      async () => {
        // A server of its own: Node looks for timed-out requests at fixed intervals from listening.
        const fresh = await startServer();
        try {
          const { hostname, port } = new URL(fresh.url);
          const started = Date.now();
          const answer = await new Promise<string>((resolve) => {
            const socket = connect(Number(port), hostname, () =>
              socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n`),
            );
            const drip = setInterval(() => socket.write("X-Drip: 1\r\n"), 5000);
            let data = "";
            socket.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
            const done = () => (clearInterval(drip), resolve(data));
            socket.on("close", done);
            socket.on("error", done);
            setTimeout(() => socket.destroy(), 75_000).unref();
          });
          const seconds = (Date.now() - started) / 1000;
          assert.match(answer, /^HTTP\/1\.1 408/);
          assert.ok(seconds < 45, `cut after ${seconds} s`);
        } finally {
          await fresh.stop();
        }
      },
    );
  });
});
