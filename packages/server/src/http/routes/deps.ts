import type { FastifyInstance, RawServerDefault, FastifyBaseLogger } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../context.js";

/** A Fastify instance whose route schemas type the handlers (TypeBox). */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every route module receives. */
export type RouteDeps = AppContext;
