/**
 * The gateway: every `/store/*` request Gatehouse has no route for is forwarded to Medusa (v1 or v2)
 * (@fastify/reply-from over undici), with Gatehouse's identity instead of the client's credentials;
 * `forward` does the same for a request one of Gatehouse's own routes hands over.
 */
import { Transform, type Readable } from "node:stream";
import replyFrom from "@fastify/reply-from";
import {
  errorCodes,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { MedusaConfig, MedusaVersion } from "../config.js";
import { HttpError, invalidData } from "../errors.js";
import type { Clock } from "../services/clock.js";
import { requestHeaders, responseHeaders } from "./headers.js";
import { MedusaTokens, type GatewayIdentity } from "./identity.js";
import { MedusaOrders } from "./orders.js";
import type { Metrics } from "../metrics.js";

export interface GatewayOptions {
  medusa: MedusaConfig;
  /** The Medusa version behind: the claims of the token it receives. */
  medusaVersion: MedusaVersion;
  /** Medusa v2: a customer's auth identity id, for the token's `auth_identity_id`. */
  authIdentityOf: (customerId: string) => Promise<string | null>;
  bodyLimitBytes: number;
  /** Whether the previous hop's X-Forwarded-* are believed (TRUST_PROXY is set). */
  trustedProxy: boolean;
  identity: GatewayIdentity;
  clock: Clock;
  logger: FastifyBaseLogger;
  /** Counts forwarded requests by Medusa's status, with Medusa's time (when metrics are on). */
  metrics?: Pick<Metrics, "forwardedRequest">;
}

export interface Gateway {
  /** For /ready: "ok" when Medusa's `/health` answers 200 in time, else why not. */
  ping(): Promise<"ok" | Error>;
  /** The customer's orders in Medusa, for `POST/GET /store/auth`. */
  orders: MedusaOrders;
  /**
   * Forwards a `/store/*` request to Medusa exactly as the forwarding route does (the customer's
   * Medusa token, the client's credentials stripped, 502/504 JSON), for a route of Gatehouse's
   * own that Medusa answers better in some cases. Query parameters pass as sent.
   */
  forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** Methods forwarded. OPTIONS is not: CORS preflights are answered by Gatehouse (STORE_CORS). */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The longest /ready waits for Medusa's /health: readiness probes are short (Kubernetes: 1 s by default). */
const PING_TIMEOUT_MS = 2000;

const badGateway = () =>
  new HttpError(
    502,
    "unknown_error",
    "The store backend (Medusa) is unreachable right now; retry shortly",
    "bad_gateway",
  );
const gatewayTimeout = (ms: number) =>
  new HttpError(
    504,
    "unknown_error",
    `The store backend (Medusa) did not answer within ${ms} ms; retry shortly`,
    "gateway_timeout",
  );

/** Requests whose body went over BODY_LIMIT while it was streamed to Medusa. */
const overLimit = new WeakSet<FastifyRequest>();

/** The path to forward (query excluded), or a 400 when it would leave `/store/` once normalized. */
function forwardedPath(url: string): string {
  const path = url.split("?", 1)[0]!;
  // WHATWG URL parsing (as the proxy does) resolves `..`, `%2e%2e` and `\`: refuse all of them.
  let normalized: string;
  try {
    normalized = new URL(path, "http://medusa").pathname;
  } catch {
    normalized = "";
  }
  if (normalized !== path || !/^\/store\//i.test(path)) {
    throw invalidData("The path must not contain dot segments or backslashes");
  }
  return path;
}

export async function registerGateway(
  fastify: FastifyInstance,
  options: GatewayOptions,
): Promise<Gateway> {
  const { medusa, bodyLimitBytes, identity, trustedProxy } = options;
  const tokens = new MedusaTokens(
    medusa.jwtSecret,
    options.clock,
    options.medusaVersion,
    options.authIdentityOf,
  );
  const orders = new MedusaOrders(medusa, tokens, options.clock, options.logger);

  // On the root: `reply.from` then exists on every reply, so that Gatehouse's own routes can hand a
  // request to Medusa too (`forward`, e.g. v2's /me asking for Medusa's relations).
  await fastify.register(replyFrom, {
    base: medusa.backendUrl,
    disableRequestLogging: true,
    undici: {
      connectTimeout: medusa.timeoutMs,
      headersTimeout: medusa.timeoutMs,
      bodyTimeout: medusa.timeoutMs,
    },
  });

  /** Forwards the request to Medusa as the customer Gatehouse's credentials name (or a guest). */
  async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const path = forwardedPath(request.url);
    const customerId = await identity.customerOf(request, reply);
    const authorization = customerId && `Bearer ${await tokens.mint(customerId)}`;
    // A change in Medusa (a checkout, say) may change the customer's orders: forgotten before and
    // once it is answered.
    const changed = customerId !== null && !SAFE_METHODS.has(request.method);
    if (changed) orders.forget(customerId);
    // undici checks its timeouts about once a second: this timer keeps the 504 on time.
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    const deadline = setTimeout(() => {
      if (reply.sent) return;
      options.metrics?.forwardedRequest("timeout", took());
      request.log.warn({ reqId: request.id }, "Medusa did not answer in time");
      reply.send(gatewayTimeout(medusa.timeoutMs));
    }, medusa.timeoutMs);
    reply.raw.once("close", () => {
      clearTimeout(deadline);
      if (changed) orders.forget(customerId);
    });
    return reply.from(path, {
      // A retried request could run twice in Medusa; Medusa's own 503 is passed on instead.
      retryDelay: () => null,
      rewriteRequestHeaders: (_request, headers) =>
        requestHeaders(request, headers, authorization, trustedProxy),
      rewriteHeaders: (headers) => responseHeaders(headers, reply),
      onResponse: (_request, answering, response) => {
        clearTimeout(deadline);
        const { stream } = response as unknown as { stream: Readable };
        // Too late: the 504 has gone out (and was counted).
        if (answering.sent) return void stream.destroy();
        options.metrics?.forwardedRequest(response.statusCode, took());
        answering.send(stream);
      },
      onError: (failed, { error }) => {
        clearTimeout(deadline);
        if (failed.sent) return;
        if (overLimit.has(request)) {
          failed.send(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
          return;
        }
        const timedOut = (error as { statusCode?: number }).statusCode === 504;
        options.metrics?.forwardedRequest(timedOut ? "timeout" : "error", took());
        request.log.warn(
          { err: (error as { cause?: unknown }).cause ?? error, reqId: request.id },
          timedOut ? "Medusa did not answer in time" : "Medusa unreachable",
        );
        failed.send(timedOut ? gatewayTimeout(medusa.timeoutMs) : badGateway());
      },
    });
  }

  await fastify.register(async (scope) => {
    // Bodies are not parsed here: they are streamed to Medusa, cut off past BODY_LIMIT.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (request, payload, done) => {
      const declared = Number(request.headers["content-length"]);
      if (declared > bodyLimitBytes) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      done(null, limited(payload, bodyLimitBytes, request));
    });

    scope.route({
      method: METHODS,
      url: "/store/*",
      exposeHeadRoute: false,
      schema: { hide: true },
      handler: forward,
    });
  });

  return {
    orders,
    forward,
    async ping() {
      const health = new URL("/health", medusa.backendUrl);
      try {
        const response = await fetch(health, {
          signal: AbortSignal.timeout(Math.min(PING_TIMEOUT_MS, medusa.timeoutMs)),
        });
        await response.body?.cancel();
        return response.status === 200
          ? "ok"
          : new Error(`Medusa's GET ${health.href} answered ${response.status}`);
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        return new Error(`Medusa's GET ${health.href} failed: ${reason}`, { cause: error });
      }
    },
  };
}

/** The request body as a stream that fails once more than `limit` bytes have passed. */
function limited(payload: Readable, limit: number, request: FastifyRequest): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        overLimit.add(request);
        return callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      }
      callback(null, chunk);
    },
  });
  payload.on("error", (error) => counter.destroy(error));
  // The error may come before the proxy reads the stream; the proxy then finds it errored.
  counter.on("error", () => {});
  return payload.pipe(counter);
}
