/** Medusa v1's Store Auth API: log in, session, log out, email check, bearer token. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { AppContext } from "../context.js";
import { presentAuthCustomer, serializedOnce } from "../presenters.js";
import { EmailParams, StorePostAuthReq } from "../schemas/requests.js";
import { CustomerWithOrders, errors } from "../schemas/responses.js";
import { signedIn } from "../plugins/authenticate.js";
import { auditClient } from "../audit-client.js";

const AuthCustomer = Type.Object(
  { customer: CustomerWithOrders },
  {
    examples: [
      {
        customer: {
          id: "cus_01JF3Z9Q8G7W2N5K4M6P1R0S3T",
          created_at: "2026-12-01T10:00:00.000Z",
          updated_at: "2026-12-01T10:00:00.000Z",
          deleted_at: null,
          email: "jane@example.com",
          first_name: "Jane",
          last_name: "Doe",
          billing_address_id: null,
          phone: null,
          has_account: true,
          metadata: null,
          orders: [],
          shipping_addresses: [],
        },
      },
    ],
  },
);
const MAX_EMAIL_LENGTH = 320;
const tags = ["Auth"];

const authRoutes: FastifyPluginAsyncTypebox<AppContext> = async (
  app,
  { services, config, medusaOrders },
) => {
  const sendAuthCustomer = serializedOnce();
  /** The customer with its orders in Medusa, when Gatehouse is in front of Medusa. */
  const withOrders = async (
    customerId: string,
    presented: ReturnType<typeof presentAuthCustomer>,
  ) => ({
    customer: { ...presented.customer, orders: await medusaOrders!(customerId) },
  });

  app.post(
    "/store/auth",
    {
      schema: {
        tags,
        operationId: "PostAuth",
        security: [],
        summary: "Log in with email and password (cookie session)",
        description: "Starts a new session (a new id every time) and sets the session cookie.",
        body: StorePostAuthReq,
        response: { 200: AuthCustomer, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { customer, device } = await reply.startCookieSession(() =>
        services.auth.login(
          request.body.email,
          request.body.password,
          "cookie",
          request.headers["user-agent"],
          request.ip,
          request.deviceCookie,
          request.id,
        ),
      );
      reply.setDeviceCookie(device);
      const presented = presentAuthCustomer(await services.customers.view(customer.id));
      return medusaOrders ? withOrders(customer.id, presented) : presented;
    },
  );

  app.get(
    "/store/auth",
    {
      schema: {
        tags,
        operationId: "GetAuth",
        summary: "The logged-in customer",
        security: [{ cookie: [] }, { bearer: [] }],
        response: { 200: AuthCustomer, ...errors(401, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request, reply) => {
      const { customerId } = signedIn(request);
      const presented = presentAuthCustomer(await services.customers.view(customerId));
      if (medusaOrders) return withOrders(customerId, presented);
      return sendAuthCustomer(reply, presented);
    },
  );

  app.delete(
    "/store/auth",
    {
      schema: {
        tags,
        operationId: "DeleteAuth",
        security: [{}, { cookie: [] }, { bearer: [] }],
        summary: "Log out",
        description:
          "Revokes the session of the cookie and of the bearer token sent (if any) and clears the cookie. Always 200.",
        response: { 200: Type.Object({}), ...errors(403) },
      },
      preHandler: app.checkOrigin,
    },
    async (request, reply) => {
      const found = request.credentials!; // resolved by checkOrigin
      let customerId: string | undefined;
      for (const session of [found.cookieSession, found.bearerSession]) {
        if (!session) continue;
        await services.sessions.revoke(session.id);
        customerId = session.customer_id;
      }
      if (customerId !== undefined) {
        services.audit.record("logout", auditClient(request), { customer_id: customerId });
      }
      if (request.sessionCookie !== undefined) reply.clearSessionCookie();
      return {};
    },
  );

  app.get(
    "/store/auth/:email",
    {
      schema: {
        tags,
        operationId: "GetAuthEmail",
        security: [],
        summary: "Whether an email belongs to a registered customer",
        description:
          "Guests count as not registered. Can be switched to always-false with AUTH_EXISTS_ENABLED=false.",
        params: EmailParams,
        response: { 200: Type.Object({ exists: Type.Boolean() }), ...errors(429) },
      },
    },
    async (request) => {
      const { email } = request.params;
      const answerable =
        config.authExistsEnabled && email.length <= MAX_EMAIL_LENGTH && !email.includes("\u0000");
      // Counted and looked up together (one turn of the event loop, not two). A refused request
      // gets its 429 whatever the lookup did, and never the answer.
      const [counted, lookup] = await Promise.allSettled([
        services.throttle.request("exists", request.ip),
        answerable ? services.customers.isRegistered(email) : false,
      ]);
      if (counted.status === "rejected") throw counted.reason;
      if (lookup.status === "rejected") throw lookup.reason;
      return { exists: lookup.value };
    },
  );

  app.post(
    "/store/auth/token",
    {
      schema: {
        tags,
        operationId: "PostToken",
        security: [],
        summary: "Log in and get a bearer token (JWT)",
        description:
          "The token names a server-side session: logging out with it, revoking the session or changing the password ends it.",
        body: StorePostAuthReq,
        response: {
          200: Type.Object(
            {
              access_token: Type.String(),
              token_type: Type.Literal("Bearer"),
              expires_in: Type.Integer({ description: "Seconds until the token expires" }),
            },
            {
              examples: [
                { access_token: "eyJhbGciOiJFZERTQSJ9…", token_type: "Bearer", expires_in: 604800 },
              ],
            },
          ),
          ...errors(400, 401, 429),
        },
      },
    },
    async (request) => {
      // Reads the device cookie but sets none: a token request is not a browser session.
      const { session } = await services.auth.login(
        request.body.email,
        request.body.password,
        "bearer",
        request.headers["user-agent"],
        request.ip,
        request.deviceCookie,
        request.id,
      );
      const { token, expiresIn } = await services.tokens.sign(session);
      return { access_token: token, token_type: "Bearer" as const, expires_in: expiresIn };
    },
  );
};

export default fp(authRoutes, {
  name: "gatehouse-auth-routes",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
