/**
 * Account events: what happened to an account, for the store's mailer and other systems. An
 * event is written to the outbox (the `account_event` table) right after the change it reports
 * is stored; the worker (event-worker.ts) delivers it, signed, at least once.
 */
import type { FastifyBaseLogger } from "fastify";
import type { EventStore } from "../stores/types.js";
import type { Clock } from "./clock.js";
import { newId } from "./ids.js";

interface CustomerNames {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

/**
 * (v2) An auth identity whose customer was never created: no customer (`id` and the names null),
 * its email and its id. A mailer reading `email` reads it as a customer's.
 */
export interface IdentityNames {
  id: null;
  email: string;
  first_name: null;
  last_name: null;
  auth_identity_id: string;
}

/** Every event type and its `data`. No payload ever holds a password hash. */
export interface AccountEventData {
  /** A customer registered. */
  "customer.created": CustomerNames;
  /** Medusa's `customer.password_reset` data: the only event that carries a secret, the token. */
  "customer.password_reset_requested": (CustomerNames | IdentityNames) & { token: string };
  /** The password was changed in the profile or with a reset token. */
  "customer.password_changed": (CustomerNames | IdentityNames) & { source: "profile" | "reset" };
  /** The email was changed: the mailer can tell the old address. */
  "customer.email_changed": {
    id: string;
    old_email: string;
    new_email: string;
    first_name: string | null;
    last_name: string | null;
  };
  /** A customer deleted their account: `email` is the one it had (the row no longer holds it). */
  "customer.deleted": { id: string; email: string };
  /** Sessions ended at once: at the customer's request, or by a password change or reset. */
  "session.revoked_all": {
    customer_id: string;
    revoked: number;
    reason: "customer_request" | "password_changed" | "password_reset" | "customer_deleted";
  };
}

export type AccountEventType = keyof AccountEventData;

export class AccountEvents {
  /** Writes not yet committed: shutdown waits for them. */
  private readonly pending = new Set<Promise<void>>();
  private listener: () => void = () => {};

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Called after each event is stored (the worker wakes up). */
  onStored(listener: () => void): void {
    this.listener = listener;
  }

  /**
   * Writes an event to the outbox. Never rejects: the change it reports is already stored, so a
   * failure is logged (the event is lost) rather than turned into an error for the request.
   */
  emit<T extends AccountEventType>(type: T, data: AccountEventData[T]): Promise<void> {
    const id = newId("msg");
    const written = this.store
      .add({ id, type, data: { ...data }, created_at: this.clock.now() })
      .then(
        () => this.listener(),
        (error: unknown) =>
          this.log.error(
            { err: error, event_id: id, event_type: type },
            "account event could not be written to the outbox; it is lost",
          ),
      );
    this.pending.add(written);
    void written.finally(() => this.pending.delete(written));
    return written;
  }

  /** Resolves once every event emitted so far is in the outbox (or logged as lost). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
