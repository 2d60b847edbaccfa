import type { FastifyInstance, RawServerDefault, FastifyBaseLogger } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../context.js";
import type { Authenticator } from "../plugins/authenticate.js";
import type { SessionCookie } from "../plugins/session-cookie.js";

/** A Fastify instance whose route schemas type the handlers (TypeBox). */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every route module receives. */
export interface RouteDeps extends AppContext {
  authenticator: Authenticator;
  cookie: SessionCookie;
  /** With MEDUSA_BACKEND_URL: the customer's orders in Medusa (gateway/orders.ts). */
  medusaOrders?: (customerId: string) => Promise<Array<Record<string, unknown>>>;
}
