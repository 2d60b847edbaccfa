/** Registration, profile, address book, password reset and account deletion. */
// The library without its names in 80 languages (its Node entry loads them all): codes only.
import countries from "i18n-iso-countries/index.js";
import type {
  Address,
  AddressFields,
  AuthIdentity,
  Customer,
  Metadata,
  Session,
} from "../domain.js";
import {
  DUPLICATE_ACCOUNT_MESSAGE,
  count,
  duplicate,
  forbidden,
  invalidData,
  notFound,
  unauthorized,
} from "../errors.js";
import type {
  AddressPatch,
  AddressStore,
  CustomerPatch,
  CustomerStore,
  CustomerWithAddresses,
  IdentityStore,
  MetadataMerge,
  PasswordResetStore,
  ResetSubject,
} from "../stores/types.js";
import type { Clock } from "./clock.js";
import { normalizeEmail } from "./emails.js";
import type { AccountEvents, IdentityNames } from "./events.js";
import { SECRET_TOKEN_PATTERN, hashSecretToken, newId, newSecretToken } from "./ids.js";
import type { AuditClient, AuditLog } from "./audit.js";
import type { PasswordContext } from "./password-policy.js";
import type { PasswordService } from "./passwords.js";
import type { SessionService } from "./sessions.js";
import type { ThrottleService } from "./throttle.js";

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
  /** (v2) */
  company_name?: string | null;
  metadata?: Metadata | null;
  billing_address?: string | AddressFields | null;
  /** The current password: proof for a new password or email (a Gatehouse addition). */
  old_password?: string | null;
}

/** Who asks for a profile update: their session, and the client IP (for the throttle). */
export interface Caller {
  session: Pick<Session, "id" | "created_at">;
  ip: string;
  /** The request's id, for the audit log. */
  requestId?: string;
}

export const INVALID_RESET_TOKEN = "Invalid or expired password reset token";
export const WRONG_OLD_PASSWORD = "old_password is incorrect";
export const WRONG_PASSWORD = "password is incorrect";
const RESET_TOKEN_TTL_MS = 15 * 60_000;
/** Stands in for the customer when a reset names an unknown email: no customer has this id. */
const NO_CUSTOMER = "cus_00000000000000000000000000";

/** `90 seconds`, `1 minute`: a duration as a message shows it. */
function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds % 60 === 0 ? count(seconds / 60, "minute") : count(seconds, "second");
}

