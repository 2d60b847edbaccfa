import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.js";

const MEDUSA_SECRET = "medusa-jwt-secret-0123456789abcdefghijklmnop";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration: Medusa behind Gatehouse", () => {
  it("is off without MEDUSA_BACKEND_URL", () => {
    assert.equal(loadConfig({}).medusa, undefined);
  });

  it("reads MEDUSA_BACKEND_URL, MEDUSA_JWT_SECRET and MEDUSA_TIMEOUT (default 15 s)", () => {
    const config = loadConfig({
      MEDUSA_BACKEND_URL: "http://127.0.0.1:9001/",
      MEDUSA_JWT_SECRET: MEDUSA_SECRET,
    });
    assert.deepEqual(config.medusa, {
      backendUrl: "http://127.0.0.1:9001",
      jwtSecret: MEDUSA_SECRET,
      timeoutMs: 15_000,
    });
    const timed = loadConfig({
      MEDUSA_BACKEND_URL: "https://medusa.internal",
      MEDUSA_JWT_SECRET: MEDUSA_SECRET,
      MEDUSA_TIMEOUT: "2500ms",
    });
    assert.equal(timed.medusa?.timeoutMs, 2500);
  });

  it("refuses inconsistent settings, naming each", () => {
    assert.deepEqual(problems({ MEDUSA_BACKEND_URL: "http://127.0.0.1:9001" }), [
      "MEDUSA_JWT_SECRET is required with MEDUSA_BACKEND_URL: Medusa's jwt_secret (projectConfig.jwt_secret, at least 32 characters)",
    ]);
    assert.deepEqual(problems({ MEDUSA_JWT_SECRET: MEDUSA_SECRET, MEDUSA_TIMEOUT: "5s" }), [
      "MEDUSA_JWT_SECRET is set but MEDUSA_BACKEND_URL is not: set both, or neither",
      "MEDUSA_TIMEOUT is set but MEDUSA_BACKEND_URL is not: set both, or neither",
    ]);
    const base = { MEDUSA_JWT_SECRET: MEDUSA_SECRET };
    for (const url of ["ftp://medusa", "not a url"]) {
      assert.match(
        problems({ ...base, MEDUSA_BACKEND_URL: url }).join(),
        /MEDUSA_BACKEND_URL: expected a URL/,
      );
    }
    for (const url of ["http://u:p@medusa:9000", "http://medusa:9000/api", "http://medusa?x=1"]) {
      assert.match(problems({ ...base, MEDUSA_BACKEND_URL: url }).join(), /origin only/, url);
    }
    assert.match(
      problems({ ...base, MEDUSA_BACKEND_URL: "http://localhost:9000" }).join(),
      /Gatehouse's own address \(PORT=9000\)/,
    );
    assert.match(
      problems({
        ...base,
        MEDUSA_BACKEND_URL: "http://127.0.0.1:9001",
        MEDUSA_TIMEOUT: "soon",
      }).join(),
      /MEDUSA_TIMEOUT="soon"/,
    );
  });

  it("applies JWT_SECRET's rules to MEDUSA_JWT_SECRET, which must differ from Gatehouse's secrets", () => {
    const url = { MEDUSA_BACKEND_URL: "http://127.0.0.1:9001" };
    assert.match(
      problems({ ...url, MEDUSA_JWT_SECRET: "supersecret" }).join(),
      /MEDUSA_JWT_SECRET: expected at least 32 characters \(got 11\)/,
    );
    assert.match(
      problems({ ...url, MEDUSA_JWT_SECRET: "ab".repeat(20) }).join(),
      /MEDUSA_JWT_SECRET: expected at least 8 different characters/,
    );
    assert.match(
      problems({ ...url, MEDUSA_JWT_SECRET: MEDUSA_SECRET, JWT_SECRET: MEDUSA_SECRET }).join(),
      /MEDUSA_JWT_SECRET must differ from COOKIE_SECRET and JWT_SECRET/,
    );
  });
});
