/** Every route in packages/server/src/http/routes, and the methods the fuzzer tries. */
export type BodyKind =
  "login" | "register" | "profile" | "addAddress" | "address" | "passwordToken" | "passwordReset";

export interface Route {
  method: string;
  path: string;
  body?: BodyKind;
}

export const ROUTES: Route[] = [
  { method: "POST", path: "/store/auth", body: "login" },
  { method: "GET", path: "/store/auth" },
  { method: "DELETE", path: "/store/auth" },
  { method: "GET", path: "/store/auth/:email" },
  { method: "POST", path: "/store/auth/token", body: "login" },
  { method: "GET", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions" },
  { method: "DELETE", path: "/store/auth/sessions/:id" },
  { method: "POST", path: "/store/customers", body: "register" },
  { method: "GET", path: "/store/customers/me" },
  { method: "POST", path: "/store/customers/me", body: "profile" },
  { method: "POST", path: "/store/customers/me/addresses", body: "addAddress" },
  { method: "POST", path: "/store/customers/me/addresses/:id", body: "address" },
  { method: "DELETE", path: "/store/customers/me/addresses/:id" },
  { method: "POST", path: "/store/customers/password-token", body: "passwordToken" },
  { method: "POST", path: "/store/customers/password-reset", body: "passwordReset" },
  { method: "GET", path: "/health" },
  { method: "GET", path: "/ready" },
  { method: "GET", path: "/.well-known/jwks.json" },
  { method: "GET", path: "/openapi.json" },
];
export const BODY_ROUTES = ROUTES.filter((route) => route.body);
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
