/** Medusa v1's password reset: request a token, set a new password with it. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { AppContext } from "../context.js";
import { presentCustomer } from "../presenters.js";
import {
  StorePostCustomersCustomerPasswordTokenReq,
  StorePostCustomersResetPasswordReq,
} from "../schemas/requests.js";
import { CustomerScalars, errors } from "../schemas/responses.js";

const tags = ["Customers"];

const passwordResetRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, { services }) => {
  app.post(
    "/store/customers/password-token",
    {
      schema: {
        tags,
        operationId: "PostCustomersCustomerPasswordToken",
        security: [],
        summary: "Request a password-reset token",
        description:
          "Always 204, whether or not the email is registered. The token goes to WEBHOOK_URL in a signed customer.password_reset_requested event.",
        body: StorePostCustomersCustomerPasswordTokenReq,
        response: { 204: Type.Null(), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      await services.throttle.request("passwordToken", request.ip);
      const { email } = request.body;
      // After the answer is sent, so that a registered email answers no slower than another.
      // Past the per-address limit nothing more is sent.
      reply.raw.once("close", () => {
        const send = async () => {
          if (await services.throttle.allowResetEmail(email)) {
            await services.customers.requestPasswordReset(email);
          }
        };
        send().catch((error: unknown) =>
          request.log.error({ err: error }, "password reset request failed"),
        );
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/store/customers/password-reset",
    {
      schema: {
        tags,
        operationId: "PostCustomersResetPassword",
        security: [],
        summary: "Set a new password with a reset token",
        description:
          "The token is single-use and lives 15 minutes. Every session of the customer is revoked. A password that breaks the policy is 400, and every token or email failure the same 401, whether or not the email is registered. Limited per client IP (429).",
        body: StorePostCustomersResetPasswordReq,
        response: { 200: Type.Object({ customer: CustomerScalars }), ...errors(400, 401, 429) },
      },
    },
    async (request) => {
      await services.throttle.request("passwordReset", request.ip);
      const { email, token, password } = request.body;
      return {
        customer: presentCustomer(
          await services.customers.resetPassword(email, token, password, {
            ip: request.ip,
            requestId: request.id,
          }),
        ),
      };
    },
  );
};

export default fp(passwordResetRoutes, {
  name: "gatehouse-password-reset-routes",
  encapsulate: true,
});
