import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.js";

const MEDUSA_DB = "postgres://medusa@127.0.0.1:5432/medusa";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration: MEDUSA_VERSION and PUBLISHABLE_API_KEYS", () => {
  it("defaults to Medusa v1, not explicit", () => {
    const config = loadConfig({});
    assert.equal(config.medusaVersion, 1);
    assert.equal(config.medusaVersionExplicit, false);
    assert.deepEqual(config.publishableApiKeys, []);
  });

  it("reads 1 and 2, explicit", () => {
    for (const version of [1, 2] as const) {
      const config = loadConfig({ MEDUSA_VERSION: ` ${version} ` });
      assert.equal(config.medusaVersion, version);
      assert.equal(config.medusaVersionExplicit, true);
    }
  });

  it("in front of Medusa's database, leaves the version to detection unless it is set", () => {
    const detected = loadConfig({ MEDUSA_DATABASE_URL: MEDUSA_DB });
    assert.equal(detected.medusaVersionExplicit, false);
    const explicit = loadConfig({ MEDUSA_DATABASE_URL: MEDUSA_DB, MEDUSA_VERSION: "2" });
    assert.equal(explicit.medusaVersion, 2);
    assert.equal(explicit.medusaVersionExplicit, true);
  });

  it("refuses anything but 1 or 2, saying what each means", () => {
    for (const value of ["3", "v2", "2.0", "two", "0"]) {
      const found = problems({ MEDUSA_VERSION: value });
      assert.equal(found.length, 1, value);
      assert.match(
        found[0]!,
        new RegExp(`^MEDUSA_VERSION="${value.replace(".", "\\.")}": expected 1 or 2`),
      );
      assert.match(found[0]!, /1 for Medusa 1\.x.*2 for Medusa 2\.x/);
    }
  });

  it("reads PUBLISHABLE_API_KEYS as a comma list in standalone v2 mode", () => {
    const config = loadConfig({ MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: " pk_a, pk_b ,,pk_c" });
    assert.deepEqual(config.publishableApiKeys, ["pk_a", "pk_b", "pk_c"]);
  });

  it("refuses PUBLISHABLE_API_KEYS outside standalone v2 mode", () => {
    assert.match(
      problems({ PUBLISHABLE_API_KEYS: "pk_a" }).join("\n"),
      /PUBLISHABLE_API_KEYS is set but MEDUSA_VERSION is not 2/,
    );
    assert.match(
      problems({ MEDUSA_VERSION: "1", PUBLISHABLE_API_KEYS: "pk_a" }).join("\n"),
      /MEDUSA_VERSION is not 2/,
    );
    assert.match(
      problems({
        MEDUSA_VERSION: "2",
        MEDUSA_DATABASE_URL: MEDUSA_DB,
        PUBLISHABLE_API_KEYS: "pk_a",
      }).join("\n"),
      /PUBLISHABLE_API_KEYS is set with MEDUSA_DATABASE_URL: .*api_key table/,
    );
    // Empty is no setting.
    assert.deepEqual(problems({ PUBLISHABLE_API_KEYS: " , " }), []);
  });
});
