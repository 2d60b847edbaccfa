/**
 * Plugin: every response counted under its route template (never the raw URL, so the labels stay
 * few), and `GET /metrics` for Prometheus, behind `Authorization: Bearer <METRICS_TOKEN>` when a
 * token is set. Registered before the routes, so that its onRoute hook sees them all.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync, onRequestHookHandler } from "fastify";
import fp from "fastify-plugin";
import { HttpError } from "../../errors.js";
import { UNMATCHED_ROUTE, type Metrics, type RouteSeries } from "../../metrics.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The series this request is counted in (set by its route's first onRequest hook). */
    metricsRoute: RouteSeries | null;
  }
}

export interface MetricsOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, /metrics asks for it as a bearer token. */
  token: string | undefined;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

const metricsPlugin: FastifyPluginAsync<MetricsOptions> = async (fastify, { metrics, token }) => {
  fastify.decorateRequest("metricsRoute", null);
  // Each route marks its requests with its own series, found once when it is registered: the
  // response hook below then does no lookup of the route (request.routeOptions builds an object).
  fastify.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const byMethod = new Map(methods.map((method) => [method, metrics.route(method, route.url)]));
    const mark: onRequestHookHandler = (request, _reply, done) => {
      request.metricsRoute = byMethod.get(request.method) ?? null;
      done();
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [mark] : [mark, ...[existing].flat()];
  });
  const unmatched = new Map<string, RouteSeries>();
  fastify.addHook("onResponse", (request, reply, done) => {
    let series = request.metricsRoute ?? undefined;
    if (series === undefined) {
      // Bounded: the methods Node's parser accepts.
      series = unmatched.get(request.method);
      if (series === undefined) {
        series = metrics.route(request.method, UNMATCHED_ROUTE);
        unmatched.set(request.method, series);
      }
    }
    series.observe(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  fastify.get("/metrics", { schema: { hide: true }, logLevel: "warn" }, async (request, reply) => {
    if (expected !== undefined) {
      // Compared as digests: equal lengths, and no early exit on the first differing byte.
      const given = digest(request.headers.authorization ?? "");
      if (!timingSafeEqual(given, expected)) {
        throw new HttpError(
          401,
          "unauthorized",
          "The metrics need the Authorization: Bearer <METRICS_TOKEN> header",
          undefined,
          { "www-authenticate": 'Bearer realm="metrics"' },
        );
      }
    }
    const { body, contentType } = await metrics.scrape();
    return reply.type(contentType).send(body);
  });
};

export const metricsRoutes = fp(metricsPlugin, { name: "gatehouse-metrics" });
