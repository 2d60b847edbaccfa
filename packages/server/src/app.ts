/**
 * buildApp: config + stores + services → a Fastify instance (it never listens; main.ts does).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import { invalidData, unavailable } from "./errors.js";
import { apiReference } from "./http/api-reference.js";
import { compileAtFirstUse } from "./http/compile-at-first-use.js";
import { withMedusa } from "./gateway/index.js";
import type { AppContext } from "./http/context.js";
import { authentication, isAllowedOrigin } from "./http/plugins/authenticate.js";
import {
  clientErrorHandler,
  errorHandler,
  sendError,
  toHttpError,
} from "./http/plugins/error-handler.js";
import { sessionCookie } from "./http/plugins/session-cookie.js";
import { responseWrites } from "./http/plugins/write-per-turn.js";
import { metricsRoutes } from "./http/plugins/metrics.js";
import addressRoutes from "./http/routes/addresses.js";
import authRoutes from "./http/routes/auth.js";
import customerRoutes from "./http/routes/customers.js";
import passwordResetRoutes from "./http/routes/password-reset.js";
import sessionRoutes from "./http/routes/sessions.js";
import systemRoutes from "./http/routes/system.js";
import authRoutesV2 from "./http/routes/v2/auth.js";
import customerRoutesV2 from "./http/routes/v2/customers.js";
import { publishableKey } from "./http/plugins/publishable-key.js";
import { AddressV2, CustomerAddressV2, CustomerV2 } from "./http/schemas/v2.js";
import { EMAIL_FORMAT } from "./http/schemas/fields.js";
import { Address, ErrorBody } from "./http/schemas/responses.js";
import {
  CHECKS_KEYWORD,
  MAX_BODY_DEPTH,
  exceedsDepth,
  isValidEmail,
  withWellFormedStrings,
} from "./http/validation.js";
import { V2_KEYWORD } from "./http/validation-v2.js";

export interface BuildOptions extends AppContext {
  logger: FastifyBaseLogger;
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { logger, ...context } = options;
  const { config, metrics } = context;
  const requestLogging = ["debug", "trace"].includes(config.logLevel);
  const fastify = Fastify({
    loggerInstance: logger,
    trustProxy:
      typeof config.trustProxy === "number"
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // One log line per request costs throughput; errors are always logged. LOG_LEVEL=debug adds them.
    logController: new LogController({ disableRequestLogging: !requestLogging }),
    // Without request logging, a per-request child logger is pure cost (about a tenth of a simple
    // request's time): requests share the root logger, and error logs name the request id.
    ...(!requestLogging && { childLoggerFactory: (rootLogger) => rootLogger }),
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1000 },
    // Requests that arrive while closing get our own JSON 503 (hook below), not Fastify's body.
    return503OnClosing: false,
    requestTimeout: 30_000,
    clientErrorHandler,
    http: {
      // Node answers a missing Host with a bare 400; the onRequest hook below answers it in JSON.
      requireHostHeader: false,
      // How often Node looks for requests past requestTimeout (its default, 30 s, let a slow
      // sender hold a connection for up to 60 s instead of 30).
      connectionsCheckingInterval: 5000,
    },
    schemaController: compileAtFirstUse,
    ajv: {
      customOptions: {
        allErrors: false,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        formats: { [EMAIL_FORMAT]: isValidEmail },
        keywords: [CHECKS_KEYWORD, "x-object", V2_KEYWORD],
      },
    },
    frameworkErrors: (error, request, reply) => {
      sendError(reply, toHttpError(error, request, config.bodyLimitBytes));
    },
  });
  await fastify.register(errorHandler, { bodyLimit: config.bodyLimitBytes });

  // JSON bodies only; an empty body counts as `{}` (medusa-js sends Content-Type on body-less calls).
  const parseJson = fastify.getDefaultJsonParser("error", "error");
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (typeof body !== "string" || body.trim() === "") return done(null, {});
    parseJson(request, body, (error, value) => {
      if (error) return done(error, undefined);
      // Absurd nesting would exhaust the stack later (in serialization): refuse it here.
      if (exceedsDepth(value, MAX_BODY_DEPTH)) {
        return done(
          invalidData(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels`),
          undefined,
        );
      }
      done(null, withWellFormedStrings(body, value));
    });
  });

  await fastify.register(cookie);
  await fastify.register(cors, {
    origin: (origin, callback) => {
      callback(null, origin !== undefined && isAllowedOrigin(config.storeCors, origin));
    },
    credentials: true,
    methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"],
    maxAge: 600,
    strictPreflight: false,
  });
  // Before the routes, to see them all (the OpenAPI document lists them in this order).
  await fastify.register(apiReference, { config });
  // Shared schemas are named by their $id in the document's components (not def-0, def-1).
  fastify.addSchema(Address);
  fastify.addSchema(ErrorBody);
  if (config.medusaVersion === 2) {
    for (const schema of [CustomerAddressV2, AddressV2, CustomerV2]) fastify.addSchema(schema);
  }

  let closing = false;
  fastify.addHook("preClose", async () => {
    closing = true;
  });
  // The hooks every request runs take callbacks: cheaper than async functions on the hot path.
  fastify.addHook("onRequest", (request, reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === "1.1") {
      return done(invalidData("The Host header is required (HTTP/1.1)"));
    }
    if (closing) {
      reply.header("connection", "close");
      return done(unavailable("The server is shutting down; retry the request"));
    }
    done();
  });

  // Nothing a customer or token appears in may be cached; nothing may be content-sniffed.
  fastify.addHook("onSend", (_request, reply, payload, done) => {
    reply.header("x-content-type-options", "nosniff");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    done(null, payload);
  });
  // Before every route, so that each is counted under its template.
  if (metrics) await fastify.register(metricsRoutes, { metrics, token: config.metrics.token });
  // The last onSend hook: registered after the others, before the routes (write-per-turn.ts).
  if (config.responseWrites === "per-turn") await fastify.register(responseWrites);

  await fastify.register(sessionCookie, { config: config.session });
  await fastify.register(authentication, context);
  // Medusa v2's key rule for /store/*, forwarded routes included.
  if (config.medusaVersion === 2) {
    await fastify.register(publishableKey, { keys: context.stores.publishableKeys });
  }
  // In front of Medusa: the forwarding routes, Medusa in /ready, the customer's orders.
  const routeContext = await withMedusa(fastify, context);
  // One plugin per route file; this order is the order of the OpenAPI document's paths.
  const routeFiles =
    config.medusaVersion === 2
      ? [authRoutesV2, customerRoutesV2, sessionRoutes, systemRoutes]
      : [
          authRoutes,
          sessionRoutes,
          customerRoutes,
          addressRoutes,
          passwordResetRoutes,
          systemRoutes,
        ];
  for (const routes of routeFiles) {
    await fastify.register(routes, routeContext);
  }
  return fastify;
}
