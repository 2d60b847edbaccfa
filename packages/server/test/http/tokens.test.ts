/** Bearer tokens (SPEC §3.2): only a genuine, unexpired, session-bound store token is accepted. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { SignJWT, generateKeyPair } from "jose";
import { STRONG_PASSWORD, client, getToken, register } from "../../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../../testing/server.js";

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

describe("bearer tokens (EdDSA, the default)", () => {
  const app = useServer();
  const { api } = app;
  let token: string;
  let victimId: string;

  before(async () => {
    const email = uniqueEmail();
    await register(app.url, email);
    token = await getToken(app.url, email);
    victimId = (await register(app.url, uniqueEmail("victim"))).customer.id;
  });

  const rejected = async (candidate: string, why: string) => {
    const res = await api.get("/store/auth", { token: candidate });
    assert.equal(res.status, 401, why);
    assert.equal(res.body.type, "unauthorized", why);
  };

  it("accepts the genuine token (control)", async () => {
    assert.equal((await api.get("/store/auth", { token })).status, 200);
  });

  it('rejects alg "none"', async () => {
    const [header, payload] = token.split(".");
    await rejected(`${encode({ ...decode(header!), alg: "none" })}.${payload}.`, "alg none");
    await rejected(`${encode({ alg: "none", typ: "JWT" })}.${payload}.`, "alg none without kid");
  });

  it("rejects an altered payload (another customer, a later exp)", async () => {
    const [header, payload, signature] = token.split(".");
    const claims = decode(payload!);
    await rejected(
      `${header}.${encode({ ...claims, customer_id: victimId })}.${signature}`,
      "customer swapped",
    );
    await rejected(
      `${header}.${encode({ ...claims, exp: claims.exp + 1000 })}.${signature}`,
      "exp extended",
    );
  });

  it("rejects a token signed by another key, with an unknown or a known kid", async () => {
    const claims = decode(token.split(".")[1]!);
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const kid = decode(token.split(".")[0]!).kid;
    for (const header of [
      { alg: "EdDSA", kid: "unknown-kid" },
      { alg: "EdDSA", kid },
    ]) {
      const forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
      await rejected(forged, `forged with kid ${header.kid}`);
    }
  });

  it("rejects HS256 signed with the public key (algorithm confusion)", async () => {
    const claims = decode(token.split(".")[1]!);
    const kid = decode(token.split(".")[0]!).kid;
    const jwks = (await api.get("/.well-known/jwks.json")).body.keys;
    const publicKey = jwks.find((key: { kid: string }) => key.kid === kid);
    for (const secret of [
      JSON.stringify(publicKey),
      publicKey.x,
      Buffer.from(publicKey.x, "base64url").toString("latin1"),
    ]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid })
        .sign(new TextEncoder().encode(secret));
      await rejected(forged, "HS256 with public key material");
    }
  });

  it("rejects garbage, truncated and oversized tokens with a JSON 401", async () => {
    for (const candidate of [
      "x",
      "a.b.c",
      token.slice(0, -5),
      `${token}x`,
      "e".repeat(10_000),
      "..",
      "%F0%9F.x.y",
    ]) {
      await rejected(candidate, candidate.slice(0, 20));
    }
  });
});

describe("bearer tokens (HS256 with JWT_SECRET)", () => {
  const app = useServer({ env: { JWT_ALGORITHM: "HS256" } });
  const { api } = app;
  let token: string;
  let claims: Record<string, unknown>;
  let secret: Uint8Array;

  before(async () => {
    secret = new TextEncoder().encode(app.server.env.JWT_SECRET);
    const email = uniqueEmail();
    await register(app.url, email);
    token = await getToken(app.url, email);
    claims = decode(token.split(".")[1]!);
  });

  const sign = (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = { alg: "HS256" },
  ) => new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(secret);

  it("signs with HS256 and publishes no keys", async () => {
    assert.equal(decode(token.split(".")[0]!).alg, "HS256");
    assert.equal((await api.get("/store/auth", { token })).status, 200);
    assert.deepEqual((await api.get("/.well-known/jwks.json")).body, { keys: [] });
  });

  it("accepts a token it did not issue itself only if every claim checks out (control)", async () => {
    const forged = await sign({ ...claims, iat: now(), exp: now() + 60 });
    assert.equal((await api.get("/store/auth", { token: forged })).status, 200);
  });

  it("rejects an expired token, even though its session is live", async () => {
    const expired = await sign({ ...claims, iat: now() - 120, exp: now() - 60 });
    assert.equal((await api.get("/store/auth", { token: expired })).status, 401);
  });

  it("stops accepting a token the moment it expires, though it was accepted (and remembered) before", async () => {
    const exp = now() + 2;
    const shortLived = await sign({ ...claims, iat: now(), exp });
    assert.equal((await api.get("/store/auth", { token: shortLived })).status, 200);
    assert.equal((await api.get("/store/auth", { token: shortLived })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
    assert.equal((await api.get("/store/auth", { token: shortLived })).status, 401);
  });

  it("rejects a wrong domain, a wrong issuer, a missing session id and a session of another kind", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["domain admin", { ...claims, domain: "admin" }],
      ["no domain", { ...claims, domain: undefined }],
      ["issuer", { ...claims, iss: "someone-else" }],
      ["no sid", { ...claims, sid: undefined }],
      ["unknown sid", { ...claims, sid: "sess_01M8FHNEA8CNF7C9NHQJHT5VDE" }],
      ["no exp", { ...claims, exp: undefined }],
    ];
    for (const [why, payload] of cases) {
      const forged = await sign(JSON.parse(JSON.stringify(payload)));
      assert.equal((await api.get("/store/auth", { token: forged })).status, 401, why);
    }
  });

  it("rejects Medusa-style tokens (no session) and EdDSA tokens", async () => {
    const medusa = await sign({
      customer_id: claims.customer_id,
      domain: "store",
      iat: now(),
      exp: now() + 60,
    });
    assert.equal((await api.get("/store/auth", { token: medusa })).status, 401);
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const eddsa = await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA" }).sign(privateKey);
    assert.equal((await api.get("/store/auth", { token: eddsa })).status, 401);
  });

  it("stops accepting a token once its session is revoked", async () => {
    const fresh = await getToken(
      app.url,
      decode(token.split(".")[1]!).customer_id ? await emailOf(token) : "",
    );
    assert.equal((await api.get("/store/auth", { token: fresh })).status, 200);
    assert.equal((await api.delete("/store/auth", { token: fresh })).status, 200);
    assert.equal((await api.get("/store/auth", { token: fresh })).status, 401);
  });

  async function emailOf(bearer: string): Promise<string> {
    return (await api.get("/store/auth", { token: bearer })).body.customer.email;
  }
});

describe("signing keys are shared through the database", () => {
  it("verifies a token after a restart with the same database", async () => {
    const server = await startServer();
    const email = uniqueEmail();
    await register(server.url, email);
    const token = await getToken(server.url, email);
    await server.stop({ keepData: true });
    const again = await startServer({ shareWith: server });
    try {
      assert.equal((await client(again.url).get("/store/auth", { token })).status, 200);
      const login = await client(again.url).post("/store/auth", {
        email,
        password: STRONG_PASSWORD,
      });
      assert.equal(login.status, 200, "sessions and customers survive the restart");
    } finally {
      await again.stop();
      await server.stop();
    }
  });

  it("survives a changed JWT_SECRET: old tokens stop verifying, new ones work", async () => {
    const server = await startServer();
    const email = uniqueEmail();
    await register(server.url, email);
    const token = await getToken(server.url, email);
    await server.stop({ keepData: true });
    const again = await startServer({
      shareWith: server,
      env: { JWT_SECRET: "a-completely-different-secret-0123456789abcdef" },
    });
    try {
      assert.ok(again.logs.some((line) => /cannot be decrypted/.test(String(line.msg))));
      assert.equal((await client(again.url).get("/store/auth", { token })).status, 401);
      const fresh = await getToken(again.url, email);
      assert.equal((await client(again.url).get("/store/auth", { token: fresh })).status, 200);
    } finally {
      await again.stop();
      await server.stop();
    }
  });
});
