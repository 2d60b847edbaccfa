/** Medusa v2's auth routes for customers (`sdk.auth.*`): register, login, session, refresh, reset. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import { decodeJwt } from "jose";
import type { AppContext } from "../../context.js";
import { HttpError, invalidData, unauthorized, v2Unauthorized } from "../../../errors.js";
import { isValidEmail } from "../../validation.js";
import { auditClient } from "../../audit-client.js";
import { bearerToken } from "../../authorization.js";
import { errors } from "../../schemas/responses.js";
import {
  EmailPassBody,
  ResetPasswordBody,
  SuccessResponse,
  TokenResponse,
  UpdatePasswordBody,
} from "../../schemas/v2.js";
import type { FastifyRequest } from "fastify";

const tags = ["Auth (v2)"];
const INVALID_TOKEN = "Invalid token";

/** The one provider Gatehouse has, as `GET /auth/customer/providers` lists it. */
const EMAILPASS = {
  id: "emailpass",
  identifier: "emailpass",
  display_name: "Email/Password Authentication",
  flow: "credentials",
};

/** Medusa's answer for a provider it does not know (the leading newline is Medusa's). */
const unknownProvider = (id: string) =>
  unauthorized(
    `\nUnable to retrieve the auth provider with id: ${id}\nPlease make sure that the provider is registered in the container and it is configured correctly in your project configuration file.`,
  );

/** The longest email an identity may have (RFC 5321's limit on a path). */
const MAX_EMAIL_LENGTH = 320;

/**
 * Medusa's emailpass takes any string as an email; Gatehouse registers only an email (as v1 mode
 * does), so that a look-alike or a 15,000-character string never becomes an account.
 */
function assertEmail(email: unknown, password: unknown): void {
  if (typeof email !== "string" || typeof password !== "string" || password === "") return;
  if (email.length > MAX_EMAIL_LENGTH || !isValidEmail(email)) {
    throw invalidData(`email must be an email address of at most ${MAX_EMAIL_LENGTH} characters`);
  }
}

const ActorParams = Type.Object({ actor_type: Type.String(), auth_provider: Type.String() });

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  requestId: request.id,
  userAgent: request.headers["user-agent"],
  deviceCookie: request.deviceCookie,
});

