/**
 * Delivers the outbox (events.ts): claims due events with a lease, so that two instances never
 * send one event at once, POSTs each to WEBHOOK_URL signed per Standard Webhooks, and retries
 * failures with exponential back-off and jitter until WEBHOOK_RETRY_FOR has passed. Without a
 * webhook, each event is logged instead (the reset token only outside production).
 */
import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import type { EventOutcome, EventStore, StoredEvent } from "../stores/types.js";
import type { Clock } from "./clock.js";
import { signedHeaders } from "./webhook-signing.js";

/** A POST that has not answered in this time has failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How long a claimed event is this worker's: far longer than one POST can take. */
export const EVENT_LEASE_MS = 60_000;
/** Events claimed (and sent in parallel) at a time. */
const BATCH_SIZE = 20;
/** Delivered and logged events are kept this long, then purged by the hourly maintenance. */
export const DELIVERED_RETENTION_MS = 7 * 86_400_000;
/** Given-up events are kept this long, for an operator to look into. */
export const FAILED_RETENTION_MS = 30 * 86_400_000;

/** Sends one event; resolves to how it left, rejects with why it must be retried. */
type Sink = (event: StoredEvent, signal: AbortSignal) => Promise<Exclude<EventOutcome, "failed">>;

export function webhookSink(url: string, secret: string, clock: Clock): Sink {
  return async (event, signal) => {
    const body = JSON.stringify({
      type: event.type,
      timestamp: new Date(event.created_at).toISOString(),
      data: event.data,
    });
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...signedHeaders(secret, event.id, Math.floor(clock.now() / 1000), body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) {
      throw new Error(`the webhook answered ${response.status}`);
    }
    return "delivered";
  };
}

export function logSink(production: boolean, log: FastifyBaseLogger): Sink {
  return async (event) => {
    const customerId = event.data.id ?? event.data.customer_id;
    if (production) {
      log.info(
        { event_type: event.type, event_id: event.id, customer_id: customerId },
        "account event not delivered: WEBHOOK_URL is not set",
      );
    } else {
      log.info(
        { ...event.data, event_type: event.type, event_id: event.id },
        "account event (development: set WEBHOOK_URL to deliver it)",
      );
    }
    return "logged";
  };
}

/** What an event keeps once it has left the outbox: everything but the reset token. */
const withoutSecrets = (data: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(data).filter(([key]) => key !== "token"));

/** What EventWorker works with. */
export interface EventWorkerDeps {
  store: EventStore;
  /** Where events go: `webhookSink` or `logSink`. */
  sink: Sink;
  settings: Config["webhook"];
  clock: Clock;
  log: FastifyBaseLogger;
}

export class EventWorker {
  /** Names this process's leases. */
  private readonly id = `${process.pid}-${randomBytes(6).toString("hex")}`;
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: EventWorkerDeps) {}

  /** Delivers what is due now, then polls every WEBHOOK_RETRY_BASE (retries, other instances' leftovers). */
  start(): void {
    this.wake();
    this.timer = setInterval(() => this.wake(), this.deps.settings.retryBaseMs);
    this.timer.unref();
  }

  /** Runs a pass now, or another one right after the current pass. */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) =>
        this.deps.log.warn({ err: error }, "account events: delivery pass failed; retrying"),
      )
      .finally(() => (this.running = undefined));
  }

  /** Stops polling; deliveries in flight are cut short and released for the next attempt. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let claimed: number;
      do {
        const now = this.deps.clock.now();
        const batch = await this.deps.store.claim(this.id, now, now + EVENT_LEASE_MS, BATCH_SIZE);
        claimed = batch.length;
        // Every delivery runs to its end (shutdown waits for them), even if one fails to record.
        const results = await Promise.allSettled(batch.map((event) => this.deliver(event)));
        const failure = results.find((result) => result.status === "rejected");
        if (failure) throw failure.reason;
      } while (claimed === BATCH_SIZE && !this.stopping.signal.aborted);
    } while (this.again && !this.stopping.signal.aborted);
  }

  private async deliver(event: StoredEvent): Promise<void> {
    let outcome: Exclude<EventOutcome, "failed">;
    try {
      outcome = await this.deps.sink(event, this.stopping.signal);
    } catch (error) {
      await this.failed(event, error);
      return;
    }
    await this.deps.store.finish(
      event.id,
      outcome,
      this.deps.clock.now(),
      withoutSecrets(event.data),
      null,
    );
  }

  private async failed(event: StoredEvent, error: unknown): Promise<void> {
    const now = this.deps.clock.now();
    const reason = describe(error);
    if (this.stopping.signal.aborted) {
      await this.deps.store.retry(event.id, this.id, now, "interrupted by shutdown");
      return;
    }
    const fields = { event_id: event.id, event_type: event.type, attempts: event.attempts };
    if (now - event.created_at >= this.deps.settings.retryForMs) {
      await this.deps.store.finish(event.id, "failed", now, withoutSecrets(event.data), reason);
      this.deps.log.error(
        { ...fields, error: reason },
        "account event given up: the webhook failed for WEBHOOK_RETRY_FOR",
      );
      return;
    }
    // Exponential (base, 2×base, 4×base … up to the ceiling), then jittered to half to all of it.
    const ceiling = Math.min(
      this.deps.settings.retryBaseMs * 2 ** Math.min(event.attempts - 1, 30),
      this.deps.settings.retryMaxMs,
    );
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    await this.deps.store.retry(event.id, this.id, now + delay, reason);
    this.deps.log.warn(
      { ...fields, error: reason, retry_in_ms: delay },
      "account event not delivered",
    );
  }

  /** Removes events that left the outbox long enough ago (hourly maintenance). */
  purge(): Promise<number> {
    const now = this.deps.clock.now();
    return this.deps.store.deleteFinished(now - DELIVERED_RETENTION_MS, now - FAILED_RETENTION_MS);
  }
}

/** A short, log-safe reason: fetch's network errors keep theirs in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
