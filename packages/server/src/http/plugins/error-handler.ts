/**
 * The one place errors become JSON `{type, message, code?}` — the server's own HttpErrors,
 * Fastify's validation/parsing errors, unknown routes, and malformed requests at the socket level.
 */
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import fp from "fastify-plugin";
import {
  HttpError,
  invalidData,
  notFound,
  unavailable,
  unknownError,
  type ErrorType,
} from "../../errors.js";
import { BoundedMap } from "../../runtime/bounded-map.js";
import { isUnavailableError } from "../../stores/unavailable.js";
import { describeInvalidBody } from "../validation.js";
import { describeInvalidV2, isV2Schema } from "../validation-v2.js";

/** Clear messages for Fastify's own 4xx errors, by code. */
function frameworkMessage(error: FastifyError, request: FastifyRequest, bodyLimit: number): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `Request body is larger than the ${bodyLimit}-byte limit`;
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return `Unsupported Content-Type ${JSON.stringify(request.headers["content-type"] ?? "")}: send application/json`;
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return "Content-Length does not match the body that was sent";
    case "FST_ERR_BAD_URL":
      return "The URL is malformed (invalid percent-encoding)";
    default:
      if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
        return `Request body is not valid JSON: ${error.message}`;
      }
      return error.message;
  }
}

const typeForStatus = (status: number): ErrorType =>
  status === 401
    ? "unauthorized"
    : status === 403
      ? "not_allowed"
      : status === 404
        ? "not_found"
        : "invalid_data";

export function toHttpError(
  error: FastifyError,
  request: FastifyRequest,
  bodyLimit: number,
): HttpError {
  if (error instanceof HttpError) return error;
  if (error.validation) {
    const schema = request.routeOptions.schema?.[error.validationContext as "body"];
    const source = error.validationContext === "body" ? request.body : request.params;
    if (isV2Schema(schema)) {
      return invalidData(describeInvalidV2(schema, source) ?? `Invalid request: ${error.message}`);
    }
    return invalidData(
      describeInvalidBody(schema, source) ?? `${error.validationContext} ${error.message}`,
    );
  }
  if (isNulError(error)) return invalidData("Text must not contain NUL characters");
  if (isUnavailableError(error)) {
    return unavailable(
      "Storage (the database or Redis) is unavailable right now; retry shortly",
      1,
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new HttpError(
      status,
      typeForStatus(status),
      frameworkMessage(error, request, bodyLimit),
    );
  }
  return unknownError();
}

export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  // Also set here: errors raised before routing (malformed URLs) skip the onSend hooks.
  reply.header("x-content-type-options", "nosniff").header("cache-control", "no-store");
  reply.code(error.status).type("application/json; charset=utf-8");
  // A response to HEAD has no body, errors included.
  return reply.request.method === "HEAD" ? reply.send() : reply.send(error.toJSON());
}

/** PostgreSQL refuses NUL in text (SQLite stores it): a client's mistake, not a server error. */
function isNulError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "22021" || code === "22P05";
}

export interface ErrorHandlerOptions {
  /** BODY_LIMIT, named in the 413 message. */
  bodyLimit: number;
}

/**
 * Refused origins already logged: each is logged once. Bounded so that requests naming ever new
 * origins cannot grow memory (a thousand origins are tens of kilobytes); past it, the oldest
 * may be logged again.
 */
const REFUSED_ORIGINS_REMEMBERED = 1000;

const ROUTE_METHODS: HTTPMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/**
 * The error handler and the not-found handler (Fastify's own 404 answers in JSON too). A known
 * path asked with another method is a 405 with `Allow`; a CORS preflight from an origin missing
 * from STORE_CORS is Medusa's 204 without CORS headers (@fastify/cors hands those here).
 */
export const errorHandler = fp<ErrorHandlerOptions>(
  async (fastify, { bodyLimit }) => {
    // The routes' paths in a router of their own (Fastify's options): which methods a path has.
    const paths = FindMyWay({
      ignoreTrailingSlash: true,
      caseSensitive: false,
      maxParamLength: 1000,
    });
    fastify.addHook("onRoute", ({ method, url }) => {
      for (const one of [method].flat()) {
        if (!ROUTE_METHODS.includes(one as HTTPMethod)) continue;
        // A path this router cannot take only loses its 405 (it stays a 404).
        try {
          if (!paths.hasRoute(one as HTTPMethod, url)) paths.on(one as HTTPMethod, url, () => {});
        } catch {
          /* ignored */
        }
      }
    });
    const allowedMethods = (path: string) =>
      ROUTE_METHODS.filter((method) => paths.find(method, path) !== null);
    const refusedOrigins = new BoundedMap<string, true>(REFUSED_ORIGINS_REMEMBERED);

    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      const httpError = toHttpError(error, request, bodyLimit);
      // Requests share the root logger unless request logging is on (see app.ts): name the request.
      const context = request.log === request.server.log ? { reqId: request.id } : {};
      if (httpError.code === "service_unavailable" && !(error instanceof HttpError)) {
        request.log.warn({ err: error, ...context }, "storage unavailable");
      } else if (httpError.status >= 500 && !(error instanceof HttpError)) {
        request.log.error({ err: error, ...context }, "request failed");
      }
      return sendError(reply, httpError);
    });
    fastify.setNotFoundHandler((request, reply) => {
      const path = request.url.split("?")[0]!;
      const origin = request.headers.origin;
      if (
        request.method === "OPTIONS" &&
        origin !== undefined &&
        request.headers["access-control-request-method"] !== undefined
      ) {
        if (!refusedOrigins.has(origin)) {
          refusedOrigins.set(origin, true);
          request.log.warn(
            { origin },
            `CORS: refused the origin ${origin}, which is not in STORE_CORS; add it to STORE_CORS to allow it`,
          );
        }
        return reply.code(204).send();
      }
      const allowed = allowedMethods(path);
      if (allowed.length > 0) {
        return sendError(
          reply,
          new HttpError(
            405,
            "not_allowed",
            `Cannot ${request.method} ${path}: this route answers ${allowed.join(", ")}`,
            undefined,
            { allow: allowed.join(", ") },
          ),
        );
      }
      return sendError(reply, notFound(`Cannot ${request.method} ${path}: no such route`));
    });
  },
  { name: "gatehouse-error-handler" },
);

const clientErrorBodies: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request headers are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "The request took too long to arrive"],
};

/** Malformed HTTP at the socket level (bad request line, oversized headers): a JSON 4xx, then close. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const [status, message] = clientErrorBodies[error.code ?? ""] ?? [400, "Malformed HTTP request"];
  const raw = (error as { rawPacket?: Buffer }).rawPacket;
  const head = raw !== undefined && raw.subarray(0, 5).toString("latin1") === "HEAD ";
  const body = head ? "" : JSON.stringify({ type: "invalid_data", message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}
