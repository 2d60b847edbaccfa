/**
 * Medusa v2's two-step registration and its tokens: an auth identity (email and password) is
 * registered first, then `POST /store/customers` creates its customer. Logins, refreshes and the
 * customer's token all name the identity (`auth_identity_id`).
 */
import { authIdentityIdOf, type Customer, type Metadata, type Session } from "../domain.js";
import { duplicate, HttpError, invalidData, unauthorized, v2Unauthorized } from "../errors.js";
import type { CustomerStore, IdentityStore } from "../stores/types.js";
import type { AuthService } from "./auth.js";
import type { Clock } from "./clock.js";
import { normalizeEmail } from "./emails.js";
import type { AccountEvents } from "./events.js";
import { newId } from "./ids.js";
import type { PasswordService } from "./passwords.js";
import type { SessionService } from "./sessions.js";
import type { TokenService } from "./tokens.js";
import { CUSTOMER_METADATA_LIMITS, boundedMerge } from "./customers.js";

/** Medusa v2's messages (auth-emailpass, core-flows); storefronts show or match them. */
export const V2_MESSAGES = {
  identityExists: "Identity with email already exists",
  invalidCredentials: "Invalid email or password",
  passwordNotString: "Password should be a string",
  emailNotString: "Email should be a string",
  customerExists: "Customer with this email already has an account",
  alreadyCustomer: "Request already authenticated as a customer.",
} as const;

/**
 * A validly signed registration token: its identity (no customer yet), when its password was
 * proven (its `auth_time`, epoch ms: the login or registration it comes from, kept by refreshes),
 * and the fingerprint of the password hash it was issued under (`TokenService.provesPassword`).
 */
export interface Registration {
  identityId: string;
  signedInAt: number;
  passwordFingerprint: string;
}

/** What a client calls from: for throttling, and the sessions' user agent. */
export interface Client {
  ip: string;
  userAgent: string | undefined;
  deviceCookie: string | undefined;
  /** The request's id, for the audit log. */
  requestId?: string;
}

export interface NewCustomerProfile {
  email?: string | null;
  company_name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  metadata?: Metadata | null;
}

/** What IdentityService works with. */
export interface IdentityServiceDeps {
  identities: IdentityStore;
  customers: CustomerStore;
  auth: AuthService;
  passwords: PasswordService;
  sessions: SessionService;
  tokens: TokenService;
  events: AccountEvents;
  clock: Clock;
  /** Lifetime of the session behind a bearer token. */
  bearerTtlMs: number;
}

export class IdentityService {
  constructor(private readonly deps: IdentityServiceDeps) {}

  /**
   * Registers an identity and answers its registration token. Registering again with the same
   * password, before the customer exists, answers a new registration token (as Medusa does);
   * anything else with a known email is Medusa's 401 "Identity with email already exists". The
   * password of a known email is checked as a login is (throttled), so this is no guessing oracle.
   */
  async register(email: unknown, password: unknown, client: Client): Promise<string> {
    if (typeof password !== "string" || password === "") {
      throw unauthorized(V2_MESSAGES.passwordNotString);
    }
    if (typeof email !== "string" || email === "") throw unauthorized(V2_MESSAGES.emailNotString);
    const normalized = normalizeEmail(email);
    if (
      (await this.deps.customers.hasAccount(normalized)) ||
      (await this.deps.identities.findByEmail(normalized))
    ) {
      return this.registerAgain(email, password, client);
    }
    const problem = this.deps.passwords.policyProblem(password, { emails: [email] });
    if (problem) throw invalidData(problem);
    const passwordHash = await this.deps.passwords.hash(password);
    const identity = await this.deps.identities.create(
      { id: newId("authid"), email, customer_id: null, created_at: this.deps.clock.now() },
      passwordHash,
    );
    // The unique index decides between concurrent registrations of one email.
    if (!identity) throw unauthorized(V2_MESSAGES.identityExists);
    return this.deps.tokens.signRegistration(identity, passwordHash);
  }

