/** Writing and clearing the session cookie (SPEC §3.1). */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type {} from "@fastify/cookie";
import type { Config } from "../../config.js";
import { DEVICE_COOKIE_NAME, DEVICE_COOKIE_TTL_MS } from "../../services/devices.js";

export class SessionCookie {
  private warnedInsecure = false;
  private readonly hostPrefixed: boolean;

  constructor(
    private readonly config: Config["session"],
    private readonly log: FastifyBaseLogger,
  ) {
    this.hostPrefixed = /^__host-/i.test(config.cookieName);
  }

  /** The cookie value the request carries, if any. */
  read(request: FastifyRequest): string | undefined {
    return request.cookies[this.config.cookieName];
  }

  set(request: FastifyRequest, reply: FastifyReply, value: string, expiresAt: number): void {
    reply.setCookie(this.config.cookieName, value, {
      ...this.attributes(request),
      expires: new Date(expiresAt),
    });
  }

  /** The device cookie the request carries, if any (services/devices.ts). */
  readDevice(request: FastifyRequest): string | undefined {
    return request.cookies[DEVICE_COOKIE_NAME];
  }

  /** Sets the device cookie, with the session cookie's attributes and a year's lifetime. */
  setDevice(request: FastifyRequest, reply: FastifyReply, value: string): void {
    reply.setCookie(DEVICE_COOKIE_NAME, value, {
      ...this.attributes(request),
      maxAge: DEVICE_COOKIE_TTL_MS / 1000,
    });
  }

  /** An expiring Set-Cookie, so the browser forgets a session that has ended. */
  clear(request: FastifyRequest, reply: FastifyReply): void {
    reply.setCookie(this.config.cookieName, "", {
      ...this.attributes(request),
      expires: new Date(0),
      maxAge: 0,
    });
  }

  private attributes(request: FastifyRequest) {
    const https = request.protocol === "https";
    const secure =
      this.config.secure === "always" ||
      this.config.sameSite === "none" ||
      // A browser keeps a __Host- cookie only if it is Secure (and has Path=/, no Domain).
      this.hostPrefixed ||
      (this.config.secure === "auto" && https);
    if (secure && !https && !this.warnedInsecure) {
      this.warnedInsecure = true;
      this.log.warn(
        "Setting a Secure session cookie on a plain-HTTP request: browsers drop it (except on localhost). " +
          "Serve over HTTPS, set TRUST_PROXY behind a TLS proxy, or use SESSION_COOKIE_SECURE=auto.",
      );
    }
    return { path: "/", httpOnly: true, sameSite: this.config.sameSite, secure } as const;
  }
}
