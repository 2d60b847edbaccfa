/**
 * The types of the Gatehouse client: its configuration, the request payloads and the resolved
 * values of every method. Payload and response type names are those of `@medusajs/medusa`, so that
 * code written against `@medusajs/medusa-js` keeps compiling when it switches to this client.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

/**
 * The HTTP details of a response, attached as `response` to every resolved value.
 *
 * @example
 * ```ts
 * const { customer, response } = await medusa.auth.getSession()
 * console.log(response.status, response.headers.get("content-type"))
 * ```
 */
export interface HTTPResponse {
  /** The HTTP status code, for example `200`. */
  status: number;
  /** The HTTP status text, for example `"OK"` (may be empty over HTTP/2). */
  statusText: string;
  /** The response headers. */
  headers: Headers;
}

/**
 * The value a method resolves to: the JSON body's properties, plus the HTTP details under
 * `response`. A response without a body (such as `204 No Content`) resolves to `{ response }`.
 *
 * @typeParam T - The shape of the response body.
 *
 * @example
 * ```ts
 * const res: Response<StoreAuthRes> = await medusa.auth.getSession()
 * res.customer.email
 * res.response.status // 200
 * ```
 */
export type Response<T> = T & {
  /** The HTTP details of the response. */
  response: HTTPResponse;
};

/**
 * A promise of a {@link Response}. Every resource method returns one.
 *
 * @typeParam T - The shape of the response body.
 */
export type ResponsePromise<T = unknown> = Promise<Response<T>>;

/**
 * Headers to attach to a request. Names are case-insensitive; entries whose value is
 * `undefined` or `null` are skipped. They override every header the client sets itself, including
 * `Authorization`, `Cookie` and `Idempotency-Key`.
 *
 * @example
 * ```ts
 * medusa.auth.getSession({ Authorization: `Bearer ${token}` })
 * ```
 */
export type CustomHeaders = Record<string, string | number | boolean | null | undefined>;

/**
 * The HTTP methods the client sends.
 */
export type RequestMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

/**
 * The signature of a `fetch` implementation, such as the global `fetch`.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<globalThis.Response>;

/**
 * Per-call options, accepted by every resource method as its last parameter (after
 * `customHeaders`, so that calls written for medusa-js keep compiling).
 *
 * @example
 * ```ts
 * const controller = new AbortController()
 * const pending = medusa.auth.getSession({}, { signal: controller.signal, timeout: 5_000 })
 * controller.abort() // rejects with a MedusaError of type "aborted"
 * ```
 */
export interface RequestOptions {
  /**
   * Cancels the call, including any pending retry. The call then rejects with a
   * `MedusaError` of type `"aborted"`; an aborted call is never retried.
   */
  signal?: AbortSignal | undefined;
  /**
   * Time limit of each attempt in milliseconds, overriding the client's `timeout` for this call.
   * `0` turns the limit off.
   */
  timeout?: number | undefined;
}

/**
 * The options of `new Medusa(config)`. Every option is optional.
 *
 * @example
 * ```ts
 * import Medusa from "@gatehouse/client"
 *
 * const medusa = new Medusa({
 *   baseUrl: "https://auth.example.com",
 *   maxRetries: 3,
 *   timeout: 10_000,
 * })
 * ```
 */
