/**
 * The metrics of requests forwarded to a real Medusa v1: counted by Medusa's status (or `error`
 * when it is unreachable), under the forwarding route's template, never the raw path.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { client } from "../../../../testing/http.js";
import { startGateway, testMedusa } from "../../../../testing/medusa.js";
import { relayTo } from "../../../../testing/relay.js";

/** The value of one sample line (`name{labels} value`), or 0 when there is none. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((entry) => entry.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("gateway: metrics", () => {
  it("counts forwarded requests by Medusa's status, and Medusa unreachable as error", async () => {
    const relay = await relayTo(testMedusa().url);
    const server = await startGateway(relay.url);
    try {
      const api = client(server.url);
      assert.equal((await api.get("/store/regions")).status, 200);
      assert.equal((await api.get("/store/regions")).status, 200);
      assert.equal((await api.get("/store/products/prod_no_such_product")).status, 404);
      await relay.close();
      assert.equal((await api.get("/store/regions")).status, 502);

      const text = (await api.get("/metrics")).text;
      const forwarded = "gatehouse_medusa_request_duration_seconds_count";
      assert.equal(sample(text, forwarded, 'status="200"'), 2);
      assert.equal(sample(text, forwarded, 'status="404"'), 1);
      assert.equal(sample(text, forwarded, 'status="error"'), 1);
      const requests = "gatehouse_http_request_duration_seconds_count";
      assert.equal(sample(text, requests, 'method="GET",route="/store/*",status="200"'), 2);
      assert.equal(sample(text, requests, 'method="GET",route="/store/*",status="502"'), 1);
      assert.ok(!text.includes("prod_no_such_product"), "a raw path in a label");
    } finally {
      await server.stop();
    }
  });
});
