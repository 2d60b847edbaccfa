/** The headers of a forwarded request and of Medusa's response: what passes, what is replaced. */
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Medusa's session cookie (express-session's default name), which it sets even for anonymous requests. */
export const MEDUSA_SESSION_COOKIE = "connect.sid";

/**
 * The request as Medusa receives it: Gatehouse's credentials (every cookie, Authorization) never
 * pass; `authorization` names the customer when there is one; X-Forwarded-* say where the request
 * came from, extending a chain only when the previous hop is trusted (TRUST_PROXY).
 */
export function requestHeaders(
  request: FastifyRequest,
  headers: IncomingHttpHeaders,
  authorization: string | null,
  trustedProxy: boolean,
): IncomingHttpHeaders {
  const incomingChain = trustedProxy ? headers["x-forwarded-for"] : undefined;
  delete headers.cookie;
  delete headers.authorization;
  delete headers.forwarded;
  delete headers["x-forwarded-for"];
  delete headers["x-forwarded-proto"];
  delete headers["x-forwarded-host"];
  if (authorization !== null) headers.authorization = authorization;
  const peer = request.socket.remoteAddress;
  if (peer !== undefined) {
    const chain = Array.isArray(incomingChain) ? incomingChain.join(", ") : incomingChain;
    headers["x-forwarded-for"] = chain ? `${chain}, ${peer}` : peer;
  }
  headers["x-forwarded-proto"] = request.protocol;
  headers["x-forwarded-host"] = request.host;
  return headers;
}

/**
 * Medusa's response headers as the client receives them: unchanged except Medusa's session cookie
 * (it would overwrite Gatehouse's cookie of the same name), Medusa's CORS headers (Gatehouse's
 * STORE_CORS decides) and hop-by-hop headers.
 */
export function responseHeaders(
  headers: Record<string, string | string[] | undefined>,
  reply: FastifyReply,
): Record<string, string | string[] | undefined> {
  const result: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith("access-control-")) continue;
    if (lower === "connection" || lower === "keep-alive" || lower === "transfer-encoding") continue;
    if (lower === "set-cookie") {
      const kept = (Array.isArray(value) ? value : [value]).filter(
        (cookie) => cookie.split("=", 1)[0]!.trim() !== MEDUSA_SESSION_COOKIE,
      );
      if (kept.length > 0) result[lower] = kept;
      continue;
    }
    if (lower === "vary") {
      result[lower] = mergeVary(reply.getHeader("vary"), value);
      continue;
    }
    result[lower] = value;
  }
  return result;
}

/** Gatehouse's Vary (CORS adds `Origin`) and Medusa's, each token once. */
function mergeVary(
  ours: string | number | string[] | undefined,
  theirs: string | string[],
): string {
  const tokens = new Map<string, string>();
  for (const list of [ours, theirs]) {
    if (list === undefined) continue;
    for (const token of String(list).split(",")) {
      const trimmed = token.trim();
      if (trimmed) tokens.set(trimmed.toLowerCase(), trimmed);
    }
  }
  return [...tokens.values()].join(", ");
}