const authRoutesV2: FastifyPluginAsyncTypebox<AppContext> = async (app, { services }) => {
  const { identities, throttle } = services;

  /**
   * preHandler: customers and emailpass only; anything else answers as Medusa does for a provider
   * it does not have.
   */
  const customerEmailpass = async (request: FastifyRequest) => {
    const { actor_type: actorType, auth_provider: provider } = request.params as {
      actor_type: string;
      auth_provider: string;
    };
    if (provider !== "emailpass") throw unknownProvider(provider);
    if (actorType !== "customer") {
      throw unauthorized(
        `Gatehouse authenticates customers only (actor type "customer"), not "${actorType}"`,
      );
    }
  };

  app.post(
    "/auth/:actor_type/:auth_provider/register",
    {
      schema: {
        tags,
        operationId: "PostActor_typeAuth_providerRegister",
        security: [],
        summary: "Register an identity (email and password) and get a registration token",
        description:
          'The token (`actor_id: ""`) can create the customer with POST /store/customers. The password policy applies (400).',
        params: ActorParams,
        body: EmailPassBody,
        response: { 200: TokenResponse, ...errors(400, 401, 429) },
      },
      preHandler: customerEmailpass,
    },
    async (request) => {
      await throttle.request("register", request.ip);
      const { email, password } = request.body;
      assertEmail(email, password);
      return { token: await identities.register(email, password, client(request)) };
    },
  );

  app.post(
    "/auth/:actor_type/:auth_provider",
    {
      schema: {
        tags,
        operationId: "PostActor_typeAuth_provider",
        security: [],
        summary: "Log in and get a token",
        description:
          "The token names a new server-side session: DELETE /auth/session with it revokes it. A registered identity without a customer gets a registration token.",
        params: ActorParams,
        body: EmailPassBody,
        response: { 200: TokenResponse, ...errors(400, 401, 429) },
      },
      preHandler: customerEmailpass,
    },
    async (request) => {
      const { email, password } = request.body;
      return { token: await identities.login(email, password, client(request)) };
    },
  );

  app.get(
    "/auth/:actor_type/providers",
    {
      schema: {
        tags,
        operationId: "GetActor_typeProviders",
        security: [],
        summary: "The authentication providers",
        params: Type.Object({ actor_type: Type.String() }),
        response: {
          200: Type.Object({
            providers: Type.Array(
              Type.Object({
                id: Type.String(),
                identifier: Type.String(),
                display_name: Type.String(),
                flow: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      providers: request.params.actor_type === "customer" ? [EMAILPASS] : [],
    }),
  );

  app.post(
    "/auth/session",
    {
      schema: {
        tags,
        operationId: "PostSession",
        security: [{ bearer: [] }],
        summary: "Start a cookie session from a token",
        description:
          "Sets a new session cookie (never the one presented: no fixation) and answers the token's claims. Limited per customer (RATE_LIMIT_SESSION_EXCHANGE, then 429).",
        response: {
          200: Type.Object({ user: Type.Record(Type.String(), Type.Unknown()) }),
          ...errors(401, 403, 429),
        },
      },
      preHandler: app.checkOrigin,
    },
    async (request, reply) => {
      const found = request.credentials!;
      const token = bearerToken(request.headers.authorization ?? "");
      const bearer = found.bearerSession;
      if (!bearer || token === null) throw v2Unauthorized();
      await throttle.sessionExchange(bearer.customer_id);
      // As fresh as the token's sign-in, no fresher (the rule for password changes), and kept
      // only if the token's session still lives once the cookie's is stored.
      await reply.startCookieSession(async () => {
        const started = await services.sessions.derive(
          bearer,
          "cookie",
          request.headers["user-agent"],
        );
        if (!started) throw v2Unauthorized();
        return started;
      });
      return { user: decodeJwt(token) };
    },
  );

  app.delete(
    "/auth/session",
    {
      schema: {
        tags,
        operationId: "DeleteSession",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Log out",
        description:
          "Revokes the cookie's session and the bearer token's (Medusa revokes only the cookie's), and clears the cookie.",
        response: { 200: SuccessResponse, ...errors(401, 403) },
      },
      preHandler: app.checkOrigin,
    },
    async (request, reply) => {
      const found = request.credentials!;
      const ended = [found.cookieSession, found.bearerSession].filter((session) => session);
      if (request.sessionCookie !== undefined) reply.clearSessionCookie();
      if (ended.length === 0) throw v2Unauthorized();
      for (const session of ended) await services.sessions.revoke(session!.id);
      services.audit.record("logout", auditClient(request), {
        customer_id: ended[0]!.customer_id,
      });
      return { success: true };
    },
  );

  app.post(
    "/auth/token/refresh",
    {
      schema: {
        tags,
        operationId: "PostTokenRefresh",
        security: [{ bearer: [] }, { cookie: [] }],
        summary: "Get a new token",
        description:
          "A bearer token is rotated: the one presented stops working, and presented again it ends its session. A cookie session gets the token of a new bearer session. A registration token gets a new one with the same sign-in time and expiry (`auth_time`, `exp`), or a login token once its customer exists; one issued before the identity's password was last set is 401. A refresh that makes a new session (from a cookie session, or a registration token into a login token) is limited per customer (RATE_LIMIT_SESSION_EXCHANGE, then 429); a rotation is not.",
        response: { 200: TokenResponse, ...errors(401, 403, 429) },
      },
      preHandler: app.checkOrigin,
    },
    async (request) => {
      const found = request.credentials!;
      if (!found.session && found.registration === null) throw v2Unauthorized();
      return {
        token: await identities.refresh(found, request.headers["user-agent"], (customerId) =>
          throttle.sessionExchange(customerId),
        ),
      };
    },
  );

  app.post(
    "/auth/:actor_type/:auth_provider/reset-password",
    {
      schema: {
        tags,
        operationId: "PostActor_typeAuth_providerResetPassword",
        security: [],
        summary: "Request a password-reset token",
        description:
          "Always 201 `Created`, whether or not the identifier is registered. The token (random, single use, 15 minutes) goes out in a signed customer.password_reset_requested event, for a customer or for an identity whose customer was never created.",
        params: ActorParams,
        body: ResetPasswordBody,
        response: { 201: Type.String(), ...errors(400, 401, 429) },
      },
      preHandler: customerEmailpass,
    },
    async (request, reply) => {
      await throttle.request("passwordToken", request.ip);
      const { identifier } = request.body;
      // After the answer is sent, so that a registered email answers no slower than another.
      reply.raw.once("close", () => {
        const send = async () => {
          if (await throttle.allowResetEmail(identifier)) {
            await services.customers.requestPasswordReset(identifier);
          }
        };
        send().catch((error: unknown) =>
          request.log.error({ err: error }, "password reset request failed"),
        );
      });
      return reply.code(201).type("text/plain; charset=utf-8").send("Created");
    },
  );

  app.post(
    "/auth/:actor_type/:auth_provider/update",
    {
      schema: {
        tags,
        operationId: "PostActor_typeAuth_providerUpdate",
        security: [{ bearer: [] }],
        summary: "Set a new password",
        description:
          "With a reset token as the bearer token; or (a Gatehouse addition) with a login token, or the session cookie, and `old_password`. Either way every other session of the customer ends.",
        params: ActorParams,
        body: UpdatePasswordBody,
        response: { 200: SuccessResponse, ...errors(400, 401, 403, 429) },
      },
      preHandler: [customerEmailpass, app.checkOrigin],
    },
    async (request) => {
      await throttle.request("passwordReset", request.ip);
      const { password, old_password } = request.body;
      const found = request.credentials!;
      const token = bearerToken(request.headers.authorization ?? "");
      // A login token, or a cookie session when no token is sent: a change proven by old_password.
      const session = found.bearerSession ?? (token === null ? found.cookieSession : null);
      if (session) {
        await services.customers.update(
          session.customer_id,
          { password, old_password: old_password ?? null },
          { session, ip: request.ip, requestId: request.id },
        );
        return { success: true };
      }
      if (token === null) throw unauthorized(INVALID_TOKEN);
      try {
        await services.customers.resetPasswordByToken(token, password, {
          ip: request.ip,
          requestId: request.id,
        });
      } catch (error) {
        if (error instanceof HttpError && error.status === 401) throw unauthorized(INVALID_TOKEN);
        throw error;
      }
      return { success: true };
    },
  );
};

export default fp(authRoutesV2, {
  name: "gatehouse-auth-routes-v2",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
