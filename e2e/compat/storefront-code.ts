/**
 * The customer-account code of a server-rendered storefront, written against
 * @medusajs/medusa-js 6: one client for the storefront's server, each visitor's access token kept
 * by the storefront (in its own cookie) and forwarded through `customHeaders`, axios-style error
 * handling. Nothing in it knows about Gatehouse.
 *
 * e2e/test/source-compat.once.test.ts type-checks this file as it is and with only the import line
 * changed to "@gatehouse/client", and runs both against a real Gatehouse server; it compiles the
 * file the way a storefront does, so tsconfig.test.json leaves it out. Keep the import line
 * exactly as it is: the test replaces it.
 */
import Medusa from "@medusajs/medusa-js";

/** What a failed call rejects with when the server answered (axios's error shape). */
interface ApiError {
  response: { status: number; data: { type?: string; message?: string } };
}

function isApiError(error: unknown): error is ApiError {
  return (
    typeof error === "object" &&
    error !== null &&
    "response" in error &&
    typeof (error as ApiError).response?.status === "number"
  );
}

export type Result<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

function failure(error: unknown): { ok: false; status: number; message: string } {
  if (isApiError(error)) {
    return {
      ok: false,
      status: error.response.status,
      message: error.response.data.message ?? "Something went wrong",
    };
  }
  throw error;
}

export interface SignUpForm {
  email: string;
  password: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
}

export interface AddressForm {
  first_name: string;
  last_name: string;
  address_1: string;
  address_2?: string;
  city: string;
  province?: string;
  postal_code: string;
  country_code: string;
  phone?: string;
  company?: string;
}

/**
 * One client for the storefront's server. `clientOptions` are extra client settings: with
 * @gatehouse/client a client shared between visitors must not remember credentials
 * (`{ keepCredentials: false }`); medusa-js never remembers any outside browsers.
 */
export function createStorefront(backendUrl: string, clientOptions: object = {}) {
  const medusa = new Medusa({ baseUrl: backendUrl, maxRetries: 3, ...clientOptions });

  /** The headers that carry a visitor's token; none for an anonymous visitor. */
  function authHeaders(token?: string): Record<string, string> {
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  async function isRegistered(email: string): Promise<boolean> {
    const { exists } = await medusa.auth.exists(email);
    return exists;
  }

  /** Registers, then logs in; resolves to the token the storefront keeps for the visitor. */
  async function signUp(form: SignUpForm): Promise<Result<string>> {
    try {
      const { customer } = await medusa.customers.create(form);
      const { access_token } = await medusa.auth.getToken({
        email: customer.email,
        password: form.password,
      });
      return { ok: true, value: access_token };
    } catch (err: any) {
      if (!err.response) throw err;
      return { ok: false, status: err.response.status, message: err.response.data.message };
    }
  }

  async function logIn(email: string, password: string): Promise<Result<string>> {
    try {
      const { access_token } = await medusa.auth.getToken({ email, password });
      return { ok: true, value: access_token };
    } catch (err) {
      return failure(err);
    }
  }

  /** Asks for the password again before a sensitive change. */
  async function confirmPassword(email: string, password: string): Promise<boolean> {
    try {
      const { customer } = await medusa.auth.authenticate({ email, password });
      return customer.email === email.toLowerCase();
    } catch (err) {
      if (isApiError(err) && err.response.status === 401) return false;
      throw err;
    }
  }

  /** The visitor's customer for the page header, or null when they are not logged in. */
  async function currentCustomer(token?: string): Promise<{ id: string; name: string } | null> {
    try {
      const { customer } = await medusa.auth.getSession(authHeaders(token));
      const name = [customer.first_name, customer.last_name].filter(Boolean).join(" ");
      return { id: customer.id, name: name || customer.email };
    } catch (err: any) {
      if (err.response?.status === 401) return null;
      throw err;
    }
  }

  async function profile(token: string) {
    const { customer } = await medusa.customers.retrieve(authHeaders(token));
    return {
      id: customer.id,
      email: customer.email,
      firstName: customer.first_name,
      lastName: customer.last_name,
      phone: customer.phone,
      addresses: customer.shipping_addresses.map((address) => ({
        id: address.id,
        firstName: address.first_name,
        city: address.city,
      })),
    };
  }

  async function updateProfile(
    token: string,
    changes: {
      first_name?: string;
      last_name?: string;
      phone?: string;
      email?: string;
      password?: string;
      metadata?: Record<string, unknown>;
    },
  ): Promise<Result<string>> {
    try {
      const { customer } = await medusa.customers.update(changes, authHeaders(token));
      return { ok: true, value: customer.email };
    } catch (err) {
      return failure(err);
    }
  }

  /** Saves an address; resolves to the ids of the visitor's addresses. */
  async function addAddress(token: string, address: AddressForm): Promise<string[]> {
    const { customer } = await medusa.customers.addresses.addAddress(
      { address },
      authHeaders(token),
    );
    return customer.shipping_addresses.map(({ id }) => id);
  }

  async function updateAddress(
    token: string,
    id: string,
    changes: Partial<AddressForm>,
  ): Promise<Result<string[]>> {
    try {
      const { customer } = await medusa.customers.addresses.updateAddress(
        id,
        changes,
        authHeaders(token),
      );
      return { ok: true, value: customer.shipping_addresses.map((a) => a.first_name ?? "") };
    } catch (err) {
      return failure(err);
    }
  }

  async function deleteAddress(token: string, id: string): Promise<number> {
    const { customer } = await medusa.customers.addresses.deleteAddress(id, authHeaders(token));
    return customer.shipping_addresses.length;
  }

  async function forgotPassword(email: string): Promise<number> {
    const { response } = await medusa.customers.generatePasswordToken({ email });
    return response.status;
  }

  async function resetPassword(
    email: string,
    resetToken: string,
    password: string,
  ): Promise<Result<string>> {
    try {
      const { customer } = await medusa.customers.resetPassword({
        email,
        token: resetToken,
        password,
      });
      return { ok: true, value: customer.id };
    } catch (err) {
      return failure(err);
    }
  }

  async function logOut(token: string): Promise<void> {
    await medusa.auth.deleteSession(authHeaders(token));
  }

  return {
    isRegistered,
    signUp,
    logIn,
    confirmPassword,
    currentCustomer,
    profile,
    updateProfile,
    addAddress,
    updateAddress,
    deleteAddress,
    forgotPassword,
    resetPassword,
    logOut,
  };
}

export type Storefront = ReturnType<typeof createStorefront>;
