/** Liveness, readiness, the JWK Set, and the OpenAPI document. */
import { Type } from "@sinclair/typebox";
import type { App, RouteDeps } from "./deps.js";

const tags = ["System"];

export function systemRoutes(app: App, deps: RouteDeps): void {
  const { services, stores } = deps;

  app.get(
    "/health",
    {
      schema: {
        tags,
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
    async (_request, reply) => {
      const checks = await stores.ping();
      const ready = Object.values(checks).every((value) => value === "ok");
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", checks });
    },
  );

  app.get(
    "/.well-known/jwks.json",
    {
      schema: {
        tags,
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

  app.get("/openapi.json", { schema: { hide: true } }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return app.swagger();
  });
}
