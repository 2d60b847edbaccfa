/**
 * Compile-time check (run by `npm run typecheck`): the client's response types match the
 * server's response schemas. A field added, removed, renamed or retyped on one side only is a
 * type error here.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type * as Client from "../../../client/src/types.js";
import type * as Schemas from "../../src/http/schemas/responses.js";

/** A and B accept the same values, both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
type Wire<S extends TSchema> = Static<S>;

export type Checks = [
  Expect<Same<Client.Address, Wire<typeof Schemas.Address>>>,
  Expect<Same<Client.StoreAuthRes["customer"], Wire<typeof Schemas.CustomerWithOrders>>>,
  Expect<Same<Client.StoreCustomersRes["customer"], Wire<typeof Schemas.CustomerWithAddresses>>>,
  Expect<
    Same<Client.StoreCustomersResetPasswordRes["customer"], Wire<typeof Schemas.CustomerScalars>>
  >,
  Expect<Same<Client.StoreAuthSession, Wire<typeof Schemas.SessionInfo>>>,
];
