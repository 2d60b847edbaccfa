/** Medusa v2's emailpass identities in Gatehouse's own SQL (table auth_identity, migration 0006). */
import type { Customer, AuthIdentity } from "../../domain.js";
import type { IdentityStore, NewCustomer } from "../types.js";
import type { SqlRuntime } from "./runtime.js";

export class SqlIdentityStore implements IdentityStore {
  constructor(private readonly runtime: SqlRuntime) {}

  findByEmail(
    _email: string,
  ): Promise<{ identity: AuthIdentity; passwordHash: string | null } | null> {
    throw new Error("not implemented");
  }

  findById(_id: string): Promise<AuthIdentity | null> {
    throw new Error("not implemented");
  }

  findByCustomer(_customerId: string): Promise<AuthIdentity | null> {
    throw new Error("not implemented");
  }

  create(_identity: AuthIdentity, _passwordHash: string): Promise<AuthIdentity | null> {
    throw new Error("not implemented");
  }

  createCustomer(
    _identityId: string,
    _customer: Omit<NewCustomer, "has_account" | "password_hash">,
  ): Promise<Customer | "linked" | "duplicate" | null> {
    throw new Error("not implemented");
  }
}
