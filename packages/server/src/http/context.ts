/** What the HTTP layer needs from the rest of the server: config, stores, services and clock. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import type { Services } from "../gatehouse.js";
import type { Clock } from "../services/clock.js";
import type { Stores } from "../stores/types.js";
import type { Metrics } from "../metrics.js";

/** Built by the composition root (gatehouse.ts); every plugin and route module receives it. */
export interface AppContext {
  config: Readonly<Config>;
  stores: Stores;
  services: Services;
  clock: Clock;
  /** In front of Medusa (MEDUSA_BACKEND_URL): the customer's orders there (gateway/orders.ts). */
  medusaOrders?: (customerId: string) => Promise<Array<Record<string, unknown>>>;
  /**
   * In front of Medusa: forwards this `/store/*` request to Medusa as a forwarded route would
   * (gateway/gateway.ts), for a route of Gatehouse's that Medusa answers in some cases.
   */
  forwardToMedusa?: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** When set, responses are counted and GET /metrics serves them (http/plugins/metrics.ts). */
  metrics?: Metrics;
}
