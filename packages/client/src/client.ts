/**
 * The request layer: one `fetch` per attempt, headers, cookies, the bearer token, timeouts,
 * retries, and turning responses into resolved values or {@link MedusaError}s.
 *
 * @module
 */
import { CookieJar, getSetCookies } from "./cookie-jar.js";
import { MedusaError, type MedusaErrorData, type TransportErrorType } from "./medusa-error.js";
import { isRetryable, retryDelay } from "./retry.js";
import type {
  Config,
  CustomHeaders,
  FetchLike,
  HTTPResponse,
  RequestMethod,
  RequestOptions,
  ResponsePromise,
} from "./types.js";

/** The default base URL, as in medusa-js. */
export const DEFAULT_BASE_URL = "http://localhost:9000";
/** The default time limit of one attempt, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Whether the code runs in a browser (a page or a worker), where the browser's own cookie store
 * handles the session cookie.
 */
function isBrowser(): boolean {
  const scope = globalThis as { document?: unknown; importScripts?: unknown };
  return typeof scope.document !== "undefined" || typeof scope.importScripts === "function";
}

/** A random UUID v4, also where `crypto.randomUUID` is missing (insecure browser contexts). */
function randomUUID(): string {
  const webCrypto = globalThis.crypto;
  if (typeof webCrypto.randomUUID === "function") return webCrypto.randomUUID();
  const bytes = webCrypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Waits `ms` milliseconds, or rejects with the abort error as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined, onAbort: () => MedusaError) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const abort = () => {
      clearTimeout(timer);
      reject(onAbort());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function transportError(type: TransportErrorType, message: string, cause?: unknown): MedusaError {
  return new MedusaError({
    status: 0,
    type,
    message,
    cause,
    response: { status: 0, statusText: "", headers: new Headers(), data: {} },
  });
}

/** The message of a failed `fetch`, with the system error code when there is one. */
function networkMessage(error: unknown): string {
  const base = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? ` (${cause.code})` : "";
  return `Network error: ${base}${code}`;
}

/**
 * Sends the requests of one `Medusa` instance. It holds that instance's cookies and bearer
 * token; two clients never share either. Use it directly for routes the resources don't cover.
 *
 * @example
 * ```ts
 * const { status } = await medusa.client.request("GET", "/health")
 * ```
 */
export class Client {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** How many times a failed request is retried. */
  readonly maxRetries: number;
  /** The default time limit of one attempt, in milliseconds (`0`: none). */
  readonly timeout: number;
  /**
   * The cookies this instance keeps, or `undefined` in browsers (where the browser keeps them) or
   * when `keepCredentials: false` was configured.
   *
   * @example
   * ```ts
   * medusa.client.cookieJar?.all().map((c) => c.name) // ["connect.sid"] after a login
   * ```
   */
  readonly cookieJar: CookieJar | undefined;

  /** Whether credentials (cookies, the token from `getToken`) are remembered by this instance. */
  readonly keepCredentials: boolean;

  #publishableApiKey: string | undefined;
  #accessToken: string | undefined;
  readonly #customHeaders: CustomHeaders;
  readonly #fetch: FetchLike;
  readonly #credentials: Config["credentials"];

  /**
   * Creates a client. `Medusa` creates one for you as `medusa.client`.
   *
   * @example
   * ```ts
   * const client = new Client({ baseUrl: "http://localhost:9000" })
   * ```
   */
  constructor(config: Config = {}) {
    this.baseUrl = (config.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    const maxRetries = config.maxRetries ?? 0;
    this.maxRetries = Number.isFinite(maxRetries) ? Math.max(0, Math.floor(maxRetries)) : 0;
    this.timeout = config.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#publishableApiKey = config.publishableApiKey;
    this.#customHeaders = { ...config.customHeaders };
    const customFetch = config.fetch;
    // Looked up per call and called as a plain function: browsers throw "Illegal invocation"
    // when `fetch` is called with another `this`, and a polyfill may be installed later.
    this.#fetch = customFetch ?? ((input, init) => globalThis.fetch(input, init));
    const browser = isBrowser();
    this.#credentials = config.credentials ?? (browser ? "include" : undefined);
    this.keepCredentials = config.keepCredentials !== false;
    this.cookieJar = !browser && this.keepCredentials ? new CookieJar(this.baseUrl) : undefined;
  }

  /**
   * The bearer token sent as `Authorization: Bearer …` on every request, or `undefined`.
   * `auth.getToken` sets it and `auth.deleteSession` clears it; you may also set it yourself, for
   * example with a token kept from an earlier visit.
   *
   * @example
   * ```ts
   * medusa.client.accessToken = savedToken
   * await medusa.auth.getSession()
   * ```
   */
  get accessToken(): string | undefined {
    return this.#accessToken;
  }
  set accessToken(token: string | undefined) {
    this.#accessToken = token === "" || !this.keepCredentials ? undefined : token;
  }

  /**
   * The publishable API key sent as `x-publishable-api-key`, or `undefined`.
   *
   * @example
   * ```ts
   * medusa.client.publishableApiKey = "pk_123"
   * ```
   */
  get publishableApiKey(): string | undefined {
    return this.#publishableApiKey;
  }
  set publishableApiKey(key: string | undefined) {
    this.#publishableApiKey = key === "" ? undefined : key;
  }

  /**
   * Sends a request and resolves to its JSON body plus `response`, retrying as configured. The
   * parameters are in medusa-js's order (`method, path, payload, options, customHeaders`).
   *
   * A body is sent only with `POST` and `DELETE` (as JSON), and only when `payload` is given.
   *
   * @param method - The HTTP method.
   * @param path - The path below the base URL, starting with `/`, with its query string if any.
   * @param payload - The JSON body.
   * @param options - A signal and a per-attempt timeout for this call.
   * @param customHeaders - Headers for this call; they override every other header.
   * @returns The parsed body spread into an object, plus `response`.
   * @throws {@link MedusaError} for any non-2xx response and for requests that got no response.
   *
   * @example
   * ```ts
   * const { sessions } = await medusa.client.request<StoreAuthSessionsRes>(
   *   "GET",
   *   "/store/auth/sessions",
   * )
   * ```
   */
  async request<T = unknown>(
    method: RequestMethod,
    path: string,
    payload?: unknown,
    options: RequestOptions = {},
    customHeaders: CustomHeaders = {},
  ): ResponsePromise<T> {
    const url = new URL(this.baseUrl + (path.startsWith("/") ? path : `/${path}`));
    const hasBody = payload !== undefined && (method === "POST" || method === "DELETE");
    const body = hasBody ? JSON.stringify(payload) : undefined;
    const idempotencyKey = this.maxRetries > 0 && method === "POST" ? randomUUID() : undefined;
    const { signal } = options;
    const timeout = options.timeout ?? this.timeout;

    // A call that brings its own credentials uses only those: the remembered ones must never
    // stand in for a visitor whose cookie has expired, or be mixed with someone else's.
    const ownCredentials = this.#bringsCredentials(customHeaders);
    const jar = ownCredentials ? undefined : this.cookieJar;

    for (let retry = 0; ; retry++) {
      try {
        const headers = this.#headers(
          url,
          hasBody,
          idempotencyKey,
          customHeaders,
          jar,
          !ownCredentials,
        );
        return await this.#attempt<T>(url, method, headers, body, signal, timeout, jar);
      } catch (error) {
        if (!(error instanceof MedusaError)) throw error;
        if (retry >= this.maxRetries || !isRetryable(error.status, error.type)) throw error;
        const delay = retryDelay(retry + 1, error.response.headers.get("retry-after"));
        if (delay === undefined) throw error;
        await sleep(delay, signal, () => abortError(signal));
      }
    }
  }

  /** Builds the headers of one attempt (the cookie jar may have changed between attempts). */
  #headers(
    url: URL,
    hasBody: boolean,
    idempotencyKey: string | undefined,
    customHeaders: CustomHeaders,
    jar: CookieJar | undefined,
    useToken: boolean,
  ): Headers {
    const headers = new Headers({ Accept: "application/json" });
    if (hasBody) headers.set("Content-Type", "application/json");
    if (useToken && this.#accessToken !== undefined) {
      headers.set("Authorization", `Bearer ${this.#accessToken}`);
    }
    if (this.#publishableApiKey !== undefined) {
      headers.set("x-publishable-api-key", this.#publishableApiKey);
    }
    if (idempotencyKey !== undefined) headers.set("Idempotency-Key", idempotencyKey);
    for (const source of [this.#customHeaders, customHeaders]) {
      for (const [name, value] of Object.entries(source)) {
        if (value !== undefined && value !== null) headers.set(name, String(value));
      }
    }
    const cookie = jar?.header(url);
    if (cookie !== undefined) headers.set("Cookie", cookie);
    return headers;
  }

  /**
   * Whether the caller's headers carry their own `Cookie` or `Authorization`. The response then
   * answers for those, so the jar neither sends its cookies nor stores the ones the response
   * sets, and the remembered token is not sent.
   */
  #bringsCredentials(customHeaders: CustomHeaders): boolean {
    for (const source of [this.#customHeaders, customHeaders]) {
      for (const [name, value] of Object.entries(source)) {
        const lower = name.toLowerCase();
        if (
          (lower === "cookie" || lower === "authorization") &&
          value !== undefined &&
          value !== null
        ) {
          return true;
        }
      }
    }
    return false;
  }

  /** One attempt: fetch, store cookies, read the body, and resolve or throw. */
  async #attempt<T>(
    url: URL,
    method: RequestMethod,
    headers: Headers,
    body: string | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    jar: CookieJar | undefined,
  ): ResponsePromise<T> {
    if (signal?.aborted) throw abortError(signal);
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      timeout > 0 && Number.isFinite(timeout)
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeout)
        : undefined;
    const forwardAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", forwardAbort, { once: true });

    let res: globalThis.Response;
    let text: string;
    try {
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      if (this.#credentials !== undefined) init.credentials = this.#credentials;
      res = await this.#fetch(url.href, init);
      // After a redirect, the cookies belong to the final URL (the jar ignores other hosts).
      jar?.store(getSetCookies(res.headers), res.url ? new URL(res.url) : url);
      text = await res.text();
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (timedOut) {
        throw transportError("timeout", `Request timed out after ${timeout} ms`, error);
      }
      throw transportError("network_error", networkMessage(error), error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forwardAbort);
    }

    const data = parseBody(text);
    const response: HTTPResponse = {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    };
    if (!res.ok) throw responseError(res, data);
    return (isPlainObject(data) ? { ...data, response } : { response }) as Awaited<
      ResponsePromise<T>
    >;
  }
}

/** Parses a body as JSON; a body that is not JSON is kept as text, an empty one is `undefined`. */
function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function abortError(signal: AbortSignal | undefined): MedusaError {
  const reason: unknown = signal?.reason;
  const detail = reason instanceof Error && reason.message ? `: ${reason.message}` : "";
  return transportError("aborted", `Request aborted${detail}`, reason);
}

function responseError(res: globalThis.Response, data: unknown): MedusaError {
  const body = isPlainObject(data) ? (data as MedusaErrorData) : undefined;
  const type = typeof body?.type === "string" ? body.type : "unknown_error";
  const message =
    typeof body?.message === "string"
      ? body.message
      : typeof data === "string" && data !== ""
        ? data
        : `Request failed with status code ${res.status}`;
  return new MedusaError({
    status: res.status,
    type,
    message,
    code: typeof body?.code === "string" ? body.code : undefined,
    response: {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      data: (data ?? {}) as MedusaErrorData,
    },
  });
}
