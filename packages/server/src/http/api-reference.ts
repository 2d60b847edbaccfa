/**
 * The API reference: `GET /openapi.json` (always) and the browsable page at /docs (API_DOCS).
 *
 * Both are built at their first request, in a Fastify instance of their own that holds
 * @fastify/swagger (and @fastify/swagger-ui) and a copy of every route's method, URL, schema and
 * config, recorded as the app registers them: loading and registering those plugins was a tenth of
 * the start, for pages few requests ask for.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.js";
import { notFound } from "../errors.js";

export interface ApiReferenceOptions {
  config: Readonly<Config>;
}

/** Response headers of the reference's own instance that the app's response sets itself. */
const HOP_HEADERS = new Set([
  "connection",
  "content-length",
  "date",
  "keep-alive",
  "transfer-encoding",
]);

async function buildReference(
  config: Readonly<Config>,
  schemas: unknown[],
  routes: RouteOptions[],
): Promise<FastifyInstance> {
  const [{ default: swagger }, swaggerUi] = await Promise.all([
    import("@fastify/swagger"),
    config.apiDocs ? import("@fastify/swagger-ui") : undefined,
  ]);
  const reference = Fastify();
  // Its routes never run: their schemas are read, not compiled.
  reference.setValidatorCompiler(() => () => true);
  reference.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await reference.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Gatehouse Store Auth API",
        version: "0.1.0",
        description: `Medusa v${config.medusaVersion}'s Store Auth API and customer routes, secure by default. Every error is JSON {type, message, code?}.`,
      },
      components: {
        securitySchemes: {
          cookie: { type: "apiKey", in: "cookie", name: config.session.cookieName },
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  if (swaggerUi) {
    // The reference page; its scripts and styles are served from the package, not a CDN.
    await reference.register(swaggerUi.default, {
      routePrefix: "/docs",
      uiConfig: { deepLinking: true, tryItOutEnabled: false },
    });
  }
  for (const schema of schemas) reference.addSchema(schema);
  const noAnswer = async () => undefined;
  for (const { method, url, schema, config: routeConfig } of routes) {
    // Fastify adds a GET route's HEAD route itself.
    if (method === "HEAD") continue;
    reference.route({ method, url, schema, config: routeConfig, handler: noAnswer });
  }
  await reference.ready();
  return reference;
}

export const apiReference = fp<ApiReferenceOptions>(
  async (app, { config }) => {
    const routes: RouteOptions[] = [];
    let reference: Promise<FastifyInstance> | undefined;
    // A failed build (a plugin that would not load) is tried again at the next request.
    const built = () =>
      (reference ??= buildReference(config, Object.values(app.getSchemas()), routes).catch(
        (error: unknown) => {
          reference = undefined;
          throw error;
        },
      ));

    app.get("/openapi.json", { schema: { hide: true } }, async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return (await built()).swagger();
    });
    if (config.apiDocs) {
      const page = async (request: FastifyRequest, reply: FastifyReply) => {
        const { method, url, headers } = request;
        const response = await (
          await built()
        ).inject({
          method: method as "GET" | "HEAD",
          url,
          headers,
        });
        // The app's own 404, as for any path it does not know.
        if (response.statusCode === 404) {
          throw notFound(`Cannot ${method} ${url.split("?")[0]}: no such route`);
        }
        for (const [name, value] of Object.entries(response.headers)) {
          if (!HOP_HEADERS.has(name) && value !== undefined) reply.header(name, value);
        }
        const body = response.rawPayload;
        return reply.code(response.statusCode).send(body.length > 0 ? body : undefined);
      };
      app.get("/docs", { schema: { hide: true } }, page);
      app.get("/docs/*", { schema: { hide: true } }, page);
    }
    // Every route registered from here on, as the reference shows it (its own are hidden anyway).
    app.addHook("onRoute", (route) => {
      routes.push(route);
    });
  },
  { name: "gatehouse-api-reference" },
);
