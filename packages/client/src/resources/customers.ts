import type { Client } from "../client.js";
import type {
  CustomHeaders,
  RequestOptions,
  ResponsePromise,
  StoreCustomersRes,
  StoreCustomersResetPasswordRes,
  StorePostCustomersCustomerAddressesAddressReq,
  StorePostCustomersCustomerAddressesReq,
  StorePostCustomersCustomerPasswordTokenReq,
  StorePostCustomersCustomerReq,
  StorePostCustomersReq,
  StorePostCustomersResetPasswordReq,
} from "../types.js";

/**
 * This class is used to send requests to the Store Customer Address API routes. All its methods
 * are available in the client under the `medusa.customers.addresses` property.
 *
 * The methods in this class manage the logged-in customer's saved shipping addresses. They all
 * require customer authentication.
 */
export class AddressesResource {
  readonly #client: Client;

  /**
   * Created by `Medusa`; use `medusa.customers.addresses`.
   *
   * @example
   * ```ts
   * const addresses = new Medusa({ baseUrl: MEDUSA_BACKEND_URL }).customers.addresses
   * ```
   */
  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * Add an address to the logged-in customer's saved addresses.
   *
   * This method requires customer authentication.
   *
   * @param payload - The address to add.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details, including the new address in
   *   `shipping_addresses`.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.customers.addresses
   *   .addAddress({
   *     address: {
   *       first_name: "Celia",
   *       last_name: "Schumm",
   *       address_1: "225 Bednar Curve",
   *       city: "Danielville",
   *       country_code: "US",
   *       postal_code: "85137",
   *       phone: "981-596-6748 x90188",
   *     },
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  addAddress(
    payload: StorePostCustomersCustomerAddressesReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    const path = "/store/customers/me/addresses";
    return this.#client.request("POST", path, payload, options, customHeaders);
  }

  /**
   * Delete an address of the logged-in customer.
   *
   * This method requires customer authentication.
   *
   * @param address_id - The ID of the address to delete.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.customers.addresses.deleteAddress(addressId).then(({ customer }) => {
   *   console.log(customer.id)
   * })
   * ```
   */
  deleteAddress(
    address_id: string,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    const path = `/store/customers/me/addresses/${encodeURIComponent(address_id)}`;
    return this.#client.request("DELETE", path, undefined, options, customHeaders);
  }

  /**
   * Update an address of the logged-in customer. Fields left out keep their value.
   *
   * This method requires customer authentication.
   *
   * @param address_id - The ID of the address to update.
   * @param payload - The fields to change.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.customers.addresses
   *   .updateAddress(addressId, {
   *     first_name: "Gina",
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  updateAddress(
    address_id: string,
    payload: StorePostCustomersCustomerAddressesAddressReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    const path = `/store/customers/me/addresses/${encodeURIComponent(address_id)}`;
    return this.#client.request("POST", path, payload, options, customHeaders);
  }
}

/**
 * This class is used to send requests to the Store Customer API routes. All its methods are
 * available in the client under the `medusa.customers` property.
 *
 * The methods in this class allow you to register customers, read and update the logged-in
 * customer's profile, and reset a forgotten password. The logged-in customer's addresses are
 * managed through {@link CustomersResource.addresses}.
 *
 * Every method takes optional `customHeaders` (headers for this request only, which override any
 * other header) and, after them, optional {@link RequestOptions} (`signal`, `timeout`).
 */
export class CustomersResource {
  readonly #client: Client;

  /**
   * The logged-in customer's saved addresses.
   *
   * @example
   * ```ts
   * medusa.customers.addresses.addAddress({ address })
   * ```
   */
  readonly addresses: AddressesResource;

  /**
   * Created by `Medusa`; use `medusa.customers`.
   *
   * @example
   * ```ts
   * const customers = new Medusa({ baseUrl: MEDUSA_BACKEND_URL }).customers
   * ```
   */
  constructor(client: Client) {
    this.#client = client;
    this.addresses = new AddressesResource(client);
  }

  /**
   * Register a new customer. The customer is logged in afterwards: the session cookie is
   * attached to subsequent requests sent with this client instance. Registering an email that
   * already has an account rejects with a `MedusaError` of status `422` and type
   * `"duplicate_error"`.
   *
   * @param payload - The details of the customer to create.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the created customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.customers
   *   .create({
   *     first_name: "Alec",
   *     last_name: "Reynolds",
   *     email: "user@example.com",
   *     password: "supersecret",
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  create(
    payload: StorePostCustomersReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    return this.#client.request("POST", "/store/customers", payload, options, customHeaders);
  }

  /**
   * Retrieve the logged-in customer's details.
   *
   * This method requires customer authentication.
   *
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the logged-in customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.customers.retrieve().then(({ customer }) => {
   *   console.log(customer.id)
   * })
   * ```
   */
  retrieve(
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    return this.#client.request("GET", "/store/customers/me", undefined, options, customHeaders);
  }

  /**
   * Update the logged-in customer's details. Changing the password ends every other session of
   * the customer.
   *
   * This method requires customer authentication.
   *
   * @param payload - The fields to change.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the logged-in customer's details.
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * // must be previously logged in
   * medusa.customers
   *   .update({
   *     first_name: "Laury",
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  update(
    payload: StorePostCustomersCustomerReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersRes> {
    return this.#client.request("POST", "/store/customers/me", payload, options, customHeaders);
  }

  /**
   * Reset a customer's password using a password token created by a previous request to
   * {@link CustomersResource.generatePasswordToken}. The customer must log in again afterwards:
   * a reset ends every session of the customer. An invalid, expired or already used token
   * rejects with a `MedusaError` of status `401`.
   *
   * @param payload - The email, the token and the new password.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves to the customer's details (scalar fields only, without addresses).
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.customers
   *   .resetPassword({
   *     email: "user@example.com",
   *     password: "supersecret",
   *     token: "supersecrettoken",
   *   })
   *   .then(({ customer }) => {
   *     console.log(customer.id)
   *   })
   * ```
   */
  resetPassword(
    payload: StorePostCustomersResetPasswordReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<StoreCustomersResetPasswordRes> {
    const path = "/store/customers/password-reset";
    return this.#client.request("POST", path, payload, options, customHeaders);
  }

  /**
   * Create a reset password token to be used in a subsequent
   * {@link CustomersResource.resetPassword} request. The token is not returned: the server sends
   * it to the customer (by email, for example). The request succeeds whether or not the email
   * belongs to a customer, so it reveals nothing about which emails are registered.
   *
   * @param payload - The email of the customer.
   * @param customHeaders - Custom headers to attach to the request.
   * @param options - A signal and a timeout for this request.
   * @returns Resolves when the request is accepted (`response.status` is `204`).
   *
   * @example
   * ```ts
   * import Medusa from "@gatehouse/client"
   * const medusa = new Medusa({ baseUrl: MEDUSA_BACKEND_URL, maxRetries: 3 })
   * medusa.customers
   *   .generatePasswordToken({
   *     email: "user@example.com",
   *   })
   *   .then(() => {
   *     // successful
   *   })
   *   .catch(() => {
   *     // failed
   *   })
   * ```
   */
  generatePasswordToken(
    payload: StorePostCustomersCustomerPasswordTokenReq,
    customHeaders: CustomHeaders = {},
    options: RequestOptions = {},
  ): ResponsePromise<void> {
    const path = "/store/customers/password-token";
    return this.#client.request("POST", path, payload, options, customHeaders);
  }
}
