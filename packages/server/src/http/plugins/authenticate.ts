/**
 * Who is asking: the session cookie first, then `Authorization: Bearer` (Medusa's precedence).
 * Resolved once per request (`request.credentials`), only by the routes that need them, through
 * what this plugin decorates:
 * - the preHandler `checkOrigin` resolves them and runs the CSRF origin check;
 * - the preHandler `requireCustomer` resolves them, answers 401 unless they authenticate a
 *   customer, and runs the CSRF origin check (the handler then reads `signedIn(request)`);
 * - `reply.startCookieSession` logs the request in with a new cookie session, without fixation.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../../config.js";
import type { Session } from "../../domain.js";
import { forbidden, unauthorized, v2Unauthorized } from "../../errors.js";
import type { Registration } from "../../services/identities.js";
import type { SessionService } from "../../services/sessions.js";
import type { TokenService } from "../../services/tokens.js";
import { bearerToken } from "../authorization.js";

export interface Credentials {
  /** The customer the request acts as, if any credential is valid. */
  customerId: string | null;
  /** The session that authenticates the request (cookie wins over bearer). */
  session: Session | null;
  cookieSession: Session | null;
  bearerSession: Session | null;
  /** A cookie was sent but names no live session. */
  staleCookie: boolean;
  /** An Authorization header was sent but is not a valid, live bearer token. */
  badBearer: boolean;
  /** (v2) A valid registration token: its identity (no customer yet), and its sign-in time. */
  registration: Registration | null;
}

/** What `requireCustomer` guarantees the handler. */
export interface SignedIn {
  customerId: string;
  session: Session;
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** A new session and, for a cookie session, its cookie value. */
interface Started {
  session: Session;
  token: string | null;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who is asking; null until resolved (by the preHandlers below, or startCookieSession). */
    credentials: Credentials | null;
  }
  interface FastifyReply {
    /**
     * No session fixation: reads the cookie session the request presents, runs `start` (which
     * creates the new cookie session), then revokes the one presented and sets the cookie to the
     * new one. Login and registration both log in through it.
     */
    startCookieSession<T extends Started>(start: () => Promise<T>): Promise<T>;
  }
  interface FastifyInstance {
    checkOrigin: PreHandler;
    requireCustomer: PreHandler;
  }
}

/** The customer and session of a route behind `requireCustomer`. */
export function signedIn(request: FastifyRequest): SignedIn {
  const found = request.credentials;
  if (!found?.customerId || !found.session) {
    throw new Error(`${request.routeOptions.url} reads the customer without requireCustomer`);
  }
  return { customerId: found.customerId, session: found.session };
}

/** Whether STORE_CORS allows an origin (CORS, and the CSRF origin check). */
export function isAllowedOrigin(storeCors: Config["storeCors"], origin: string): boolean {
  return storeCors.some((allowed) =>
    typeof allowed === "string" ? allowed === origin : allowed.test(origin),
  );
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export interface AuthenticationOptions {
  config: Readonly<Config>;
  services: { sessions: SessionService; tokens: TokenService };
}

export const authentication = fp<AuthenticationOptions>(
  async (fastify, { config, services }) => {
    const { sessions, tokens } = services;

    async function resolve(request: FastifyRequest): Promise<Credentials> {
      const result: Credentials = {
        customerId: null,
        session: null,
        cookieSession: null,
        bearerSession: null,
        staleCookie: false,
        badBearer: false,
        registration: null,
      };
      const cookieValue = request.sessionCookie;
      if (cookieValue) {
        result.cookieSession = await sessions.fromCookie(cookieValue);
        result.staleCookie = result.cookieSession === null;
      }
      const header = request.headers.authorization;
      if (header !== undefined) {
        const token = bearerToken(header);
        const verified = token === null ? null : await tokens.verify(token);
        if (verified?.kind === "registration") {
          const { identityId, signedInAt, passwordFingerprint } = verified;
          result.registration = { identityId, signedInAt, passwordFingerprint };
        } else {
          result.bearerSession = verified
            ? await sessions.fromBearer(
                verified.sessionId,
                verified.customerId,
                verified.tokenVersion,
              )
            : null;
          result.badBearer = result.bearerSession === null;
        }
      }
      result.session = result.cookieSession ?? result.bearerSession;
      result.customerId = result.session?.customer_id ?? null;
      return result;
    }

    async function credentialsOf(request: FastifyRequest): Promise<Credentials> {
      return (request.credentials ??= await resolve(request));
    }

    /**
     * CSRF defence (SPEC §3.1): a state-changing request authenticated by the cookie must not
     * come from a page whose Origin is neither an allowed store origin nor this server's own (same
     * scheme, host and port). Without an Origin, a browser's `Sec-Fetch-Site: cross-site` refuses it.
     */
    function assertSameSiteWrite(request: FastifyRequest, found: Credentials): void {
      if (SAFE_METHODS.has(request.method) || found.session?.kind !== "cookie") return;
      const origin = request.headers.origin;
      if (origin === undefined) {
        if (request.headers["sec-fetch-site"] === "cross-site") {
          throw forbidden(
            "A cross-site request without an Origin header is not allowed: send it from an allowed store origin",
          );
        }
        return;
      }
      // An origin is scheme://host[:port] exactly: no userinfo, path, query or trailing slash.
      if (parseUrl(origin)?.origin !== origin) {
        throw forbidden(`Origin ${origin} is not an origin: expected scheme://host[:port]`);
      }
      if (isAllowedOrigin(config.storeCors, origin)) return;
      if (parseUrl(`${request.protocol}://${request.host}`)?.origin !== origin) {
        throw forbidden(
          `Origin ${origin} is not an allowed store origin: add it to STORE_CORS to allow it`,
        );
      }
    }

    fastify.decorateRequest("credentials", null);

    fastify.decorate("checkOrigin", async (request: FastifyRequest) => {
      assertSameSiteWrite(request, await credentialsOf(request));
    });

    /** 401 unless a live session or token authenticates the request; 403 on a cross-site write. */
    fastify.decorate("requireCustomer", async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await credentialsOf(request);
      if (!found.customerId || !found.session) {
        if (found.staleCookie) reply.clearSessionCookie();
        // Medusa v2 answers every authentication failure alike; storefronts match on it.
        if (config.medusaVersion === 2) throw v2Unauthorized();
        throw unauthorized(
          found.staleCookie
            ? "The session has expired or was revoked; log in again"
            : found.badBearer
              ? "The bearer token is invalid, expired or revoked; get a new one with POST /store/auth/token"
              : "Log in first: send the session cookie or an Authorization: Bearer token",
        );
      }
      assertSameSiteWrite(request, found);
    });

    fastify.decorateReply("startCookieSession", async function <
      T extends Started,
    >(this: FastifyReply, start: () => Promise<T>) {
      const previous = await credentialsOf(this.request);
      const started = await start();
      if (previous.cookieSession) await sessions.revoke(previous.cookieSession.id);
      this.setSessionCookie(started.token!, started.session.expires_at);
      return started;
    });
  },
  { name: "gatehouse-authentication", dependencies: ["gatehouse-session-cookie"] },
);
