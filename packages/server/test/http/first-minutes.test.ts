/** What a new user meets first: wrong methods, refused CORS origins, a busy port, country codes. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { client, login, register, request } from "../../../../testing/http.js";
import {
  serverEntry,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";

describe("the first five minutes", () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  before(async () => {
    server = await startServer({ env: { STORE_CORS: "http://localhost:8000" } });
    api = client(server.url);
  });
  after(() => server.stop());

  it('logs "listening" once', () => {
    const lines = server.logs.filter((entry) => /listening/i.test(String(entry.msg)));
    assert.equal(lines.length, 1, JSON.stringify(lines));
  });

  it("a known path with another method is a JSON 405 with Allow", async () => {
    const res = await api.request("PUT", "/store/auth");
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD, POST, DELETE");
    assert.deepEqual(res.body, {
      type: "not_allowed",
      message: "Cannot PUT /store/auth: this route answers GET, HEAD, POST, DELETE",
    });
    const withParam = await api.request("PATCH", "/store/customers/me/addresses/addr_1/");
    assert.equal(withParam.status, 405);
    assert.equal(withParam.headers.get("allow"), "POST, DELETE");
    const head = await api.request("HEAD", "/store/customers");
    assert.equal(head.status, 405);
    assert.equal(head.text, "");
    // Unknown paths stay 404.
    const unknown = await api.request("PUT", "/store/nothing");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("allow"), null);
  });

  it("a preflight from an origin missing from STORE_CORS is a 204 without CORS headers, logged once", async () => {
    const preflight = (origin: string) =>
      request(server.url, "OPTIONS", "/store/auth", {
        headers: { origin, "access-control-request-method": "POST" },
      });
    for (let i = 0; i < 3; i++) {
      const refused = await preflight("https://shop.example");
      assert.equal(refused.status, 204);
      assert.equal(refused.text, "");
      for (const name of refused.headers.keys()) {
        assert.ok(!name.startsWith("access-control-"), name);
      }
    }
    const allowed = await preflight("http://localhost:8000");
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:8000");
    await preflight("https://other.example");
    const corsLines = () => server.logs.filter((entry) => String(entry.msg).startsWith("CORS:"));
    // The log arrives through the process's stdout, a moment after the response.
    for (let i = 0; i < 50 && corsLines().length < 2; i++) await sleep(20);
    await sleep(100);
    const logged = corsLines();
    assert.deepEqual(
      logged.map((entry) => entry.origin),
      ["https://shop.example", "https://other.example"],
    );
    assert.match(String(logged[0]!.msg), /STORE_CORS/);
  });

  it("unknown country codes are refused with a 400 naming the standard", async () => {
    const email = uniqueEmail();
    await register(server.url, email);
    const { cookie } = await login(server.url, email);
    const address = {
      first_name: "Jane",
      last_name: "Doe",
      address_1: "Vesterbrogade 1",
      city: "Copenhagen",
      postal_code: "1620",
    };
    for (const country_code of ["xx", "EU", "UK", "dnk", ""]) {
      const res = await api.request("POST", "/store/customers/me/addresses", {
        cookie,
        body: { address: { ...address, country_code } },
      });
      assert.equal(res.status, 400, `${country_code}: ${res.text}`);
      assert.equal(res.body.type, "invalid_data");
      assert.match(res.body.message, /^address\.country_code must be an ISO 3166-1 alpha-2/);
    }
    const billing = await api.request("POST", "/store/customers/me", {
      cookie,
      body: { billing_address: { ...address, country_code: "zz" } },
    });
    assert.equal(billing.status, 400);
    assert.match(billing.body.message, /^billing_address\.country_code must be/);
    const ok = await api.request("POST", "/store/customers/me/addresses", {
      cookie,
      body: { address: { ...address, country_code: "DK" } },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.customer.shipping_addresses[0].country_code, "dk");
  });

  it('says "1 second", not "1 seconds"', async () => {
    const dev = await startServer({
      env: { NODE_ENV: "development", RATE_LIMIT_EXISTS: "1/1s" },
    });
    try {
      const devApi = client(dev.url);
      await devApi.get(`/store/auth/${uniqueEmail()}`);
      const res = await devApi.get(`/store/auth/${uniqueEmail()}`);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.match(res.body.message, /retry in 1 second,/);
    } finally {
      await dev.stop();
    }
  });
});

describe("a busy port", () => {
  it("is one line naming the port and PORT, and a non-zero exit", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-test-"));
    try {
      const child = spawn(process.execPath, [serverEntry], {
        env: {
          PATH: process.env.PATH ?? "",
          NODE_ENV: "test",
          HOST: "127.0.0.1",
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.equal(code, 1);
      assert.equal(
        stderr,
        `Gatehouse cannot start: port ${port} is already in use (by Medusa, or another server?): set PORT to a free port.\n`,
      );
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
