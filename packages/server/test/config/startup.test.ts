/** Start-up and shutdown of the real process (SPEC §1). */
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { STRONG_PASSWORD, client, login, register } from "../../../../testing/http.js";
import { runToExit, startServer, uniqueEmail } from "../../../../testing/server.js";

describe("start-up", () => {
  it("refuses to start in production without secrets and a database, naming each variable", async () => {
    const { code, stderr } = await runToExit({ NODE_ENV: "production" });
    assert.equal(code, 1);
    for (const name of ["COOKIE_SECRET", "JWT_SECRET", "DATABASE_URL"])
      assert.match(stderr, new RegExp(name));
    assert.doesNotMatch(stderr, /\n\s+at /, "a message, not a stack trace");
  });

  it("reports every invalid variable at once", async () => {
    const { code, stderr } = await runToExit({
      PORT: "ninety",
      SESSION_COOKIE_SAMESITE: "sometimes",
      LOG_LEVEL: "loud",
    });
    assert.equal(code, 1);
    assert.match(stderr, /PORT="ninety": expected a whole number from 0 to 65535/);
    assert.match(stderr, /SESSION_COOKIE_SAMESITE="sometimes": expected one of lax, strict, none/);
    assert.match(stderr, /LOG_LEVEL="loud"/);
  });

  it("exits with a clear message, password redacted, when PostgreSQL is unreachable", async () => {
    const { code, stderr } = await runToExit({
      DATABASE_URL: "postgres://shop:hunter2@127.0.0.1:1/shop",
    });
    assert.equal(code, 1);
    assert.match(stderr, /postgres:\/\/shop:\*\*\*@127\.0\.0\.1:1\/shop/);
    assert.doesNotMatch(stderr, /hunter2/);
    assert.match(stderr, /reachable/);
  });

  it("generates development secrets once, keeps them private, and reuses them after a restart", async () => {
    const server = await startServer({ env: { COOKIE_SECRET: "", JWT_SECRET: "" } });
    const file = join(server.env.DATA_DIR!, "secrets.json");
    try {
      assert.ok(
        server.logs.some((line) =>
          line.msg?.toString().startsWith("generated development secrets"),
        ),
      );
      assert.ok(existsSync(file));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const email = uniqueEmail();
      await register(server.url, email);
      const { cookie } = await login(server.url, email);
      await server.stop({ keepData: true });

      const again = await startServer({
        env: { COOKIE_SECRET: "", JWT_SECRET: "" },
        shareWith: server,
      });
      try {
        assert.ok(
          again.logs.some((line) => line.msg?.toString().startsWith("using development secrets")),
        );
        assert.equal(
          (await client(again.url).get("/store/auth", { cookie })).status,
          200,
          "sessions survive",
        );
      } finally {
        await again.stop();
      }
    } finally {
      await server.stop();
    }
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight requests on SIGTERM, refuses new ones with JSON 503, then exits 0", async () => {
    const server = await startServer();
    const { hostname, port } = new URL(server.url);
    const body = JSON.stringify({ email: uniqueEmail(), password: STRONG_PASSWORD });
    // A request whose body is still arriving when SIGTERM comes: it is in flight, deterministically.
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise((resolve) => socket.once("connect", resolve));
    let response = "";
    socket.setEncoding("utf8").on("data", (chunk) => (response += chunk));
    const ended = new Promise((resolve) => socket.once("end", resolve));
    socket.write(
      `POST /store/customers HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(body.slice(10));
    await ended;
    assert.match(response, /^HTTP\/1\.1 200 /);
    assert.match(response, /"has_account":true/);
    assert.equal(await exited, 0);
    assert.ok(server.logs.some((line) => line.msg === "stopped"));
    await server.stop();
  });
});
