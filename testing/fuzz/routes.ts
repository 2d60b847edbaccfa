/** Every route of each API (packages/server/src/http/routes, v2/ for v2), and the methods the fuzzer tries. */
export type BodyKind =
  | "login"
  | "register"
  | "profile"
  | "addAddress"
  | "address"
  | "passwordToken"
  | "passwordReset"
  // Medusa v2's bodies (schemas/v2.ts)
  | "emailpass"
  | "registerV2"
  | "createCustomer"
  | "profileV2"
  | "addressV2"
  | "resetPassword"
  | "updatePassword";

export interface Route {
  method: string;
  path: string;
  body?: BodyKind;
}

/** Which API the fuzzed server speaks (MEDUSA_VERSION). */
export type ApiVersion = 1 | 2;

const SYSTEM: Route[] = [
  { method: "GET", path: "/health" },
  { method: "GET", path: "/ready" },
  { method: "GET", path: "/.well-known/jwks.json" },
  { method: "GET", path: "/openapi.json" },
];

const SESSIONS: Route[] = [
  { method: "GET", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions/:id" },
];

export const ROUTES: Route[] = [
  { method: "POST", path: "/store/auth", body: "login" },
  { method: "GET", path: "/store/auth" },
  { method: "DELETE", path: "/store/auth" },
  { method: "GET", path: "/store/auth/:email" },
  { method: "POST", path: "/store/auth/token", body: "login" },
  ...SESSIONS,
  { method: "POST", path: "/store/customers", body: "register" },
  { method: "GET", path: "/store/customers/me" },
  { method: "POST", path: "/store/customers/me", body: "profile" },
  { method: "POST", path: "/store/customers/me/addresses", body: "addAddress" },
  { method: "POST", path: "/store/customers/me/addresses/:id", body: "address" },
  { method: "DELETE", path: "/store/customers/me/addresses/:id" },
  { method: "POST", path: "/store/customers/password-token", body: "passwordToken" },
  { method: "POST", path: "/store/customers/password-reset", body: "passwordReset" },
  ...SYSTEM,
];

/** Medusa v2 mode: http/routes/v2/{auth,customers}.ts, the sessions and the system routes. */
export const V2_ROUTES: Route[] = [
  { method: "POST", path: "/auth/customer/emailpass/register", body: "registerV2" },
  { method: "POST", path: "/auth/customer/emailpass", body: "emailpass" },
  { method: "GET", path: "/auth/customer/emailpass" },
  { method: "POST", path: "/auth/session" },
  { method: "DELETE", path: "/auth/session" },
  { method: "POST", path: "/auth/token/refresh" },
  { method: "POST", path: "/auth/customer/emailpass/reset-password", body: "resetPassword" },
  { method: "POST", path: "/auth/customer/emailpass/update", body: "updatePassword" },
  { method: "GET", path: "/auth/customer/providers" },
  { method: "POST", path: "/store/customers", body: "createCustomer" },
  { method: "GET", path: "/store/customers/me" },
  { method: "POST", path: "/store/customers/me", body: "profileV2" },
  { method: "GET", path: "/store/customers/me/addresses" },
  { method: "POST", path: "/store/customers/me/addresses", body: "addressV2" },
  { method: "GET", path: "/store/customers/me/addresses/:id" },
  { method: "POST", path: "/store/customers/me/addresses/:id", body: "addressV2" },
  { method: "DELETE", path: "/store/customers/me/addresses/:id" },
  ...SESSIONS,
  ...SYSTEM,
];

export const API_ROUTES: Record<ApiVersion, Route[]> = { 1: ROUTES, 2: V2_ROUTES };
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
