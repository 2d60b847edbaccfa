/**
 * Delivers password-reset tokens. Gatehouse sends no email itself: it POSTs Medusa's
 * `customer.password_reset` event to PASSWORD_RESET_WEBHOOK_URL, where the store's mailer builds
 * the link. Without a webhook, development logs the token so the flow can be tried by hand.
 */
import type { FastifyBaseLogger } from "fastify";
import type { PasswordResetEvent } from "./customers.js";

const WEBHOOK_TIMEOUT_MS = 5000;

export function createPasswordResetNotifier(
  webhookUrl: string | undefined,
  production: boolean,
  log: FastifyBaseLogger,
): (event: PasswordResetEvent) => Promise<void> {
  if (!webhookUrl) {
    return async (event) => {
      if (production) {
        log.warn(
          { customer_id: event.id },
          "password reset requested but PASSWORD_RESET_WEBHOOK_URL is not set",
        );
      } else {
        log.warn(
          { customer_id: event.id, email: event.email, token: event.token },
          "password reset token (development: set PASSWORD_RESET_WEBHOOK_URL to deliver it)",
        );
      }
    };
  }
  return async (event) => {
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event: "customer.password_reset", data: event }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok)
        log.error(
          { status: response.status, customer_id: event.id },
          "password reset webhook failed",
        );
    } catch (error) {
      log.error({ err: error, customer_id: event.id }, "password reset webhook unreachable");
    }
  };
}
