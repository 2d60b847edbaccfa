/** Medusa v1's customer routes: register, profile, account deletion. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import { auditClient } from "../audit-client.js";
import type { AppContext } from "../context.js";
import { signedIn } from "../plugins/authenticate.js";
import { presentCustomerWithAddresses, serializedOnce } from "../presenters.js";
import {
  DeleteCustomersCustomerReq,
  StorePostCustomersCustomerReq,
  StorePostCustomersReq,
} from "../schemas/requests.js";
import { CustomerWithAddresses, DeletedCustomer, errors } from "../schemas/responses.js";

const CustomerResponse = Type.Object({ customer: CustomerWithAddresses });
const tags = ["Customers"];

const customerRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, { services }) => {
  const sendProfile = serializedOnce();

  app.post(
    "/store/customers",
    {
      schema: {
        tags,
        operationId: "PostCustomers",
        security: [],
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
        operationId: "GetCustomersCustomer",
        security: [{ cookie: [] }, { bearer: [] }],
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
        operationId: "PostCustomersCustomer",
        security: [{ cookie: [] }, { bearer: [] }],
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
        requestId: request.id,
      });
      return presentCustomerWithAddresses(view);
    },
  );

  app.delete(
    "/store/customers/me",
    {
      schema: {
        tags,
        operationId: "DeleteCustomersCustomer",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Delete the account",
        description:
          "Erases the customer's names, phone, metadata, password and addresses, soft-deletes the customer (its email freed for a new registration), ends every session and token (this one too: the cookie is cleared) and sends customer.deleted. Needs the current password, always (a wrong one is 401 and counts as a failed login; login limits apply, 429). A Gatehouse addition: Medusa has no such route.",
        body: DeleteCustomersCustomerReq,
        response: { 200: DeletedCustomer, ...errors(400, 401, 403, 404, 429) },
      },
      preHandler: app.requireCustomer,
    },
    async (request, reply) => {
      const { customerId } = signedIn(request);
      await services.customers.delete(customerId, request.body.password, auditClient(request));
      if (request.sessionCookie !== undefined) reply.clearSessionCookie();
      return { id: customerId, object: "customer" as const, deleted: true };
    },
  );
};

export default fp(customerRoutes, {
  name: "gatehouse-customer-routes",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
