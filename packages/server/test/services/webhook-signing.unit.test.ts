/** Standard Webhooks signatures, checked against the specification's reference library. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { isWebhookSecret } from "../../src/config.js";
import { signedHeaders } from "../../src/services/webhook-signing.js";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({
  type: "customer.created",
  timestamp: "2026-12-05T00:00:00.000Z",
  data: { id: "cus_01", email: "ünïcode@example.com", first_name: null, last_name: null },
});

describe("webhook signing", () => {
  it("gives the signature the reference library computes, and that it verifies", () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(secret, "msg_01", now, body);
    const reference = new Webhook(secret);
    assert.equal(
      headers["webhook-signature"],
      reference.sign("msg_01", new Date(now * 1000), body),
    );
    assert.deepEqual(reference.verify(body, headers), JSON.parse(body));
  });

  it("is refused under another secret, another id, another body or an old timestamp", () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(secret, "msg_01", now, body);
    const reference = new Webhook(secret);
    const refused = [
      () => new Webhook(`whsec_${randomBytes(32).toString("base64")}`).verify(body, headers),
      () => reference.verify(body, { ...headers, "webhook-id": "msg_02" }),
      () => reference.verify(body.replace("cus_01", "cus_02"), headers),
      () => reference.verify(body, signedHeaders(secret, "msg_01", now - 600, body)),
    ];
    for (const verify of refused) assert.throws(verify, WebhookVerificationError);
  });

  it("accepts secrets of 24 to 64 bytes in the whsec_ form only", () => {
    const of = (bytes: number) => `whsec_${randomBytes(bytes).toString("base64")}`;
    assert.ok(isWebhookSecret(of(24)));
    assert.ok(isWebhookSecret(of(32)));
    assert.ok(isWebhookSecret(of(64)));
    assert.ok(!isWebhookSecret(of(23)));
    assert.ok(!isWebhookSecret(of(65)));
    assert.ok(!isWebhookSecret(randomBytes(32).toString("base64")), "no prefix");
    assert.ok(!isWebhookSecret("whsec_not base64!"));
    assert.ok(!isWebhookSecret("whsec_"));
  });
});
