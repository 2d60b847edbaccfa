/**
 * A customer's orders as Medusa shows them (`GET /store/customers/me/orders`, asked with the
 * customer's token), for the `orders` of `POST/GET /store/auth`.
 */
import type { FastifyBaseLogger } from "fastify";
import type { MedusaConfig } from "../config.js";
import { BoundedMap } from "../runtime/bounded-map.js";
import type { Clock } from "../services/clock.js";
import type { MedusaTokens } from "./identity.js";

/**
 * How long a customer's orders are reused. A change made through the gateway (checkout, an order
 * edit) forgets them at once; one made elsewhere (the admin, a payment webhook) shows within this
 * time. Ten seconds turn a storefront's repeated `GET /store/auth` into one Medusa request.
 */
export const ORDERS_TTL_MS = 10_000;
/** Customers whose orders are kept (the oldest dropped first); about 1 KB an order. */
const MAX_CUSTOMERS = 1000;
/** Medusa's page size for the listing, and the most orders shown (Medusa's own `/store/auth` has no cap). */
const PAGE = 100;

/** An order as Medusa serializes it. */
export type MedusaOrder = Record<string, unknown>;
const MAX_ORDERS = 1000;

export class MedusaOrders {
  private readonly cache = new BoundedMap<
    string,
    { orders: Promise<MedusaOrder[]>; until: number }
  >(MAX_CUSTOMERS);

  constructor(
    private readonly medusa: MedusaConfig,
    private readonly tokens: MedusaTokens,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The customer's orders, newest Medusa page first; `[]` (logged) when Medusa cannot answer. */
  list(customerId: string): Promise<MedusaOrder[]> {
    const now = this.clock.now();
    const cached = this.cache.get(customerId);
    if (cached && cached.until > now) return cached.orders;
    const orders = this.fetch(customerId).catch((error: unknown) => {
      if (this.cache.get(customerId)?.orders === orders) this.cache.delete(customerId);
      this.log.warn({ err: error }, "orders from Medusa unavailable; answering orders: []");
      return [];
    });
    this.cache.delete(customerId);
    this.cache.set(customerId, { orders, until: now + ORDERS_TTL_MS });
    return orders;
  }

  /** Drops what is known of the customer's orders (after a change through the gateway). */
  forget(customerId: string): void {
    this.cache.delete(customerId);
  }

  private async fetch(customerId: string): Promise<MedusaOrder[]> {
    const authorization = `Bearer ${await this.tokens.mint(customerId)}`;
    const orders: MedusaOrder[] = [];
    while (orders.length < MAX_ORDERS) {
      const url = new URL("/store/customers/me/orders", this.medusa.backendUrl);
      url.searchParams.set("limit", String(PAGE));
      url.searchParams.set("offset", String(orders.length));
      const response = await fetch(url, {
        headers: { authorization },
        signal: AbortSignal.timeout(this.medusa.timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`Medusa's GET ${url.pathname} answered ${response.status}`);
      }
      const page = (await response.json()) as { orders: MedusaOrder[]; count: number };
      orders.push(...page.orders);
      if (page.orders.length === 0 || orders.length >= page.count) break;
    }
    return orders;
  }
}
