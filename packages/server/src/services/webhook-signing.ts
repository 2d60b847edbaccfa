/** Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over id, time and body. */
import { createHmac } from "node:crypto";

/** The headers of one signed delivery; `timestamp` is in epoch seconds. */
export function signedHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}
