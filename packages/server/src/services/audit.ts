/**
 * The audit log: one structured log line per security event (`audit: true`, the event, the
 * customer, the client's address and the request id). Never a password, token, hash or cookie:
 * the fields are these and nothing else.
 */
import type { FastifyBaseLogger } from "fastify";

export type AuditEvent =
  | "login.succeeded"
  | "login.failed"
  | "login.throttled"
  | "logout"
  | "password.changed"
  | "password.reset"
  | "email.changed"
  | "session.revoked"
  | "sessions.revoked"
  | "customer.deleted";

/** Who asked: the client's address (after TRUST_PROXY) and the request's id. */
export interface AuditClient {
  ip: string;
  requestId?: string;
}

export interface AuditFields {
  /** The customer concerned, when known (a failed login on an unknown email has none). */
  customer_id?: string | null;
  /** (v2) The auth identity concerned when it has no customer (a reset of its password). */
  auth_identity_id?: string;
  /** Why a login failed: `wrong_password` or `unknown` (the log only; the answer is the same). */
  reason?: "wrong_password" | "unknown" | "too_many_failures" | "too_many_at_once";
  /** `session.revoked`: the session revoked; `sessions.revoked`: how many. */
  session_id?: string;
  revoked?: number;
}

export class AuditLog {
  constructor(private readonly log: FastifyBaseLogger) {}

  record(event: AuditEvent, client: AuditClient, fields: AuditFields = {}): void {
    this.log.info(
      {
        audit: true,
        event,
        customer_id: fields.customer_id ?? null,
        ip: client.ip,
        reqId: client.requestId,
        ...(fields.auth_identity_id && { auth_identity_id: fields.auth_identity_id }),
        ...(fields.reason && { reason: fields.reason }),
        ...(fields.session_id && { session_id: fields.session_id }),
        ...(fields.revoked !== undefined && { revoked: fields.revoked }),
      },
      `audit: ${event}`,
    );
  }
}
