/**
 * The runner and its model of the server: it renews the credentials it hands out, resolves the
 * markers in generated requests, sends them (fetch or node:http), checks each answer with the
 * oracle and learns from it (new ids, revoked credentials, the sandbox customer's email and
 * password). In Medusa v2 mode (`api: 2`) its customers are made and logged in the v2 way, and
 * every request carries the publishable key unless the case fuzzes it.
 */
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import type { TestContext } from "node:test";
import fc from "fast-check";
import { STRONG_PASSWORD, getToken, login, register, request } from "../http.js";
import { startServer, uniqueEmail, type TestServer } from "../server.js";
import { makeArbitraries, type Arbitraries } from "./arbitraries.js";
import { answerProblem, knownBug } from "./oracle.js";
import {
  ClientRefused,
  asServerParses,
  identityOf,
  newStats,
  preview,
  toJson,
  utf8Bytes,
  type Account,
  type Answer,
  type FuzzRequest,
  type Identity,
  type Mutation,
  type Resolved,
  type Stats,
} from "./requests.js";
import type { ApiVersion } from "./routes.js";
import { PROPERTY_TIME_LIMIT_MS, REQUEST_TIMEOUT_MS, SCALE, SEED } from "./settings.js";
import * as v2Client from "./v2-client.js";

export type Fuzzer = ReturnType<typeof createFuzzer>;

/**
 * A fuzzer for one server; `start` registers its customers, `stop` ends its second instance.
 * `api` 2: the server runs in Medusa v2 mode (MEDUSA_VERSION=2) with `publishableKey` among its
 * PUBLISHABLE_API_KEYS.
 */
