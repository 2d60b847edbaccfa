/** The performance layer's switches: READ_CACHE and RESPONSE_WRITES. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.js";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("performance switches", () => {
  it("are on by default: the read cache, and responses written once per turn", () => {
    const config = loadConfig({});
    assert.equal(config.readCache, true);
    assert.equal(config.responseWrites, "per-turn");
    const blank = loadConfig({ READ_CACHE: " ", RESPONSE_WRITES: "" });
    assert.equal(blank.readCache, true, "an empty value counts as unset");
    assert.equal(blank.responseWrites, "per-turn");
  });

  it("READ_CACHE accepts on and off, in any case", () => {
    assert.equal(loadConfig({ READ_CACHE: "off" }).readCache, false);
    assert.equal(loadConfig({ READ_CACHE: " OFF " }).readCache, false);
    assert.equal(loadConfig({ READ_CACHE: "on" }).readCache, true);
    assert.equal(loadConfig({ READ_CACHE: "On" }).readCache, true);
  });

  it("RESPONSE_WRITES accepts per-turn and immediate, in any case", () => {
    assert.equal(loadConfig({ RESPONSE_WRITES: "immediate" }).responseWrites, "immediate");
    assert.equal(loadConfig({ RESPONSE_WRITES: "Immediate" }).responseWrites, "immediate");
    assert.equal(loadConfig({ RESPONSE_WRITES: "PER-TURN" }).responseWrites, "per-turn");
  });

  it("refuses other values, naming the variable and what it accepts", () => {
    assert.deepEqual(problems({ READ_CACHE: "false", RESPONSE_WRITES: "batched" }), [
      'READ_CACHE="false": expected one of on, off',
      'RESPONSE_WRITES="batched": expected one of per-turn, immediate',
    ]);
    assert.deepEqual(problems({ READ_CACHE: "1" }), ['READ_CACHE="1": expected one of on, off']);
    assert.deepEqual(problems({ RESPONSE_WRITES: "per turn" }), [
      'RESPONSE_WRITES="per turn": expected one of per-turn, immediate',
    ]);
  });
});
