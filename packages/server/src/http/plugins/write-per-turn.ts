/**
 * Responses are written together, once per turn of the event loop, instead of each the moment it
 * is ready.
 *
 * Every socket write that reaches a peer asleep on another core wakes it; when the peer runs on
 * the same machine (a reverse proxy, a load balancer, a load generator) and the server spends
 * tens of microseconds between two writes, the peer goes back to sleep each time and every write
 * pays for a wake-up, which on a virtual machine is an exit to the hypervisor. Written one after
 * the other, the responses of one turn wake the peer once. A response waits at most for the
 * other requests read in the same turn (runtime/end-of-turn.ts), not for the loop to poll for more. Order on a
 * connection is kept (one queue, first in, first out). Figures in docs/architecture.md.
 */
import type { FastifyInstance, FastifyReply, onSendHookHandler } from "fastify";
import fp from "fastify-plugin";
import { atTurnEnd } from "../../runtime/end-of-turn.js";

type SendDone = Parameters<onSendHookHandler>[3];

/** Adds the hook; it must be the last `onSend` hook (see `responseWrites`). */
export function writeResponsesPerTurn(fastify: FastifyInstance): void {
  let pending: { reply: FastifyReply; done: SendDone; payload: unknown }[] = [];

  const flush = (): void => {
    const turn = pending;
    pending = [];
    for (const { reply, done, payload } of turn) {
      try {
        done(null, payload);
      } catch (error) {
        // Thrown while writing (an invalid header value, say): Fastify's own error reply, as
        // when the hook answers synchronously; if even that throws, the connection is closed
        // rather than left waiting, and the other responses of the turn still go out.
        try {
          done(error as Error);
        } catch (again) {
          reply.log.error({ err: again }, "Could not write a response; closing the connection");
          reply.raw.destroy();
        }
      }
    }
  };

  fastify.addHook("onSend", (_request, reply, payload, done) => {
    if (pending.push({ reply, done, payload }) === 1) atTurnEnd(flush);
  });
}

/**
 * The hook as a plugin, the last `onSend` hook: app.ts registers it after the root's others
 * (@fastify/cookie's, which writes Set-Cookie, and the security headers) and before the routes,
 * which inherit the hooks in that order (the not-found handler too). A route bringing an `onSend`
 * of its own, which would run after it, is refused at start; Fastify's HEAD routes, which drop
 * the body after it, are the exception. Not registered with RESPONSE_WRITES=immediate.
 */
export const responseWrites = fp(
  async (fastify) => {
    writeResponsesPerTurn(fastify);
    fastify.addHook("onRoute", (route) => {
      if (route.onSend !== undefined && route.method !== "HEAD") {
        throw new Error(
          `${String(route.method)} ${route.url}: its onSend hook would run after the response writes`,
        );
      }
    });
  },
  { name: "gatehouse-response-writes", dependencies: ["@fastify/cookie"] },
);
