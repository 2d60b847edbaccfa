/**
 * The gateway in front of a real Medusa v1 (scripts/test.mjs starts it): what is forwarded, and
 * how — method, path, query, body, headers — and that responses come back unchanged.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { client, rawRequest } from "../../../../testing/http.js";
import { seededStore, startGateway, testMedusa } from "../../../../testing/medusa.js";
import { relayTo, type Relay } from "../../../../testing/relay.js";
import type { TestServer } from "../../../../testing/server.js";

/** Headers that differ between two answers of the same request, or are the gateway's own. */
const VOLATILE = new Set(["date", "connection", "keep-alive", "set-cookie"]);

function comparable(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) result[name] = value;
  });
  return result;
}

describe("gateway: forwarding to Medusa v1", () => {
  let server: TestServer;
  let relay: Relay;
  let api: ReturnType<typeof client>;
  let medusa: ReturnType<typeof client>;
  let store: { regionId: string; variantId: string };

  before(async () => {
    relay = await relayTo(testMedusa().url, { record: true });
    server = await startGateway(relay.url);
    api = client(server.url);
    medusa = client(testMedusa().url);
    store = await seededStore();
  });
  after(async () => {
    await server?.stop();
    await relay?.close();
  });

  it("forwards anonymous reads: products (with their query) and regions", async () => {
    const products = await api.get("/store/products?handle=gatehouse-test-tee");
    assert.equal(products.status, 200);
    assert.equal(products.body.count, 1);
    assert.equal(products.body.products[0].handle, "gatehouse-test-tee");
    const none = await api.get("/store/products?handle=no-such-product");
    assert.equal(none.body.count, 0);
    const regions = await api.get("/store/regions");
    assert.equal(regions.status, 200);
    assert.ok(regions.body.regions.some((region: { id: string }) => region.id === store.regionId));
  });

  it("forwards an anonymous cart: create, add a line, update, read", async () => {
    const created = await api.post("/store/carts", { region_id: store.regionId });
    assert.equal(created.status, 200, created.text);
    const cartId = created.body.cart.id as string;
    assert.equal(created.body.cart.customer_id, null);
    const line = await api.post(`/store/carts/${cartId}/line-items`, {
      variant_id: store.variantId,
      quantity: 2,
    });
    assert.equal(line.status, 200, line.text);
    const updated = await api.post(`/store/carts/${cartId}`, { email: "guest@example.com" });
    assert.equal(updated.status, 200, updated.text);
    const read = await api.get(`/store/carts/${cartId}`);
    assert.equal(read.body.cart.email, "guest@example.com");
    assert.equal(read.body.cart.items[0].quantity, 2);
    assert.equal(read.body.cart.subtotal, 3000);
  });

  it("passes Medusa's status, body and headers through unchanged (200, 404, 400)", async () => {
    for (const [method, path, body] of [
      ["GET", "/store/products?handle=gatehouse-test-tee", undefined],
      ["GET", "/store/products/prod_does_not_exist", undefined],
      ["GET", "/store/carts/cart_does_not_exist", undefined],
      ["POST", "/store/carts", { region_id: 42 }],
      ["GET", "/store/no-such-route", undefined],
    ] as const) {
      const direct = await medusa.request(method, path, { body });
      const through = await api.request(method, path, { body });
      assert.equal(through.status, direct.status, `${method} ${path}`);
      assert.equal(through.text, direct.text, `${method} ${path}`);
      const expected = comparable(direct.headers);
      // Gatehouse's own on every response (docs/compatibility.md); Medusa's CORS headers give way to Gatehouse's.
      expected["x-content-type-options"] = "nosniff";
      expected["cache-control"] ??= "no-store";
      delete expected["access-control-allow-credentials"];
      assert.deepEqual(comparable(through.headers), expected, `${method} ${path}`);
    }
  });

  it("never lets Medusa's connect.sid reach the client", async () => {
    const direct = await medusa.get("/store/regions");
    assert.ok(direct.setCookies.some((cookie) => cookie.startsWith("connect.sid=")));
    const through = await api.get("/store/regions");
    assert.deepEqual(through.setCookies, []);
    const cart = await api.post("/store/carts", { region_id: store.regionId });
    assert.deepEqual(cart.setCookies, []);
  });

  it("sends Medusa no client credential, and X-Forwarded-* as a proxy does", async () => {
    const marker = `probe-${Date.now()}`;
    const response = await api.get(`/store/products?q=${marker}`, {
      cookie: "connect.sid=s%3Aabc.def; other=1",
      headers: {
        authorization: "Bearer not-a-token",
        "x-forwarded-for": "203.0.113.9",
        "x-forwarded-host": "evil.example",
        "x-custom": "kept",
      },
    });
    assert.equal(response.status, 200);
    const sent = relay.sent();
    const start = sent.indexOf(`/store/products?q=${marker}`);
    assert.ok(start > 0, "the request reached Medusa");
    const head = sent.slice(start, sent.indexOf("\r\n\r\n", start)).toLowerCase();
    assert.doesNotMatch(head, /\r\ncookie:/);
    assert.doesNotMatch(head, /\r\nauthorization:/);
    assert.match(head, /\r\nx-custom: kept/);
    // TRUST_PROXY is off: the client's own X-Forwarded-* are replaced, not extended.
    assert.match(head, /\r\nx-forwarded-for: 127\.0\.0\.1(\r\n|$)/);
    assert.match(head, /\r\nx-forwarded-proto: http(\r\n|$)/);
    assert.match(head, new RegExp(`\\r\\nx-forwarded-host: ${new URL(server.url).host}`));
    assert.match(head, new RegExp(`\\r\\nhost: ${new URL(relay.url).host}`));
  });

  it("extends the X-Forwarded-* of a trusted proxy (TRUST_PROXY)", async () => {
    const trusting = await startGateway(relay.url, { env: { TRUST_PROXY: "true" } });
    try {
      const marker = `trusted-${Date.now()}`;
      const response = await client(trusting.url).get(`/store/products?q=${marker}`, {
        headers: {
          "x-forwarded-for": "203.0.113.9",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "shop.example",
        },
      });
      assert.equal(response.status, 200);
      const sent = relay.sent();
      const start = sent.indexOf(`/store/products?q=${marker}`);
      const head = sent.slice(start, sent.indexOf("\r\n\r\n", start)).toLowerCase();
      assert.match(head, /\r\nx-forwarded-for: 203\.0\.113\.9, 127\.0\.0\.1(\r\n|$)/);
      assert.match(head, /\r\nx-forwarded-proto: https(\r\n|$)/);
      assert.match(head, /\r\nx-forwarded-host: shop\.example(\r\n|$)/);
    } finally {
      await trusting.stop();
    }
  });

  it("applies STORE_CORS to forwarded routes, preflights included", async () => {
    const allowed = await api.get("/store/regions", {
      headers: { origin: "http://localhost:8000" },
    });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:8000");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    assert.match(allowed.headers.get("vary") ?? "", /origin/i);
    const other = await api.get("/store/regions", { headers: { origin: "http://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    assert.equal(other.headers.get("access-control-allow-credentials"), null);
    const preflight = await api.request("OPTIONS", "/store/carts", {
      headers: {
        origin: "http://localhost:8000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:8000");
    assert.equal(preflight.headers.get("x-powered-by"), null, "answered by Gatehouse");
  });

  it("keeps Gatehouse's own routes, and forwards nothing outside /store", async () => {
    const auth = await api.get("/store/auth");
    assert.equal(auth.status, 401);
    assert.equal(auth.headers.get("x-powered-by"), null, "answered by Gatehouse");
    assert.match(auth.body.message, /Log in first/);
    for (const path of ["/admin/users", "/admin/auth", "/health/../admin/users", "/"]) {
      const response = await api.get(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.body.type, "not_found", path);
    }
  });

  it("refuses paths that would leave /store once normalized", async () => {
    for (const path of [
      "/store/../admin/users",
      "/store/%2e%2e/admin/users",
      "/store/..%5cadmin",
    ]) {
      // Sent as is: fetch would normalize the path.
      const response = await rawRequest(
        server.url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(response, /^HTTP\/1\.1 400 /, path);
      assert.match(response, /"type":"invalid_data"/, path);
    }
  });

  it("streams bodies within BODY_LIMIT, refuses larger ones with 413 (declared or chunked)", async () => {
    const big = JSON.stringify({ email: "a".repeat(20_000) });
    const declared = await api.request("POST", "/store/carts", { raw: big });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.type, "invalid_data");
    const chunked = await fetch(new URL("/store/carts", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { type: string }).type, "invalid_data");
    // A body Gatehouse does not parse (not JSON) still reaches Medusa, which answers for itself.
    const text = await api.request("POST", "/store/carts", { raw: "x", contentType: "text/plain" });
    assert.equal(text.status, 200, text.text);
  });
});
