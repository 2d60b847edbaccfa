/**
 * Property-based fuzzing of every route over real HTTP (SPEC §2.2, §5): whatever the body, headers,
 * cookies, token, path or method, a request gets a 2xx–4xx answer — every 4xx a JSON error with a
 * string `type` and `message` — never a 5xx, a crash or a hang, and no request loses or corrupts a
 * stored customer.
 *
 * FUZZ_SEED=<integer> replays (or varies) a run: the seed is printed, and a failure prints the seed,
 * the counterexample and the exact request. FUZZ_RUNS=<factor> scales the number of cases (1 by
 * default: about 4,500 requests per backend).
 */
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it, type TestContext } from "node:test";
import fc from "fast-check";
import { openTestDb } from "../../../../testing/db.js";
import { STRONG_PASSWORD, getToken, login, register, request } from "../../../../testing/http.js";
import { startServer, uniqueEmail, type TestServer } from "../../../../testing/server.js";

const SEED = process.env.FUZZ_SEED ? Number.parseInt(process.env.FUZZ_SEED, 10) : 20_251_124;
const SCALE = Number(process.env.FUZZ_RUNS ?? "1") || 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const REQUEST_TIMEOUT_MS = 10_000;
const BODY_LIMIT = 16_384;
/** Failures get shrunk, but a property never runs longer than this (the suite has a 120 s timeout per test). */
const PROPERTY_TIME_LIMIT_MS = 100_000 * SCALE;
const TEST_TIMEOUT_MS = PROPERTY_TIME_LIMIT_MS + 60_000;

// ---------------------------------------------------------------------------------------------
// Requests: what the fuzzer generates, and how it is sent
// ---------------------------------------------------------------------------------------------

/**
 * A generated request. Header values, the path and the body may hold markers that are resolved
 * only when the request is sent, because the fuzzer itself revokes credentials and creates
 * addresses and sessions as it goes:
 * `@@cookie@@` / `@@token@@` a live session cookie value / bearer token,
 * `@@mcookie@@` / `@@mtoken@@` the same after `cookieMutation` / `tokenMutation`,
 * `@@address:N@@` / `@@session:N@@` the N-th known address / session id (own or someone else's).
 */
interface FuzzRequest {
  /** `fetch` (undici, what storefronts use) or `http` (node:http: the path and method go out as given). */
  via: "fetch" | "http";
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: string | Uint8Array;
  cookieMutation?: Mutation;
  tokenMutation?: Mutation;
}

/** Changes applied to a valid cookie value or JWT at send time. */
type Mutation =
  | { op: "flip"; at: number; char: string }
  | { op: "truncate"; at: number }
  | { op: "affix"; before: string; after: string }
  | { op: "case" }
  | { op: "reencode"; part: "header" | "payload"; set: Record<string, unknown> }
  | {
      op: "resign";
      alg: "none" | "HS256-secret" | "HS256-jwk" | "EdDSA-attacker";
      header: Record<string, unknown>;
      payload: Record<string, unknown>;
    }
  | { op: "dropSignature" }
  | { op: "swapParts" };

interface Resolved {
  via: "fetch" | "http";
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: string | Uint8Array;
  identity: Identity;
  /** It carried a credential, valid or mutated (it may have revoked it). */
  usedSecret: boolean;
  /** It carried an unmutated credential (a 401 means that credential was revoked). */
  usedValidSecret: boolean;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** "main": customer A's cookie and customer B's token; "sandbox": customer E's (see `before`). */
type Identity = "main" | "sandbox";

interface Account {
  role: string;
  id: string;
  email: string;
  password: string;
}

interface Stats {
  requests: number;
  skipped: number;
  statuses: Map<number, number>;
  skippedExamples: string[];
  closedWithoutAnswer: number;
  closedExamples: string[];
  /** Answers matching a known, reported server bug (see KNOWN_BUGS). */
  knownBugs: Map<string, number>;
}

const newStats = (): Stats => ({
  requests: 0,
  skipped: 0,
  statuses: new Map(),
  skippedExamples: [],
  closedWithoutAnswer: 0,
  closedExamples: [],
  knownBugs: new Map(),
});

class ClientRefused extends Error {}

/** A JSON value written verbatim (deep nesting, 1e999, escapes JSON.stringify never produces). */
class Raw {
  constructor(readonly text: string) {}
}
/** A JSON object as ordered entries, so `__proto__` and duplicate keys survive to the wire. */
class Obj {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj)
    return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") return toJson(new Obj(Object.entries(value)));
  return JSON.stringify(value) ?? "null";
}

const obj = (record: Record<string, unknown>) =>
  new Obj(Object.entries(record).filter(([, value]) => value !== undefined));

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, never a throw). */
function pct(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Header values go out as bytes: fetch and node:http refuse characters above U+00FF, so such a
 * value is sent as its UTF-8 bytes (each byte one latin1 character), as a raw client would.
 * Values they still refuse (CR, LF, NUL) are counted as "refused by the client".
 */
function utf8Bytes(value: string): string {
  const wide = [...value].some((char) => char.codePointAt(0)! > 0xff);
  return wide ? Buffer.from(value, "utf8").toString("latin1") : value;
}

/** For node:http paths: bytes 0x21–0xFF go out raw (latin1), anything else percent-encoded. */
function rawPathText(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += code >= 0x21 && code <= 0xff ? char : pct(char);
  }
  return out;
}

function preview(value: string | Uint8Array | undefined, max = 600): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : `bytes:${Buffer.from(value).toString("hex")}`;
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}

// ---------------------------------------------------------------------------------------------
// Routes (every one in packages/server/src/http/routes)
// ---------------------------------------------------------------------------------------------

type BodyKind =
  "login" | "register" | "profile" | "addAddress" | "address" | "passwordToken" | "passwordReset";

interface Route {
  method: string;
  path: string;
  body?: BodyKind;
}

