/** Who asked, as the audit log names them (services/audit.ts): the client's address and the request id. */
import type { FastifyRequest } from "fastify";
import type { AuditClient } from "../services/audit.js";

export const auditClient = (request: FastifyRequest): AuditClient => ({
  ip: request.ip,
  requestId: request.id,
});