/** Medusa's metadata rule: keys are merged in, and a key set to "" is removed. */
export function mergeMetadata(current: Metadata | null, update: Metadata): Metadata {
  const merged: Metadata = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export interface MetadataLimits {
  maxBytes: number;
  maxKeys: number;
}

/** Bounds on stored metadata, checked on the merged value (docs/security.md). */
export const CUSTOMER_METADATA_LIMITS: MetadataLimits = { maxBytes: 16_384, maxKeys: 50 };
export const ADDRESS_METADATA_LIMITS: MetadataLimits = { maxBytes: 4_096, maxKeys: 20 };
/** Live addresses in one customer's address book. */
export const ADDRESS_BOOK_LIMIT = 50;

/** Merges `update` into the stored metadata, refusing a result beyond `limits`. */
export function boundedMerge(
  update: Metadata,
  field: string,
  limits: MetadataLimits,
): MetadataMerge {
  return (stored) => {
    const merged = mergeMetadata(stored, update);
    const keys = Object.keys(merged).length;
    if (keys > limits.maxKeys) {
      throw invalidData(
        `${field} must have at most ${limits.maxKeys} keys once merged (it would have ${keys})`,
      );
    }
    const bytes = Buffer.byteLength(JSON.stringify(merged));
    if (bytes > limits.maxBytes) {
      throw invalidData(
        `${field} must be at most ${limits.maxBytes} bytes once merged (it would be ${bytes})`,
      );
    }
    return merged;
  };
}

/** What CustomerService works with. */
export interface CustomerServiceDeps {
  customers: CustomerStore;
  addresses: AddressStore;
  resets: PasswordResetStore;
  /** (v2) Identities whose customer was never created get reset tokens too. */
  identities?: IdentityStore;
  passwords: PasswordService;
  sessions: SessionService;
  /** Keys the HMAC under which reset tokens are stored (COOKIE_SECRET). */
  secret: string;
  clock: Clock;
  events: AccountEvents;
  throttle: ThrottleService;
  /** A session younger than this may change the password or email without old_password. */
  freshSessionAgeMs: number;
  /** Longest old_password accepted (the login rule). */
  oldPasswordMaxLength: number;
  /** The Medusa API spoken (MEDUSA_VERSION): v2's address ids are `cuaddr_…`. */
  api: 1 | 2;
  audit?: AuditLog;
}

export class CustomerService {
  constructor(private readonly deps: CustomerServiceDeps) {}

  async register(input: RegistrationInput): Promise<Customer> {
    this.assertPolicy(input.password, {
      emails: [input.email],
      names: [input.first_name, input.last_name],
    });
    const email = normalizeEmail(input.email);
    if (await this.deps.customers.hasAccount(email)) throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    const customer = await this.deps.customers.create({
      id: newId("cus"),
      email,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      phone: input.phone ?? null,
      has_account: true,
      password_hash: await this.deps.passwords.hash(input.password),
      created_at: this.deps.clock.now(),
      company_name: null,
      metadata: null,
    });
    // The unique index decides races between concurrent registrations of one email.
    if (!customer) throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    await this.deps.events.emit("customer.created", names(customer));
    return customer;
  }

  /** Whether the email belongs to a registered (not guest) customer. */
  async isRegistered(email: string): Promise<boolean> {
    return this.deps.customers.hasAccount(normalizeEmail(email));
  }

  async view(customerId: string): Promise<CustomerWithAddresses> {
    const found = await this.deps.customers.findWithAddresses(customerId);
    if (!found) throw notFound(`Customer with id: ${customerId} was not found`);
    return found;
  }

  /**
   * Updates the profile. A new password or email needs proof (`old_password`, or a fresh
   * session); a new email is throttled per customer. A new password revokes every other session
   * and token of the customer (the caller's own session stays signed in). A new password or
   * email is reported as an account event.
   */
  async update(
    customerId: string,
    update: ProfileUpdate,
    caller: Caller,
  ): Promise<CustomerWithAddresses> {
    const existing = await this.deps.customers.findById(customerId);
    if (!existing) throw notFound(`Customer with id: ${customerId} was not found`);
    const newEmail = update.email != null ? normalizeEmail(update.email) : undefined;
    const emailChanges = newEmail !== undefined && newEmail !== existing.email;
    const passwordChanges = update.password != null;
    const oldPassword = update.old_password ?? undefined;
    if (oldPassword !== undefined && update.password == null && update.email == null) {
      throw invalidData("old_password is only accepted with password or email");
    }
    if (passwordChanges) {
      // Neither the names and email it has nor the ones this request gives.
      this.assertPolicy(update.password!, {
        emails: [existing.email, update.email],
        names: [existing.first_name, existing.last_name, update.first_name, update.last_name],
      });
    }
    if (passwordChanges || emailChanges || oldPassword !== undefined) {
      await this.assertCredentialProof(existing, oldPassword, caller);
    }
    if (emailChanges) await this.deps.throttle.emailChange(customerId);

    const now = this.deps.clock.now();
    const patch: CustomerPatch = { updated_at: now };
    if (update.first_name !== undefined) patch.first_name = update.first_name;
    if (update.last_name !== undefined) patch.last_name = update.last_name;
    if (update.phone !== undefined) patch.phone = update.phone;
    if (update.company_name !== undefined) patch.company_name = update.company_name;
    if (newEmail !== undefined) patch.email = newEmail;
    if (update.metadata != null) {
      patch.metadata = boundedMerge(update.metadata, "metadata", CUSTOMER_METADATA_LIMITS);
      // Refused before any other change is made; the store checks again what it writes.
      patch.metadata(existing.metadata);
    }
    if (passwordChanges) patch.password_hash = await this.deps.passwords.hash(update.password!);
    if (update.billing_address != null) {
      patch.billing_address_id = await this.saveBillingAddress(
        existing,
        update.billing_address,
        now,
      );
    }
    const updated = await this.deps.customers.update(customerId, patch);
    if (updated === "duplicate") throw duplicate(DUPLICATE_ACCOUNT_MESSAGE);
    if (!updated) throw notFound(`Customer with id: ${customerId} was not found`);
    if (updated.email !== existing.email) {
      this.deps.audit?.record("email.changed", caller, { customer_id: customerId });
      await this.deps.events.emit("customer.email_changed", {
        id: updated.id,
        old_email: existing.email,
        new_email: updated.email,
        first_name: updated.first_name,
        last_name: updated.last_name,
      });
    }
    if (passwordChanges) {
      this.deps.audit?.record("password.changed", caller, { customer_id: customerId });
      await this.deps.sessions.revokeAll(customerId, "password_changed", caller.session.id);
      await this.deps.resets.deleteForCustomer(customerId);
      await this.deps.events.emit("customer.password_changed", {
        ...names(updated),
        source: "profile",
      });
    }
    return this.view(updated.id);
  }

  /**
   * Proof that the caller is the customer: the current password (a wrong one counts as a failed
   * login of the account), or a session started by a login or registration moments ago.
   */
  private async assertCredentialProof(
    customer: Customer,
    oldPassword: string | undefined,
    caller: Caller,
  ): Promise<void> {
    const { freshSessionAgeMs } = this.deps;
    if (oldPassword === undefined) {
      if (this.deps.clock.now() - caller.session.created_at < freshSessionAgeMs) return;
      throw forbidden(
        "Changing the password or email needs old_password (the current password), or a login " +
          `less than ${describeDuration(freshSessionAgeMs)} ago: send old_password or log in again`,
      );
    }
    await this.assertPassword(customer, oldPassword, "old_password", caller.ip);
  }

  /**
   * The current password, checked as a login is: counted against the login limits before it is
   * checked, a wrong one (401 naming `field`) counting as a failed login of the account.
   */
  private async assertPassword(
    customer: Customer,
    password: string,
    field: "old_password" | "password",
    ip: string,
  ): Promise<void> {
    const { oldPasswordMaxLength } = this.deps;
    if (password.length > oldPasswordMaxLength) {
      throw invalidData(
        `${field} must be shorter than or equal to ${oldPasswordMaxLength} characters`,
      );
    }
    // Counted as a login attempt of the account before it is checked (login's rules).
    const wait = await this.deps.throttle.reserveLogin(ip, customer.email, null);
    if (wait > 0) {
      throw this.deps.throttle.rateLimited(
        `Too many failed login attempts; try again in ${count(Math.ceil(wait / 1000), "second")}`,
        wait,
      );
    }
    // From storage: the hash as it is now, never a cached one.
    const account = await this.deps.customers.findAccountByEmail(customer.email);
    const hash = account?.customer.id === customer.id ? account.passwordHash : null;
    if (!(await this.deps.passwords.verify(hash, password)).ok) {
      throw unauthorized(field === "password" ? WRONG_PASSWORD : WRONG_OLD_PASSWORD);
    }
    await this.deps.throttle.loginSucceeded(ip, customer.email, null);
  }

  /**
   * Deletes the account at the customer's request (a Gatehouse addition): the current password is
   * always needed (no fresh-session shortcut), then `erase`. Of concurrent calls, one deletes; the
   * others find no customer (404) or a wrong password (401).
   */
  async delete(customerId: string, password: string, client: AuditClient): Promise<Customer> {
    const existing = await this.deps.customers.findById(customerId);
    if (!existing) throw notFound(`Customer with id: ${customerId} was not found`);
    await this.assertPassword(existing, password, "password", client.ip);
    const erased = await this.erase(customerId);
    this.deps.audit?.record("customer.deleted", client, { customer_id: customerId });
    return erased;
  }

  /**
   * Erases an account with no proof asked (the route's `delete` asks it; an operator's tool may
   * call this directly): the personal data and addresses erased and the row soft-deleted
   * (CustomerStore.erase), every session and token ended, reset tokens dropped, and
   * `customer.deleted` reported with the email it had. 404 when there is no such live customer.
   */
  async erase(customerId: string): Promise<Customer> {
    const erased = await this.deps.customers.erase(customerId, this.deps.clock.now());
    if (!erased) throw notFound(`Customer with id: ${customerId} was not found`);
    await this.deps.sessions.revokeAll(customerId, "customer_deleted");
    await this.deps.resets.deleteForCustomer(customerId);
    await this.deps.events.emit("customer.deleted", { id: erased.id, email: erased.email });
    return erased;
  }

  async addAddress(customerId: string, fields: AddressFields): Promise<CustomerWithAddresses> {
    const address = this.newAddress(fields, this.deps.clock.now(), "address.metadata");
    if (
      !(await this.deps.addresses.addToBook(
        { ...address, customer_id: customerId },
        ADDRESS_BOOK_LIMIT,
      ))
    ) {
      throw invalidData(
        `an address book holds at most ${ADDRESS_BOOK_LIMIT} addresses; delete one first`,
      );
    }
    return this.view(customerId);
  }

  async updateAddress(
    customerId: string,
    addressId: string,
    fields: AddressFields,
  ): Promise<CustomerWithAddresses> {
    const address = await this.deps.addresses.findById(addressId);
    if (!address || address.customer_id !== customerId) {
      throw notFound(`Address with id ${addressId} was not found`);
    }
    await this.deps.addresses.update(
      addressId,
      normalizeAddress(fields, "metadata"),
      this.deps.clock.now(),
    );
    return this.view(customerId);
  }

  async deleteAddress(customerId: string, addressId: string): Promise<CustomerWithAddresses> {
    if (!(await this.deps.addresses.softDelete(customerId, addressId, this.deps.clock.now()))) {
      throw notFound(`Address with id ${addressId} was not found`);
    }
    return this.view(customerId);
  }

  /**
   * Creates a reset token for a registered customer, or (v2) for an identity whose customer was
   * never created, and emits it in an event. Silent otherwise. The route runs it after
   * answering, so its work is not seen in the answer's time.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const normalized = normalizeEmail(email);
    const account = await this.deps.customers.findAccountByEmail(normalized);
    if (account) {
      const token = await this.newResetToken({ customerId: account.customer.id });
      await this.deps.events.emit("customer.password_reset_requested", {
        ...names(account.customer),
        token,
      });
      return;
    }
    const found = await this.deps.identities?.findByEmail(normalized);
    if (!found || found.identity.customer_id !== null) return;
    const token = await this.newResetToken({ identityId: found.identity.id });
    await this.deps.events.emit("customer.password_reset_requested", {
      ...identityNames(found.identity),
      token,
    });
  }

  /** A new reset token of `subject`, stored as an HMAC, valid RESET_TOKEN_TTL_MS. */
  private async newResetToken(subject: ResetSubject): Promise<string> {
    const token = newSecretToken();
    const now = this.deps.clock.now();
    const hash = hashSecretToken(this.deps.secret, token);
    await this.deps.resets.create(hash, subject, now, now + RESET_TOKEN_TTL_MS);
    return token;
  }

  /**
   * Sets a new password with a reset token (single use, 15 minutes) and ends every session.
   * The answer never depends on whether the email is registered: the policy is applied first,
   * then every email or token failure is the same 401 after the same work.
   */
  async resetPassword(
    email: string,
    token: string,
    password: string,
    client?: AuditClient,
  ): Promise<Customer> {
    // Only what the caller typed shapes the answer before the token is checked.
    this.assertPolicy(password, { emails: [email] });
    if (!SECRET_TOKEN_PATTERN.test(token)) throw unauthorized(INVALID_RESET_TOKEN);
    const account = await this.deps.customers.findAccountByEmail(normalizeEmail(email));
    const customerId = account?.customer.id ?? NO_CUSTOMER;
    const tokenHash = hashSecretToken(this.deps.secret, token);
    const now = this.deps.clock.now();
    const valid = await this.deps.resets.isValid(tokenHash, customerId, now);
    if (!account || !valid) throw unauthorized(INVALID_RESET_TOKEN);
    // The token's holder may learn the account's names: a refused password keeps the token.
    const { customer } = account;
    this.assertPolicy(password, {
      emails: [customer.email],
      names: [customer.first_name, customer.last_name],
    });
    if (!(await this.deps.resets.consume(tokenHash, customerId, now))) {
      throw unauthorized(INVALID_RESET_TOKEN);
    }
    return this.setResetPassword(customerId, password, client);
  }

  /**
   * (v2) Sets a new password with a reset token alone: Medusa v2's update route sends no email.
   * The token is consumed first; a password the policy then refuses (it holds the customer's
   * name) puts the token back, with its own expiry, for another try. An identity's token sets
   * the identity's password while it has no customer; once its customer exists it is refused
   * (401), so that the customer's rules (sessions ended, tokens dropped) hold for every token.
   */
  async resetPasswordByToken(token: string, password: string, client?: AuditClient): Promise<void> {
    this.assertPolicy(password, {});
    if (!SECRET_TOKEN_PATTERN.test(token)) throw unauthorized(INVALID_RESET_TOKEN);
    const tokenHash = hashSecretToken(this.deps.secret, token);
    const now = this.deps.clock.now();
    const consumed = await this.deps.resets.consumeAny(tokenHash, now);
    if (consumed === null) throw unauthorized(INVALID_RESET_TOKEN);
    const { subject, expiresAt } = consumed;
    /** Refuses a password the policy refuses, giving the token back. */
    const assertPolicyKeepingToken = async (context: PasswordContext) => {
      const problem = this.deps.passwords.policyProblem(password, context);
      if (!problem) return;
      await this.deps.resets.create(tokenHash, subject, now, expiresAt);
      throw invalidData(problem);
    };
    if ("identityId" in subject) {
      const identity = (await this.deps.identities?.findById(subject.identityId))?.identity;
      if (!identity || identity.customer_id !== null) throw unauthorized(INVALID_RESET_TOKEN);
      await assertPolicyKeepingToken({ emails: [identity.email] });
      await this.setIdentityResetPassword(identity, password, client);
      return;
    }
    const customer = await this.deps.customers.findById(subject.customerId);
    if (!customer) throw unauthorized(INVALID_RESET_TOKEN);
    await assertPolicyKeepingToken({
      emails: [customer.email],
      names: [customer.first_name, customer.last_name],
    });
    await this.setResetPassword(customer.id, password, client);
  }

  /**
   * (v2) A reset's new password of an identity without a customer: stored (unless its customer
   * was created meanwhile: 401), every other token of the identity dropped.
   */
  private async setIdentityResetPassword(
    identity: AuthIdentity,
    password: string,
    client: AuditClient | undefined,
  ): Promise<void> {
    const hash = await this.deps.passwords.hash(password);
    if (!(await this.deps.identities!.setUnlinkedPassword(identity.id, hash))) {
      throw unauthorized(INVALID_RESET_TOKEN);
    }
    if (client) {
      this.deps.audit?.record("password.reset", client, { auth_identity_id: identity.id });
    }
    await this.deps.resets.deleteForIdentity(identity.id);
    await this.deps.events.emit("customer.password_changed", {
      ...identityNames(identity),
      source: "reset",
    });
  }

  /** A reset's new password: stored, every session ended, every other reset token dropped. */
  private async setResetPassword(
    customerId: string,
    password: string,
    client: AuditClient | undefined,
  ): Promise<Customer> {
    const updated = await this.deps.customers.update(customerId, {
      password_hash: await this.deps.passwords.hash(password),
      updated_at: this.deps.clock.now(),
    });
    if (!updated || updated === "duplicate") throw unauthorized(INVALID_RESET_TOKEN);
    if (client) this.deps.audit?.record("password.reset", client, { customer_id: customerId });
    await this.deps.sessions.revokeAll(customerId, "password_reset");
    await this.deps.resets.deleteForCustomer(customerId);
    await this.deps.events.emit("customer.password_changed", {
      ...names(updated),
      source: "reset",
    });
    return updated;
  }

  private assertPolicy(password: string, context: PasswordContext): void {
    const problem = this.deps.passwords.policyProblem(password, context);
    if (problem) throw invalidData(problem);
  }

  /** A new address of no address book; `field` names its metadata in messages. */
  private newAddress(fields: AddressFields, now: number, field: string): Address {
    const { metadata, ...normalized } = normalizeAddress(fields, field);
    return {
      id: newId(this.deps.api === 2 ? "cuaddr" : "addr"),
      created_at: now,
      updated_at: now,
      deleted_at: null,
      customer_id: null,
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
      metadata: metadata?.(null) ?? null,
      address_name: normalized.address_name ?? null,
      is_default_shipping: normalized.is_default_shipping ?? false,
      is_default_billing: normalized.is_default_billing ?? false,
    };
  }

  /** Medusa's billing-address rule: an id selects one of the customer's addresses; an object edits or creates it. */
  private async saveBillingAddress(
    customer: Customer,
    value: string | AddressFields,
    now: number,
  ): Promise<string> {
    if (typeof value === "string") {
      const address = await this.deps.addresses.findById(value);
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
      const current = await this.deps.addresses.findById(customer.billing_address_id);
      if (current) {
        await this.deps.addresses.update(
          current.id,
          normalizeAddress(value, "billing_address.metadata"),
          now,
        );
        return current.id;
      }
    }
    const created = await this.deps.addresses.create(
      this.newAddress(value, now, "billing_address.metadata"),
    );
    return created.id;
  }
}

/** Who an account event is about (never a hash). */
function names(customer: Customer) {
  const { id, email, first_name, last_name } = customer;
  return { id, email, first_name, last_name };
}

/** Who an account event is about when it is an identity without a customer. */
function identityNames(identity: AuthIdentity): IdentityNames {
  const { id, email } = identity;
  return { id: null, email, first_name: null, last_name: null, auth_identity_id: id };
}

/** An assigned ISO 3166-1 alpha-2 code (and Kosovo's XK), in either case. */
function isCountryCode(code: string): boolean {
  return code.length === 2 && countries.isValid(code);
}

/**
 * Country codes are stored lower-case (as Medusa); metadata merges like the customer's (`null`
 * clears it), bounded by ADDRESS_METADATA_LIMITS. `field` names the metadata in messages.
 */
function normalizeAddress(fields: AddressFields, field: string): AddressPatch {
  const { metadata, ...rest } = fields;
  const result: AddressPatch = rest;
  if (typeof rest.country_code === "string") {
    const code = rest.country_code;
    if (!isCountryCode(code)) {
      const name = field.replace(/metadata$/, "country_code");
      throw invalidData(
        `${name} must be an ISO 3166-1 alpha-2 country code (two letters, such as "us" or "DK"); ${JSON.stringify(code.slice(0, 20))} is not one`,
      );
    }
    result.country_code = code.toLowerCase();
  }
  if (metadata === null) result.metadata = () => null;
  else if (metadata) result.metadata = boundedMerge(metadata, field, ADDRESS_METADATA_LIMITS);
  return result;
}
