import type { Client } from "../client.js";
import type {
  CustomHeaders,
  RequestOptions,
  ResponsePromise,
  StoreAuthRes,
  StoreAuthSessionsRes,
  StoreBearerAuthRes,
  StoreGetAuthEmailRes,
  StorePostAuthReq,
} from "../types.js";

/**
 * This class is used to send requests to the Store Auth API routes. All its methods are available
 * in the client under the `medusa.auth` property.
 *
 * The methods in this class allow you to manage a customer's session, such as login or log out.
 * You can send authenticated requests for a customer either with the session cookie or with a
 * JWT access token. When you log the customer in with {@link AuthResource.authenticate}, the
 * cookie is attached to all subsequent requests of the same client instance: by the browser in a
 * browser, by the instance's own cookie jar elsewhere. When you get a token with
 * {@link AuthResource.getToken}, the instance sends it as `Authorization: Bearer …` from then on.
 *
 * Every method takes optional `customHeaders` (headers for this request only, which override any
 * other header) and, after them, optional {@link RequestOptions} (`signal`, `timeout`).
 */
export class AuthResource {
  readonly #client: Client;

  /**
   * Created by `Medusa`; use `medusa.auth`.
   *
   * @example
   * ```ts
   * const auth = new Medusa({ baseUrl: MEDUSA_BACKEND_URL }).auth
   * ```
   */
  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * Authenticate a customer using their email and password. If the customer is authenticated
   * successfully, the session cookie is automatically attached to subsequent requests sent with
   * this client instance.
   *
   * @param payload - The credentials of the customer to authenticate.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.auth
   *   .authenticate({
   *     email: "user@example.com",
   *     password: "supersecret",
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  authenticate(
    payload: StorePostAuthReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreAuthRes> {
    return this.#client.request("POST", "/store/auth", payload, options, customHeaders);
  }

  /**
   * Log out the customer and remove their authentication session. The server revokes the session
   * and expires the cookie, and this client instance forgets its access token, if it had one.
   *
   * This method requires customer authentication.
   *
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves when the customer is logged out successfully.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.auth.deleteSession().then(() => {
   *   // customer logged out successfully
   * })
   * ```
   */
  async deleteSession(
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<void> {
    const result = await this.#client.request<void>(
      "DELETE",
      "/store/auth",
      {},
      options,
      customHeaders,
    );
    this.#client.accessToken = undefined;
    return result;
  }

  /**
   * Retrieve the details of the logged-in customer. Can also be used to check if there is an
   * authenticated customer: without one, it rejects with a `MedusaError` whose `status` is `401`.
   *
   * This method requires customer authentication.
   *
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.auth.getSession().then(({ customer }) => {
   *   console.log(customer.id)
   * })
   * ```
   */
  getSession(
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreAuthRes> {
    return this.#client.request("GET", "/store/auth", undefined, options, customHeaders);
  }

  /**
   * Check if the email is already used by another registered customer. Can be used to validate a
   * new customer's email. The email is URL-encoded, so addresses containing `+`, `/`, `?` or `#`
   * are checked as they are.
   *
   * @param email - The email to check.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the result of the check.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.auth.exists("user@example.com").then(({ exists }) => {
   *   console.log(exists)
   * })
   * ```
   */
  exists(
    email: string,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreGetAuthEmailRes> {
    const path = `/store/auth/${encodeURIComponent(email)}`;
    return this.#client.request("GET", path, undefined, options, customHeaders);
  }

  /**
   * Authenticate the customer and retrieve a JWT access token to use for subsequent authenticated
   * requests. This client instance then sends it as `Authorization: Bearer …` on every request,
   * until {@link AuthResource.deleteSession} (other instances are not affected).
   *
   * @param payload - The credentials of the customer to authenticate.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the access token of the customer, if they're authenticated successfully.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.auth
   *   .getToken({
   *     email: "user@example.com",
   *     password: "supersecret",
   *   })
   *   .then(({ access_token }) => {
   *     console.log(access_token)
   *   })
   * ```
   */
  async getToken(
    payload: StorePostAuthReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreBearerAuthRes> {
    const result = await this.#client.request<StoreBearerAuthRes>(
      "POST",
      "/store/auth/token",
      payload,
      options,
      customHeaders,
    );
    this.#client.accessToken = result.access_token;
    return result;
  }

  /**
   * List the logged-in customer's live sessions: their cookie sessions (one per browser or
   * device) and their access tokens. A Gatehouse addition to the Medusa API.
   *
   * This method requires customer authentication.
   *
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the sessions; the one making the request has `current: true`.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL })
   * medusa.auth.listSessions().then(({ sessions }) => {
   *   sessions.forEach((s) => console.log(s.id, s.kind, s.user_agent, s.current))
   * })
   * ```
   */
  listSessions(
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreAuthSessionsRes> {
    return this.#client.request("GET", "/store/auth/sessions", undefined, options, customHeaders);
  }

  /**
   * Revoke one of the logged-in customer's sessions, such as a device they no longer use. Its
   * cookie or access token stops working at once. A Gatehouse addition to the Medusa API.
   *
   * This method requires customer authentication.
   *
   * @param id - The ID of the session, from {@link AuthResource.listSessions}.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves when the session is revoked.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL })
   * medusa.auth.revokeSession("sess_01H…").then(() => {
   *   // session revoked
   * })
   * ```
   */
  revokeSession(
    id: string,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<void> {
    const path = `/store/auth/sessions/${encodeURIComponent(id)}`;
    return this.#client.request("DELETE", path, undefined, options, customHeaders);
  }

  /**
   * Revoke every session of the logged-in customer except the current one: "log out everywhere
   * else". A Gatehouse addition to the Medusa API.
   *
   * This method requires customer authentication.
   *
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves when the other sessions are revoked.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL })
   * medusa.auth.revokeOtherSessions().then(() => {
   *   // every other device is logged out
   * })
   * ```
   */
  revokeOtherSessions(
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<void> {
    return this.#client.request(
      "DELETE",
      "/store/auth/sessions",
      undefined,
      options,
      customHeaders,
    );
  }
}
