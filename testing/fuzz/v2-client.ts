/**
 * The fuzzer's own calls in Medusa v2 mode: registering an identity, creating its customer,
 * logging in (a token, or a cookie from `POST /auth/session`), and getting a reset token.
 */
import { loggedResetToken, type TestServer } from "../server.js";
import { request, sessionCookie } from "../http.js";

const ok = (what: string, response: { status: number; text: string }) => {
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`${what} failed: ${response.status} ${response.text}`);
};

/** `POST /auth/customer/emailpass/register`: the registration token of a new identity. */
export async function registerIdentity(url: string, email: string, password: string) {
  const response = await request(url, "POST", "/auth/customer/emailpass/register", {
    body: { email, password },
  });
  ok(`registering ${email}`, response);
  return response.body.token as string;
}

/** Registers an identity and creates its customer; returns the customer's id. */
export async function registerCustomer(
  url: string,
  key: string,
  email: string,
  password: string,
): Promise<string> {
  const token = await registerIdentity(url, email, password);
  const response = await request(url, "POST", "/store/customers", {
    body: { email },
    token,
    headers: { "x-publishable-api-key": key },
  });
  ok(`creating the customer of ${email}`, response);
  return response.body.customer.id as string;
}

/** `POST /auth/customer/emailpass`: a login token. */
export async function loginToken(url: string, email: string, password: string) {
  const response = await request(url, "POST", "/auth/customer/emailpass", {
    body: { email, password },
  });
  ok(`logging in ${email}`, response);
  return response.body.token as string;
}

/** A login token turned into a cookie session (`POST /auth/session`): the cookie's value. */
export async function loginCookie(url: string, email: string, password: string) {
  const token = await loginToken(url, email, password);
  const response = await request(url, "POST", "/auth/session", { token });
  ok(`starting a cookie session for ${email}`, response);
  return sessionCookie(response)!.slice("connect.sid=".length);
}

/** Requests a reset for `email` and returns the token its account event carries (either instance's log). */
export async function resetToken(servers: TestServer[], email: string): Promise<string> {
  const from = servers.map((server) => server.logs.length);
  const response = await request(
    servers[0]!.url,
    "POST",
    "/auth/customer/emailpass/reset-password",
    {
      body: { identifier: email },
    },
  );
  ok(`requesting a reset for ${email}`, response);
  return Promise.any(servers.map((server, i) => loggedResetToken(server, email, from[i]!)));
}
