/**
 * Medusa v2's customer routes (`sdk.store.customer.*`): create, profile, address book; and
 * account deletion (a Gatehouse addition).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import { auditClient } from "../../audit-client.js";
import type { AppContext } from "../../context.js";
import { invalidData, notFound, v2Unauthorized } from "../../../errors.js";
import { signedIn } from "../../plugins/authenticate.js";
import { presentAddressV2, presentCustomerV2, serializedOnce } from "../../presenters.js";
import { DeletedCustomer, errors } from "../../schemas/responses.js";
import {
  AddressBody,
  AddressV2,
  CreateCustomerBody,
  CustomerResponse,
  CustomerV2,
  DeleteCustomerBody,
  ListQuery,
  SelectQuery,
  UpdateCustomerBody,
} from "../../schemas/v2.js";
import { V2_MESSAGES } from "../../../services/identities.js";
import { heldByGatehouse } from "./fields.js";

const tags = ["Customers (v2)"];
const AddressParams = Type.Object({ address_id: Type.String({ maxLength: 200 }) });
/** Medusa's default page of addresses. */
const DEFAULT_LIMIT = 50;

const customerRoutesV2: FastifyPluginAsyncTypebox<AppContext> = async (
  app,
  { services, forwardToMedusa },
) => {
  const { customers, identities } = services;
  const sendCustomer = serializedOnce();
  const view = async (customerId: string) => presentCustomerV2(await customers.view(customerId));
  const ownAddress = async (customerId: string, addressId: string) => {
    const found = (await customers.view(customerId)).shippingAddresses.find(
      (address) => address.id === addressId,
    );
    if (!found) throw notFound(`Address with id: ${addressId} was not found`);
    return found;
  };

  app.post(
    "/store/customers",
    {
      schema: {
        tags,
        operationId: "PostCustomers",
        security: [{ bearer: [] }],
        summary: "Create the customer of a registered identity",
        description:
          "Needs the registration token of POST /auth/customer/emailpass/register (or of a login), issued under the identity's current password: one from before a reset is 401. The email must be the identity's.",
        body: CreateCustomerBody,
        response: { 200: CustomerResponse, ...errors(400, 401, 422) },
      },
      preHandler: app.checkOrigin,
    },
    async (request) => {
      const found = request.credentials!;
      if (found.session) throw invalidData(V2_MESSAGES.alreadyCustomer);
      if (found.registration === null) throw v2Unauthorized();
      const customer = await identities.createCustomer(found.registration, request.body);
      return view(customer.id);
    },
  );

  app.get(
    "/store/customers/me",
    {
      schema: {
        tags,
        operationId: "GetCustomersMe",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "The logged-in customer, with their addresses",
        description:
          "The customer's fields and addresses, even when `fields` selects fewer. In front of Medusa, a `fields` asking for anything else (e.g. `*orders`) is forwarded to Medusa, which answers it.",
        querystring: SelectQuery,
        response: {
          200: CustomerResponse,
          ...errors(401, 404, ...(forwardToMedusa ? [502, 504] : [])),
        },
      },
      preHandler: app.requireCustomer,
    },
    async (request, reply) => {
      const { fields } = request.query;
      if (forwardToMedusa && fields !== undefined && !heldByGatehouse(fields)) {
        return forwardToMedusa(request, reply);
      }
      return sendCustomer(reply, await view(signedIn(request).customerId));
    },
  );

  app.post(
    "/store/customers/me",
    {
      schema: {
        tags,
        operationId: "PostCustomersMe",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Update the logged-in customer",
        description: 'Metadata keys are merged in; a key set to "" is removed.',
        body: UpdateCustomerBody,
        response: { 200: CustomerResponse, ...errors(400, 401, 403) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId, session } = signedIn(request);
      return presentCustomerV2(
        await customers.update(customerId, request.body, { session, ip: request.ip }),
      );
    },
  );

  app.delete(
    "/store/customers/me",
    {
      schema: {
        tags,
        operationId: "DeleteCustomersMe",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Delete the account",
        description:
          "Erases the customer's names, phone, metadata, password and addresses, soft-deletes the customer (its email freed for a new registration), ends every session and token (this one too: the cookie is cleared) and sends customer.deleted. Needs the current password, always (a wrong one is 401 and counts as a failed login; login limits apply, 429). A Gatehouse addition: Medusa has no such route.",
        body: DeleteCustomerBody,
        response: { 200: DeletedCustomer, ...errors(400, 401, 403, 404, 429) },
      },
      preHandler: app.requireCustomer,
    },
    async (request, reply) => {
      const { customerId } = signedIn(request);
      await customers.delete(customerId, request.body.password, auditClient(request));
      if (request.sessionCookie !== undefined) reply.clearSessionCookie();
      return { id: customerId, object: "customer" as const, deleted: true };
    },
  );

  app.get(
    "/store/customers/me/addresses",
    {
      schema: {
        tags,
        operationId: "GetCustomersMeAddresses",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "The customer's addresses, a page at a time",
        querystring: ListQuery,
        response: {
          200: Type.Object({
            addresses: Type.Array(Type.Ref(AddressV2)),
            count: Type.Integer(),
            offset: Type.Integer(),
            limit: Type.Integer(),
          }),
          ...errors(400, 401),
        },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const offset = Number(request.query.offset ?? 0);
      const limit = Number(request.query.limit ?? DEFAULT_LIMIT);
      const all = (await customers.view(customerId)).shippingAddresses;
      return {
        addresses: all.slice(offset, offset + limit).map(presentAddressV2),
        count: all.length,
        offset,
        limit,
      };
    },
  );

  app.post(
    "/store/customers/me/addresses",
    {
      schema: {
        tags,
        operationId: "PostCustomersMeAddresses",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Add an address",
        description:
          "Answers the customer. Setting is_default_shipping or is_default_billing takes the flag from the customer's other addresses.",
        body: AddressBody,
        response: { 200: CustomerResponse, ...errors(400, 401, 403) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      return presentCustomerV2(await customers.addAddress(customerId, request.body));
    },
  );

  app.get(
    "/store/customers/me/addresses/:address_id",
    {
      schema: {
        tags,
        operationId: "GetCustomersMeAddressesAddress_id",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "One of the customer's addresses",
        params: AddressParams,
        querystring: SelectQuery,
        response: { 200: Type.Object({ address: Type.Ref(AddressV2) }), ...errors(401, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      return {
        address: presentAddressV2(await ownAddress(customerId, request.params.address_id)),
      };
    },
  );

  app.post(
    "/store/customers/me/addresses/:address_id",
    {
      schema: {
        tags,
        operationId: "PostCustomersMeAddressesAddress_id",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Update one of the customer's addresses",
        params: AddressParams,
        body: AddressBody,
        response: { 200: CustomerResponse, ...errors(400, 401, 403, 404) },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const { address_id: addressId } = request.params;
      await ownAddress(customerId, addressId);
      return presentCustomerV2(await customers.updateAddress(customerId, addressId, request.body));
    },
  );

  app.delete(
    "/store/customers/me/addresses/:address_id",
    {
      schema: {
        tags,
        operationId: "DeleteCustomersMeAddressesAddress_id",
        security: [{ cookie: [] }, { bearer: [] }],
        summary: "Delete one of the customer's addresses",
        description: "Answers the address's id (Medusa answers the customer's) and the customer.",
        params: AddressParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            object: Type.Literal("address"),
            deleted: Type.Boolean(),
            parent: Type.Ref(CustomerV2),
          }),
          ...errors(401, 403, 404),
        },
      },
      preHandler: app.requireCustomer,
    },
    async (request) => {
      const { customerId } = signedIn(request);
      const { address_id: addressId } = request.params;
      await ownAddress(customerId, addressId);
      const { customer } = presentCustomerV2(await customers.deleteAddress(customerId, addressId));
      return { id: addressId, object: "address" as const, deleted: true, parent: customer };
    },
  );
};

export default fp(customerRoutesV2, {
  name: "gatehouse-customer-routes-v2",
  encapsulate: true,
  dependencies: ["gatehouse-authentication"],
});
