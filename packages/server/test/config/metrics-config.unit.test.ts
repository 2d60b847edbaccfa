/** METRICS_TOKEN: when /metrics is served, and the token's length. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.js";

const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://gatehouse@127.0.0.1/gatehouse",
  COOKIE_SECRET: "cookie-secret-0123456789abcdefghijklmnopqrstuv",
  JWT_SECRET: "jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
};
const token = "metrics-token-0123456789abcdefghijklmnop";

describe("configuration: metrics", () => {
  it("serves /metrics outside production, with or without a token", () => {
    assert.deepEqual(loadConfig({}).metrics, { enabled: true, token: undefined });
    assert.deepEqual(loadConfig({ METRICS_TOKEN: token }).metrics, { enabled: true, token });
  });

  it("in production, serves /metrics only with METRICS_TOKEN", () => {
    assert.deepEqual(loadConfig(production).metrics, { enabled: false, token: undefined });
    assert.deepEqual(loadConfig({ ...production, METRICS_TOKEN: token }).metrics, {
      enabled: true,
      token,
    });
  });

  it("refuses a token shorter than 32 characters", () => {
    assert.throws(
      () => loadConfig({ METRICS_TOKEN: "short" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /METRICS_TOKEN: expected at least 32 characters \(got 5\)/.test(error.message),
    );
  });
});