const ROUTES: Route[] = [
  { method: "POST", path: "/store/auth", body: "login" },
  { method: "GET", path: "/store/auth" },
  { method: "DELETE", path: "/store/auth" },
  { method: "GET", path: "/store/auth/:email" },
  { method: "POST", path: "/store/auth/token", body: "login" },
  { method: "GET", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions/:id" },
  { method: "POST", path: "/store/customers", body: "register" },
  { method: "GET", path: "/store/customers/me" },
  { method: "POST", path: "/store/customers/me", body: "profile" },
  { method: "POST", path: "/store/customers/me/addresses", body: "addAddress" },
  { method: "POST", path: "/store/customers/me/addresses/:id", body: "address" },
  { method: "DELETE", path: "/store/customers/me/addresses/:id" },
  { method: "POST", path: "/store/customers/password-token", body: "passwordToken" },
  { method: "POST", path: "/store/customers/password-reset", body: "passwordReset" },
  { method: "GET", path: "/health" },
  { method: "GET", path: "/ready" },
  { method: "GET", path: "/.well-known/jwks.json" },
  { method: "GET", path: "/openapi.json" },
];
const BODY_ROUTES = ROUTES.filter((route) => route.body);
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

// ---------------------------------------------------------------------------------------------
// Server bugs found by this fuzzer (reported; packages/server/src is fixed elsewhere)
// ---------------------------------------------------------------------------------------------

/**
 * While a bug is open, answers matching it (narrowly) are counted and reported instead of failing
 * a property, so the fuzzer keeps looking for other bugs; its minimal reproducer runs as a `todo`
 * test at the end of the suite, which passes once the bug is fixed. Delete the entry then.
 */
/** What a known bug is recognised by: the request, and the answer or the client's error. */
interface Observation {
  method?: string;
  path?: string;
  body?: string | Uint8Array;
  socketBytes?: Buffer;
  status?: number;
  contentType?: string;
  clientError?: string;
}

const KNOWN_BUGS: Array<{
  id: string;
  /** Still open: matching answers are tolerated (counted) and the reproducer is a `todo`. */
  open: boolean;
  matches(seen: Observation): boolean;
  /** Sends the minimal reproducer; returns what is wrong, or undefined once fixed. */
  reproduce(url: string): Promise<string | undefined>;
}> = [
  {
    // FIXED (found by this fuzzer): an `email` body field holding a lone UTF-16 surrogate
    // (JSON `"\ud800"`) makes validator's isEmail throw (URIError from encodeURI in
    // isByteLength): 500 unknown_error on every route with an email field, where a 400
    // `email must be an email` is due.
    id: "lone-surrogate-email-500",
    open: false,
    matches(seen) {
      if (seen.status !== 500 || typeof seen.body !== "string") return false;
      const parsed = tryJson(seen.body) as { email?: unknown } | undefined;
      return typeof parsed?.email === "string" && LONE_SURROGATE.test(parsed.email);
    },
    async reproduce(url) {
      const answer = await request(url, "POST", "/store/auth", {
        raw: '{"email":"\\ud800","password":"x"}',
      });
      const type = answer.headers.get("content-type") ?? "";
      const problem = answerProblem(answer.status, type, answer.text);
      return problem && `${problem}: ${answer.status} ${answer.text}`;
    },
  },
  {
    // FIXED (found by this fuzzer), PostgreSQL only: a NUL character (U+0000) in any string
    // that reaches a query — a name, phone or address field (registration, profile, address
    // book), the email in GET /store/auth/:email, an address id in the path or in
    // `billing_address` — makes PostgreSQL refuse the statement ("invalid byte sequence for
    // encoding UTF8: 0x00"): 500 unknown_error where a 400 (or 404) is due. SQLite is fine.
    id: "nul-in-string-500-postgres",
    open: false,
    matches(seen) {
      if (seen.status !== 500) return false;
      const body = typeof seen.body === "string" ? seen.body : "";
      return /%00/i.test(seen.path ?? "") || body.includes("\\u0000") || body.includes("\u0000");
    },
    async reproduce(url) {
      const problems: string[] = [];
      const email = uniqueEmail("nul");
      for (const [method, path, raw] of [
        ["GET", "/store/auth/%00", undefined],
        [
          "POST",
          "/store/customers",
          `{"email":"${email}","password":"correct horse battery staple","first_name":"\\u0000"}`,
        ],
      ] as const) {
        const answer = await request(url, method, path, raw === undefined ? {} : { raw });
        const type = answer.headers.get("content-type") ?? "";
        const problem = answerProblem(answer.status, type, answer.text);
        if (problem)
          problems.push(`${method} ${path} ${raw ?? ""}: ${answer.status} ${answer.text}`);
      }
      return problems.length ? problems.join("; ") : undefined;
    },
  },
  {
    // FIXED (found by this fuzzer): deeply nested JSON (about 4,200+ levels, e.g. 5,000
    // nested arrays = 10 KB, well under the 16 KiB body limit) in a free-form value overflows
    // the stack in JSON.stringify (RangeError: Maximum call stack size exceeded): 500
    // unknown_error. Seen for the login `password` of POST /store/auth and /store/auth/token
    // (AuthService.login stringifies non-string passwords, even for a throttled account) and for
    // `metadata` in POST /store/customers/me (also billing_address.metadata) and
    // POST /store/customers/me/addresses (writeMetadata).
    id: "deep-json-stack-overflow-500",
    open: false,
    matches(seen) {
      return seen.status === 500 && typeof seen.body === "string" && jsonDepth(seen.body) >= 1000;
    },
    async reproduce(url) {
      const deep = "[".repeat(5000) + "]".repeat(5000);
      const answer = await request(url, "POST", "/store/auth", {
        raw: `{"email":"nobody@example.com","password":${deep}}`,
      });
      const type = answer.headers.get("content-type") ?? "";
      const problem = answerProblem(answer.status, type, answer.text);
      return problem && `${problem}: ${answer.status} ${answer.text}`;
    },
  },
  {
    // FIXED (found by this fuzzer): an HTTP/1.1 request without a Host header gets Node's
    // own bare 400 (no Content-Type, empty chunked body) instead of a JSON error: node:http's
    // requireHostHeader answers before Gatehouse sees the request.
    id: "missing-host-bare-400",
    open: false,
    matches(seen) {
      if (seen.status !== 400 || seen.contentType !== "" || !seen.socketBytes) return false;
      const head = seen.socketBytes.toString("latin1").split(/\r\n\r\n|\n\n/)[0]!;
      return / HTTP\/1\.1(\r\n|\n|$)/.test(head) && !/(\r\n|\n|\r)host:/i.test(head);
    },
    async reproduce(url) {
      const { received } = await rawExchange(url, Buffer.from("GET /health HTTP/1.1\r\n\r\n"));
      const [answer] = parseResponses(received, false);
      const problem = answer
        ? answerProblem(answer.status, answer.contentType, answer.text)
        : "no answer";
      return problem && `${problem}: ${JSON.stringify(received)}`;
    },
  },
  {
    // FIXED (found by this fuzzer): the socket-level answers (400 `Malformed HTTP request`,
    // 431) carry their JSON body even when the request was a HEAD, e.g. a HEAD whose target has
    // a raw byte >= 0x80. A response to HEAD has no body, so a strict client (node:http) fails
    // with "Parse Error: Data after `Connection: close`" instead of seeing the 400/431.
    id: "head-socket-error-with-body",
    open: false,
    matches(seen) {
      return (
        seen.method === "HEAD" && /Data after `Connection: close`/.test(seen.clientError ?? "")
      );
    },
    async reproduce(url) {
      const { received } = await rawExchange(
        url,
        Buffer.from("HEAD /health?\x80 HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"),
      );
      const body = received.slice(received.indexOf("\r\n\r\n") + 4);
      return body === "" ? undefined : `a body after a HEAD answer: ${JSON.stringify(received)}`;
    },
  },
];

/** The deepest nesting of arrays and objects in JSON text (strings skipped), without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "[" || char === "{") deepest = Math.max(deepest, ++depth);
    else if (char === "]" || char === "}") depth--;
  }
  return deepest;
}

function knownBug(seen: Observation): string | undefined {
  return KNOWN_BUGS.find((bug) => bug.open && bug.matches(seen))?.id;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describe("fuzzing every route (any input: a 2xx-4xx JSON answer, never a 5xx, crash or hang)", () => {
  let server: TestServer;
  /**
   * A second instance of the same store with rate limiting off: credentials are renewed and the
   * final logins checked there, so that the fuzzer's failed logins (which throttle accounts, as
   * they should) never make the harness itself fail. Sessions and tokens work on both.
   */
  let unthrottled: TestServer;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const accounts: Record<"A" | "B" | "C" | "D" | "E", Account> = {} as never;
  /** The live credentials handed to the fuzzer, renewed whenever it revokes them. */
  const creds: Record<Identity, { cookie: string; token: string }> = {
    main: { cookie: "", token: "" },
    sandbox: { cookie: "", token: "" },
  };
  /** C's credentials: never shown to the fuzzer, checked at the end. */
  const reserve = { cookie: "", token: "", addressId: "" };
  let credentialsDirty = false;
  let renewing: Promise<void> | undefined;
  const pools = { address: [] as string[], session: [] as string[] };
  let jwk: Record<string, string> = {};
  let jwtSecret = "";
  const attackerKey: KeyObject = generateKeyPairSync("ed25519").privateKey;
  const totals = newStats();
  let arbs: ReturnType<typeof makeArbitraries>;
  /** How often the fuzzer changed E's email and password (tracked, and checked at the end). */
  const sandboxChanges = { email: 0, password: 0 };
  /** Throwaway customers that race each other for one email (their cookies). */
  const racers: string[] = [];

  // --- credentials --------------------------------------------------------------------------

  async function plain(method: string, path: string, headers: Record<string, string> = {}) {
    const response = await fetch(new URL(path, server.url), {
      method,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, text: await response.text() };
  }

  async function freshLogin(
    account: Account,
    kind: "cookie" | "token",
    url = unthrottled.url,
  ): Promise<string> {
    if (kind === "token") return getToken(url, account.email, account.password);
    const { cookie } = await login(url, account.email, account.password);
    return cookie.slice("connect.sid=".length);
  }

  /** Re-checks the fuzzer's credentials (cheap GETs) and logs in again where one was revoked. */
  async function renewCredentials(): Promise<void> {
    credentialsDirty = false;
    const slots: Array<[Identity, "cookie" | "token", Account]> = [
      ["main", "cookie", accounts.A],
      ["main", "token", accounts.B],
      ["sandbox", "cookie", accounts.E],
      ["sandbox", "token", accounts.E],
    ];
    for (const [identity, kind, account] of slots) {
      const value = creds[identity][kind];
      const headers: Record<string, string> =
        kind === "cookie"
          ? { cookie: `connect.sid=${value}` }
          : { authorization: `Bearer ${value}` };
      const check = await plain("GET", "/store/auth", headers);
      if (check.status !== 200) creds[identity][kind] = await freshLogin(account, kind);
    }
  }

  async function ensureCredentials(): Promise<void> {
    if (!credentialsDirty) return;
    renewing ??= renewCredentials().finally(() => (renewing = undefined));
    await renewing;
  }

  // --- sending ------------------------------------------------------------------------------

  function mutate(value: string, mutation: Mutation | undefined): string {
    if (!mutation) return value;
    const b64 = (json: unknown) => Buffer.from(toJson(json)).toString("base64url");
    const decode = (part: string | undefined): Record<string, unknown> => {
      try {
        const parsed: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
        return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const parts = value.split(".");
    switch (mutation.op) {
      case "flip": {
        const at = mutation.at % Math.max(1, value.length);
        return value.slice(0, at) + mutation.char + value.slice(at + 1);
      }
      case "truncate":
        return value.slice(0, mutation.at % (value.length + 1));
      case "affix":
        return mutation.before + value + mutation.after;
      case "case":
        return [...value]
          .map((char) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase()))
          .join("");
      case "reencode": {
        const index = mutation.part === "header" ? 0 : 1;
        parts[index] = b64({ ...decode(parts[index]), ...mutation.set });
        return parts.join(".");
      }
      case "resign": {
        const alg =
          mutation.alg === "none" ? "none" : mutation.alg === "EdDSA-attacker" ? "EdDSA" : "HS256";
        const header = { ...decode(parts[0]), alg, ...mutation.header };
        const input = `${b64(header)}.${b64({ ...decode(parts[1]), ...mutation.payload })}`;
        const signature =
          mutation.alg === "none"
            ? ""
            : mutation.alg === "EdDSA-attacker"
              ? sign(null, Buffer.from(input), attackerKey).toString("base64url")
              : createHmac(
                  "sha256",
                  mutation.alg === "HS256-secret" ? jwtSecret : (jwk.x ?? JSON.stringify(jwk)),
                )
                  .update(input)
                  .digest("base64url");
        return `${input}.${signature}`;
      }
      case "dropSignature":
        return `${parts[0]}.${parts[1]}.`;
      case "swapParts":
        return [parts[1], parts[0], ...parts.slice(2)].join(".");
    }
  }

  /** A body that could change an email or a password is sent with the sandbox customer's credentials. */
  function identityOf(body: string | Uint8Array | undefined): Identity {
    const parsed = asServerParses(body);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      if (Object.hasOwn(parsed, "email") || Object.hasOwn(parsed, "password")) return "sandbox";
    }
    return "main";
  }

  function resolve(generated: FuzzRequest): Resolved {
    const used = { secret: false, valid: false };
    const rawBody = generated.body;
    const pick = (pool: string[], n: string | undefined, prefix: string) =>
      pool.length === 0
        ? `${prefix}_01J00000000000000000000000`
        : pool[Number(n ?? 0) % pool.length]!;
    const fill = (text: string, identity: Identity) =>
      text.replace(
        /@@(cookie|token|mcookie|mtoken|address|session)(?::(\d+))?@@/g,
        (_match, kind: string, n: string | undefined) => {
          switch (kind) {
            case "cookie":
              used.secret = used.valid = true;
              return creds[identity].cookie;
            case "token":
              used.secret = used.valid = true;
              return creds[identity].token;
            case "mcookie":
              used.secret = true;
              return mutate(creds[identity].cookie, generated.cookieMutation);
            case "mtoken":
              used.secret = true;
              return mutate(creds[identity].token, generated.tokenMutation);
            case "address":
              return pick(pools.address, n, "addr");
            default:
              return pick(pools.session, n, "sess");
          }
        },
      );
    const body = typeof rawBody === "string" ? fill(rawBody, "main") : rawBody;
    const identity = identityOf(body);
    return {
      via: generated.via,
      method: generated.method,
      path: fill(generated.path, identity),
      headers: generated.headers.map(([name, value]) => [name, utf8Bytes(fill(value, identity))]),
      body,
      identity,
      usedSecret: used.secret,
      usedValidSecret: used.valid,
    };
  }

  function describeRequest(sent: Resolved): string {
    return [
      `  request: ${sent.method} ${JSON.stringify(sent.path)} (via ${sent.via})`,
      `  headers: ${JSON.stringify(sent.headers.map(([name, value]) => [name, value.length > 300 ? `${value.slice(0, 300)}… (${value.length} chars)` : value]))}`,
      `  body: ${preview(sent.body)}`,
    ].join("\n");
  }

  async function viaFetch(sent: Resolved): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(server.url + sent.path, {
        method: sent.method,
        headers: sent.headers,
        body: sent.body as BodyInit | undefined,
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      // undici refuses some inputs before sending anything (non-ByteString or CR/LF header
      // values, forbidden methods, a body on GET/HEAD): not the server's doing.
      const cause = (error as { cause?: { code?: string } }).cause;
      if (
        error instanceof TypeError &&
        (error.message !== "fetch failed" ||
          cause?.code === "UND_ERR_INVALID_ARG" ||
          cause?.code === "UND_ERR_NOT_SUPPORTED")
      ) {
        throw new ClientRefused(`${error.message} ${cause?.code ?? ""}`);
      }
      throw error;
    }
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      text,
    };
  }

  function viaHttp(sent: Resolved): Promise<Answer> {
    const { hostname, port } = new URL(server.url);
    // With raw header pairs node:http frames a body only for some methods: always say its length.
    const framing: Array<[string, string]> =
      sent.body === undefined ||
      sent.headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))
        ? []
        : [["content-length", String(Buffer.byteLength(sent.body))]];
    // Nor does it add Host then (fetch always sends one; P8 sends requests without).
    if (!sent.headers.some(([name]) => /^host$/i.test(name)))
      framing.push(["host", `${hostname}:${port}`]);
    return new Promise((resolveAnswer, reject) => {
      let outgoing: ReturnType<typeof httpRequest>;
      try {
        outgoing = httpRequest({
          host: hostname,
          port: Number(port),
          method: sent.method,
          path: sent.path,
          // Raw header pairs go out as given (and duplicates stay duplicates).
          headers: [...sent.headers, ...framing].flat() as unknown as OutgoingHttpHeaders,
          agent,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        // node:http validates the method, path and header characters before sending.
        reject(new ClientRefused(String(error)));
        return;
      }
      outgoing.on("response", (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolveAnswer({
            status: response.statusCode ?? 0,
            contentType: String(response.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      });
      outgoing.on("error", reject);
      outgoing.end(sent.body);
    });
  }

  /** The only things asserted about a response (SPEC §2.2, §5). */
  function checkAnswer(sent: Resolved, answer: Answer, stats: Stats): void {
    const problem = answerProblem(
      answer.status,
      answer.contentType,
      sent.method === "HEAD" ? undefined : answer.text,
    );
    const bug =
      problem &&
      knownBug({
        method: sent.method,
        path: sent.path,
        body: sent.body,
        status: answer.status,
        contentType: answer.contentType,
      });
    if (bug) stats.knownBugs.set(bug, (stats.knownBugs.get(bug) ?? 0) + 1);
    else if (problem)
      assert.fail(
        `${problem}\n${describeRequest(sent)}\n  response: ${answer.status} ${JSON.stringify(answer.contentType)} ${preview(answer.text)}`,
      );
  }

  /** What the server's answer tells the fuzzer: new ids to reuse, revoked credentials, E's new email or password. */
  function learn(sent: Resolved, answer: Answer): void {
    for (const match of answer.text.matchAll(/"(addr_[0-9A-Z]{26})"/g))
      remember(pools.address, match[1]!);
    for (const match of answer.text.matchAll(/"(sess_[0-9A-Z]{26})"/g))
      remember(pools.session, match[1]!);
    const revoking = answer.status < 300 && !["GET", "HEAD", "OPTIONS"].includes(sent.method);
    if ((sent.usedSecret && revoking) || (sent.usedValidSecret && answer.status === 401))
      credentialsDirty = true;
    if (answer.status !== 200 || sent.body === undefined) return;
    let customer: { id?: unknown; email?: unknown } | undefined;
    try {
      customer = (JSON.parse(answer.text) as { customer?: typeof customer }).customer;
    } catch {
      return;
    }
    if (customer?.id !== accounts.E.id) return;
    if (typeof customer.email === "string" && customer.email !== accounts.E.email) {
      accounts.E.email = customer.email;
      sandboxChanges.email++;
    }
    // Only a profile update sets a password (the router ignores case and trailing slashes);
    // other routes answering with E's profile just ignore a `password` in the body.
    const route = sent.path.split("?")[0]!.toLowerCase().replace(/\/+$/, "");
    if (sent.method !== "POST" || route !== "/store/customers/me") return;
    const body = asServerParses(sent.body) as { password?: unknown } | undefined;
    if (typeof body?.password === "string") {
      accounts.E.password = body.password;
      sandboxChanges.password++;
      credentialsDirty = true; // a new password ends E's other sessions
    }
  }

  function remember(pool: string[], id: string): void {
    if (pool.includes(id)) return;
    pool.push(id);
    if (pool.length > 200) pool.splice(1, 1); // keep the first (someone else's) id
  }

  async function exchange(generated: FuzzRequest, stats: Stats): Promise<void> {
    if (/@@(m?cookie|m?token)@@/.test(JSON.stringify(generated))) await ensureCredentials();
    const sent = resolve(generated);
    let answer: Answer;
    try {
      answer = await (sent.via === "fetch" ? viaFetch(sent) : viaHttp(sent));
    } catch (error) {
      if (error instanceof ClientRefused) {
        stats.skipped++;
        if (stats.skippedExamples.length < 3)
          stats.skippedExamples.push(`${error.message.slice(0, 120)}`);
        return;
      }
      const bug = knownBug({
        method: sent.method,
        path: sent.path,
        body: sent.body,
        clientError: String(error),
      });
      if (bug) {
        stats.knownBugs.set(bug, (stats.knownBugs.get(bug) ?? 0) + 1);
        return;
      }
      const reason =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${REQUEST_TIMEOUT_MS} ms (a hang)`
          : `no answer: ${String(error)} ${String((error as { cause?: unknown }).cause ?? "")}`;
      assert.fail(`${reason}\n${describeRequest(sent)}`);
    }
    stats.requests++;
    stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
    learn(sent, answer);
    checkAnswer(sent, answer, stats);
  }

  /** Runs one property with the suite's seed and reports what it sent. */
  async function fuzz<T>(
    t: TestContext,
    arbitrary: fc.Arbitrary<T>,
    numRuns: number,
    body: (value: T, stats: Stats) => Promise<void>,
  ): Promise<void> {
    const stats = newStats();
    const started = Date.now();
    t.diagnostic(`seed ${SEED} (FUZZ_SEED=${SEED} to replay), ${numRuns} runs`);
    try {
      await fc.assert(
        fc.asyncProperty(arbitrary, (value) => body(value, stats)),
        {
          numRuns,
          seed: SEED,
          includeErrorInReport: true,
          plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS)],
        },
      );
    } finally {
      const statuses = [...stats.statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(" ");
      t.diagnostic(
        `${stats.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s: ${statuses}; ` +
          `${stats.skipped} refused by the client` +
          (stats.skippedExamples.length ? ` (e.g. ${stats.skippedExamples.join(" | ")})` : "") +
          [...stats.knownBugs].map(([id, count]) => `; ${count}× known bug ${id}`).join("") +
          (stats.closedWithoutAnswer
            ? `; ${stats.closedWithoutAnswer} connections closed without an answer (e.g. ${stats.closedExamples.join(" | ")})`
            : ""),
      );
      totals.requests += stats.requests;
      totals.skipped += stats.skipped;
      totals.closedWithoutAnswer += stats.closedWithoutAnswer;
      for (const [status, count] of stats.statuses)
        totals.statuses.set(status, (totals.statuses.get(status) ?? 0) + count);
      for (const [id, count] of stats.knownBugs)
        totals.knownBugs.set(id, (totals.knownBugs.get(id) ?? 0) + count);
    }
  }

  // --- arbitraries --------------------------------------------------------------------------

  function makeArbitraries() {
    const { A, B, C, D, E } = accounts;
    const latin1 = fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code !== 0x7f)
      .map((code) => String.fromCharCode(code));
    const hex = fc.constantFrom(..."0123456789abcdef");
    const tokenChar = fc.constantFrom(
      ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
    );
    const base64url = fc.constantFrom(
      ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    );

    // Strings and values ------------------------------------------------------------------
    const NASTY = [
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\u0000@example.com",
      "nul\u0000@example.com",
      "\ud800",
      "\udfff",
      "a\ud83d",
      "\uffff",
      "\ufeff",
      "\u202e",
      "\u200b",
      "\u2028",
      "\u0085",
      "\u00a0",
      "ﬀ",
      "ß",
      "İ",
      "\u212a",
      "e\u0301",
      "ǅ",
      "😀",
      "👨‍👩‍👧",
      "\\",
      '"',
      "'",
      "' OR '1'='1",
      "'; DROP TABLE customer; --",
      '{"$gt":""}',
      "%00",
      "%",
      "../../etc/passwd",
      "<script>alert(1)</script>",
      "${jndi:ldap://x}",
      "{{7*7}}",
      "null",
      "undefined",
      "NaN",
      "true",
      "0",
      "-1",
      "1e309",
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      " x@example.com",
      "x@example.com ",
      "X@EXAMPLE.COM",
      "x@localhost",
      "a@b.c",
      "x@[127.0.0.1]",
      '"x"@example.com',
      "x+tag@example.com",
      "ü@exämple.com",
      "İ@example.com",
      "@",
      "x@",
      "@example.com",
      "x@@example.com",
      `${"x".repeat(64)}@example.com`,
      `${"x".repeat(65)}@example.com`,
      `x@${"a".repeat(250)}.com`,
      "\t",
      "\r\n",
      "\n",
      "addr_",
      "sess_",
      "cus_01J00000000000000000000000",
      "addr_01J00000000000000000000000",
    ];
    const lengthEdge = fc
      .constantFrom(7, 8, 127, 128, 129, 320, 321, 1000, 1001, 1024, 1025, 4096)
      .map((n) => "p".repeat(n));
    /** Strings whose JSON form is just under or just over the body limit. */
    const nearLimit = fc
      .tuple(
        fc.constantFrom("x", "é", "😀", "\u0000", "\\", '"', "\ud800"),
        fc.integer({ min: -600, max: 300 }),
      )
      .map(([char, delta]) => {
        const bytesPerChar = Buffer.byteLength(JSON.stringify(char)) - 2;
        return char.repeat(Math.max(0, Math.floor((BODY_LIMIT + delta) / bytesPerChar)));
      });
    /** Characters that break storage, encoders and validators more often than others. */
    const special = fc.constantFrom(
      "\u0000",
      "\ud800",
      "\udc00",
      "\u2028",
      "\ufeff",
      "\u202e",
      "\u0301",
      "\uffff",
      "\u{10ffff}",
      "\u0085",
      "\u00a0",
      "\n",
      "\r",
      "\t",
      "\\",
      "'",
      '"',
      "%",
      "😀",
    );
    /** A plausible value with one special character inserted or substituted. */
    const taint = (base: fc.Arbitrary<string>) =>
      fc.tuple(base, fc.nat(), special, fc.boolean()).map(([text, at, char, replace]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + char + text.slice(replace ? i + 1 : i);
      });
    const plausible = fc.constantFrom(
      "Ada",
      "x@example.com",
      "1 Main St",
      "+1 555 0100",
      "addr_01J00000000000000000000000",
      "",
    );
    const hostileString = fc.oneof(
      { weight: 4, arbitrary: taint(plausible) },
      { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
      { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 40 }) },
      { weight: 1, arbitrary: lengthEdge },
      { weight: 1, arbitrary: nearLimit },
    );
    const hostileKey = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          "__proto__",
          "constructor",
          "prototype",
          "__defineGetter__",
          "__lookupGetter__",
          "hasOwnProperty",
          "toString",
          "valueOf",
          "",
          " ",
          "a.b",
          "$gt",
          "\u0000",
          "id",
          "customer_id",
          "has_account",
          "password_hash",
          "deleted_at",
          "metadata",
          "address",
          "billing_address",
          "first_name",
        ),
      },
      { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
    );
    const rawValue = fc.oneof(
      fc.integer({ min: 1, max: 8300 }).map((n) => new Raw("[".repeat(n) + "]".repeat(n))),
      fc
        .integer({ min: 1, max: 2800 })
        .map((n) => new Raw('{"a":'.repeat(n) + "1" + "}".repeat(n))),
      fc
        .constantFrom(
          "1e999",
          "-1e999",
          "-0",
          "123456789012345678901234567890",
          "0.1e-400",
          "1E+2",
          '"\\u0000"',
          '"\\ud800"',
          '"\\udc00\\ud800"',
          '"\\/"',
          "[]",
          "{}",
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"isAdmin":true}}}',
          '{"\\u005f_proto__":{"isAdmin":true}}',
        )
        .map((text) => new Raw(text)),
    );
    const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", maxDepth: 3 },
        { weight: 6, arbitrary: hostileString },
        {
          weight: 2,
          arbitrary: fc.oneof(
            fc.integer(),
            fc.double(),
            fc.constantFrom(0, -1, 2 ** 53 + 1, Number.MAX_VALUE, 1e-320),
          ),
        },
        { weight: 1, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
        {
          weight: 1,
          arbitrary: fc
            .array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 })
            .map((entries) => new Obj(entries)),
        },
        { weight: 1, arbitrary: rawValue },
      ),
    })).value;

    // Emails and secrets -----------------------------------------------------------------
    const freshEmail = fc
      .tuple(
        fc.constantFrom("fz", "Fz", "ZOË", "zoë", "ü", "o'neil", "a.b"),
        fc.string({ unit: hex, minLength: 8, maxLength: 12 }),
      )
      .map(([prefix, id]) => `${prefix}-${id}@example.com`);
    /**
     * Emails a failed login may use: never A, B, C or E (nor any email E may move to, which all
     * start with "s"), whose logins must never be throttled.
     */
    const loginEmail = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(D.email, D.email.toUpperCase()) },
      { weight: 3, arbitrary: freshEmail },
      { weight: 1, arbitrary: fc.emailAddress().map((email) => `x${email}`) },
    );
    /** New emails for E (the sandbox): taken ones (a 422) or ones no failed login uses. */
    const sandboxEmail = fc.oneof(
      fc.constantFrom(A.email, D.email.toUpperCase()),
      fc.string({ unit: hex, minLength: 8, maxLength: 12 }).map((id) => `sbx-${id}@example.com`),
      fc.emailAddress().map((email) => `s${email}`),
    );
    const anyEmail = fc.oneof(
      fc.constantFrom(A.email, B.email, C.email, D.email, E.email, C.email.toUpperCase()),
      freshEmail,
      fc.emailAddress(),
    );
    const strongPassword = fc.oneof(
      fc.string({ unit: "grapheme-ascii", minLength: 12, maxLength: 40 }),
      fc.constantFrom(
        "correct horse battery staple 42",
        "pässwörd mit Ümläuten ✓",
        "密码密码密码密码密码",
      ),
    );
    const resetToken = fc.oneof(
      fc.string({ unit: base64url, minLength: 43, maxLength: 43 }),
      hostileString,
    );

    // Valid bodies, per route ---------------------------------------------------------------
    const plainName = fc.constantFrom("Ada", "José", "Zoë", "李", "O'Brien", "Ngũgĩ");
    const name = fc.oneof(
      { weight: 4, arbitrary: plainName },
      { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
      { weight: 1, arbitrary: taint(plainName) },
    );
    const metadata = fc
      .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
      .map((record) => new Obj(Object.entries(record)));
    const addressOptional = {
      company: name,
      address_2: name,
      province: name,
      phone: fc.constantFrom("+1 555 0100", "0044 20 7946 0000", ""),
      metadata,
    };
    const addressCreate = fc
      .tuple(
        fc.record({
          first_name: name,
          last_name: name,
          address_1: fc.constantFrom("1 Main St", "Rue de l'Église 3", "東京都千代田区1-1"),
          city: fc.constantFrom("Springfield", "Paris", "Zürich"),
          country_code: fc.constantFrom("us", "DE", "fr", "gb", "xx"),
          postal_code: fc.constantFrom("12345", "SW1A 1AA", "75001"),
        }),
        fc.record(addressOptional, { requiredKeys: [] }),
      )
      .map(([required, optional]) => obj({ ...required, ...optional }));
    const addressPartial = fc
      .record(
        {
          first_name: name,
          last_name: name,
          address_1: name,
          city: name,
          country_code: fc.constantFrom("us", "de", "FR"),
          postal_code: name,
          ...addressOptional,
        },
        { requiredKeys: [] },
      )
      .map(obj);
    const addressRef = fc.nat({ max: 50 }).map((n) => `@@address:${n}@@`);
    const profile = (withIdentity: boolean) =>
      fc
        .tuple(
          fc.record(
            {
              first_name: name,
              last_name: name,
              phone: fc.constantFrom("+1 555 0100", "123", ""),
              metadata,
              billing_address: fc.oneof(addressPartial, addressCreate, addressRef),
            },
            { requiredKeys: [] },
          ),
          withIdentity
            ? fc.option(
                fc.record({ email: sandboxEmail, password: strongPassword }, { requiredKeys: [] }),
                {
                  freq: 8,
                  nil: {},
                },
              )
            : fc.constant({}),
        )
        .map(([fields, identity]) => obj({ ...fields, ...identity }));
    const baseBody = (withIdentity: boolean): Record<BodyKind, fc.Arbitrary<Obj>> => ({
      login: fc.oneof(
        { weight: 3, arbitrary: fc.constant(obj({ email: D.email, password: D.password })) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(loginEmail, fc.oneof(strongPassword, hostileString))
            .map(([email, password]) => obj({ email, password })),
        },
      ),
      register: fc
        .record(
          {
            email: fc.oneof(
              { weight: 4, arbitrary: freshEmail },
              { weight: 1, arbitrary: anyEmail },
            ),
            password: strongPassword,
            first_name: name,
            last_name: name,
            phone: fc.constantFrom("+1 555 0100", "123"),
          },
          { requiredKeys: ["email", "password"] },
        )
        .map(obj),
      profile: profile(withIdentity),
      addAddress: addressCreate.map((address) => obj({ address })),
      address: addressPartial,
      passwordToken: anyEmail.map((email) => obj({ email })),
      passwordReset: fc
        .record({
          email: fc.oneof(loginEmail, anyEmail),
          token: resetToken,
          password: strongPassword,
        })
        .map(obj),
    });
    const validBodies = baseBody(true);
    const validBodiesNoIdentity = baseBody(false);

    // One-field mutations of a valid body ------------------------------------------------
    type FieldMutation =
      | { kind: "none" }
      | { kind: "replace"; at: number; value: unknown }
      | { kind: "delete"; at: number }
      | { kind: "add"; key: string; value: unknown }
      | { kind: "duplicate"; at: number; value: unknown }
      | { kind: "nested"; at: number; inner: FieldMutation }
      | { kind: "reshape"; as: "array" | "string" | "number" | "null" | "empty" }
      /** One special character into the N-th string anywhere in the body (else the first field). */
      | { kind: "taint"; at: number; char: string; position: number };
    const flatMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("replace" as const),
          at: fc.nat(),
          value: hostileValue,
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("add" as const),
          key: hostileKey,
          value: hostileValue,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("duplicate" as const),
          at: fc.nat(),
          value: hostileValue,
        }),
      },
    );
    const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
      { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 8, arbitrary: flatMutation },
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant("taint" as const),
          at: fc.nat(),
          char: special,
          position: fc.nat(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("nested" as const),
          at: fc.nat(),
          inner: flatMutation,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("reshape" as const),
          as: fc.constantFrom(
            "array" as const,
            "string" as const,
            "number" as const,
            "null" as const,
            "empty" as const,
          ),
        }),
      },
    );
    /** Copies `value` with `edit` applied to its `target`-th string leaf (depth first). */
    function editString(
      value: unknown,
      target: { left: number },
      edit: (text: string) => string,
    ): unknown {
      if (typeof value === "string") return target.left-- === 0 ? edit(value) : value;
      if (value instanceof Obj)
        return new Obj(value.entries.map(([key, item]) => [key, editString(item, target, edit)]));
      return value;
    }
    function countStrings(value: unknown): number {
      if (typeof value === "string") return 1;
      if (value instanceof Obj)
        return value.entries.reduce((sum, [, item]) => sum + countStrings(item), 0);
      return 0;
    }
    function applyMutation(body: Obj, mutation: FieldMutation): string {
      if (mutation.kind === "taint") {
        const strings = countStrings(body);
        if (strings === 0) return toJson(obj({ email: mutation.char }));
        const tainted = editString(body, { left: mutation.at % strings }, (text) => {
          const i = mutation.position % (text.length + 1);
          return text.slice(0, i) + mutation.char + text.slice(i);
        });
        return toJson(tainted);
      }
      const entries = [...body.entries];
      const at = (n: number) => n % Math.max(1, entries.length);
      switch (mutation.kind) {
        case "none":
          break;
        case "replace":
          if (entries.length === 0) entries.push(["email", mutation.value]);
          else entries[at(mutation.at)] = [entries[at(mutation.at)]![0], mutation.value];
          break;
        case "delete":
          entries.splice(at(mutation.at), 1);
          break;
        case "add":
          entries.push([mutation.key, mutation.value]);
          break;
        case "duplicate":
          entries.push([entries[at(mutation.at)]?.[0] ?? "email", mutation.value]);
          break;
        case "nested": {
          const index = entries.findIndex(([, value]) => value instanceof Obj);
          if (index === -1) return applyMutation(body, mutation.inner);
          const [key, inner] = entries[index]!;
          entries[index] = [key, new Raw(applyMutation(inner as Obj, mutation.inner))];
          break;
        }
        case "reshape": {
          const json = toJson(new Obj(entries));
          return {
            array: `[${json}]`,
            string: JSON.stringify(json),
            number: "42",
            null: "null",
            empty: "",
          }[mutation.as];
        }
      }
      return toJson(new Obj(entries));
    }
    const mutatedBody = (kind: BodyKind, withIdentity = true) =>
      fc
        .tuple((withIdentity ? validBodies : validBodiesNoIdentity)[kind], fieldMutation)
        .map(([body, mutation]) => applyMutation(body, mutation));

    // Whole hostile bodies -------------------------------------------------------------------
    const pollution = fc
      .tuple(
        fc.constantFrom(
          "__proto__",
          "constructor",
          "prototype",
          "\\u005f_proto__",
          "__pro\\u0074o__",
        ),
        hostileValue,
        fc.constantFrom("top", "nested", "deep"),
        fc.constantFrom("metadata", "billing_address", "address", "email"),
      )
      .map(([key, value, where, field]) => {
        const inner = `{"${key}":${key === "constructor" ? '{"prototype":{"polluted":true}}' : toJson(value)}}`;
        if (where === "top") return `{"email":"${D.email}","password":"x",${inner.slice(1)}`;
        if (where === "nested") return `{"${field}":${inner}}`;
        return `{"${field}":{"a":[${inner}]}}`;
      });
    /** Where a deep value fits the route's body (so that it gets past the validation). */
    const deepSpots: Record<BodyKind | "any", string[]> = {
      login: ["password", "top"],
      register: ["password", "top"],
      profile: ["metadata", "billing_address.metadata", "top"],
      addAddress: ["address.metadata", "address.first_name"],
      address: ["metadata-flat", "top"],
      passwordToken: ["top"],
      passwordReset: ["password", "top"],
      any: ["top", "metadata", "billing_address.metadata", "address.metadata", "password"],
    };
    const deepNesting = (kind: BodyKind | undefined) =>
      fc
        .tuple(
          fc.oneof(
            fc.integer({ min: 50, max: 3000 }),
            fc.integer({ min: 3000, max: 8180 }),
            fc.integer({ min: 8180, max: 8300 }),
          ),
          fc.oneof(
            { weight: 4, arbitrary: fc.constant("[") },
            { weight: 1, arbitrary: fc.constantFrom('{"a":', '{"metadata":{"a":') },
          ),
          fc.constantFrom(...deepSpots[kind ?? "any"]),
        )
        .map(([depth, open, where]) => {
          const close = open === "[" ? "]" : "}".repeat(open.split("{").length - 1);
          const nested = open.repeat(depth) + (open === "[" ? "" : "1") + close.repeat(depth);
          const address = (extra: string) =>
            `{"first_name":"Ada","last_name":"Lovelace","address_1":"1 Main St","city":"Paris","country_code":"fr","postal_code":"75001"${extra}}`;
          switch (where) {
            case "top":
              return nested;
            case "metadata":
              return `{"metadata":{"a":${nested}}}`;
            case "metadata-flat":
              return `{"city":"Paris","metadata":{"a":${nested}}}`;
            case "billing_address.metadata":
              return `{"billing_address":${address(`,"metadata":{"a":${nested}}`)}}`;
            case "address.metadata":
              return `{"address":${address(`,"metadata":{"a":${nested}}`)}}`;
            case "address.first_name":
              return `{"address":{"first_name":${nested}}}`;
            default:
              return `{"email":${JSON.stringify(D.email)},"password":${nested}}`;
          }
        });
    const hostileBody = (kind: BodyKind | undefined) =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
        },
        {
          weight: 2,
          arbitrary: fc
            .anything({ maxDepth: 3, withNullPrototype: true })
            .map((value) => JSON.stringify(value) ?? ""),
        },
        { weight: 2, arbitrary: hostileValue.map(toJson) },
        { weight: 2, arbitrary: pollution },
        { weight: 3, arbitrary: deepNesting(kind) },
        {
          weight: 2,
          arbitrary: nearLimit.map((text) =>
            toJson(obj({ email: D.email, password: text.slice(0, BODY_LIMIT - 40) })),
          ),
        },
        { weight: 4, arbitrary: mutatedBody(kind ?? "login") },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "[]",
            '"str"',
            "1e999",
            "null",
            "true",
            "{}",
            "",
            " ",
            "\ufeff{}",
          ),
        },
      );

    // Raw bodies and content types -----------------------------------------------------------
    const malformedJson = fc.oneof(
      fc
        .tuple(mutatedBody("register", false), fc.nat())
        .map(([json, at]) => json.slice(0, at % (json.length + 1))),
      fc
        .tuple(
          mutatedBody("profile", false),
          fc.nat(),
          fc.constantFrom(",", "}", "{", '"', "\\", "\u0000", "\ud800", "NaN", "//", "/*"),
        )
        .map(([json, at, junk]) => {
          const i = at % (json.length + 1);
          return json.slice(0, i) + junk + json.slice(i);
        }),
      fc.constantFrom(
        "{",
        '{"email":',
        "nul",
        '{"a":1}}',
        "{'email':'x'}",
        '{"a":1,}',
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":undefined}',
        '{"a":0x10}',
        '{"a":01}',
        '{"a":"\\x41"}',
        '{"a":"\\u12"}',
        '{"a":"tab\there"}',
        "\ufeff{}",
        '{"__proto__":1}',
        "email=x%40example.com&password=x",
        '--boundary\r\nContent-Disposition: form-data; name="email"\r\n\r\nx\r\n--boundary--',
      ),
    );
    const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
      { weight: 3, arbitrary: malformedJson },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      {
        weight: 1,
        arbitrary: mutatedBody("login", false).map((json) => {
          const utf16 = Buffer.from(`\ufeff${json}`, "utf16le");
          return new Uint8Array(utf16.buffer, utf16.byteOffset, utf16.byteLength);
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: BODY_LIMIT - 10, max: BODY_LIMIT + 10 })
          .map((n) => "{".repeat(n)),
      },
      { weight: 2, arbitrary: mutatedBody("addAddress", false) },
    );
    const jsonContentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      "Application/JSON",
      'application/json; charset="utf-8"',
    );
    const anyContentType = fc.oneof(
      { weight: 3, arbitrary: jsonContentType },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          "application/json; charset=utf-16",
          "application/json; charset=utf-16le",
          "application/json; charset=latin1",
          "application/json; charset=nonsense",
          "application/json; charset=",
          "application/json;",
          "application/json; foo",
          "application/json ; x=y; charset=utf-8",
          "application/json; charset=utf-8; charset=latin1",
          "application/jsonx",
          "application/json-patch+json",
          "application/vnd.api+json",
          "application/ld+json",
          "text/json",
          "text/plain",
          "text/plain;charset=UTF-8",
          "application/x-www-form-urlencoded",
          "multipart/form-data",
          "multipart/form-data; boundary=boundary",
          "application/octet-stream",
          "*/*",
          "application/*",
          "",
          ";",
          "application/",
          "/",
          "json",
          "application/json, text/plain",
          "application/json\t",
          "\u00e1pplication/json",
        ),
      },
      { weight: 2, arbitrary: fc.string({ unit: latin1, maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
    );

    // Headers -------------------------------------------------------------------------------
    const headerValue = fc.oneof(
      { weight: 12, arbitrary: fc.string({ unit: latin1, maxLength: 64 }) },
      { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 64 }) },
      // Sent as its UTF-8 bytes (see utf8Bytes).
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 16 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1000, max: 17_000 }).map((n) => "v".repeat(n)) },
    );
    const headerName = fc.oneof(
      fc.constantFrom(
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-port",
        "forwarded",
        "x-real-ip",
        "x-request-id",
        "accept",
        "accept-encoding",
        "accept-language",
        "content-encoding",
        "if-none-match",
        "if-modified-since",
        "range",
        "x-http-method-override",
        "access-control-request-method",
        "access-control-request-headers",
        "referer",
        "sec-fetch-site",
        "x-csrf-token",
        "user-agent",
        "cookie",
        "authorization",
        "origin",
        "content-type",
      ),
      fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 }),
    );
    const mutation = (jwt: boolean): fc.Arbitrary<Mutation> => {
      const claims = fc.oneof(
        fc.constantFrom<Record<string, unknown>>(
          { exp: 0 },
          { exp: -1 },
          { exp: 1e308 },
          { exp: "never" },
          { exp: null },
          { nbf: 9_999_999_999 },
          { iat: 9_999_999_999 },
          { iss: "medusa" },
          { iss: null },
          { domain: "admin" },
          { domain: ["store"] },
          { sid: "sess_01J00000000000000000000000" },
          { sid: "' OR '1'='1" },
          { sid: ["x"] },
          { sid: { $ne: null } },
          { customer_id: C.id },
          { customer_id: 5 },
          { customer_id: "' OR 1=1 --" },
        ),
        fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      );
      const headers = fc.oneof(
        fc.constantFrom<Record<string, unknown>>(
          { alg: "none" },
          { alg: "None" },
          { alg: "HS256" },
          { alg: "RS256" },
          { alg: "ES256" },
          { alg: null },
          { kid: "unknown-kid" },
          { kid: "../../../../dev/null" },
          { kid: "' OR '1'='1" },
          { kid: null },
          { kid: 123 },
          { kid: "k".repeat(5000) },
          { crit: ["exp"] },
          { jku: "http://127.0.0.1:1/jwks.json" },
          { jwk: { kty: "OKP", crv: "Ed25519", x: "AAAA" } },
          { b64: false, crit: ["b64"] },
          { typ: "at+jwt" },
          { zip: "DEF" },
        ),
        fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      );
      const generic = fc.oneof(
        fc.record({
          op: fc.constant("flip" as const),
          at: fc.nat(),
          char: fc.oneof(base64url, fc.constantFrom(".", "=", "%", " ", "\u00ff")),
        }),
        fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
        fc.record({
          op: fc.constant("affix" as const),
          before: fc.constantFrom("", " ", "\t", "s:", "j:", '"', "%20"),
          after: fc.constantFrom("", " ", "=", "==", ".", "..", "%00", ";", ",x", '"', "\u00ff"),
        }),
        fc.constant({ op: "case" as const }),
      );
      if (!jwt) return generic;
      return fc.oneof(
        { weight: 3, arbitrary: generic },
        {
          weight: 3,
          arbitrary: fc.record({
            op: fc.constant("reencode" as const),
            part: fc.constantFrom("header" as const, "payload" as const),
            set: fc.oneof(claims, headers),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            op: fc.constant("resign" as const),
            alg: fc.constantFrom(
              "none" as const,
              "HS256-secret" as const,
              "HS256-jwk" as const,
              "EdDSA-attacker" as const,
            ),
            header: fc.oneof(fc.constant({}), headers),
            payload: fc.oneof(fc.constant({}), claims),
          }),
        },
        { weight: 1, arbitrary: fc.constant({ op: "dropSignature" as const }) },
        { weight: 1, arbitrary: fc.constant({ op: "swapParts" as const }) },
      );
    };
    const cookieValue = fc.oneof(
      fc.string({ unit: latin1, maxLength: 64 }),
      fc.string({ unit: base64url, minLength: 40, maxLength: 46 }),
      fc.constantFrom(
        '"',
        '""',
        "%",
        "%ZZ",
        "%E0%A4%A",
        "s:abc.def",
        "j:{}",
        'j:{"__proto__":1}',
        "\u00ff",
        "=",
        "==",
        "a b",
        "@@token@@",
      ),
      fc.integer({ min: 1000, max: 8000 }).map((n) => "c".repeat(n)),
    );
    const cookieName = fc.oneof(
      fc.constantFrom(
        "connect.sid",
        "CONNECT.SID",
        "connect.sid ",
        " connect.sid",
        "connect%2Esid",
        "__proto__",
        "constructor",
        "sid",
        "",
      ),
      fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }),
    );
    const cookieHeader = fc.oneof(
      { weight: 3, arbitrary: fc.constant("connect.sid=@@cookie@@") },
      { weight: 3, arbitrary: fc.constant("connect.sid=@@mcookie@@") },
      { weight: 2, arbitrary: cookieValue.map((value) => `connect.sid=${value}`) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 40 }),
            fc.nat(),
            fc.constantFrom("connect.sid=@@cookie@@", "connect.sid=@@mcookie@@", ""),
            fc.constantFrom("; ", ";", ", ", " ;  "),
          )
          .map(([pairs, at, valid, separator]) => {
            const cookies = pairs.map(([key, value]) => `${key}=${value}`);
            if (valid) cookies.splice(at % (cookies.length + 1), 0, valid);
            return cookies.join(separator);
          }),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "connect.sid",
          "connect.sid=",
          "=",
          ";",
          "; ;",
          "connect.sid=@@cookie@@; connect.sid=@@cookie@@",
          "connect.sid=garbage; connect.sid=@@cookie@@",
          "connect.sid=@@cookie@@; connect.sid=garbage",
          'connect.sid="@@cookie@@"',
          "CONNECT.SID=@@cookie@@",
          " connect.sid = @@cookie@@ ",
          "connect.sid=@@cookie@@@@cookie@@",
          "connect.sid=@@token@@",
          "connect.sid=s%3A@@cookie@@.signature",
          "connect.sid=@@cookie@@%00",
          "connect.sid=%40%40cookie%40%40",
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 100 }) },
    );
    const authorizationHeader = fc.oneof(
      { weight: 3, arbitrary: fc.constant("Bearer @@token@@") },
      { weight: 5, arbitrary: fc.constant("Bearer @@mtoken@@") },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "bearer @@token@@",
          "BEARER   @@token@@",
          "Bearer\t@@token@@",
          "Bearer @@token@@ extra",
          "Bearer @@token@@,Bearer @@token@@",
          "Token @@token@@",
          "JWT @@token@@",
          "@@token@@",
          "Bearer",
          "Bearer ",
          "Bearer @@cookie@@",
          "Basic dXNlcjpwYXNzd29yZA==",
          "Basic @@token@@",
          "Digest username=x",
          "Bearer null",
          "Bearer undefined",
          "Bearer a.b.c",
          "Bearer ..",
          "Bearer eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.",
        ),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(
              fc.mixedCase(fc.constant("bearer")),
              fc.string({ unit: tokenChar, maxLength: 10 }),
            ),
            fc.string({ unit: latin1, maxLength: 200 }),
          )
          .map(([scheme, token]) => `${scheme} ${token}`),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.string({ unit: base64url, maxLength: 60 }), { minLength: 1, maxLength: 5 })
          .map((parts) => `Bearer ${parts.join(".")}`),
      },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 500, max: 15_000 }).map((n) => `Bearer ${"A".repeat(n)}`),
      },
    );
    const originHeader = fc.oneof(
      fc.constantFrom(
        "http://localhost:8000",
        server.url,
        "null",
        "https://evil.example",
        "http://localhost:8000/",
        "HTTP://LOCALHOST:8000",
        "http://localhost:8000.evil.example",
        "http://[::1]:8000",
        "file://",
        "",
        "http://",
        "://",
        "http://%zz",
        "http://user:pass@localhost:8000",
      ),
      headerValue,
    );
    const forwardedFor = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc
        .array(
          fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("unknown", "", "127.0.0.1:80", "[::1]:1")),
          { maxLength: 6 },
        )
        .map((ips) => ips.join(", ")),
      headerValue,
      fc.integer({ min: 100, max: 1500 }).map((n) => "1.1.1.1, ".repeat(n)),
    );
    const headerSet = fc
      .record(
        {
          cookie: cookieHeader,
          authorization: authorizationHeader,
          origin: originHeader,
          "x-forwarded-for": forwardedFor,
          "content-type": anyContentType,
          "user-agent": headerValue,
          extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
        },
        { requiredKeys: [] },
      )
      .map(({ extra, ...named }) => [
        ...Object.entries(named).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
        ...(extra ?? []),
      ]);
    const simpleAuth = fc.oneof(
      { weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) },
      {
        weight: 3,
        arbitrary: fc.constant<Array<[string, string]>>([["cookie", "connect.sid=@@cookie@@"]]),
      },
      {
        weight: 3,
        arbitrary: fc.constant<Array<[string, string]>>([["authorization", "Bearer @@token@@"]]),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Array<[string, string]>>([
          ["cookie", "connect.sid=@@cookie@@"],
          ["authorization", "Bearer @@token@@"],
        ]),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Array<[string, string]>>([
          ["cookie", "connect.sid=revoked-or-never-issued"],
        ]),
      },
    );

    // Paths ---------------------------------------------------------------------------------
    const emailParam = fc.oneof(
      { weight: 3, arbitrary: anyEmail.map(pct) },
      { weight: 2, arbitrary: taint(anyEmail).map(pct) },
      { weight: 2, arbitrary: hostileString.map((text) => pct(text.slice(0, 2000))) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "%E0%A4%A",
          "%",
          "%%",
          "%zz",
          "%C0%AF",
          "%ED%A0%80",
          "%F4%90%80%80",
          "%00",
          "%2F",
          "x%40example.com%00",
          "%FF%FE",
        ),
      },
    );
    const idParam = fc.oneof(
      { weight: 4, arbitrary: fc.nat({ max: 50 }).map((n) => `@@address:${n}@@`) },
      { weight: 3, arbitrary: fc.nat({ max: 50 }).map((n) => `@@session:${n}@@`) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom("addr_", "sess_", "cus_", ""), fc.ulid())
          .map(([prefix, id]) => prefix + id),
      },
      { weight: 2, arbitrary: hostileString.map((text) => pct(text.slice(0, 1500))) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom("@@address:0@@", "@@address:1@@", "@@session:1@@", "addr_", ""),
            fc.constantFrom(
              "%00",
              "%C0%80",
              "%ED%A0%80",
              "%0A",
              "%20",
              "%EF%BF%BF",
              "%F0%9F%98%80",
            ),
          )
          .map(([id, suffix]) => id + suffix),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom("%E0%A4%A", "%", "%2e%2e", "..", ".", "%00", "%ED%A0%80"),
      },
    );
    const routePath = (route: Route) =>
      fc
        .tuple(emailParam, idParam)
        .map(([email, id]) => route.path.replace(":email", email).replace(":id", id));
    const knownSegments = [
      "store",
      "auth",
      "customers",
      "me",
      "addresses",
      "sessions",
      "token",
      "password-token",
      "password-reset",
      "health",
      "ready",
      ".well-known",
      "jwks.json",
      "openapi.json",
      "STORE",
      "Auth",
    ];
    const segment = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...knownSegments) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          ".",
          "..",
          "",
          "%2e",
          "%2e%2e",
          "%2E%2E",
          ".%2e",
          "%2f",
          "%2F",
          "%5c",
          "\\",
          "%00",
          "%",
          "%%",
          "%E0%A4%A",
          "%ZZ",
          "%C0%AE",
          "%FF",
          "%ED%A0%80",
          "%u002e",
          "%252e",
          ";",
          ";jsessionid=1",
          "*",
          "~",
          "#",
          "?",
          "@@address:0@@",
          "@@session:0@@",
        ),
      },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }).map(rawPathText) },
      { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 12 }).map(rawPathText) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 20_000 }).map((n) => "a".repeat(n)) },
    );
    const query = fc.oneof(
      { weight: 4, arbitrary: fc.constant("") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "?",
          "?email=x%40example.com",
          "?__proto__[polluted]=1",
          "?constructor[prototype][polluted]=1",
          "?a=%E0%A4%A",
          "?" + "q=1&".repeat(500),
          "?#",
        ),
      },
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: latin1, maxLength: 40 })
          .map((text) => `?${rawPathText(text)}`),
      },
    );
    const anyPath = fc
      .oneof(
        {
          weight: 3,
          arbitrary: fc
            .tuple(
              fc.constantFrom(...ROUTES).chain(routePath),
              fc.nat(),
              segment,
              fc.constantFrom(
                "insert",
                "replace",
                "delete",
                "append",
                "trailing",
                "double",
                "prefix",
                "none",
              ),
            )
            .map(([path, at, seg, how]) => {
              const parts = path.split("/");
              const i = 1 + (at % Math.max(1, parts.length - 1));
              if (how === "insert") parts.splice(i, 0, seg);
              if (how === "replace") parts[i] = seg;
              if (how === "delete") parts.splice(i, 1);
              if (how === "append") parts.push(seg);
              if (how === "trailing") parts.push("");
              if (how === "double") parts.splice(i, 0, "");
              if (how === "prefix") return `/${seg}${parts.join("/")}`;
              return parts.join("/");
            }),
        },
        {
          weight: 2,
          arbitrary: fc
            .array(segment, { maxLength: 8 })
            .map((segments) => `/${segments.join("/")}`),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "*",
            "//",
            "///store/auth",
            "/store//auth",
            "/store/auth/",
            "/store/auth//",
            "/./store/auth",
            "/store/./auth",
            "/store/x/../auth",
            "/../store/auth",
            "/store/auth/..",
            "/store/customers/me/addresses/",
            "/store/customers/me/addresses/%2F",
            "/store/auth/sessions/",
            "http://127.0.0.1/health",
            "http://evil.example/store/auth",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/health\\..\\..",
            "/store/auth/%",
            `/${"%".repeat(1000)}`,
          ),
        },
      )
      .chain((path) => query.map((q) => path + q));
    const anyMethod = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...METHODS) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "get",
          "Post",
          "PROPFIND",
          "SEARCH",
          "QUERY",
          "MKCOL",
          "LOCK",
          "PURGE",
          "FOO",
          "M-SEARCH",
          "LINK",
          "SOURCE",
          "TRACE",
        ),
      },
    );

    // Whole requests ------------------------------------------------------------------------
    /** GET and HEAD with a body cannot go through fetch; node:http sends them. */
    const via = (method: string, body: unknown): "fetch" | "http" =>
      body !== undefined && ["GET", "HEAD"].includes(method.toUpperCase()) ? "http" : "fetch";

    /** P1: hostile JSON bodies on every route (mostly the body-taking ones), valid or no credentials. */
    const hostileBodyRequest = fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...BODY_ROUTES) },
          { weight: 1, arbitrary: fc.constantFrom(...ROUTES) },
        ),
        fc.oneof(
          { weight: 9, arbitrary: jsonContentType },
          { weight: 1, arbitrary: anyContentType },
        ),
        simpleAuth,
      )
      .chain(([route, contentType, auth]) =>
        fc.tuple(routePath(route), hostileBody(route.body)).map(([path, body]): FuzzRequest => ({
          via: via(route.method, body),
          method: route.method,
          path,
          headers: [["content-type", contentType], ...auth],
          body,
        })),
      );

    /** P2: a valid body for the route with one field changed, with valid credentials (mostly). */
    const mutatedBodyRequest = fc
      .tuple(fc.constantFrom(...BODY_ROUTES), jsonContentType, simpleAuth)
      .chain(([route, contentType, auth]) =>
        fc.tuple(routePath(route), mutatedBody(route.body!)).map(([path, body]): FuzzRequest => ({
          via: "fetch",
          method: route.method,
          path,
          headers: [["content-type", contentType], ...auth],
          body,
        })),
      );

    /** P3: bodies that are not (valid) JSON, under every kind of Content-Type. */
    const rawBodyRequest = fc
      .tuple(
        fc.constantFrom(...ROUTES),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant("route") },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        fc.option(anyContentType, { freq: 8, nil: undefined }),
        rawBody,
        simpleAuth,
      )
      .chain(([route, methodChoice, contentType, body, auth]) => {
        const method =
          methodChoice === "route"
            ? route.method === "GET"
              ? "POST"
              : route.method
            : methodChoice;
        return routePath(route).map((path): FuzzRequest => ({
          via: via(method, body),
          method,
          path,
          headers: [
            ...(contentType === undefined
              ? []
              : [["content-type", contentType] as [string, string]]),
            ...auth,
          ],
          body,
        }));
      });

    /** P4: any path (raw bytes, dot segments, bad percent-encoding, huge segments) and method. */
    const pathRequest = fc
      .tuple(
        anyPath,
        anyMethod,
        fc.oneof(
          { weight: 3, arbitrary: fc.constant("http" as const) },
          { weight: 1, arbitrary: fc.constant("fetch" as const) },
        ),
        simpleAuth,
        fc.option(mutatedBody("profile", false), { freq: 3, nil: undefined }),
      )
      .map(([path, method, transport, auth, body]): FuzzRequest => ({
        via: transport === "fetch" && path.startsWith("/") ? via(method, body) : "http",
        method,
        path,
        headers: body === undefined ? auth : [["content-type", "application/json"], ...auth],
        body,
      }));

    /** P5: every route with hostile cookies, Authorization headers, Origins, X-Forwarded-For, Content-Types. */
    const credentialRequest = fc
      .tuple(fc.constantFrom(...ROUTES), headerSet, mutation(false), mutation(true))
      .chain(([route, headers, cookieMutation, tokenMutation]) =>
        fc
          .tuple(
            routePath(route),
            route.body ? validBodies[route.body].map(toJson) : fc.constant(undefined),
          )
          .map(([path, body]): FuzzRequest => ({
            via: "fetch",
            method: route.method,
            path,
            headers:
              body !== undefined && !headers.some(([name]) => name === "content-type")
                ? [["content-type", "application/json"], ...headers]
                : headers,
            body,
            cookieMutation,
            tokenMutation,
          })),
      );

    /** P6: everything at once. */
    const anyBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(...BODY_ROUTES).chain((route) => mutatedBody(route.body!)),
      },
      { weight: 2, arbitrary: hostileBody(undefined) },
      { weight: 1, arbitrary: rawBody },
    );
    const chaosRequest = fc
      .tuple(
        fc.oneof(
          {
            weight: 2,
            arbitrary: fc
              .constantFrom(...ROUTES)
              .chain((route) => fc.tuple(fc.constant(route.method), routePath(route))),
          },
          { weight: 1, arbitrary: fc.tuple(anyMethod, anyPath) },
        ),
        fc.oneof(
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
        ),
        headerSet,
        anyBody,
        mutation(false),
        mutation(true),
      )
      .map(
        ([
          [routeMethod, path],
          method,
          headers,
          body,
          cookieMutation,
          tokenMutation,
        ]): FuzzRequest => {
          const chosen = method ?? routeMethod;
          const simple =
            /^[A-Z]+$/.test(chosen) && !["TRACE"].includes(chosen) && path.startsWith("/");
          return {
            via: simple ? via(chosen, body) : "http",
            method: chosen,
            path,
            headers,
            body,
            cookieMutation,
            tokenMutation,
          };
        },
      );

    /** P7: bursts of concurrent requests, and races (the same valid request several times at once). */
    const raceRequest = fc.tuple(fc.constantFrom(...ROUTES), simpleAuth).chain(([route, auth]) =>
      fc
        .tuple(
          routePath(route),
          route.body ? validBodiesNoIdentity[route.body].map(toJson) : fc.constant(undefined),
        )
        .map(([path, body]): FuzzRequest => ({
          via: "fetch",
          method: route.method,
          path,
          headers: body === undefined ? auth : [["content-type", "application/json"], ...auth],
          body,
        })),
    );
    const burst = fc.oneof(
      fc.array(
        fc.oneof(
          hostileBodyRequest.filter((request) => identityOf(request.body) === "main"),
          pathRequest,
          raceRequest,
        ),
        { minLength: 2, maxLength: 12 },
      ),
      fc
        .tuple(raceRequest, fc.integer({ min: 2, max: 8 }))
        .map(([request, copies]) => Array.from({ length: copies }, () => request)),
    );

    /** P8: bytes on the socket that are not (quite) HTTP. */
    const eol = fc.oneof(
      { weight: 8, arbitrary: fc.constant("\r\n") },
      { weight: 1, arbitrary: fc.constantFrom("\n", "\r") },
    );
    const rawHeaderLine = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.tuple(headerName, headerValue).map(([key, value]) => `${key}: ${value}`),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "Content-Length: -1",
          "Content-Length: 1, 2",
          "Content-Length: 99999999999999999999",
          "Content-Length: abc",
          "Content-Length: 0",
          "Transfer-Encoding: chunked",
          "Transfer-Encoding: gzip, chunked",
          "Transfer-Encoding: xchunked",
          "Transfer-Encoding: identity",
          "Content-Type: application/json",
          "Content-Type: text/plain",
          "Content-Encoding: gzip",
          "Host:",
          "Host: a, b",
          " folded: continuation",
          "No-Colon-Here",
          ": empty-name",
          "X\u0000Nul: 1",
          "Expect: 100-continue",
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Connection: close",
          "Connection: keep-alive",
          "Cookie: connect.sid=\u00ff\u00fe",
          "Authorization: Bearer \u00ff",
        ),
      },
    );
    const rawMethod = fc.oneof(
      { weight: 6, arbitrary: anyMethod },
      { weight: 1, arbitrary: fc.constantFrom("G ET", "", "CONNECT", "PRI", "\u0000", "GET\t") },
    );
    const rawTarget = fc.oneof(
      { weight: 6, arbitrary: anyPath },
      { weight: 1, arbitrary: fc.constantFrom("*", "", " ", "http://x/health", "127.0.0.1:80") },
    );
    const rawVersion = fc.oneof(
      { weight: 6, arbitrary: fc.constant("HTTP/1.1") },
      { weight: 2, arbitrary: fc.constant("HTTP/1.0") },
      {
        weight: 1,
        arbitrary: fc.constantFrom("HTTP/2.0", "HTTP/0.9", "HTTP/1.1x", "", "HTTP/9.9", "http/1.1"),
      },
    );
    /** How a body is framed: Content-Length, valid chunks, broken chunks, or nothing. */
    const rawBodyPart = fc.oneof(
      { weight: 2, arbitrary: fc.constant({ framing: "none" as const, bytes: "" }) },
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...BODY_ROUTES)
          .chain((route) => mutatedBody(route.body!, false))
          .map((json) => ({ framing: "length" as const, bytes: json })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(mutatedBody("profile", false), fc.integer({ min: 1, max: 64 }))
          .map(([json, size]) => {
            const bytes = Buffer.from(json, "utf8");
            let chunks = "";
            for (let at = 0; at < bytes.length; at += size) {
              const chunk = bytes.subarray(at, at + size);
              chunks += `${chunk.length.toString(16)}\r\n${chunk.toString("latin1")}\r\n`;
            }
            return { framing: "chunked" as const, bytes: `${chunks}0\r\n\r\n` };
          }),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            "0\r\n\r\n",
            "5\r\nhello\r\n0\r\n\r\n",
            "zz\r\n",
            "-1\r\n",
            "ffffffffffffffff\r\n",
            "3;ext=1\r\n{}x\r\n0\r\n\r\n",
          )
          .map((bytes) => ({ framing: "chunked" as const, bytes })),
      },
    );
    const rawHttp = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
      {
        weight: 6,
        arbitrary: fc
          .tuple(
            rawMethod,
            rawTarget,
            rawVersion,
            eol,
            fc.array(rawHeaderLine, { maxLength: 6 }),
            rawBodyPart,
            fc.oneof(
              { weight: 5, arbitrary: fc.constant(true) },
              { weight: 1, arbitrary: fc.constant(false) },
            ),
          )
          .map(([method, target, version, newline, lines, body, withHost]) => {
            const head = [
              `${method} ${target} ${version}`.trimEnd(),
              ...(withHost ? ["Host: 127.0.0.1"] : []),
              ...lines,
            ];
            const framed = lines.some((line) => /^(content-length|transfer-encoding)/i.test(line));
            // Bodies are UTF-8 (chunked ones already bytes as latin1); the head is bytes as latin1.
            const bytes =
              body.framing === "chunked"
                ? Buffer.from(body.bytes, "latin1")
                : Buffer.from(body.bytes, "utf8");
            if (!framed && body.framing === "length") head.push(`Content-Length: ${bytes.length}`);
            if (!framed && body.framing === "chunked") head.push("Transfer-Encoding: chunked");
            if (body.framing !== "none" && !lines.some((line) => /^content-type/i.test(line)))
              head.push("Content-Type: application/json");
            return Buffer.concat([
              Buffer.from(head.join(newline) + newline + newline, "latin1"),
              bytes,
            ]);
          }),
      },
    );

    const emailRace = fc.record({
      local: fc.string({ unit: hex, minLength: 10, maxLength: 10 }),
      spellings: fc.nat({ max: 2 }),
      contenders: fc.array(
        fc.tuple(fc.constantFrom("register" as const, "change" as const), fc.nat({ max: 2 })),
        { minLength: 2, maxLength: 5 },
      ),
    });

    return {
      emailRace,
      hostileBodyRequest,
      mutatedBodyRequest,
      rawBodyRequest,
      pathRequest,
      credentialRequest,
      chaosRequest,
      burst,
      rawHttp,
    };
  }

  // --- setup --------------------------------------------------------------------------------

  before(async () => {
    console.log(`fuzz seed ${SEED} (set FUZZ_SEED to replay or vary), FUZZ_RUNS factor ${SCALE}`);
    // Per-IP limits off (every request comes from 127.0.0.1); per-account back-off stays on.
    server = await startServer({
      env: { RATE_LIMIT_LOGIN_IP: "100000/1m", RATE_LIMIT_LOGIN_IP_ACCOUNT: "100000/1m" },
    });
    unthrottled = await startServer({ shareWith: server, env: { RATE_LIMIT: "false" } });
    jwtSecret = server.env.JWT_SECRET ?? "";
    // A: its cookie is the fuzzer's; B: its token; C: never shown to the fuzzer; D: the target
    // of failed logins (it gets throttled); E: the sandbox for email and password changes.
    for (const role of ["A", "B", "C", "D", "E"] as const) {
      const email = uniqueEmail(`fuzz-${role.toLowerCase()}`);
      const password = `${role} ${randomBytes(6).toString("hex")} pässwörd ✓`;
      const { customer } = await register(server.url, email, password);
      accounts[role] = { role, id: customer.id as string, email, password };
    }
    creds.main.cookie = await freshLogin(accounts.A, "cookie", server.url);
    creds.main.token = await freshLogin(accounts.B, "token", server.url);
    creds.sandbox.cookie = await freshLogin(accounts.E, "cookie", server.url);
    creds.sandbox.token = await freshLogin(accounts.E, "token", server.url);
    reserve.cookie = await freshLogin(accounts.C, "cookie", server.url);
    reserve.token = await freshLogin(accounts.C, "token", server.url);
    const address = {
      first_name: "Cee",
      last_name: "Reserve",
      address_1: "1 Main St",
      city: "Springfield",
      country_code: "us",
      postal_code: "12345",
    };
    const added = await request(server.url, "POST", "/store/customers/me/addresses", {
      body: { address },
      cookie: `connect.sid=${reserve.cookie}`,
    });
    assert.equal(added.status, 200, added.text);
    reserve.addressId = added.body.customer.shipping_addresses[0].id;
    // C's ids go into the pools too: the fuzzer tries them with A's, B's and E's credentials, and
    // they must survive (checked at the end).
    remember(pools.address, reserve.addressId);
    const sessionLists: Array<Record<string, string>> = [
      { cookie: `connect.sid=${reserve.cookie}` },
      { cookie: `connect.sid=${creds.main.cookie}` },
      { authorization: `Bearer ${creds.main.token}` },
      { cookie: `connect.sid=${creds.sandbox.cookie}` },
    ];
    for (const headers of sessionLists) {
      const listed = await plain("GET", "/store/auth/sessions", headers);
      for (const match of listed.text.matchAll(/"(sess_[0-9A-Z]{26})"/g))
        remember(pools.session, match[1]!);
    }
    for (const cookie of [creds.main.cookie, creds.sandbox.cookie]) {
      const own = await request(server.url, "POST", "/store/customers/me/addresses", {
        body: { address },
        cookie: `connect.sid=${cookie}`,
      });
      assert.equal(own.status, 200, own.text);
      for (const match of own.text.matchAll(/"(addr_[0-9A-Z]{26})"/g))
        remember(pools.address, match[1]!);
    }
    for (let i = 0; i < 5; i++) {
      const { cookie } = await register(server.url, uniqueEmail("fuzz-racer"), STRONG_PASSWORD);
      racers.push(cookie);
    }
    const jwks = await plain("GET", "/.well-known/jwks.json");
    jwk = (JSON.parse(jwks.text) as { keys: Array<Record<string, string>> }).keys[0] ?? {};
    arbs = makeArbitraries();
  });

  after(async () => {
    agent.destroy();
    await unthrottled?.stop();
    await server?.stop();
  });

  // --- properties ---------------------------------------------------------------------------

  it("hostile JSON bodies on every route", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.hostileBodyRequest, runs(600), (request, stats) => exchange(request, stats)),
  );

  it("valid bodies with one field mutated", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.mutatedBodyRequest, runs(500), (request, stats) => exchange(request, stats)),
  );

  it("bodies that are not JSON, under any Content-Type", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.rawBodyRequest, runs(500), (request, stats) => exchange(request, stats)),
  );

  it("any path and method", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.pathRequest, runs(700), (request, stats) => exchange(request, stats)),
  );

  it(
    "hostile cookies, tokens, Origins and headers on every route",
    { timeout: TEST_TIMEOUT_MS },
    (t) => fuzz(t, arbs.credentialRequest, runs(700), (request, stats) => exchange(request, stats)),
  );

  it("everything at once", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.chaosRequest, runs(500), (request, stats) => exchange(request, stats)),
  );

  it("concurrent bursts and races", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.burst, runs(60), async (requests, stats) => {
      await ensureCredentials();
      const results = await Promise.allSettled(requests.map((one) => exchange(one, stats)));
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }),
  );

  it(
    "races for one email: registrations and email changes at once",
    { timeout: TEST_TIMEOUT_MS },
    (t) =>
      fuzz(t, arbs.emailRace, runs(40), async ({ local, spellings, contenders }, stats) => {
        // Spellings of one address that normalize alike (case, NFC vs NFD): one account at most.
        const target = (spelling: number) => {
          const address = `${local}-é@example.com`;
          const spelled = [address, address.toUpperCase(), address.normalize("NFD")][spelling % 3]!;
          return spelled;
        };
        const requests = contenders.map(([kind, spelling], index): FuzzRequest =>
          kind === "register"
            ? {
                via: "fetch",
                method: "POST",
                path: "/store/customers",
                headers: [["content-type", "application/json"]],
                body: JSON.stringify({
                  email: target(spelling + spellings),
                  password: STRONG_PASSWORD,
                }),
              }
            : {
                via: "fetch",
                method: "POST",
                path: "/store/customers/me",
                headers: [
                  ["content-type", "application/json"],
                  ["cookie", racers[index % racers.length]!],
                ],
                body: JSON.stringify({ email: target(spelling + spellings) }),
              },
        );
        const results = await Promise.allSettled(requests.map((one) => exchange(one, stats)));
        const failed = results.find((result) => result.status === "rejected");
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }),
  );

  it("bytes on the socket that are not (quite) HTTP", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, arbs.rawHttp, runs(200), async (bytes, stats) => {
      if (bytes.length === 0) return;
      const text = await rawExchange(server.url, bytes);
      const shown = `\n  sent: ${preview(Buffer.from(bytes).toString("latin1"))}\n  received: ${preview(text.received)}`;
      if (text.timedOut)
        assert.fail(
          `no answer and the connection stayed open for ${REQUEST_TIMEOUT_MS} ms (a hang)${shown}`,
        );
      if (text.received === "") {
        stats.closedWithoutAnswer++;
        if (stats.closedExamples.length < 3)
          stats.closedExamples.push(preview(Buffer.from(bytes).toString("latin1"), 80));
        return;
      }
      const head = /^HEAD /.test(Buffer.from(bytes).toString("latin1"));
      for (const answer of parseResponses(text.received, head)) {
        stats.requests++;
        stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
        const problem = answerProblem(answer.status, answer.contentType, answer.text);
        const bug =
          problem &&
          knownBug({
            socketBytes: Buffer.from(bytes),
            status: answer.status,
            contentType: answer.contentType,
          });
        if (bug) stats.knownBugs.set(bug, (stats.knownBugs.get(bug) ?? 0) + 1);
        else if (problem) assert.fail(problem + shown);
      }
    }),
  );

  it("afterwards: the server is alive and every customer is intact", async (t) => {
    t.diagnostic(
      `total: ${totals.requests} requests, ${totals.skipped} refused by the client, statuses ` +
        [...totals.statuses.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${status}×${count}`)
          .join(" "),
    );
    assert.equal(server.process.exitCode, null, "the server process is still running");
    assert.equal(server.process.signalCode, null, "the server process is still running");
    const health = await plain("GET", "/health");
    assert.equal(health.status, 200, health.text);

    // C's credentials from before the fuzzing still work, and its address is still there.
    const reserved: Array<Record<string, string>> = [
      { cookie: `connect.sid=${reserve.cookie}` },
      { authorization: `Bearer ${reserve.token}` },
    ];
    for (const headers of reserved) {
      const me = await plain("GET", "/store/customers/me", headers);
      assert.equal(me.status, 200, me.text);
      const customer = (
        JSON.parse(me.text) as {
          customer: { id: string; email: string; shipping_addresses: Array<{ id: string }> };
        }
      ).customer;
      assert.equal(customer.id, accounts.C.id);
      assert.equal(customer.email, accounts.C.email);
      assert.ok(
        customer.shipping_addresses.some((address) => address.id === reserve.addressId),
        "C's address survived",
      );
    }

    // Every customer logs in with its password (E with the one the fuzzer set, if it changed it)
    // on the unthrottled instance; A, B and C, whose emails no failed login ever uses, on the
    // fuzzed instance too (the fuzzer throttles D, and may hit E's latest email by chance).
    for (const account of Object.values(accounts)) {
      const instances = ["A", "B", "C"].includes(account.role)
        ? [server, unthrottled]
        : [unthrottled];
      for (const instance of instances) {
        const response = await request(instance.url, "POST", "/store/auth", {
          body: { email: account.email, password: account.password },
        });
        assert.equal(
          response.status,
          200,
          `${account.role} (${account.email}) logs in: ${response.text}`,
        );
        assert.equal(response.body.customer.id, account.id);
        assert.equal(response.body.customer.email, account.email.toLowerCase());
      }
    }

    // The stored rows: same email (E's as last answered), an Argon2id hash, not deleted.
    const db = await openTestDb(server);
    try {
      for (const account of Object.values(accounts)) {
        const rows = await db.query<{
          email: string;
          password_hash: string | null;
          deleted_at: unknown;
          has_account: unknown;
        }>("select email, password_hash, deleted_at, has_account from customer where id = $1", [
          account.id,
        ]);
        assert.equal(rows.length, 1, `${account.role}'s row exists`);
        const row = rows[0]!;
        assert.equal(row.email, account.email.toLowerCase(), `${account.role}'s email`);
        assert.match(row.password_hash ?? "", /^\$argon2id\$/, `${account.role}'s password hash`);
        assert.equal(row.deleted_at, null, `${account.role} is not deleted`);
        assert.ok(Boolean(row.has_account), `${account.role} still has an account`);
      }
    } finally {
      await db.close();
    }
    t.diagnostic(
      `the sandbox customer E changed its email ${sandboxChanges.email} times and its password ${sandboxChanges.password} times`,
    );
    for (const [id, count] of totals.knownBugs) t.diagnostic(`known bug ${id}: ${count} answers`);
    const errors = server.logs.filter(
      (entry) => typeof entry.level === "number" && entry.level >= 50,
    );
    t.diagnostic(`${errors.length} error-level log lines from the server`);
  });

  // The minimal reproducers: regression tests for fixed bugs, `todo` tests for open ones.
  for (const bug of KNOWN_BUGS) {
    it(`reproducer: ${bug.id}`, { todo: bug.open && `known server bug ${bug.id}` }, async () => {
      const problem = await bug.reproduce(server.url);
      assert.equal(problem, undefined, problem);
    });
  }
});

/** What is wrong with a response, if anything: a 5xx, or a 4xx that is not a JSON error. */
function answerProblem(status: number, contentType: string, text: string | undefined) {
  if (status < 200 || status >= 500) return `expected a 2xx-4xx status, got ${status}`;
  if (status < 400) return undefined;
  if (!/^application\/json\b/i.test(contentType))
    return `a ${status} without Content-Type: application/json`;
  if (text === undefined) return undefined; // HEAD: no body to read
  const parsed = tryJson(text) as { type?: unknown; message?: unknown } | undefined;
  if (typeof parsed?.type !== "string" || typeof parsed.message !== "string")
    return `a ${status} whose body is not JSON with a string type and message`;
  return undefined;
}

/** A body as the server may read it (a UTF-8 BOM is accepted), or undefined if it is not JSON. */
function asServerParses(body: string | Uint8Array | undefined): unknown {
  if (body === undefined) return undefined;
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  return tryJson(text.replace(/^\ufeff/, ""));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw sockets
// ---------------------------------------------------------------------------------------------

/** Writes the bytes, half-closes, and reads until the server closes (or the timeout). */
function rawExchange(
  url: string,
  bytes: Uint8Array,
): Promise<{ received: string; timedOut: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveExchange) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(bytes));
    let received = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => (received += chunk));
    socket.on("close", () => resolveExchange({ received, timedOut: false }));
    socket.on("error", () => undefined); // a reset: "close" follows
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
      resolveExchange({ received, timedOut: true });
    });
  });
}

