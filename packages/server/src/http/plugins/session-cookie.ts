/**
 * The session and device cookies (SPEC §3.1): `request.sessionCookie` and `request.deviceCookie`
 * read them; `reply.setSessionCookie`, `reply.clearSessionCookie` and `reply.setDeviceCookie`
 * write them, with the configured attributes.
 */
import type { FastifyReply } from "fastify";
import type {} from "@fastify/cookie";
import fp from "fastify-plugin";
import type { Config } from "../../config.js";
import { DEVICE_COOKIE_NAME, DEVICE_COOKIE_TTL_MS } from "../../services/devices.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The session cookie's value, if the request carries one. */
    readonly sessionCookie: string | undefined;
    /** The device cookie's value, if the request carries one (services/devices.ts). */
    readonly deviceCookie: string | undefined;
  }
  interface FastifyReply {
    setSessionCookie(value: string, expiresAt: number): FastifyReply;
    /** An expiring Set-Cookie, so the browser forgets a session that has ended. */
    clearSessionCookie(): FastifyReply;
    /** Sets the device cookie, with the session cookie's attributes and a year's lifetime. */
    setDeviceCookie(value: string): FastifyReply;
  }
}

export interface SessionCookieOptions {
  config: Config["session"];
}

export const sessionCookie = fp<SessionCookieOptions>(
  async (fastify, { config }) => {
    const name = config.cookieName;
    // A browser keeps a __Host- cookie only if it is Secure (and has Path=/, no Domain).
    const hostPrefixed = /^__host-/i.test(name);
    let warnedInsecure = false;

    const attributes = (reply: FastifyReply) => {
      const https = reply.request.protocol === "https";
      const secure =
        config.secure === "always" ||
        config.sameSite === "none" ||
        hostPrefixed ||
        (config.secure === "auto" && https);
      if (secure && !https && !warnedInsecure) {
        warnedInsecure = true;
        fastify.log.warn(
          "Setting a Secure session cookie on a plain-HTTP request: browsers drop it (except on localhost). " +
            "Serve over HTTPS, set TRUST_PROXY behind a TLS proxy, or use SESSION_COOKIE_SECURE=auto.",
        );
      }
      return { path: "/", httpOnly: true, sameSite: config.sameSite, secure } as const;
    };

    fastify.decorateRequest("sessionCookie", {
      getter() {
        return this.cookies[name];
      },
    });
    fastify.decorateRequest("deviceCookie", {
      getter() {
        return this.cookies[DEVICE_COOKIE_NAME];
      },
    });
    fastify.decorateReply("setSessionCookie", function (value: string, expiresAt: number) {
      return this.setCookie(name, value, { ...attributes(this), expires: new Date(expiresAt) });
    });
    fastify.decorateReply("clearSessionCookie", function () {
      return this.setCookie(name, "", { ...attributes(this), expires: new Date(0), maxAge: 0 });
    });
    fastify.decorateReply("setDeviceCookie", function (value: string) {
      return this.setCookie(DEVICE_COOKIE_NAME, value, {
        ...attributes(this),
        maxAge: DEVICE_COOKIE_TTL_MS / 1000,
      });
    });
  },
  { name: "gatehouse-session-cookie", dependencies: ["@fastify/cookie"] },
);
