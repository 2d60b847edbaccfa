/** Registration, profile, address book and password reset. */
import type { Address, AddressFields, Customer, Metadata } from "../domain.js";
import {
  DUPLICATE_ACCOUNT_MESSAGE,
  duplicate,
  invalidData,
  notFound,
  unauthorized,
} from "../errors.js";
import type {
  AddressStore,
  CustomerPatch,
  CustomerStore,
  CustomerWithAddresses,
  PasswordResetStore,
} from "../stores/types.js";
import type { Clock } from "./clock.js";
import { normalizeEmail } from "./emails.js";
import type { AccountEvents } from "./events.js";
import { SECRET_TOKEN_PATTERN, hashSecretToken, newId, newSecretToken } from "./ids.js";
import type { PasswordService } from "./passwords.js";
import type { SessionService } from "./sessions.js";

export interface CustomerView {
  customer: Customer;
  billingAddress: Address | null;
  shippingAddresses: Address[];
}

/**
 * One view per stored customer object: the read cache hands out the same frozen object
 * until it changes, so its view, presented form and JSON are made once (presenters.ts).
 */
const views = new WeakMap<CustomerWithAddresses, CustomerView>();
function viewOf(found: CustomerWithAddresses): CustomerView {
  let view = views.get(found);
  if (view === undefined) {
    view = Object.freeze({
      customer: found.customer,
      billingAddress: found.billingAddress,
      shippingAddresses: found.addresses,
    });
    views.set(found, view);
  }
  return view;
}

export interface RegistrationInput {
  email: string;
  password: string;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
}

/** `null` clears a name or phone; for the other fields it means "leave unchanged" (as Medusa). */
export interface ProfileUpdate {
  email?: string | null;
  password?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  metadata?: Metadata | null;
  billing_address?: string | AddressFields | null;
}

export const INVALID_RESET_TOKEN = "Invalid or expired password reset token";
const RESET_TOKEN_TTL_MS = 15 * 60_000;