export interface Config {
  /**
   * The URL of the Gatehouse (or Medusa) server, without a trailing slash. It may include a path
   * prefix, such as `https://example.com/api`.
   *
   * @defaultValue `"http://localhost:9000"`
   */
  baseUrl?: string;
  /**
   * How many times a failed request is retried: after a network error or timeout, and after a
   * `409` or a `501`–`599` response (a `500`, other `4xx` and `429` are never retried). Waits
   * 500 ms, 1500 ms, 3500 ms… between attempts, or what the response's `Retry-After` header asks.
   * With retries on, every `POST` carries an `Idempotency-Key` header, the same on each attempt.
   *
   * @defaultValue `0`
   */
  maxRetries?: number;
  /**
   * A publishable API key, sent on every request as the `x-publishable-api-key` header.
   */
  publishableApiKey?: string;
  /**
   * Headers sent with every request. Per-call `customHeaders` override them.
   *
   * @example
   * ```ts
   * new Medusa({ customHeaders: { "x-store": "eu" } })
   * ```
   */
  customHeaders?: CustomHeaders;
  /**
   * The `fetch` implementation to use, for example one that adds tracing. Defaults to the global
   * `fetch`, looked up on each request.
   *
   * @example
   * ```ts
   * new Medusa({ fetch: (url, init) => tracedFetch(url, init) })
   * ```
   */
  fetch?: FetchLike;
  /**
   * Time limit of each attempt in milliseconds, covering the response headers and the body. An
   * attempt that exceeds it fails with type `"timeout"` (and is retried when `maxRetries` allows).
   * `0` turns the limit off.
   *
   * @defaultValue `30000`
   */
  timeout?: number;
  /**
   * The `credentials` mode given to `fetch`. In browsers it defaults to `"include"`, so that the
   * browser stores and sends the session cookie (the server must allow your storefront's origin in
   * `STORE_CORS`). Elsewhere it is not set.
   */
  credentials?: "omit" | "same-origin" | "include";
  /**
   * Whether this instance remembers credentials: the session cookie its server sets (outside
   * browsers, in the instance's own cookie jar) and the token from `auth.getToken`. With the
   * default, `true`, one instance is one customer, in every runtime.
   *
   * Set it to `false` for an instance that a server shares between visitors (typical
   * server-side rendering): the instance then remembers nothing, and each call carries the
   * visitor's own `Cookie` or `Authorization` in `customHeaders`. Either way, a call whose
   * headers bring their own `Cookie` or `Authorization` uses only those, never the remembered ones.
   *
   * @defaultValue `true`
   * @example
   * ```ts
   * // One client for the whole server; each request forwards the visitor's cookie.
   * const medusa = new Medusa({ baseUrl, keepCredentials: false })
   * await medusa.auth.getSession({ Cookie: request.headers.get("cookie") ?? "" })
   * ```
   */
  keepCredentials?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/**
 * A customer's address, as returned by the server.
 */
export interface Address {
  /** The address's ID, `addr_` followed by a ULID. */
  id: string;
  /** When the address was created (ISO 8601, UTC). */
  created_at: string;
  /** When the address was last updated (ISO 8601, UTC). */
  updated_at: string;
  /** When the address was deleted (ISO 8601, UTC), or `null`. */
  deleted_at: string | null;
  /** The ID of the customer the address belongs to. */
  customer_id: string | null;
  /** Company name. */
  company: string | null;
  /** First name. */
  first_name: string | null;
  /** Last name. */
  last_name: string | null;
  /** First line of the address. */
  address_1: string | null;
  /** Second line of the address. */
  address_2: string | null;
  /** City. */
  city: string | null;
  /** Two-letter ISO 3166-1 country code, lower-case. */
  country_code: string | null;
  /** Province or state. */
  province: string | null;
  /** Postal code. */
  postal_code: string | null;
  /** Phone number. */
  phone: string | null;
  /** Additional key-value data. */
  metadata: Record<string, unknown> | null;
}

/**
 * A customer, as returned by the server. Which relations are present depends on the route: login
 * and session routes include `orders` and `shipping_addresses`; the customer routes include
 * `billing_address` and `shipping_addresses`.
 */
export interface Customer {
  /** The customer's ID, `cus_` followed by a ULID. */
  id: string;
  /** When the customer was created (ISO 8601, UTC). */
  created_at: string;
  /** When the customer was last updated (ISO 8601, UTC). */
  updated_at: string;
  /** When the customer was deleted (ISO 8601, UTC), or `null`. */
  deleted_at: string | null;
  /** The customer's email, lower-cased. */
  email: string;
  /** The customer's first name. */
  first_name: string | null;
  /** The customer's last name. */
  last_name: string | null;
  /** The ID of the customer's billing address. */
  billing_address_id: string | null;
  /** The customer's phone number. */
  phone: string | null;
  /** Whether the customer has an account (a password); `false` for guest customers. */
  has_account: boolean;
  /** Additional key-value data. */
  metadata: Record<string, unknown> | null;
  /** The customer's billing address, when the route includes it. */
  billing_address?: Address | null;
  /** The customer's saved shipping addresses, when the route includes them. */
  shipping_addresses?: Address[];
  /** Always empty: Gatehouse holds no orders. Kept for compatibility with Medusa. */
  orders?: Array<Record<string, unknown>>;
}

/**
 * One of the customer's live sessions (a cookie session or a bearer token).
 */
export interface StoreAuthSession {
  /** The session's ID (not its secret), usable with `auth.revokeSession`. */
  id: string;
  /** When the session was created (ISO 8601, UTC). */
  created_at: string;
  /** When the session was last used (ISO 8601, UTC). */
  last_seen_at: string;
  /** When the session will expire unless it is used again (ISO 8601, UTC). */
  expires_at: string;
  /** The `User-Agent` that created the session, if any. */
  user_agent: string | null;
  /** Whether this is the session making the request. */
  current: boolean;
  /** `"cookie"` for a login session, `"bearer"` for a token from `auth.getToken`. */
  kind: "cookie" | "bearer";
}

// ---------------------------------------------------------------------------------------------
// Request payloads (names as in @medusajs/medusa)
// ---------------------------------------------------------------------------------------------

/**
 * The credentials for `auth.authenticate` and `auth.getToken`.
 */
export interface StorePostAuthReq {
  /** The customer's email. */
  email: string;
  /** The customer's password. */
  password: string;
}

/**
 * The details of a customer to register with `customers.create`.
 */
export interface StorePostCustomersReq {
  /** The customer's email. Stored lower-cased. */
  email: string;
  /** The customer's password (8 to 128 characters by default). */
  password: string;
  /** The customer's first name. */
  first_name?: string;
  /** The customer's last name. */
  last_name?: string;
  /** The customer's phone number. */
  phone?: string;
}

/**
 * The fields of an address. All are optional; `null` clears a field.
 */
export interface AddressPayload {
  /** First name. */
  first_name?: string | null;
  /** Last name. */
  last_name?: string | null;
  /** Phone number. */
  phone?: string | null;
  /** Additional key-value data. */
  metadata?: Record<string, unknown>;
  /** Company name. */
  company?: string | null;
  /** First line of the address. */
  address_1?: string | null;
  /** Second line of the address. */
  address_2?: string | null;
  /** City. */
  city?: string | null;
  /** Two-letter ISO 3166-1 country code; stored lower-case. */
  country_code?: string | null;
  /** Province or state. */
  province?: string | null;
  /** Postal code. */
  postal_code?: string | null;
}

/**
 * The fields of a new address. As in Medusa, the name, first line, city, country and postal code
 * are required.
 */
export interface AddressCreatePayload extends AddressPayload {
  first_name: string;
  last_name: string;
  address_1: string;
  city: string;
  country_code: string;
  postal_code: string;
}

/**
 * The profile fields to change with `customers.update`. Omitted fields are left as they are.
 */
export interface StorePostCustomersCustomerReq {
  /** The new first name (`null` clears it). */
  first_name?: string | null;
  /** The new last name (`null` clears it). */
  last_name?: string | null;
  /** The new billing address: an address object, or the ID of one of the customer's addresses. */
  billing_address?: AddressPayload | string;
  /** A new password. Changing it ends every other session of the customer. */
  password?: string;
  /**
   * The current password, as proof for a new `password` or `email` when the session is more than
   * a few minutes past its login (Gatehouse; without it such a change rejects with status `403`,
   * and a wrong one with `401`). Not accepted without `password` or `email`.
   */
  old_password?: string;
  /** The new phone number (`null` clears it). */
  phone?: string | null;
  /** The new email. Stored lower-cased. */
  email?: string;
  /** Key-value data merged into the existing metadata; a key set to `""` is removed. */
  metadata?: Record<string, unknown>;
}

/**
 * The email to send a password-reset token to, for `customers.generatePasswordToken`.
 */
export interface StorePostCustomersCustomerPasswordTokenReq {
  /** The customer's email. */
  email: string;
}

/**
 * The details for `customers.resetPassword`.
 */
export interface StorePostCustomersResetPasswordReq {
  /** The customer's email. */
  email: string;
  /** The password-reset token the customer received. */
  token: string;
  /** The new password. */
  password: string;
}

/**
 * The address to add with `customers.addresses.addAddress`.
 */
export interface StorePostCustomersCustomerAddressesReq {
  /** The new address. */
  address: AddressCreatePayload;
}

/**
 * The address fields to change with `customers.addresses.updateAddress`.
 */
export type StorePostCustomersCustomerAddressesAddressReq = AddressPayload;

// ---------------------------------------------------------------------------------------------
// Response bodies (names as in @medusajs/medusa)
// ---------------------------------------------------------------------------------------------

/**
 * The logged-in customer, from `auth.authenticate` and `auth.getSession`.
 */
export interface StoreAuthRes {
  /** The customer's details, with `orders` (always empty) and `shipping_addresses`. */
  customer: Customer & { orders: Array<Record<string, unknown>>; shipping_addresses: Address[] };
}

/**
 * A customer, from `customers.create`, `customers.retrieve`, `customers.update` and the
 * `customers.addresses` methods.
 */
export interface StoreCustomersRes {
  /** The customer's details, with `billing_address` and `shipping_addresses`. */
  customer: Customer & { billing_address: Address | null; shipping_addresses: Address[] };
}

/**
 * The customer whose password was reset, from `customers.resetPassword`: scalar fields only, as
 * in Medusa (no addresses).
 */
export interface StoreCustomersResetPasswordRes {
  /** The customer's details, without relations. */
  customer: Customer;
}

/**
 * Whether an email belongs to a registered customer, from `auth.exists`.
 */
export interface StoreGetAuthEmailRes {
  /** `true` if a customer with an account uses this email. */
  exists: boolean;
}

/**
 * An access token, from `auth.getToken`.
 */
export interface StoreBearerAuthRes {
  /** A JWT to send as `Authorization: Bearer <access_token>`. */
  access_token: string;
  /** Always `"Bearer"`. */
  token_type?: string;
  /** Seconds until the token expires. */
  expires_in?: number;
}

/**
 * The customer's live sessions, from `auth.listSessions`.
 */
export interface StoreAuthSessionsRes {
  /** The sessions, cookie sessions and bearer tokens alike. */
  sessions: StoreAuthSession[];
}
