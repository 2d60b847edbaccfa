/**
 * Shared test helpers. Nothing here fakes HTTP: `recordingFetch` hands every call to the real
 * global fetch and only remembers what was sent.
 */
import assert from "node:assert/strict";
import { uniqueEmail } from "../../../testing/server.js";
import Medusa, { MedusaError } from "../src/index.js";
import type { Config, FetchLike } from "../src/index.js";

/** A password that meets the server's policy (length, not a common password). */
export const PASSWORD = "gatehouse-Test-pw-7391";

/** The real global fetch, remembering the URL, method and headers of every call. */
export function recordingFetch() {
  const calls: Array<{ url: string; method: string; headers: Headers }> = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, method: init.method ?? "GET", headers: new Headers(init.headers) });
    return globalThis.fetch(url, init);
  };
  return { fetch, calls };
}

/** Awaits a call that must reject, and returns its MedusaError. */
export async function rejection(promise: Promise<unknown>): Promise<MedusaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MedusaError, `expected a MedusaError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the call to reject");
}

/** Registers a new customer through a new client instance (which is then logged in). */
export async function register(
  baseUrl: string,
  options: { prefix?: string; config?: Config; first_name?: string } = {},
) {
  const medusa = new Medusa({ baseUrl, ...options.config });
  const email = uniqueEmail(options.prefix);
  const { customer, response } = await medusa.customers.create({
    email,
    password: PASSWORD,
    ...(options.first_name === undefined ? {} : { first_name: options.first_name }),
  });
  return { medusa, email, password: PASSWORD, customer, response };
}
