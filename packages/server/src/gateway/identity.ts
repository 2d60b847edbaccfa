/**
 * Who a forwarded request acts for, and the token that tells Medusa: Gatehouse's own credentials
 * (cookie session, then bearer token) decide; Medusa gets a fresh HS256 token signed with its secret.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SignJWT } from "jose";
import type { Clock } from "../services/clock.js";

/** The seam to Gatehouse's authentication: the customer a live session or token names, or null. */
export interface GatewayIdentity {
  /** Throws 403 for a cross-site write authenticated by the cookie (the CSRF check of every route). */
  customerOf(request: FastifyRequest, reply: FastifyReply): Promise<string | null>;
}

export function identityFrom(fastify: FastifyInstance): GatewayIdentity {
  return {
    async customerOf(request, reply) {
      // Resolves the credentials (request.credentials) and runs the CSRF origin check.
      await fastify.checkOrigin(request, reply);
      const found = request.credentials;
      return found?.customerId && found.session ? found.customerId : null;
    },
  };
}

/**
 * Lifetime of the token Medusa receives: it is minted for one forwarded request, so a minute covers
 * any clock skew between the two servers while a copy (in a log, say) soon stops working.
 */
export const MEDUSA_TOKEN_TTL_SECONDS = 60;

/** Tokens in the shape Medusa's `store-bearer` strategy accepts: `{customer_id, domain: "store"}`, HS256. */
export class MedusaTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  mint(customerId: string): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ customer_id: customerId, domain: "store" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(now)
      .setExpirationTime(now + MEDUSA_TOKEN_TTL_SECONDS)
      .sign(this.key);
  }
}
