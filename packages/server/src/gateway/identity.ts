/**
 * Who a forwarded request acts for, and the token that tells Medusa: Gatehouse's own credentials
 * (cookie session, then bearer token) decide; Medusa gets a fresh HS256 token signed with its secret,
 * in the claims of its version. Credentials that name no live session (expired, revoked, forged)
 * make the request a guest's: forwarded without a token, never refused.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SignJWT } from "jose";
import type { MedusaVersion } from "../config.js";
import { authIdentityIdOf } from "../domain.js";
import { BoundedMap } from "../runtime/bounded-map.js";
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

/** Customers whose auth identity is remembered (a link, once made, never changes). */
const MAX_IDENTITIES = 10_000;

/**
 * Tokens in the shape Medusa accepts, HS256 with its secret. Medusa v1's `store-bearer` strategy:
 * `{customer_id, domain: "store"}`. Medusa v2's authenticate middleware: the claims of its own
 * login tokens (`actor_id`, `actor_type`, `auth_identity_id`, `app_metadata.customer_id`,
 * `auth_provider`); its store routes read only `actor_id` and `actor_type`.
 */
export class MedusaTokens {
  private readonly key: Uint8Array;
  private readonly identities = new BoundedMap<string, string>(MAX_IDENTITIES);

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly version: MedusaVersion = 1,
    /** Medusa v2: the customer's auth identity (`authid_…`), or null if it has none. */
    private readonly authIdentityOf: (customerId: string) => Promise<string | null> = async () =>
      null,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async mint(customerId: string): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const claims =
      this.version === 1
        ? { customer_id: customerId, domain: "store" }
        : {
            actor_id: customerId,
            actor_type: "customer",
            auth_identity_id: await this.authIdentity(customerId),
            auth_provider: "emailpass",
            app_metadata: { customer_id: customerId },
            user_metadata: {},
          };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(now)
      .setExpirationTime(now + MEDUSA_TOKEN_TTL_SECONDS)
      .sign(this.key);
  }

  /** The identity Gatehouse's own v2 tokens name too (Medusa does not look it up on store routes). */
  private async authIdentity(customerId: string): Promise<string> {
    const known = this.identities.get(customerId);
    if (known !== undefined) return known;
    const found = await this.authIdentityOf(customerId);
    if (found !== null) this.identities.set(customerId, found);
    return authIdentityIdOf(customerId, found);
  }
}