/** Medusa's metadata rule: keys are merged in, and a key set to "" is removed. */
export function mergeMetadata(current: Metadata | null, update: Metadata): Metadata {
  const merged: Metadata = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export class CustomerService {
  constructor(
    private readonly customers: CustomerStore,
    private readonly addresses: AddressStore,
    private readonly resets: PasswordResetStore,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly events: AccountEvents,
  ) {}

  async register(input: RegistrationInput): Promise<Customer> {
    this.assertPolicy(input.password);
    const email = normalizeEmail(input.email);
    if (await this.customers.hasAccount(email)) throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    const customer = await this.customers.create({
      id: newId("cus"),
      email,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      phone: input.phone ?? null,
      has_account: true,
      password_hash: await this.passwords.hash(input.password),
      created_at: this.clock.now(),
    });
    // The unique index decides races between concurrent registrations of one email.
    if (!customer) throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    await this.events.emit("customer.created", names(customer));
    return customer;
  }

  /** Whether the email belongs to a registered (not guest) customer. */
  async isRegistered(email: string): Promise<boolean> {
    return this.customers.hasAccount(normalizeEmail(email));
  }

  async view(customerId: string): Promise<CustomerView> {
    const found = await this.customers.findWithAddresses(customerId);
    if (!found) throw notFound(`Customer with id: ${customerId} was not found`);
    return viewOf(found);
  }

  /**
   * Updates the profile. A new password revokes every other session and token of the customer
   * (the caller's own session, `currentSessionId`, stays signed in). A new password or email is
   * reported as an account event.
   */
  async update(
    customerId: string,
    update: ProfileUpdate,
    currentSessionId: string,
  ): Promise<CustomerView> {
    const existing = await this.customers.findById(customerId);
    if (!existing) throw notFound(`Customer with id: ${customerId} was not found`);
    const now = this.clock.now();
    const patch: CustomerPatch = { updated_at: now };
    if (update.first_name !== undefined) patch.first_name = update.first_name;
    if (update.last_name !== undefined) patch.last_name = update.last_name;
    if (update.phone !== undefined) patch.phone = update.phone;
    if (update.email != null) patch.email = normalizeEmail(update.email);
    if (update.metadata != null) patch.metadata = mergeMetadata(existing.metadata, update.metadata);
    if (update.password != null) {
      this.assertPolicy(update.password);
      patch.password_hash = await this.passwords.hash(update.password);
    }
    if (update.billing_address != null) {
      patch.billing_address_id = await this.saveBillingAddress(
        existing,
        update.billing_address,
        now,
      );
    }
    const updated = await this.customers.update(customerId, patch);
    if (updated === "duplicate") throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    if (!updated) throw notFound(`Customer with id: ${customerId} was not found`);
    if (updated.email !== existing.email) {
      await this.events.emit("customer.email_changed", {
        id: updated.id,
        old_email: existing.email,
        new_email: updated.email,
        first_name: updated.first_name,
        last_name: updated.last_name,
      });
    }
    if (patch.password_hash !== undefined) {
      await this.sessions.revokeAll(customerId, "password_changed", currentSessionId);
      await this.resets.deleteForCustomer(customerId);
      await this.events.emit("customer.password_changed", { ...names(updated), source: "profile" });
    }
    return this.view(updated.id);
  }

  async addAddress(customerId: string, fields: AddressFields): Promise<CustomerView> {
    const now = this.clock.now();
    await this.addresses.create(this.newAddress(customerId, fields, now));
    return this.view(customerId);
  }

  async updateAddress(
    customerId: string,
    addressId: string,
    fields: AddressFields,
  ): Promise<CustomerView> {
    const address = await this.addresses.findById(addressId);
    if (!address || address.customer_id !== customerId) {
      throw notFound(`Address with id ${addressId} was not found`);
    }
    await this.addresses.update(
      addressId,
      normalizeAddress(fields, address.metadata),
      this.clock.now(),
    );
    return this.view(customerId);
  }

  async deleteAddress(customerId: string, addressId: string): Promise<CustomerView> {
    if (!(await this.addresses.softDelete(customerId, addressId, this.clock.now()))) {
      throw notFound(`Address with id ${addressId} was not found`);
    }
    return this.view(customerId);
  }

  /** Creates a reset token for a registered customer and emits it in an event. Silent otherwise. */
  async requestPasswordReset(email: string): Promise<void> {
    const account = await this.customers.findAccountByEmail(normalizeEmail(email));
    if (!account) return;
    const token = newSecretToken();
    const now = this.clock.now();
    await this.resets.create(
      hashSecretToken(this.secret, token),
      account.customer.id,
      now,
      now + RESET_TOKEN_TTL_MS,
    );
    // Not awaited: writing the event must not make registered emails answer slower than unknown
    // ones. Shutdown still waits for it (AccountEvents.settled).
    void this.events.emit("customer.password_reset_requested", {
      ...names(account.customer),
      token,
    });
  }

  /** Sets a new password with a reset token (single use, 15 minutes) and ends every session. */
  async resetPassword(email: string, token: string, password: string): Promise<Customer> {
    const account = await this.customers.findAccountByEmail(normalizeEmail(email));
    if (!account || !SECRET_TOKEN_PATTERN.test(token)) throw unauthorized(INVALID_RESET_TOKEN);
    this.assertPolicy(password);
    const customerId = account.customer.id;
    const now = this.clock.now();
    if (!(await this.resets.consume(hashSecretToken(this.secret, token), customerId, now))) {
      throw unauthorized(INVALID_RESET_TOKEN);
    }
    const updated = await this.customers.update(customerId, {
      password_hash: await this.passwords.hash(password),
      updated_at: this.clock.now(),
    });
    if (!updated || updated === "duplicate") throw unauthorized(INVALID_RESET_TOKEN);
    await this.sessions.revokeAll(customerId, "password_reset");
    await this.resets.deleteForCustomer(customerId);
    await this.events.emit("customer.password_changed", { ...names(updated), source: "reset" });
    return updated;
  }

  private assertPolicy(password: string): void {
    const problem = this.passwords.policyProblem(password);
    if (problem) throw invalidData(problem);
  }

  private newAddress(customerId: string | null, fields: AddressFields, now: number): Address {
    const normalized = normalizeAddress(fields, null);
    return {
      id: newId("addr"),
      created_at: now,
      updated_at: now,
      deleted_at: null,
      customer_id: customerId,
      company: normalized.company ?? null,
      first_name: normalized.first_name ?? null,
      last_name: normalized.last_name ?? null,
      address_1: normalized.address_1 ?? null,
      address_2: normalized.address_2 ?? null,
      city: normalized.city ?? null,
      country_code: normalized.country_code ?? null,
      province: normalized.province ?? null,
      postal_code: normalized.postal_code ?? null,
      phone: normalized.phone ?? null,
      metadata: normalized.metadata ?? null,
    };
  }

  /** Medusa's billing-address rule: an id selects one of the customer's addresses; an object edits or creates it. */
  private async saveBillingAddress(
    customer: Customer,
    value: string | AddressFields,
    now: number,
  ): Promise<string> {
    if (typeof value === "string") {
      const address = await this.addresses.findById(value);
      // Unlike Medusa, only the customer's own addresses can be chosen.
      if (
        !address ||
        (address.customer_id !== customer.id && address.id !== customer.billing_address_id)
      ) {
        throw notFound(`Address with id ${value} was not found`);
      }
      return address.id;
    }
    if (customer.billing_address_id) {
      const current = await this.addresses.findById(customer.billing_address_id);
      if (current) {
        await this.addresses.update(current.id, normalizeAddress(value, current.metadata), now);
        return current.id;
      }
    }
    const created = await this.addresses.create(this.newAddress(null, value, now));
    return created.id;
  }
}

/** Who an account event is about (never a hash). */
function names(customer: Customer) {
  const { id, email, first_name, last_name } = customer;
  return { id, email, first_name, last_name };
}

/** Country codes are stored lower-case (as Medusa); metadata merges like the customer's. */
function normalizeAddress(fields: AddressFields, currentMetadata: Metadata | null): AddressFields {
  const result: AddressFields = { ...fields };
  if (typeof fields.country_code === "string")
    result.country_code = fields.country_code.toLowerCase();
  if (fields.metadata) result.metadata = mergeMetadata(currentMetadata, fields.metadata);
  return result;
}