/** Splits raw HTTP/1.1 responses (Content-Length framing; chunked bodies are not checked). */
function parseResponses(
  raw: string,
  headRequest: boolean,
): Array<{ status: number; contentType: string; text?: string }> {
  const answers: Array<{ status: number; contentType: string; text?: string }> = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    const head = end === -1 ? rest : rest.slice(0, end);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!status) {
      answers.push({ status: 0, contentType: "", text: head });
      break;
    }
    if (/^1\d\d$/.test(status[1]!) && status[1] !== "101") {
      rest = rest.slice(end + 4); // an interim answer (100 Continue): the real one follows
      continue;
    }
    const header = (name: string) =>
      new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, "i").exec(head)?.[1]?.trim();
    const length = Number(header("content-length") ?? "NaN");
    const chunked = /chunked/i.test(header("transfer-encoding") ?? "");
    const bodyStart = end === -1 ? rest.length : end + 4;
    const isHeadLike =
      Number(status[1]) === 204 || Number(status[1]) === 304 || Number(status[1]) < 200;
    const bodyBytes = Number.isFinite(length) ? length : 0;
    const body = Buffer.from(rest.slice(bodyStart), "latin1").subarray(0, bodyBytes);
    const unframed = chunked || !Number.isFinite(length) || headRequest;
    answers.push({
      status: Number(status[1]),
      contentType: header("content-type") ?? "",
      text: unframed || isHeadLike || body.length < bodyBytes ? undefined : body.toString("utf8"),
    });
    if (unframed) break;
    rest = rest.slice(bodyStart + Buffer.from(body).toString("latin1").length);
  }
  return answers;
}
