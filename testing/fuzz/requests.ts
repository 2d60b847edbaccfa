/** What the fuzzer generates and sends, and how values are written on the wire. */
/**
 * A generated request. Header values, the path and the body may hold markers that are resolved
 * only when the request is sent, because the fuzzer itself revokes credentials and creates
 * addresses and sessions as it goes:
 * `@@cookie@@` / `@@token@@` a live session cookie value / bearer token,
 * `@@mcookie@@` / `@@mtoken@@` the same after `cookieMutation` / `tokenMutation`,
 * `@@address:N@@` / `@@session:N@@` the N-th known address / session id (own or someone else's);
 * v2 mode: `@@rtoken@@` / `@@remail@@` a registration token / its identity's email (`@@mrtoken@@`
 * the token after `tokenMutation`), `@@reset@@` a reset token of E, `@@oldpassword@@` E's password
 * (in a body), and a header whose value is `@@nopk@@` sends no `x-publishable-api-key` (else the
 * fuzzer adds the valid one).
 */
export interface FuzzRequest {
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
export type Mutation =
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

export interface Resolved {
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
  /** v2: it carried the registration token / E's reset token. */
  usedRegistration?: boolean;
  usedReset?: boolean;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** "main": customer A's cookie and customer B's token; "sandbox": customer E's (see `before`). */
export type Identity = "main" | "sandbox";

export interface Account {
  role: string;
  id: string;
  email: string;
  password: string;
}

export interface Stats {
  requests: number;
  skipped: number;
  statuses: Map<number, number>;
  skippedExamples: string[];
  closedWithoutAnswer: number;
  closedExamples: string[];
  /** Answers matching a known, reported server bug (see KNOWN_BUGS). */
  knownBugs: Map<string, number>;
}

export const newStats = (): Stats => ({
  requests: 0,
  skipped: 0,
  statuses: new Map(),
  skippedExamples: [],
  closedWithoutAnswer: 0,
  closedExamples: [],
  knownBugs: new Map(),
});

export class ClientRefused extends Error {}

/** A JSON value written verbatim (deep nesting, 1e999, escapes JSON.stringify never produces). */
export class Raw {
  constructor(readonly text: string) {}
}
/** A JSON object as ordered entries, so `__proto__` and duplicate keys survive to the wire. */
export class Obj {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

export function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj)
    return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") return toJson(new Obj(Object.entries(value)));
  return JSON.stringify(value) ?? "null";
}

export const obj = (record: Record<string, unknown>) =>
  new Obj(Object.entries(record).filter(([, value]) => value !== undefined));

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, never a throw). */
export function pct(text: string): string {
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
export function utf8Bytes(value: string): string {
  const wide = [...value].some((char) => char.codePointAt(0)! > 0xff);
  return wide ? Buffer.from(value, "utf8").toString("latin1") : value;
}

/** For node:http paths: bytes 0x21–0xFF go out raw (latin1), anything else percent-encoded. */
export function rawPathText(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += code >= 0x21 && code <= 0xff ? char : pct(char);
  }
  return out;
}

export function preview(value: string | Uint8Array | undefined, max = 600): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : `bytes:${Buffer.from(value).toString("hex")}`;
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}

export type Accounts = Record<"A" | "B" | "C" | "D" | "E", Account>;

/** A body as the server may read it (a UTF-8 BOM is accepted), or undefined if it is not JSON. */
export function asServerParses(body: string | Uint8Array | undefined): unknown {
  if (body === undefined) return undefined;
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  return tryJson(text.replace(/^\ufeff/, ""));
}

export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A body that could change an email or a password is sent with the sandbox customer's credentials. */
export function identityOf(body: string | Uint8Array | undefined): Identity {
  const parsed = asServerParses(body);
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    if (Object.hasOwn(parsed, "email") || Object.hasOwn(parsed, "password")) return "sandbox";
  }
  return "main";
}
