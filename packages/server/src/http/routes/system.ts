/** Liveness, readiness and the JWK Set (the OpenAPI document: http/api-reference.ts). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { AppContext } from "../context.js";

const tags = ["System"];

/** A backend that stays down (and is probed every few seconds) is logged at most this often. */
const NOT_READY_LOG_INTERVAL_MS = 10_000;

const systemRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, { services, stores }) => {
  const lastWarned: Record<string, number> = {};

  app.get(
    "/health",
    {
      schema: {
        tags,
        operationId: "GetHealth",
        security: [],
        summary: "Liveness: the process answers",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      schema: {
        tags,
        operationId: "GetReady",
        security: [],
        summary: "Readiness: the database (and Redis, if configured) answer",
        response: {
          200: Type.Object({
            status: Type.String(),
            checks: Type.Record(Type.String(), Type.String()),
          }),
          503: Type.Object({
            status: Type.String(),
            checks: Type.Record(Type.String(), Type.String()),
          }),
        },
      },
    },
    async (request, reply) => {
      const checks: Record<string, string> = {};
      let ready = true;
      for (const [backend, result] of Object.entries(await stores.ping())) {
        // The reason goes to the log only: it can name internal hosts, ports, roles or databases.
        if (result !== "ok") {
          ready = false;
          if (Date.now() - (lastWarned[backend] ?? -Infinity) >= NOT_READY_LOG_INTERVAL_MS) {
            lastWarned[backend] = Date.now();
            request.log.warn({ err: result, backend }, `not ready: ${backend} unavailable`);
          }
        }
        checks[backend] = result === "ok" ? "ok" : "unavailable";
      }
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", checks });
    },
  );

  app.get(
    "/.well-known/jwks.json",
    {
      schema: {
        tags,
        operationId: "GetJwks",
        security: [],
        summary: "Public keys that verify Gatehouse's bearer tokens (empty with HS256)",
        response: {
          200: Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return services.tokens.jwks();
    },
  );
};

export default fp(systemRoutes, {
  name: "gatehouse-system-routes",
  encapsulate: true,
});
