/** The gateway in front of Medusa (v1 or v2), registered by buildApp when MEDUSA_BACKEND_URL is set. */
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../http/context.js";

/**
 * Registers the forwarding routes when Medusa is configured, and returns the stores with Medusa
 * added to their readiness checks (`/ready` names it as `medusa`), the customer's orders, and the
 * forwarding of a request one of Gatehouse's routes hands to Medusa.
 */
export async function withMedusa(
  fastify: FastifyInstance,
  context: AppContext,
): Promise<AppContext> {
  const { config, stores, clock } = context;
  if (!config.medusa) return context;
  // Loaded only in front of Medusa: the proxy (@fastify/reply-from, undici) costs a standalone start.
  const [{ registerGateway }, { identityFrom }] = await Promise.all([
    import("./gateway.js"),
    import("./identity.js"),
  ]);
  const gateway = await registerGateway(fastify, {
    medusa: config.medusa,
    medusaVersion: config.medusaVersion,
    authIdentityOf: async (customerId) =>
      (await stores.identities.findByCustomer(customerId))?.id ?? null,
    bodyLimitBytes: config.bodyLimitBytes,
    trustedProxy: config.trustProxy !== false,
    identity: identityFrom(fastify),
    clock,
    logger: fastify.log,
    metrics: context.metrics,
  });
  const ping = async () => {
    const [checks, medusa] = await Promise.all([stores.ping(), gateway.ping()]);
    return { ...checks, medusa };
  };
  const withPing = new Proxy(stores, {
    get(target, property) {
      if (property === "ping") return ping;
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    ...context,
    stores: withPing,
    medusaOrders: (customerId) => gateway.orders.list(customerId),
    forwardToMedusa: gateway.forward,
  };
}