export function createFuzzer({
  api = 1,
  publishableKey = "",
}: { api?: ApiVersion; publishableKey?: string } = {}) {
  const v2 = api === 2;
  const KEY_HEADER = "x-publishable-api-key";
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
  /**
   * v2 only: a registration token (an identity without a customer, `@@rtoken@@`) and its email
   * (`@@remail@@`), renewed once it created its customer; a reset token of E (`@@reset@@`),
   * renewed once used.
   */
  const registration = { token: "", email: "", stale: v2 };
  const reset = { token: "", stale: v2 };
  /** C's credentials: never shown to the fuzzer, checked at the end. */
  const reserve = { cookie: "", token: "", addressId: "" };
  let credentialsDirty = false;
  let renewing: Promise<void> | undefined;
  const pools = { address: [] as string[], session: [] as string[] };
  let jwk: Record<string, string> = {};
  let jwtSecret = "";
  const attackerKey: KeyObject = generateKeyPairSync("ed25519").privateKey;
  const totals = newStats();
  let arbs: Arbitraries;
  /** How often the fuzzer changed E's email and password (tracked, and checked at the end). */
  const sandboxChanges = { email: 0, password: 0 };
  /** Throwaway customers that race each other for one email (their cookies). */
  const racers: string[] = [];

  // --- credentials --------------------------------------------------------------------------

  async function plain(method: string, path: string, headers: Record<string, string> = {}) {
    const response = await fetch(new URL(path, server.url), {
      method,
      headers: v2 ? { [KEY_HEADER]: publishableKey, ...headers } : headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, text: await response.text() };
  }

  async function freshLogin(
    account: Account,
    kind: "cookie" | "token",
    url = unthrottled.url,
  ): Promise<string> {
    if (v2) {
      return kind === "token"
        ? v2Client.loginToken(url, account.email, account.password)
        : v2Client.loginCookie(url, account.email, account.password);
    }
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
      const check = await plain("GET", v2 ? "/store/customers/me" : "/store/auth", headers);
      if (check.status !== 200) creds[identity][kind] = await freshLogin(account, kind);
    }
    if (registration.stale) {
      registration.stale = false;
      registration.email = uniqueEmail("fuzz-identity");
      registration.token = await v2Client.registerIdentity(
        unthrottled.url,
        registration.email,
        STRONG_PASSWORD,
      );
    }
    if (reset.stale) {
      reset.stale = false;
      reset.token = await v2Client
        .resetToken([unthrottled, server], accounts.E.email)
        .catch(() => "no-reset-token-logged"); // then `@@reset@@` is just a bad token
    }
  }

  async function ensureCredentials(): Promise<void> {
    if (!credentialsDirty && !registration.stale && !reset.stale) return;
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

  function resolve(generated: FuzzRequest): Resolved {
    const used = { secret: false, valid: false, registration: false, reset: false };
    const rawBody = generated.body;
    const pick = (pool: string[], n: string | undefined, prefix: string) =>
      pool.length === 0
        ? `${prefix}_01J00000000000000000000000`
        : pool[Number(n ?? 0) % pool.length]!;
    const fill = (text: string, identity: Identity) =>
      text.replace(
        /@@(cookie|token|mcookie|mtoken|address|session|rtoken|mrtoken|reset|remail|oldpassword)(?::(\d+))?@@/g,
        (_match, kind: string, n: string | undefined) => {
          switch (kind) {
            case "rtoken":
              used.registration = true;
              return registration.token;
            case "mrtoken":
              return mutate(registration.token, generated.tokenMutation);
            case "reset":
              used.reset = true;
              return reset.token;
            case "remail":
              return registration.email;
            case "oldpassword":
              return JSON.stringify(accounts.E.password).slice(1, -1);
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
    const headers = generated.headers
      .filter(([, value]) => value !== "@@nopk@@")
      .map(([name, value]): [string, string] => [name, utf8Bytes(fill(value, identity))]);
    // v2: the publishable key goes with every request, unless the case sets or removes it.
    const keyed = generated.headers.some(
      ([name, value]) => value === "@@nopk@@" || name.toLowerCase() === KEY_HEADER,
    );
    if (v2 && !keyed) headers.push([KEY_HEADER, publishableKey]);
    return {
      via: generated.via,
      method: generated.method,
      path: fill(generated.path, identity),
      headers,
      body,
      identity,
      usedSecret: used.secret,
      usedValidSecret: used.valid,
      usedRegistration: used.registration,
      usedReset: used.reset,
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
      { bareUnauthorized: v2 },
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
    for (const match of answer.text.matchAll(/"((?:cu)?addr_[0-9A-Z]{26})"/g))
      remember(pools.address, match[1]!);
    for (const match of answer.text.matchAll(/"(sess_[0-9A-Z]{26})"/g))
      remember(pools.session, match[1]!);
    const revoking = answer.status < 300 && !["GET", "HEAD", "OPTIONS"].includes(sent.method);
    if ((sent.usedSecret && revoking) || (sent.usedValidSecret && answer.status === 401))
      credentialsDirty = true;
    if (v2) return learnV2(sent, answer);
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

  /** v2: a registration token that created its customer, a used reset token, E's new password. */
  function learnV2(sent: Resolved, answer: Answer): void {
    const route = routeOf(sent.path);
    if (sent.usedRegistration && answer.status === 200 && route === "/store/customers")
      registration.stale = true;
    if (sent.usedReset && (answer.status === 200 || answer.status === 401)) reset.stale = true;
    if (answer.status !== 200 || sent.method !== "POST") return;
    if (route !== "/auth/customer/emailpass/update" || sent.identity !== "sandbox") return;
    const body = asServerParses(sent.body) as { password?: unknown } | undefined;
    if (typeof body?.password !== "string") return;
    accounts.E.password = body.password;
    sandboxChanges.password++;
    credentialsDirty = true; // a new password ends E's other sessions
    reset.stale = true;
  }

  /** The route a path reaches: the router ignores case and trailing slashes, and decodes params. */
  function routeOf(path: string): string {
    const bare = path.split("?")[0]!.toLowerCase().replace(/\/+$/, "");
    try {
      return decodeURIComponent(bare);
    } catch {
      return bare;
    }
  }

  function remember(pool: string[], id: string): void {
    if (pool.includes(id)) return;
    pool.push(id);
    if (pool.length > 200) pool.splice(1, 1); // keep the first (someone else's) id
  }

  async function exchange(generated: FuzzRequest, stats: Stats): Promise<void> {
    if (/@@(m?cookie|m?token|m?rtoken|reset|remail)@@/.test(JSON.stringify(generated)))
      await ensureCredentials();
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

  // --- setup --------------------------------------------------------------------------------

  async function start(fuzzed: TestServer): Promise<void> {
    server = fuzzed;
    console.log(`fuzz seed ${SEED} (set FUZZ_SEED to replay or vary), FUZZ_RUNS factor ${SCALE}`);
    const mode: Record<string, string> = v2
      ? { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: server.env.PUBLISHABLE_API_KEYS ?? "" }
      : {};
    unthrottled = await startServer({
      shareWith: server,
      env: { ...mode, RATE_LIMIT: "false" },
    });
    jwtSecret = server.env.JWT_SECRET ?? "";
    // A: its cookie is the fuzzer's; B: its token; C: never shown to the fuzzer; D: the target
    // of failed logins (it gets throttled); E: the sandbox for email and password changes.
    for (const role of ["A", "B", "C", "D", "E"] as const) {
      const email = uniqueEmail(`fuzz-${role.toLowerCase()}`);
      const password = `${role} ${randomBytes(6).toString("hex")} pässwörd ✓`;
      const id = v2
        ? await v2Client.registerCustomer(server.url, publishableKey, email, password)
        : ((await register(server.url, email, password)).customer.id as string);
      accounts[role] = { role, id, email, password };
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
    const addAddress = (cookie: string) =>
      request(server.url, "POST", "/store/customers/me/addresses", {
        body: v2 ? address : { address },
        cookie: `connect.sid=${cookie}`,
        headers: v2 ? { [KEY_HEADER]: publishableKey } : {},
      });
    const added = await addAddress(reserve.cookie);
    assert.equal(added.status, 200, added.text);
    const { customer } = added.body;
    reserve.addressId = (v2 ? customer.addresses : customer.shipping_addresses)[0].id;
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
      const own = await addAddress(cookie);
      assert.equal(own.status, 200, own.text);
      for (const match of own.text.matchAll(/"((?:cu)?addr_[0-9A-Z]{26})"/g))
        remember(pools.address, match[1]!);
    }
    // v1's email changes race registrations; v2 has no email change.
    for (let i = 0; i < (v2 ? 0 : 5); i++) {
      const { cookie } = await register(server.url, uniqueEmail("fuzz-racer"), STRONG_PASSWORD);
      racers.push(cookie);
    }
    const jwks = await plain("GET", "/.well-known/jwks.json");
    jwk = (JSON.parse(jwks.text) as { keys: Array<Record<string, string>> }).keys[0] ?? {};
    if (v2) await renewCredentials(); // the first registration and reset tokens
    arbs = makeArbitraries(accounts, server.url, { api, publishableKey });
  }

  async function stop(): Promise<void> {
    agent.destroy();
    await unthrottled?.stop();
  }

  return {
    api,
    start,
    stop,
    fuzz,
    exchange,
    ensureCredentials,
    plain,
    accounts,
    reserve,
    racers,
    registration,
    totals,
    sandboxChanges,
    get server() {
      return server;
    },
    get unthrottled() {
      return unthrottled;
    },
    get arbs() {
      return arbs;
    },
  };
}
