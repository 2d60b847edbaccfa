import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMedusaScryptHash, verifyMedusaScrypt } from "../../src/services/medusa-scrypt.js";

// The two vectors of the wire contract §5, both written for the password "supersecret".
const REAL =
  "c2NyeXB0AAEAAAABAAAAAWOCcw8cYiog+220X7dscXpIEfPmNORW00dgiqTIsZFAu2VLr8aCZePJigbxBAUt2QeRdMdL8pf4PX0A8kMBNF6yDhTdRaWChWO6cytqExVc";
const ZERO_SALT =
  "c2NyeXB0AAEAAAABAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAnutBNT4JmiKRbo7+XAJEE1jFLT3E9/NcYk51aT4MDV1QhRYDDFsFfzxUYanq+XIg";

describe("Medusa v1 scrypt-kdf hashes", () => {
  it("recognises the format", () => {
    assert.equal(isMedusaScryptHash(REAL), true);
    assert.equal(isMedusaScryptHash(ZERO_SALT), true);
    assert.equal(isMedusaScryptHash("$argon2id$v=19$m=19456,t=2,p=1$abc$def"), false);
    assert.equal(isMedusaScryptHash(REAL.slice(0, 100)), false);
  });

  it("verifies both contract vectors with the right password", async () => {
    assert.equal(await verifyMedusaScrypt(REAL, "supersecret"), true);
    assert.equal(await verifyMedusaScrypt(ZERO_SALT, "supersecret"), true);
  });

  it("rejects a wrong password, a flipped checksum and a truncated hash", async () => {
    assert.equal(await verifyMedusaScrypt(REAL, "supersecreT"), false);
    assert.equal(await verifyMedusaScrypt(REAL, ""), false);
    const bytes = Buffer.from(REAL, "base64");
    bytes[50]! ^= 1;
    assert.equal(await verifyMedusaScrypt(bytes.toString("base64"), "supersecret"), false);
    assert.equal(await verifyMedusaScrypt(REAL.slice(0, 64), "supersecret"), false);
  });

  it("refuses absurd cost parameters instead of burning CPU", async () => {
    const bytes = Buffer.from(REAL, "base64");
    bytes[7] = 40;
    assert.equal(await verifyMedusaScrypt(bytes.toString("base64"), "supersecret"), false);
  });
});
