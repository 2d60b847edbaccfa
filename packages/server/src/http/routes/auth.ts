/** Medusa v1's Store Auth API: log in, session, log out, email check, bearer token. */
import { Type } from "@sinclair/typebox";
import { presentAuthCustomer, serializedOnce } from "../presenters.js";
import { EmailParams, StorePostAuthReq } from "../schemas/requests.js";
import { CustomerWithOrders, errors } from "../schemas/responses.js";
import type { App, RouteDeps } from "./deps.js";

const AuthCustomer = Type.Object({ customer: CustomerWithOrders });
const MAX_EMAIL_LENGTH = 320;
const tags = ["Auth"];

export function authRoutes(app: App, deps: RouteDeps): void {
  const { services, authenticator, cookie, config, medusaOrders } = deps;
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
        summary: "Log in with email and password (cookie session)",
        description: "Starts a new session (a new id every time) and sets the session cookie.",
        body: StorePostAuthReq,
        response: { 200: AuthCustomer, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const previous = await authenticator.credentials(request);
      const { customer, session, token, device } = await services.auth.login(
        request.body.email,
        request.body.password,
        "cookie",
        request.headers["user-agent"],
        request.ip,
        cookie.readDevice(request),
      );
      // No session fixation: the id presented before login is never the one that is authenticated.
      if (previous.cookieSession) await services.sessions.revoke(previous.cookieSession.id);
      cookie.set(request, reply, token!, session.expires_at);
      cookie.setDevice(request, reply, device);
      const presented = presentAuthCustomer(await services.customers.view(customer.id));
      return medusaOrders ? withOrders(customer.id, presented) : presented;
    },
  );

  app.get(
    "/store/auth",
    {
      schema: {
        tags,
        summary: "The logged-in customer",
        security: [{ cookie: [] }, { bearer: [] }],
        response: { 200: AuthCustomer, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const { customerId } = await authenticator.require(request, reply);
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
        summary: "Log out",
        description:
          "Revokes the session of the cookie and of the bearer token sent (if any) and clears the cookie. Always 200.",
        response: { 200: Type.Object({}), ...errors(403) },
      },
    },
    async (request, reply) => {
      const found = await authenticator.credentials(request);
      authenticator.checkOrigin(request, found);
      for (const session of [found.cookieSession, found.bearerSession]) {
        if (session) await services.sessions.revoke(session.id);
      }
      if (cookie.read(request) !== undefined) cookie.clear(request, reply);
      return {};
    },
  );

  app.get(
    "/store/auth/:email",
    {
      schema: {
        tags,
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
        summary: "Log in and get a bearer token (JWT)",
        description:
          "The token names a server-side session: logging out with it, revoking the session or changing the password ends it.",
        body: StorePostAuthReq,
        response: {
          200: Type.Object({
            access_token: Type.String(),
            token_type: Type.Literal("Bearer"),
            expires_in: Type.Integer({ description: "Seconds until the token expires" }),
          }),
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
        cookie.readDevice(request),
      );
      const { token, expiresIn } = await services.tokens.sign(session);
      return { access_token: token, token_type: "Bearer" as const, expires_in: expiresIn };
    },
  );
}
