/** Our addition: a customer's live sessions, and revoking them. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { AppContext } from "../context.js";
import { notFound } from "../../errors.js";
import { presentSession } from "../presenters.js";
import { IdParams } from "../schemas/requests.js";
import { SessionInfo, errors } from "../schemas/responses.js";
import { signedIn } from "../plugins/authenticate.js";
import { auditClient } from "../audit-client.js";

const tags = ["Sessions"];

const sessionRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, { services }) => {
  app.get(
    "/store/auth/sessions",
    {
      schema: {
        tags,
        operationId: "GetAuthSessions",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "The customer's live sessions (cookie and bearer)",
        response: { 200: Type.Object({ sessions: Type.Array(SessionInfo) }), ...errors(401) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId, session } = signedIn(request);
      const sessions = await services.sessions.list(customerId);
      return { sessions: sessions.map((entry) => presentSession(entry, session.id)) };
    },
  );

  app.delete(
    "/store/auth/sessions/:id",
    {
      schema: {
        tags,
        operationId: "DeleteAuthSessionsSession",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Revoke one of the customer's sessions",
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            object: Type.Literal("session"),
            deleted: Type.Boolean(),
          }),
          ...errors(401, 403, 404),
        },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const { id } = request.params;
      const owned = (await services.sessions.list(customerId)).some((entry) => entry.id === id);
      if (!owned || !(await services.sessions.revoke(id)))
        throw notFound(`Session with id ${id} was not found`);
      services.audit.record("session.revoked", auditClient(request), {
        customer_id: customerId,
        session_id: id,
      });
      return { id, object: "session" as const, deleted: true };
    },
  );

  app.delete(
    "/store/auth/sessions",
    {
      schema: {
        tags,
        operationId: "DeleteAuthSessions",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Revoke every session of the customer except the current one",
        response: { 200: Type.Object({ revoked: Type.Integer() }), ...errors(401, 403) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId, session } = signedIn(request);
      const revoked = await services.sessions.revokeAll(customerId, "customer_request", session.id);
      services.audit.record("sessions.revoked", auditClient(request), {
        customer_id: customerId,
        revoked,
      });
      return { revoked };
    },
  );
};

export default fp(sessionRoutes, {
  name: "gatehouse-session-routes",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
