import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, parseCorsOrigins, parseDuration } from "../../src/config.js";

describe("configuration", () => {
  it("has working defaults for development", () => {
    const config = loadConfig({});
    assert.equal(config.port, 9000);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.session.cookieName, "connect.sid");
    assert.equal(config.session.sameSite, "lax");
    assert.equal(config.session.idleTimeoutMs, 24 * 3600_000);
    assert.equal(config.session.absoluteTimeoutMs, 7 * 86400_000);
    assert.equal(config.jwt.algorithm, "EdDSA");
    assert.deepEqual(config.password.argon2, { memoryKib: 19456, iterations: 2, parallelism: 1 });
    assert.ok(Object.isFrozen(config));
  });

  it("parses durations", () => {
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("15m"), 900_000);
    assert.equal(parseDuration("24h"), 86_400_000);
    assert.equal(parseDuration("7d"), 604_800_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("30"), 30_000);
    assert.equal(parseDuration("soon"), undefined);
    assert.equal(parseDuration("0s"), undefined);
  });

  it("parses STORE_CORS like Medusa (exact origins and /regex/)", () => {
    const origins = parseCorsOrigins(
      "http://localhost:8000, /\\.example\\.com$/i ,https://shop.test/",
    );
    assert.equal(origins[0], "http://localhost:8000");
    assert.ok(origins[1] instanceof RegExp && origins[1].test("https://A.EXAMPLE.COM"));
    assert.equal(origins[2], "https://shop.test");
  });

  it("reports every problem at once, naming each variable and what it accepts", () => {
    try {
      loadConfig({
        PORT: "http",
        SESSION_IDLE_TIMEOUT: "forever",
        JWT_ALGORITHM: "RS256",
        DATABASE_URL: "mysql://x",
        PASSWORD_MIN_LENGTH: "4",
      });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.message;
      for (const name of [
        "PORT",
        "SESSION_IDLE_TIMEOUT",
        "JWT_ALGORITHM",
        "DATABASE_URL",
        "PASSWORD_MIN_LENGTH",
      ]) {
        assert.match(text, new RegExp(name));
      }
      assert.equal(error.problems.length, 5);
      assert.match(text, /EdDSA, HS256/);
    }
  });

  it("listens for changes on DATABASE_LISTEN_URL when set, else on DATABASE_URL", () => {
    const direct = "postgres://gatehouse@db.internal:5432/gatehouse";
    const pooled = "postgres://gatehouse@pgbouncer.internal:6432/gatehouse";
    assert.equal(loadConfig({ DATABASE_URL: direct }).databaseListenUrl, direct);
    assert.equal(
      loadConfig({ DATABASE_URL: pooled, DATABASE_LISTEN_URL: direct }).databaseListenUrl,
      direct,
    );
    assert.equal(loadConfig({ DATABASE_LISTEN_URL: direct }).databaseListenUrl, undefined);
    assert.throws(
      () => loadConfig({ DATABASE_URL: direct, DATABASE_LISTEN_URL: "mysql://x" }),
      /DATABASE_LISTEN_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\//,
    );
  });

  it("refuses production without secrets and a database, naming each", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "production" }),
      (error: ConfigError) =>
        ["COOKIE_SECRET", "JWT_SECRET", "DATABASE_URL"].every((name) =>
          error.problems.some((p) => p.startsWith(name)),
        ),
    );
  });

  it("refuses short secrets and SameSite=None without Secure", () => {
    assert.throws(
      () => loadConfig({ COOKIE_SECRET: "short" }),
      /COOKIE_SECRET: expected at least 32 characters/,
    );
    assert.throws(
      () => loadConfig({ SESSION_COOKIE_SAMESITE: "none", SESSION_COOKIE_SECURE: "never" }),
      /SameSite|SAMESITE/,
    );
  });
});
