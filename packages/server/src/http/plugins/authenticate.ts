/**
 * Who is asking: the session cookie first, then `Authorization: Bearer` (Medusa's precedence).
 * Resolved once per request, only by the routes that need it.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Session } from "../../domain.js";
import { forbidden, unauthorized } from "../../errors.js";
import { bearerToken } from "../authorization.js";
import type { AppContext } from "../context.js";
import type { SessionCookie } from "./session-cookie.js";

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
}

declare module "fastify" {
  interface FastifyRequest {
    credentials?: Promise<Credentials>;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export class Authenticator {
  constructor(
    private readonly context: AppContext,
    private readonly cookie: SessionCookie,
  ) {}

  credentials(request: FastifyRequest): Promise<Credentials> {
    request.credentials ??= this.resolve(request);
    return request.credentials;
  }

  /** Throws 401 unless a live session or token authenticates the request; 403 on a cross-site write. */
  async require(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ customerId: string; session: Session }> {
    const found = await this.credentials(request);
    if (!found.customerId || !found.session) {
      if (found.staleCookie) this.cookie.clear(request, reply);
      throw unauthorized(
        found.staleCookie
          ? "The session has expired or was revoked; log in again"
          : found.badBearer
            ? "The bearer token is invalid, expired or revoked; get a new one with POST /store/auth/token"
            : "Log in first: send the session cookie or an Authorization: Bearer token",
      );
    }
    this.checkOrigin(request, found);
    return { customerId: found.customerId, session: found.session };
  }

  /**
   * CSRF defence (SPEC §3.1): a state-changing request authenticated by the cookie must not come
   * from a page whose Origin is neither an allowed store origin nor this server's own (same
   * scheme, host and port). Without an Origin, a browser's `Sec-Fetch-Site: cross-site` refuses it.
   */
  checkOrigin(request: FastifyRequest, found: Credentials): void {
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
    if (this.isAllowedOrigin(origin)) return;
    if (parseUrl(`${request.protocol}://${request.host}`)?.origin !== origin) {
      throw forbidden(
        `Origin ${origin} is not an allowed store origin: add it to STORE_CORS to allow it`,
      );
    }
  }

  isAllowedOrigin(origin: string): boolean {
    return this.context.config.storeCors.some((allowed) =>
      typeof allowed === "string" ? allowed === origin : allowed.test(origin),
    );
  }

  private async resolve(request: FastifyRequest): Promise<Credentials> {
    const { sessions, tokens } = this.context.services;
    const result: Credentials = {
      customerId: null,
      session: null,
      cookieSession: null,
      bearerSession: null,
      staleCookie: false,
      badBearer: false,
    };
    const cookieValue = this.cookie.read(request);
    if (cookieValue) {
      result.cookieSession = await sessions.fromCookie(cookieValue);
      result.staleCookie = result.cookieSession === null;
    }
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = bearerToken(header);
      const verified = token === null ? null : await tokens.verify(token);
      result.bearerSession = verified
        ? await sessions.fromBearer(verified.sessionId, verified.customerId)
        : null;
      result.badBearer = result.bearerSession === null;
    }
    result.session = result.cookieSession ?? result.bearerSession;
    result.customerId = result.session?.customer_id ?? null;
    return result;
  }
}
