/**
 * The auth identity a v2 token names: the same for Gatehouse's own bearer tokens
 * (IdentityService.tokenFor) and the token forwarded to Medusa v2 (MedusaTokens), with or without
 * an identity row.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jwtVerify } from "jose";
// Fastify's declarations that gateway/identity.ts relies on (types only).
import type {} from "../../src/app.js";
import { authIdentityIdOf } from "../../src/domain.js";
import { MedusaTokens } from "../../src/gateway/identity.js";
import { systemClock } from "../../src/services/clock.js";

const secret = "a-secret-for-this-test";

async function forwardedClaims(customerId: string, identityId: string | null) {
  const tokens = new MedusaTokens(secret, systemClock, 2, async () => identityId);
  const { payload } = await jwtVerify(
    await tokens.mint(customerId),
    new TextEncoder().encode(secret),
  );
  return payload;
}

describe("authIdentityIdOf", () => {
  it("is the identity row's id when there is one", () => {
    assert.equal(authIdentityIdOf("cus_01ABC", "authid_01XYZ"), "authid_01XYZ");
  });

  it("is authid_ and the customer id's suffix without one, stable per customer", () => {
    assert.equal(authIdentityIdOf("cus_01ABC", null), "authid_01ABC");
    assert.equal(authIdentityIdOf("cus_01ABC", null), authIdentityIdOf("cus_01ABC", null));
    assert.notEqual(authIdentityIdOf("cus_01ABD", null), authIdentityIdOf("cus_01ABC", null));
  });
});

describe("the token forwarded to Medusa v2", () => {
  it("names the customer's identity row", async () => {
    const claims = await forwardedClaims("cus_01ABC", "authid_01XYZ");
    assert.equal(claims.auth_identity_id, "authid_01XYZ");
    assert.equal(claims.actor_id, "cus_01ABC");
    assert.equal(claims.actor_type, "customer");
  });

  it("names the identity Gatehouse's own tokens name when the customer has no identity row", async () => {
    const claims = await forwardedClaims("cus_01ABC", null);
    assert.equal(claims.auth_identity_id, authIdentityIdOf("cus_01ABC", null));
    assert.equal(claims.auth_identity_id, "authid_01ABC");
  });
});
