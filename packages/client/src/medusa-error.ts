/**
 * The body of an error response. Gatehouse always answers errors with JSON
 * `{ type, message, code? }`; if a server answers with something else, `data` holds the raw text.
 */
export interface MedusaErrorData {
  /** Medusa's error type, such as `"invalid_data"`, `"unauthorized"` or `"duplicate_error"`. */
  type?: string;
  /** A human-readable description of the error. */
  message?: string;
  /** A finer-grained code, such as `"invalid_request_error"` or `"rate_limited"`. */
  code?: string;
  [key: string]: unknown;
}

/**
 * The HTTP details of a failed request, shaped like an axios error's `response` so that code
 * written against medusa-js (`err.response.status`, `err.response.data.message`) keeps working.
 * For a request that got no response, `status` is `0`, `headers` is empty and `data` is `{}`.
 */
export interface MedusaErrorResponse {
  /** The HTTP status code, or `0` when no response was received. */
  status: number;
  /** The HTTP status text (empty when no response was received). */
  statusText: string;
  /** The response headers (empty when no response was received). */
  headers: Headers;
  /**
   * The parsed JSON body of the response (`{}` when there was none). Should a server answer
   * with a body that is not JSON, this holds its text instead.
   */
  data: MedusaErrorData;
}

/**
 * The error types of requests that got no response: the request could not be sent or its
 * response could not be read (`"network_error"`), an attempt ran past its time limit
 * (`"timeout"`), or the caller's `AbortSignal` cancelled it (`"aborted"`).
 */
export type TransportErrorType = "network_error" | "timeout" | "aborted";

/**
 * The options of the {@link MedusaError} constructor.
 */
export interface MedusaErrorInit {
  /** The HTTP status, or `0` when no response was received. */
  status: number;
  /** The error type. */
  type: string;
  /** The error message. */
  message: string;
  /** The server's error code, if any. */
  code?: string | undefined;
  /** The HTTP details. */
  response: MedusaErrorResponse;
  /** The underlying error, for network errors. */
  cause?: unknown;
}

/**
 * The one error class every failed call rejects with: an error response from the server (any
 * status outside `200`–`299`), or a request that got no response.
 *
 * @example
 * ```ts
 * import Medusa, { MedusaError } from "@gatehouse/client"
 *
 * try {
 *   await medusa.auth.authenticate({ email, password })
 * } catch (err) {
 *   if (err instanceof MedusaError && err.status === 401) {
 *     showMessage("Wrong email or password")
 *   } else {
 *     throw err
 *   }
 * }
 * ```
 */
export class MedusaError extends Error {
  override readonly name = "MedusaError";
  /**
   * The HTTP status code, or `0` when no response was received (network error, timeout, abort).
   */
  readonly status: number;
  /**
   * The server's error `type` (`"invalid_data"`, `"unauthorized"`, `"not_found"`,
   * `"duplicate_error"`, `"not_allowed"`, `"conflict"`, `"unknown_error"`), or, when no response
   * was received, `"network_error"`, `"timeout"` or `"aborted"`.
   */
  readonly type: string;
  /**
   * The server's error `code`, when it sent one (for example `"invalid_request_error"` for a
   * duplicate registration, `"rate_limited"` for a 429).
   */
  readonly code?: string | undefined;
  /**
   * The HTTP details, shaped like an axios error's `response`.
   *
   * @example
   * ```ts
   * catch (err) {
   *   console.log(err.response.status, err.response.data.message)
   * }
   * ```
   */
  readonly response: MedusaErrorResponse;

  /**
   * Creates an error. The client creates them; you rarely need to.
   *
   * @example
   * ```ts
   * new MedusaError({
   *   status: 401,
   *   type: "unauthorized",
   *   message: "Unauthorized",
   *   response: { status: 401, statusText: "Unauthorized", headers: new Headers(), data: {} },
   * })
   * ```
   */
  constructor(init: MedusaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.type = init.type;
    if (init.code !== undefined) this.code = init.code;
    this.response = init.response;
  }
}
