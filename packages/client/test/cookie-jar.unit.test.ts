/**
 * The cookie jar's parsing and matching rules, on their own (no HTTP involved).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CookieJar, getSetCookies, splitSetCookieHeader } from "../src/cookie-jar.js";

const base = "http://127.0.0.1:9000";
const at = (path: string, origin = base) => new URL(path, origin);

function jarAt(start = Date.parse("2030-01-01T00:00:00Z")) {
  let now = start;
  const jar = new CookieJar(base, () => now);
  return { jar, advance: (ms: number) => (now += ms) };
}

describe("CookieJar", () => {
  it("stores a session cookie and sends it back", () => {
    const { jar } = jarAt();
    jar.store(["connect.sid=abc.def; Path=/; HttpOnly; SameSite=Lax"], at("/store/auth"));
    assert.equal(jar.header(at("/store/customers/me")), "connect.sid=abc.def");
    const [cookie] = jar.all();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Lax");
  });

  it("keeps the value verbatim, including '=' and percent-escapes", () => {
    const { jar } = jarAt();
    jar.store(["connect.sid=s%3Aabc.x%2By%3D=; Path=/"], at("/store/auth"));
    assert.equal(jar.header(at("/")), "connect.sid=s%3Aabc.x%2By%3D=");
  });

  it("replaces a cookie of the same name and path", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/"], at("/"));
    jar.store(["a=2; Path=/"], at("/"));
    assert.equal(jar.header(at("/")), "a=2");
  });

  it("deletes a cookie with an Expires date in the past", () => {
    const { jar } = jarAt();
    jar.store(["connect.sid=abc; Path=/"], at("/store/auth"));
    jar.store(["connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"], at("/store/auth"));
    assert.equal(jar.header(at("/store/auth")), undefined);
    assert.equal(jar.all().length, 0);
  });

  it("deletes a cookie with Max-Age=0 or a negative Max-Age", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/", "b=2; Path=/"], at("/"));
    jar.store(["a=; Path=/; Max-Age=0", "b=; Path=/; Max-Age=-1"], at("/"));
    assert.equal(jar.header(at("/")), undefined);
  });

  it("lets Max-Age win over Expires", () => {
    const { jar, advance } = jarAt();
    jar.store(["a=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"], at("/"));
    assert.equal(jar.header(at("/")), "a=1");
    jar.store(["b=1; Path=/; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT"], at("/"));
    assert.equal(jar.header(at("/")), "a=1");
    advance(61_000);
    assert.equal(jar.header(at("/")), undefined);
  });

  it("expires cookies when their time comes", () => {
    const { jar, advance } = jarAt();
    jar.store(["a=1; Path=/; Expires=Tue, 01 Jan 2030 01:00:00 GMT"], at("/"));
    advance(59 * 60_000);
    assert.equal(jar.header(at("/")), "a=1");
    advance(2 * 60_000);
    assert.equal(jar.header(at("/")), undefined);
  });

  it("ignores an unparseable Expires and keeps the cookie for the session", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Expires=someday; Path=/"], at("/"));
    assert.equal(jar.all()[0]?.expiresAt, undefined);
    assert.equal(jar.header(at("/")), "a=1");
  });

  it("sends a cookie only on matching paths", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/store/auth"], at("/store/auth"));
    assert.equal(jar.header(at("/store/auth")), "a=1");
    assert.equal(jar.header(at("/store/auth/sessions")), "a=1");
    assert.equal(jar.header(at("/store/authx")), undefined);
    assert.equal(jar.header(at("/store")), undefined);
    assert.equal(jar.header(at("/")), undefined);
  });

  it("uses the request's directory as the default path", () => {
    const { jar } = jarAt();
    jar.store(["a=1"], at("/store/auth/token"));
    assert.equal(jar.all()[0]?.path, "/store/auth");
    jar.store(["b=1; Path=relative"], at("/store"));
    assert.equal(jar.all().find((c) => c.name === "b")?.path, "/");
  });

  it("orders cookies longest path first", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/", "b=2; Path=/store"], at("/"));
    assert.equal(jar.header(at("/store/auth")), "b=2; a=1");
  });

  it("keeps Secure cookies off plain HTTP", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/; Secure"], at("/"));
    assert.equal(jar.all().length, 0);

    const https = new CookieJar("https://auth.example.com");
    https.store(["a=1; Path=/; Secure"], at("/", "https://auth.example.com"));
    assert.equal(https.header(at("/", "https://auth.example.com")), "a=1");
    assert.equal(https.header(at("/", "http://auth.example.com")), undefined);
  });

  it("ignores cookies from or for other hosts", () => {
    const { jar } = jarAt();
    jar.store(["a=1; Path=/"], at("/", "http://evil.example"));
    jar.store(["b=1; Path=/; Domain=evil.example"], at("/"));
    assert.equal(jar.all().length, 0);
    assert.equal(jar.header(at("/", "http://evil.example")), undefined);

    const named = new CookieJar("https://auth.shop.example");
    named.store(["a=1; Domain=.shop.example; Path=/"], at("/", "https://auth.shop.example"));
    named.store(["b=1; Domain=auth.shop.example; Path=/"], at("/", "https://auth.shop.example"));
    named.store(["c=1; Domain=other.example; Path=/"], at("/", "https://auth.shop.example"));
    assert.equal(named.header(at("/", "https://auth.shop.example")), "a=1; b=1");
  });

  it("ignores malformed Set-Cookie values", () => {
    const { jar } = jarAt();
    jar.store(["novalue", "=nameless", "; Path=/"], at("/"));
    assert.equal(jar.all().length, 0);
  });

  it("clear() empties the jar", () => {
    const { jar } = jarAt();
    jar.store(["a=1"], at("/"));
    jar.clear();
    assert.equal(jar.header(at("/")), undefined);
  });
});

describe("splitSetCookieHeader", () => {
  it("does not split inside an Expires date", () => {
    assert.deepEqual(
      splitSetCookieHeader(
        "connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly, other=1; Path=/, third=x=y",
      ),
      [
        "connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly",
        "other=1; Path=/",
        "third=x=y",
      ],
    );
  });

  it("handles a single cookie and an empty header", () => {
    assert.deepEqual(splitSetCookieHeader("a=1; Path=/"), ["a=1; Path=/"]);
    assert.deepEqual(splitSetCookieHeader(""), []);
  });

  it("getSetCookies falls back to the joined header when getSetCookie is missing", () => {
    const headers = new Headers();
    headers.append("set-cookie", "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    headers.append("set-cookie", "b=2");
    assert.deepEqual(getSetCookies(headers), ["a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "b=2"]);
    const legacy = { get: (name: string) => headers.get(name) } as unknown as Headers;
    assert.deepEqual(getSetCookies(legacy), ["a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "b=2"]);
  });
});
