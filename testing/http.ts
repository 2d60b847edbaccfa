/** A tiny HTTP helper for tests: real fetch against a real server, with a per-"browser" cookie. */
import { connect } from "node:net";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined when empty). */
  body: T;
  text: string;
  /** The raw Set-Cookie headers. */
  setCookies: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body string (sent as is, with `contentType`). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  cookie?: string;
  token?: string;
}

export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers["content-type"] ??= options.contentType ?? "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  if (options.cookie) headers.cookie = options.cookie;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed as T,
    text,
    setCookies: response.headers.getSetCookie(),
  };
}

/** `name=value` of the session cookie in a response, or undefined. */
export function sessionCookie(response: ApiResponse, name = "connect.sid"): string | undefined {
  const header = response.setCookies.find((cookie) => cookie.startsWith(`${name}=`));
  return header?.split(";")[0];
}

/** Binds `request` to one server (or to a function giving its URL when it has started). */
export function client(baseUrl: string | (() => string)) {
  const url = typeof baseUrl === "string" ? () => baseUrl : baseUrl;
  return {
    get: <T = any>(path: string, options?: RequestOptions) =>
      request<T>(url(), "GET", path, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>(url(), "POST", path, { ...options, body }),
    delete: <T = any>(path: string, options?: RequestOptions) =>
      request<T>(url(), "DELETE", path, options),
    request: <T = any>(method: string, path: string, options?: RequestOptions) =>
      request<T>(url(), method, path, options),
  };
}

export type Client = ReturnType<typeof client>;

export const STRONG_PASSWORD = "correct horse battery staple";

/** Registers a customer and returns its session cookie and the response. */
export async function register(
  baseUrl: string,
  email: string,
  password = STRONG_PASSWORD,
  extra: Record<string, unknown> = {},
) {
  const response = await request(baseUrl, "POST", "/store/customers", {
    body: { email, password, ...extra },
  });
  if (response.status !== 200)
    throw new Error(`registration failed: ${response.status} ${response.text}`);
  return { cookie: sessionCookie(response)!, customer: response.body.customer, response };
}

/** Logs in with a cookie session and returns the cookie. */
export async function login(baseUrl: string, email: string, password = STRONG_PASSWORD) {
  const response = await request(baseUrl, "POST", "/store/auth", { body: { email, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return { cookie: sessionCookie(response)!, customer: response.body.customer, response };
}

/** Gets a bearer token. */
export async function getToken(
  baseUrl: string,
  email: string,
  password = STRONG_PASSWORD,
): Promise<string> {
  const response = await request(baseUrl, "POST", "/store/auth/token", {
    body: { email, password },
  });
  if (response.status !== 200) throw new Error(`token failed: ${response.status} ${response.text}`);
  return response.body.access_token as string;
}

/** Sends raw bytes over TCP and returns everything received until the server closes (5 s at most). */
export function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(bytes));
    let data = "";
    socket.setEncoding("utf8").on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.setTimeout(5000, () => (socket.destroy(), resolve(data)));
  });
}

/**
 * Medusa v2's registration (an emailpass identity, then its customer with the registration token)
 * and a login, then `address` added when given: on Medusa v2, or Gatehouse in v2 mode. `headers`
 * carry the publishable key. Returns the customer id, the login token and the address ids.
 */
export async function registerV2(
  api: Client,
  email: string,
  headers: Record<string, string>,
  { profile = {}, address }: { profile?: Record<string, unknown>; address?: unknown } = {},
) {
  const expect200 = (what: string, response: ApiResponse) => {
    if (response.status !== 200) throw new Error(`${what}: ${response.status} ${response.text}`);
    return response;
  };
  const registered = expect200(
    "registration",
    await api.post("/auth/customer/emailpass/register", { email, password: STRONG_PASSWORD }),
  );
  const created = expect200(
    "customer creation",
    await api.post(
      "/store/customers",
      { email, ...profile },
      { token: registered.body.token, headers },
    ),
  );
  const login = expect200(
    "login",
    await api.post("/auth/customer/emailpass", { email, password: STRONG_PASSWORD }),
  );
  const token = login.body.token as string;
  const added = address
    ? expect200(
        "adding the address",
        await api.post("/store/customers/me/addresses", address, { token, headers }),
      )
    : undefined;
  return {
    id: created.body.customer.id as string,
    token,
    addressIds: ((added?.body.customer.addresses ?? []) as Array<{ id: string }>).map(
      (entry) => entry.id,
    ),
  };
}
