/** The OpenAPI document and the reference page at /docs (API_DOCS). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { client } from "../../../../testing/http.js";
import { startServer, type TestServer } from "../../../../testing/server.js";

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { example?: unknown; schema?: unknown }> };
}

describe("GET /openapi.json", () => {
  let server: TestServer;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };

  before(async () => {
    server = await startServer();
    doc = (await client(server.url).get("/openapi.json")).body;
  });
  after(() => server.stop());

  it("gives every operation an operationId, a tag, a summary and a security requirement", () => {
    const ids = new Set<string>();
    let operations = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        operations++;
        assert.match(operation.operationId ?? "", /^[A-Z][A-Za-z]+$/, name);
        assert.ok(!ids.has(operation.operationId!), `${name}: operationId repeated`);
        ids.add(operation.operationId!);
        assert.equal(operation.tags?.length, 1, name);
        assert.ok(operation.summary, name);
        assert.ok(Array.isArray(operation.security), `${name}: security`);
        for (const requirement of operation.security!) {
          for (const scheme of Object.keys(requirement as object)) {
            assert.ok(doc.components.securitySchemes[scheme], `${name}: ${scheme}`);
          }
        }
      }
    }
    assert.ok(operations >= 19, String(operations));
    assert.equal(doc.paths["/store/auth"]!.post!.operationId, "PostAuth");
    assert.deepEqual(doc.paths["/store/auth"]!.post!.security, []);
    assert.deepEqual(doc.paths["/store/customers/me"]!.get!.security, [
      { cookie: [] },
      { bearer: [] },
    ]);
  });

  it("names its component schemas (no def-0) and shows an example of every request body", () => {
    assert.deepEqual(Object.keys(doc.components.schemas).sort(), ["Address", "Error"]);
    assert.ok(!JSON.stringify(doc).includes("def-"));
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!operation.requestBody) continue;
        const media = operation.requestBody.content["application/json"];
        assert.ok(media?.example, `${method.toUpperCase()} ${path}: example`);
      }
    }
    const login = doc.paths["/store/auth"]!.post! as Operation & {
      responses: Record<string, { content: Record<string, { example?: { customer?: unknown } }> }>;
    };
    assert.ok(login.responses["200"]!.content["application/json"]!.example?.customer);
    assert.deepEqual(
      doc.paths["/store/auth"]!.post!.requestBody!.content["application/json"]!.example,
      {
        email: "jane@example.com",
        password: "correct horse battery staple",
      },
    );
  });

  it("/docs serves the reference page, unless API_DOCS=false", async () => {
    const page = await client(server.url).get("/docs");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.text, /swagger-ui/i);
    const off = await startServer({ env: { API_DOCS: "false" } });
    try {
      const res = await client(off.url).get("/docs");
      assert.equal(res.status, 404);
      assert.equal(res.body.type, "not_found");
      assert.equal((await client(off.url).get("/openapi.json")).status, 200);
    } finally {
      await off.stop();
    }
  });
});
