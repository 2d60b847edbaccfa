/**
 * The one error type of the server. Services throw only `HttpError`; the error handler
 * (http/plugins/error-handler.ts) is the one place errors become JSON.
 */

/** Medusa's error `type` words. */
export type ErrorType =
  | "invalid_data"
  | "unauthorized"
  | "not_found"
  | "duplicate_error"
  | "not_allowed"
  | "conflict"
  | "unknown_error";

export interface ErrorBody {
  code?: string;
  /** Absent only in Medusa v2's authentication failure, `{"message": "Unauthorized"}`. */
  type?: ErrorType;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly code?: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers?: Record<string, string>,
    /** Only the message in the body (Medusa v2's authentication failures). */
    readonly bare = false,
  ) {
    super(message);
    this.name = "HttpError";
  }

  toJSON(): ErrorBody {
    if (this.bare) return { message: this.message };
    return this.code === undefined
      ? { type: this.type, message: this.message }
      : { code: this.code, type: this.type, message: this.message };
  }
}

/** `1 second`, `2 seconds`: a number of something as a message shows it. */
export const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

export const invalidData = (message: string) => new HttpError(400, "invalid_data", message);
export const unauthorized = (message: string) => new HttpError(401, "unauthorized", message);
/**
 * Medusa v2's one answer to every authentication failure, `{"message": "Unauthorized"}`
 * (authenticate-middleware.js); storefronts and the js-sdk see exactly that.
 */
export const v2Unauthorized = () =>
  new HttpError(401, "unauthorized", "Unauthorized", undefined, undefined, true);
export const forbidden = (message: string) => new HttpError(403, "not_allowed", message);
export const notFound = (message: string) => new HttpError(404, "not_found", message);
export const duplicate = (message: string) =>
  new HttpError(422, "duplicate_error", message, "invalid_request_error");
/**
 * 429 with `Retry-After` in whole seconds (at least 1). Outside production the message also says
 * when to retry and how to switch the limits off.
 */
export const rateLimited = (message: string, retryAfterMs: number, production: boolean) => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const text = production
    ? message
    : `${message} (development: retry in ${count(seconds, "second")}, or set RATE_LIMIT=false to switch the limits off)`;
  return new HttpError(429, "not_allowed", text, "rate_limited", {
    "retry-after": String(seconds),
  });
};
export const unavailable = (message: string, retryAfterSeconds?: number) =>
  new HttpError(
    503,
    "unknown_error",
    message,
    "service_unavailable",
    retryAfterSeconds === undefined ? undefined : { "retry-after": String(retryAfterSeconds) },
  );
export const unknownError = () =>
  new HttpError(500, "unknown_error", "An unknown error occurred.", "unknown_error");

export const DUPLICATE_ACCOUNT_MESSAGE =
  "A customer with the given email already has an account. Log in instead";
