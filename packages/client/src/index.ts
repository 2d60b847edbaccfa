/**
 * `@gatehouse/client`: a typed, zero-dependency, fetch-based client for Gatehouse and Medusa v1's
 * Store Auth API. Its `auth` and `customers` resources have the names, parameters and results of
 * `@medusajs/medusa-js`'s.
 *
 * @example
 * ```ts
 * import Medusa from "@gatehouse/client"
 *
 * const medusa = new Medusa({ baseUrl: "http://localhost:9000" })
 * await medusa.auth.authenticate({ email: "user@example.com", password: "supersecret" })
 * const { customer } = await medusa.customers.retrieve()
 * ```
 *
 * @packageDocumentation
 */
import { Client } from "./client.js";
import { AuthResource } from "./resources/auth.js";
import { CustomersResource } from "./resources/customers.js";
import type { Config } from "./types.js";

/**
 * The Gatehouse client. Each instance keeps its own session: its cookies (outside browsers) and
 * its access token are never shared with another instance.
 *
 * @example
 * ```ts
 * import Medusa from "@gatehouse/client"
 *
 * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
 * const { customer } = await medusa.auth.authenticate({
 *   email: "user@example.com",
 *   password: "supersecret",
 * })
 * ```
 */
export class Medusa {
  /**
   * The request layer, for raw requests and for this instance's cookies and access token.
   *
   * @example
   * ```ts
   * const { response } = await medusa.client.request("GET", "/health")
   * ```
   */
  readonly client: Client;
  /**
   * Log in and out, read the session, check emails, get access tokens, manage sessions.
   *
   * @example
   * ```ts
   * await medusa.auth.authenticate({ email, password })
   * ```
   */
  readonly auth: AuthResource;
  /**
   * Register customers, read and update the profile and addresses, reset passwords.
   *
   * @example
   * ```ts
   * const { customer } = await medusa.customers.retrieve()
   * ```
   */
  readonly customers: CustomersResource;

  /**
   * Creates a client. Every option is optional; see {@link Config}.
   *
   * @example
   * ```ts
   * const medusa = new Medusa({
   *   baseUrl: "https://auth.example.com",
   *   maxRetries: 3,
   *   publishableApiKey: "pk_01H…",
   * })
   * ```
   */
  constructor(config: Config = {}) {
    this.client = new Client(config);
    this.auth = new AuthResource(this.client);
    this.customers = new CustomersResource(this.client);
  }

  /**
   * Sets the publishable API key this instance sends as `x-publishable-api-key`. Unlike
   * medusa-js, it applies to this instance only.
   *
   * @example
   * ```ts
   * medusa.setPublishableKey("pk_01H…")
   * ```
   */
  setPublishableKey(key: string): void {
    this.client.publishableApiKey = key;
  }
}

export default Medusa;

export { Client, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from "./client.js";
export { CookieJar, getSetCookies, splitSetCookieHeader, type StoredCookie } from "./cookie-jar.js";
export {
  MedusaError,
  MedusaError as GatehouseError,
  type MedusaErrorData,
  type MedusaErrorInit,
  type MedusaErrorResponse,
  type TransportErrorType,
} from "./medusa-error.js";
export { AuthResource } from "./resources/auth.js";
export { AddressesResource, CustomersResource } from "./resources/customers.js";
export type * from "./types.js";
