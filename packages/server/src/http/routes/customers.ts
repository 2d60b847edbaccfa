/** Medusa v1's customer routes: register, profile, address book, password reset. */
import { Type } from "@sinclair/typebox";
import type { AddressFields } from "../../domain.js";
import { presentCustomer, presentCustomerWithAddresses, serializedOnce } from "../presenters.js";
import {
  AddressPayload,
  IdParams,
  StorePostCustomersCustomerAddressesReq,
  StorePostCustomersCustomerPasswordTokenReq,
  StorePostCustomersCustomerReq,
  StorePostCustomersReq,
  StorePostCustomersResetPasswordReq,
} from "../schemas/requests.js";
import { CustomerScalars, CustomerWithAddresses, errors } from "../schemas/responses.js";
import { signedIn } from "../plugins/authenticate.js";
import type { App, RouteDeps } from "./deps.js";

const CustomerResponse = Type.Object({ customer: CustomerWithAddresses });
const tags = ["Customers"];

export function customerRoutes(app: App, deps: RouteDeps): void {
  const { services } = deps;
  const sendProfile = serializedOnce();

  app.post(
    "/store/customers",
    {
      schema: {
        tags,
        summary: "Register a customer (and log in)",
        body: StorePostCustomersReq,
        response: { 200: CustomerResponse, ...errors(400, 422, 429) },
      },
    },
    async (request, reply) => {
      await services.throttle.request("register", request.ip);
      const customer = await services.customers.register(request.body);
      await reply.startCookieSession(() =>
        services.sessions.create(customer.id, "cookie", request.headers["user-agent"]),
      );
      return presentCustomerWithAddresses(await services.customers.view(customer.id));
    },
  );

  app.get(
    "/store/customers/me",
    {
      schema: {
        tags,
        summary: "The logged-in customer's profile",
        response: { 200: CustomerResponse, ...errors(401, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request, reply) => {
      const { customerId } = signedIn(request);
      return sendProfile(
        reply,
        presentCustomerWithAddresses(await services.customers.view(customerId)),
      );
    },
  );

  app.post(
    "/store/customers/me",
    {
      schema: {
        tags,
        summary: "Update the profile",
        description:
          "A new password or email needs old_password (the current password) or a session less than FRESH_SESSION_AGE old (10 minutes by default), else 403; a wrong old_password is 401. Email changes are limited per customer (429). A new password keeps this session signed in and revokes every other session and token.",
        body: StorePostCustomersCustomerReq,
        response: { 200: CustomerResponse, ...errors(400, 401, 403, 404, 422, 429) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId, session } = signedIn(request);
      const view = await services.customers.update(customerId, request.body, {
        session,
        ip: request.ip,
      });
      return presentCustomerWithAddresses(view);
    },
  );

  app.post(
    "/store/customers/me/addresses",
    {
      schema: {
        tags,
        summary: "Add an address to the address book",
        body: StorePostCustomersCustomerAddressesReq,
        response: { 200: CustomerResponse, ...errors(400, 401, 403) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const view = await services.customers.addAddress(
        customerId,
        request.body.address as AddressFields,
      );
      return presentCustomerWithAddresses(view);
    },
  );

  app.post(
    "/store/customers/me/addresses/:id",
    {
      schema: {
        tags,
        summary: "Update an address",
        params: IdParams,
        body: AddressPayload,
        response: { 200: CustomerResponse, ...errors(400, 401, 403, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const view = await services.customers.updateAddress(
        customerId,
        request.params.id,
        request.body as AddressFields,
      );
      return presentCustomerWithAddresses(view);
    },
  );

  app.delete(
    "/store/customers/me/addresses/:id",
    {
      schema: {
        tags,
        summary: "Delete an address",
        params: IdParams,
        response: { 200: CustomerResponse, ...errors(401, 403, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      return presentCustomerWithAddresses(
        await services.customers.deleteAddress(customerId, request.params.id),
      );
    },
  );

  app.post(
    "/store/customers/password-token",
    {
      schema: {
        tags,
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
        customer: presentCustomer(await services.customers.resetPassword(email, token, password)),
      };
    },
  );
}
