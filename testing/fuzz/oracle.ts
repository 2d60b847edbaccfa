/**
 * The oracle: what is wrong with an answer (a 5xx, or a 4xx that is not a JSON error), and the
 * server bugs this fuzzer found, each with its minimal reproducer.
 */
import { request } from "../http.js";
import { uniqueEmail } from "../server.js";
import { parseResponses, rawExchange } from "./raw-http.js";
import { tryJson } from "./requests.js";

/**
 * What is wrong with a response, if anything: a 5xx, or a 4xx that is not a JSON error. With
 * `bareUnauthorized` (Medusa v2 mode) a 401 may be v2's authentication failure, the bare
 * `{"message":"Unauthorized"}` (no `type`, as Medusa v2 answers it).
 */
export function answerProblem(
  status: number,
  contentType: string,
  text: string | undefined,
  { bareUnauthorized = false } = {},
) {
  if (status < 200 || status >= 500) return `expected a 2xx-4xx status, got ${status}`;
  if (status < 400) return undefined;
  if (!/^application\/json\b/i.test(contentType))
    return `a ${status} without Content-Type: application/json`;
  if (text === undefined) return undefined; // HEAD: no body to read
  if (bareUnauthorized && status === 401 && text === '{"message":"Unauthorized"}') return undefined;
  const parsed = tryJson(text) as { type?: unknown; message?: unknown } | undefined;
  if (typeof parsed?.type !== "string" || typeof parsed.message !== "string")
    return `a ${status} whose body is not JSON with a string type and message`;
  return undefined;
}

// Server bugs found by this fuzzer (reported; packages/server/src is fixed elsewhere).

/**
 * While a bug is open, answers matching it (narrowly) are counted and reported instead of failing
 * a property, so the fuzzer keeps looking for other bugs; its minimal reproducer runs as a `todo`
 * test at the end of the suite, which passes once the bug is fixed. Delete the entry then.
 */
/** What a known bug is recognised by: the request, and the answer or the client's error. */
export interface Observation {
  method?: string;
  path?: string;
  body?: string | Uint8Array;
  socketBytes?: Buffer;
  status?: number;
  contentType?: string;
  clientError?: string;
}

export const KNOWN_BUGS: Array<{
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
export function jsonDepth(text: string): number {
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

export function knownBug(seen: Observation): string | undefined {
  return KNOWN_BUGS.find((bug) => bug.open && bug.matches(seen))?.id;
}

export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