  private async registerAgain(email: string, password: string, client: Client): Promise<string> {
    try {
      const result = await this.deps.auth.loginOrIdentity(
        email,
        password,
        client.userAgent,
        client.ip,
        client.deviceCookie,
        client.requestId,
      );
      if (result.identity) {
        return await this.deps.tokens.signRegistration(result.identity, result.passwordHash);
      }
      // The account exists: the session the check started is not wanted.
      await this.deps.sessions.revoke(result.session.id);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 401) throw error;
    }
    throw unauthorized(V2_MESSAGES.identityExists);
  }

  /**
   * Logs in: a customer's token (a new bearer session), or a registration token when the
   * identity has no customer yet. Every credential failure is Medusa's one message.
   */
  async login(email: unknown, password: unknown, client: Client): Promise<string> {
    if (typeof password !== "string" || password === "") {
      throw unauthorized(V2_MESSAGES.passwordNotString);
    }
    if (typeof email !== "string" || email === "") throw unauthorized(V2_MESSAGES.emailNotString);
    let result;
    try {
      result = await this.deps.auth.loginOrIdentity(
        email,
        password,
        client.userAgent,
        client.ip,
        client.deviceCookie,
        client.requestId,
      );
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        throw unauthorized(V2_MESSAGES.invalidCredentials);
      }
      throw error;
    }
    if (result.identity) {
      return this.deps.tokens.signRegistration(result.identity, result.passwordHash);
    }
    return this.tokenFor(result.session);
  }

  /** The token of a bearer session, naming the customer's identity. */
  async tokenFor(session: Session): Promise<string> {
    const identity = await this.deps.identities.findByCustomer(session.customer_id);
    const identityId = authIdentityIdOf(session.customer_id, identity?.id ?? null);
    return (await this.deps.tokens.sign(session, identityId)).token;
  }

  /**
   * The identity of a registration token and its password hash, while the token was issued
   * under that hash: a token from before the password was last set (a reset) is 401.
   */
  private async proven(registration: Registration) {
    const found = await this.deps.identities.findById(registration.identityId);
    if (!found || !this.deps.tokens.provesPassword(registration, found.passwordHash)) {
      throw v2Unauthorized();
    }
    return { identity: found.identity, passwordHash: found.passwordHash! };
  }

  /**
   * Creates the customer of a registration token's identity (`POST /store/customers`). The
   * email must be the identity's (Medusa takes any; a Gatehouse difference): it may be left out.
   */
  async createCustomer(registration: Registration, profile: NewCustomerProfile): Promise<Customer> {
    const { identity, passwordHash } = await this.proven(registration);
    if (identity.customer_id !== null) throw duplicate(V2_MESSAGES.customerExists);
    const email = normalizeEmail(identity.email);
    if (profile.email != null && normalizeEmail(profile.email) !== email) {
      throw invalidData(
        "email must be the email the identity was registered with (or be left out)",
      );
    }
    const metadata =
      profile.metadata == null
        ? null
        : boundedMerge(profile.metadata, "metadata", CUSTOMER_METADATA_LIMITS)(null);
    const created = await this.deps.identities.createCustomer(
      identity.id,
      {
        id: newId("cus"),
        email,
        company_name: profile.company_name ?? null,
        first_name: profile.first_name ?? null,
        last_name: profile.last_name ?? null,
        phone: profile.phone ?? null,
        metadata,
        created_at: this.deps.clock.now(),
      },
      // Checked again under the identity's lock: a reset meanwhile makes it null.
      passwordHash,
    );
    if (created === null) throw v2Unauthorized();
    if (created === "linked" || created === "duplicate") {
      throw duplicate(V2_MESSAGES.customerExists);
    }
    const { id, first_name, last_name } = created;
    await this.deps.events.emit("customer.created", {
      id,
      email: created.email,
      first_name,
      last_name,
    });
    return created;
  }

  /**
   * `POST /auth/token/refresh`. A bearer session's token is rotated (the one presented stops
   * working; presented again, it ends the session). A cookie session, or a registration token
   * whose customer now exists, gets a token of a new bearer session; a registration token whose
   * customer does not exist yet, a new registration token. `beforeNewSession` runs with the
   * customer's id before a new session is made (the rate limit of such exchanges): not for a
   * rotation.
   */
  async refresh(
    credentials: { session: Session | null; registration: Registration | null },
    userAgent: string | undefined,
    beforeNewSession: (customerId: string) => Promise<void> = async () => {},
  ): Promise<string> {
    const { session, registration } = credentials;
    if (session?.kind === "bearer") {
      const rotated = await this.deps.sessions.rotate(session);
      if (!rotated) throw v2Unauthorized();
      return this.tokenFor(rotated);
    }
    let started;
    if (session) {
      await beforeNewSession(session.customer_id);
      // A cookie session: the new session is as fresh as its sign-in, and lives only if the
      // cookie's session still does once it is stored (SessionService.derive).
      started = await this.deps.sessions.derive(
        session,
        "bearer",
        userAgent,
        this.deps.bearerTtlMs,
      );
    } else if (registration !== null) {
      const { identity, passwordHash } = await this.proven(registration);
      if (identity.customer_id === null) {
        // The same sign-in: the new token expires when the one presented does.
        return this.deps.tokens.signRegistration(identity, passwordHash, registration.signedInAt);
      }
      await beforeNewSession(identity.customer_id);
      // As fresh as the registration's sign-in; kept only if the token still proves the
      // password once the session is stored (a change or reset meanwhile: 401).
      started = await this.deps.sessions.createChecked(
        identity.customer_id,
        "bearer",
        userAgent,
        this.deps.bearerTtlMs,
        registration.signedInAt,
        async () => {
          await this.proven(registration); // 401 when it no longer does
          return true;
        },
      );
    }
    if (!started) throw v2Unauthorized();
    return this.tokenFor(started.session);
  }
}
