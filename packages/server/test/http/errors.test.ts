/** Every bad input gets a clear JSON 4xx, never a 5xx, a crash or a hang (SPEC §2.2, §5). */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import {
  STRONG_PASSWORD,
  login,
  rawRequest,
  register,
  type ApiResponse,
} from "../../../../testing/http.js";
import { uniqueEmail } from "../../../../testing/server.js";

function assertJsonError(res: ApiResponse, status: number, type: string, message?: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.body.type, type);
  assert.equal(typeof res.body.message, "string");
  if (message) assert.match(res.body.message, message);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.ok(!/at .*\.(js|ts):\d+/.test(res.text), "no stack trace");
}

describe("error responses", () => {
  const app = useServer();
  const { api } = app;
  let email: string;

  before(async () => {
    email = uniqueEmail();
    await register(app.url, email);
  });

  it("unknown routes and methods: 404 JSON naming the route", async () => {
    assertJsonError(await api.get("/nothing/here"), 404, "not_found", /GET \/nothing\/here/);
    // A known path with another method: 405 with Allow (test/http/first-minutes.test.ts).
    assertJsonError(
      await api.request("PUT", "/store/auth"),
      405,
      "not_allowed",
      /PUT \/store\/auth/,
    );
    assertJsonError(await api.get("/store/customers/whatever"), 404, "not_found");
  });

  it("malformed JSON: 400 JSON saying so", async () => {
    for (const raw of ["{", '{"email":', "nul", '{"a":1}}', "\u0000"]) {
      assertJsonError(
        await api.request("POST", "/store/auth", { raw }),
        400,
        "invalid_data",
        /not valid JSON/,
      );
    }
  });

  it("prototype-poisoning bodies are refused", async () => {
    const res = await api.request("POST", "/store/auth", {
      raw: `{"email":"${email}","password":"x","__proto__":{"admin":true}}`,
    });
    assertJsonError(res, 400, "invalid_data");
  });

  it("non-JSON content types: 415 JSON naming what is accepted", async () => {
    for (const contentType of [
      "application/x-www-form-urlencoded",
      "text/plain",
      "multipart/form-data; boundary=x",
    ]) {
      const res = await api.request("POST", "/store/auth", { raw: "email=a", contentType });
      assertJsonError(res, 415, "invalid_data", /application\/json/);
    }
  });

  it("an empty body with a JSON content type counts as {} (medusa-js sends one)", async () => {
    const res = await api.request("POST", "/store/auth", { raw: "" });
    assertJsonError(
      res,
      400,
      "invalid_data",
      /^email must be an email, password should not be empty$/,
    );
  });

  it("bodies over the 16 KiB limit: 413 JSON", async () => {
    const res = await api.post("/store/auth", { email, password: "x".repeat(20_000) });
    assertJsonError(res, 413, "invalid_data", /16384-byte limit/);
  });

  it("wrong types in every field are named", async () => {
    const res = await api.post("/store/customers", {
      email: 42,
      password: {},
      first_name: [],
      phone: true,
    });
    assertJsonError(
      res,
      400,
      "invalid_data",
      /^first_name must be a string, email must be an email, password must be a string, phone must be a string$/,
    );
  });

  it("oversized and malformed cookies and headers never cause a 5xx", async () => {
    const cookies = [
      "connect.sid=" + "A".repeat(4000),
      "connect.sid=%",
      "connect.sid=\u00ff",
      "connect.sid",
      "=; ;;",
      "connect.sid=a; connect.sid=b",
    ];
    for (const cookie of cookies) {
      const res = await api.get("/store/auth", {
        headers: { cookie: Buffer.from(cookie, "latin1").toString("latin1") },
      });
      assertJsonError(res, 401, "unauthorized");
    }
    const huge = await rawRequest(
      app.url,
      `GET /store/auth HTTP/1.1\r\nHost: x\r\nCookie: ${"a".repeat(20_000)}\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    );
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.match(huge, /application\/json/);
    const garbage = await rawRequest(app.url, "THIS IS NOT HTTP\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /"type":"invalid_data"/);
  });

  it("the server is still healthy and the customer can still log in afterwards", async () => {
    assert.equal((await api.get("/health")).status, 200);
    const { cookie } = await login(app.url, email, STRONG_PASSWORD);
    assert.equal((await api.get("/store/auth", { cookie })).status, 200);
  });

  it("/health, /ready and /openapi.json answer", async () => {
    assert.deepEqual((await api.get("/health")).body, { status: "ok" });
    const ready = await api.get("/ready");
    assert.equal(ready.status, 200);
    assert.equal(ready.body.checks.database, "ok");
    const openapi = await api.get("/openapi.json");
    assert.equal(openapi.status, 200);
    assert.equal(openapi.body.openapi, "3.1.0");
    for (const path of [
      "/store/auth",
      "/store/auth/token",
      "/store/customers",
      "/store/customers/me",
      "/store/auth/sessions",
    ]) {
      assert.ok(openapi.body.paths[path], path);
    }
  });
});
