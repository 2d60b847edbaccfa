/**
 * GET /metrics and the audit log, over real HTTP: the text format parses, counters move after a
 * login, a failed login and a 429, routes are labelled by template, production serves the
 * metrics only with METRICS_TOKEN (then as a bearer token), and security events are log lines
 * with the customer, the address and the request id, never a secret.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendName } from "../../../../testing/backend.js";
import { withServer } from "../../../../testing/fixture.js";
import {
  STRONG_PASSWORD,
  client,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import {
  loggedResetToken,
  readCacheOn,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";
import { setTimeout as sleep } from "node:timers/promises";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format, strictly enough that a malformed line fails the test. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const at = pair.indexOf("=");
      labels[pair.slice(0, at)] = pair.slice(at + 2, -1);
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);

/** The server's audit lines, once `done` says they have all arrived (5 s at most). */
async function auditLines(
  server: TestServer,
  done: (lines: Array<Record<string, unknown>>) => boolean,
): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = server.logs.filter((entry) => entry.audit === true);
    if (done(lines) || Date.now() > deadline) return lines;
    await sleep(20);
  }
}

describe("metrics and audit log", () => {
  it("counts requests by route template, logins by outcome, and writes audit lines without secrets", async () => {
    await withServer({ RATE_LIMIT_LOGIN_IP_ACCOUNT: "2/15m" }, async (server) => {
      const api = client(server.url);
      const email = uniqueEmail("metrics");
      const wrongPassword = "not the right password 42";
      const { customer, cookie } = await register(server.url, email);
      const before = parseMetrics((await api.get("/metrics")).text);

      const ok = await api.post("/store/auth", { email, password: STRONG_PASSWORD });
      assert.equal(ok.status, 200);
      for (let i = 0; i < 3; i++) {
        assert.equal((await api.get("/store/auth", { cookie: sessionCookie(ok) })).status, 200);
      }
      const token = (await api.post("/store/auth/token", { email, password: STRONG_PASSWORD })).body
        .access_token as string;
      assert.equal(
        (await api.post("/store/auth", { email: uniqueEmail("nobody"), password: wrongPassword }))
          .status,
        401,
      );
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await api.post("/store/auth", { email, password: wrongPassword })).status);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      assert.equal((await api.get(`/store/auth/${encodeURIComponent(email)}`)).status, 200);
      assert.equal((await api.get("/no/such/route/12345")).status, 404);
      assert.equal((await api.request("HEAD", "/health")).status, 200);
      assert.equal((await api.delete("/store/auth/sessions", { cookie })).status, 200);

      const res = await api.get("/metrics");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const after = parseMetrics(res.text);
      const moved = (name: string, labels: Record<string, string>) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      assert.equal(moved("gatehouse_logins_total", { outcome: "success" }), 2);
      assert.equal(moved("gatehouse_logins_total", { outcome: "unknown" }), 1);
      assert.equal(moved("gatehouse_logins_total", { outcome: "wrong_password" }), 2);
      assert.equal(moved("gatehouse_logins_total", { outcome: "throttled" }), 1);

      const requests = "gatehouse_http_request_duration_seconds_count";
      const login = { method: "POST", route: "/store/auth" };
      assert.equal(moved(requests, { ...login, status: "200" }), 1);
      assert.equal(moved(requests, { ...login, status: "401" }), 3);
      assert.equal(moved(requests, { ...login, status: "429" }), 1);
      assert.equal(valueOf(after, requests, { route: "/store/auth/:email", status: "200" }), 1);
      assert.equal(valueOf(after, requests, { route: "(unmatched)", status: "404" }), 1);
      assert.equal(valueOf(after, requests, { method: "HEAD", route: "/health" }), 1);
      // Routes are templates: no raw path, email or id ever becomes a label.
      const routes = new Set(after.map((sample) => sample.labels.route).filter(Boolean));
      for (const route of routes) {
        assert.ok(!route!.includes("@") && !route!.includes("12345"), `raw route label ${route}`);
      }
      const buckets = after.filter(
        (s) =>
          s.name === "gatehouse_http_request_duration_seconds_bucket" &&
          s.labels.method === "POST" &&
          s.labels.route === "/store/auth" &&
          s.labels.status === "200",
      );
      assert.equal(buckets.at(-1)?.labels.le, "+Inf");
      assert.equal(buckets.at(-1)?.value, 1);
      assert.ok(after.some((s) => s.name === "gatehouse_password_hash_queue_depth"));
      const cacheHits = moved("gatehouse_read_cache_hits_total", { kind: "session" });
      const cacheMisses = moved("gatehouse_read_cache_misses_total", { kind: "session" });
      if (readCacheOn) {
        // The first read of the new session goes to storage; the next ones may come from memory.
        assert.ok(cacheHits >= 1 && cacheMisses >= 1, `${cacheHits} hits, ${cacheMisses} misses`);
      } else {
        assert.equal(cacheHits + cacheMisses, 0);
      }
      assert.ok(valueOf(after, "gatehouse_password_hash_queue_wait_seconds_count") >= 4);
      if (backendName() !== "sqlite") {
        assert.ok(valueOf(after, "gatehouse_db_pool_connections", { state: "total" }) >= 1);
      }
      if (backendName() === "postgres+redis") {
        assert.equal(valueOf(after, "gatehouse_redis_connection_ready"), 1);
      }

      const audit = await auditLines(server, (lines) =>
        lines.some((entry) => entry.event === "sessions.revoked"),
      );
      const ofEvent = (event: string) => audit.filter((entry) => entry.event === event);
      const succeeded = ofEvent("login.succeeded");
      assert.equal(succeeded.length, 2);
      for (const entry of succeeded) {
        assert.equal(entry.customer_id, customer.id);
        assert.equal(entry.ip, "127.0.0.1");
        assert.match(String(entry.reqId), /.+/);
      }
      assert.deepEqual(
        ofEvent("login.failed").map((entry) => [entry.reason, entry.customer_id]),
        [
          ["unknown", null],
          ["wrong_password", customer.id],
          ["wrong_password", customer.id],
        ],
      );
      assert.equal(ofEvent("login.throttled").length, 1);
      assert.equal(ofEvent("sessions.revoked")[0]?.customer_id, customer.id);
      assert.equal(ofEvent("sessions.revoked")[0]?.revoked, 2);
      const secrets = [STRONG_PASSWORD, wrongPassword, token, cookie.split("=")[1]!];
      for (const entry of server.logs) {
        const line = JSON.stringify(entry);
        for (const secret of secrets) assert.ok(!line.includes(secret), `a secret in ${line}`);
      }
    });
  });

  it("audits password and email changes, a password reset and a logout", async () => {
    await withServer({}, async (server) => {
      const api = client(server.url);
      const { customer, cookie } = await register(server.url, uniqueEmail("changes"));
      const newPassword = "another correct horse battery";
      const email = uniqueEmail("moved");
      const changed = await api.post(
        "/store/customers/me",
        { password: newPassword, email },
        {
          cookie,
        },
      );
      assert.equal(changed.status, 200);
      const from = server.logs.length;
      assert.equal((await api.post("/store/customers/password-token", { email })).status, 204);
      const token = await loggedResetToken(server, email, from);
      const resetPassword = "a third correct horse battery";
      const reset = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: resetPassword,
      });
      assert.equal(reset.status, 200, reset.text);
      const { cookie: again } = await login(server.url, email, resetPassword);
      assert.equal((await api.delete("/store/auth", { cookie: again })).status, 200);

      const mine = (lines: Array<Record<string, unknown>>) =>
        lines.filter((entry) => entry.customer_id === customer.id);
      const lines = mine(await auditLines(server, (all) => mine(all).length >= 5));
      assert.deepEqual(
        lines.map((entry) => entry.event),
        ["email.changed", "password.changed", "password.reset", "login.succeeded", "logout"],
      );
      for (const entry of lines) {
        assert.equal(entry.ip, "127.0.0.1");
        assert.match(String(entry.reqId), /.+/);
      }
      // The reset token is logged by development's account-event sink (its purpose), never by audit.
      for (const entry of server.logs.filter((line) => line.audit === true)) {
        const line = JSON.stringify(entry);
        for (const secret of [newPassword, resetPassword, token, email]) {
          assert.ok(!line.includes(secret), `a secret in ${line}`);
        }
      }
      for (const entry of server.logs) {
        const line = JSON.stringify(entry);
        assert.ok(!line.includes(newPassword) && !line.includes(resetPassword), line);
      }
    });
  });

  it("v2 mode: audits logins, a password change and a logout, and labels /auth routes by template", async () => {
    const key = "pk_metrics_test_key";
    const password = "Correct-Horse-9-staple";
    await withServer({ MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: key }, async (server) => {
      const api = client(server.url);
      const email = uniqueEmail("v2audit");
      const registered = await api.post("/auth/customer/emailpass/register", { email, password });
      assert.equal(registered.status, 200, registered.text);
      const created = await api.post(
        "/store/customers",
        { email },
        { token: registered.body.token, headers: { "x-publishable-api-key": key } },
      );
      assert.equal(created.status, 200, created.text);
      const customerId = created.body.customer.id as string;
      const wrong = await api.post("/auth/customer/emailpass", {
        email,
        password: "Wrong-9-horse",
      });
      assert.equal(wrong.status, 401);
      const login = await api.post("/auth/customer/emailpass", { email, password });
      assert.equal(login.status, 200, login.text);
      const token = login.body.token as string;
      const newPassword = "A-new-passphrase-9-horse";
      const update = await api.post(
        "/auth/customer/emailpass/update",
        { password: newPassword },
        { token },
      );
      assert.equal(update.status, 200, update.text);
      const logout = await api.delete("/auth/session", { token });
      assert.equal(logout.status, 200, logout.text);

      const mine = (lines: Array<Record<string, unknown>>) =>
        lines.filter((entry) => entry.customer_id === customerId);
      const lines = mine(await auditLines(server, (all) => mine(all).length >= 4));
      assert.deepEqual(
        lines.map((entry) => entry.event),
        ["login.failed", "login.succeeded", "password.changed", "logout"],
      );
      assert.ok(lines.every((entry) => typeof entry.reqId === "string" && entry.ip));
      for (const entry of server.logs) {
        const line = JSON.stringify(entry);
        for (const secret of [password, newPassword, token]) assert.ok(!line.includes(secret));
      }
      const samples = parseMetrics((await api.get("/metrics")).text);
      const count = "gatehouse_http_request_duration_seconds_count";
      const route = "/auth/:actor_type/:auth_provider";
      assert.equal(valueOf(samples, count, { method: "POST", route, status: "401" }), 1);
      assert.equal(valueOf(samples, count, { method: "POST", route, status: "200" }), 1);
    });
  });

  it("in production, is off without METRICS_TOKEN and asks for it as a bearer token with one", async (t) => {
    if (backendName() === "sqlite") {
      t.skip("production needs PostgreSQL");
      return;
    }
    await withServer({ NODE_ENV: "production" }, async (server) => {
      const res = await client(server.url).get("/metrics");
      assert.equal(res.status, 404);
    });
    const token = "metrics-token-0123456789abcdefghijklmnop";
    await withServer({ NODE_ENV: "production", METRICS_TOKEN: token }, async (server) => {
      const api = client(server.url);
      const refused: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${token}x` },
        { authorization: token },
      ];
      for (const headers of refused) {
        const res = await api.get("/metrics", { headers });
        assert.equal(res.status, 401);
        assert.equal(res.body.type, "unauthorized");
        assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      }
      const res = await api.get("/metrics", { token });
      assert.equal(res.status, 200);
      assert.ok(parseMetrics(res.text).some((s) => s.name === "gatehouse_logins_total"));
      const openapi = await api.get("/openapi.json");
      assert.ok(!("/metrics" in openapi.body.paths));
    });
  });
});
