/** Medusa v1's address book routes: add, update and delete an address. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { AddressFields } from "../../domain.js";
import type { AppContext } from "../context.js";
import { signedIn } from "../plugins/authenticate.js";
import { presentCustomerWithAddresses } from "../presenters.js";
import {
  AddressPayload,
  IdParams,
  StorePostCustomersCustomerAddressesReq,
} from "../schemas/requests.js";
import { CustomerWithAddresses, errors } from "../schemas/responses.js";

const CustomerResponse = Type.Object({ customer: CustomerWithAddresses });
const tags = ["Customers"];

const addressRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, { services }) => {
  app.post(
    "/store/customers/me/addresses",
    {
      schema: {
        tags,
        operationId: "PostCustomersCustomerAddresses",
        security: [{ cookie: [] }, { bearer: [] }],
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
        operationId: "PostCustomersCustomerAddressesAddress",
        security: [{ cookie: [] }, { bearer: [] }],
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
        operationId: "DeleteCustomersCustomerAddressesAddress",
        security: [{ cookie: [] }, { bearer: [] }],
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
};

export default fp(addressRoutes, {
  name: "gatehouse-address-routes",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
