/**
 * Where Gatehouse differs from Medusa v2 on purpose (docs/compatibility.md): Gatehouse's scenario,
 * and Medusa's where it is cheap to show.
 */
import assert from "node:assert/strict";
import { CookieJar, withCookieJar } from "../cookie-jar.js";
import {
  INVALID_CREDENTIALS,
  INVALID_TOKEN,
  PASSWORD,
  UNAUTHORIZED,
  assertJson,
  claimsOf,
  newAccount,
  raw,
  rejects,
  sdkFor,
  sessionSdkFor,
  uniqueV2Email,
  type Account,
  type V2Scenario,
  type V2Target,
} from "../v2-storefront.js";
import { emailVariant } from "../server.js";

/** `bob-…@…` with a fullwidth `Ｂ` (U+FF22) for its `b`: another string, the same NFKC key. */
const lookAlike = (email: string) => `\uff22${email.slice(1)}`;

/**
 * The logout docs/medusa.md gives a storefront in JWT mode ("Logging out in JWT mode"), line for
 * line; then the sdk holds no token, and its next call is refused.
 */
async function logOutAsDocumented(sdk: Account["sdk"]) {
  await sdk.client.fetch("/auth/session", { method: "DELETE" }).catch(() => {}); // revokes the token
  await sdk.auth.logout();
  assert.equal(await sdk.client.getToken(), "");
  await rejects(sdk.store.customer.retrieve(), 401, "Unauthorized");
}

/** The email's owner sets its password with the reset token of the account event (or Medusa's). */
async function resetByEmail(target: V2Target, email: string, password: string) {
  const reset = await target.resetToken(email, () =>
    sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
  );
  assertJson(
    await raw(target, "POST", "/auth/customer/emailpass/update", {
      pk: false,
      token: reset,
      body: { password },
    }),
    200,
    { success: true },
  );
}

/** A login and `sdk.auth.refresh()` in session mode: the cookie before the refresh and after. */
async function refreshInSessionMode(target: V2Target) {
  const { email } = await newAccount(target);
  const sdk = sessionSdkFor(target);
  const jar = new CookieJar();
  return withCookieJar(jar, async () => {
    await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
    const before = `connect.sid=${jar.get("connect.sid")}`;
    await sdk.auth.refresh();
    return { before, after: `connect.sid=${jar.get("connect.sid")}` };
  });
}

/** Whose cart `POST /store/carts` with this bearer token makes (in a store): its customer_id. */
async function cartCustomer(target: V2Target, token: string): Promise<string | null> {
  const { regions } = await sdkFor(target).store.region.list();
  const res = await raw(target, "POST", "/store/carts", {
    token,
    body: { region_id: regions[0]!.id },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.cart.customer_id;
}

export const differenceScenarios: V2Scenario[] = [
  {
    name: "Medusa: any string registers as an email",
    only: "medusa",
    async run(target) {
      const body = {
        email: `not-an-email-${uniqueV2Email()}`.replace("@", "-at-"),
        password: PASSWORD,
      };
      const res = await raw(target, "POST", "/auth/customer/emailpass/register", {
        pk: false,
        body,
      });
      assert.equal(res.status, 200, res.text);
    },
  },
  {
    name: "Gatehouse: registration needs an email address (at most 320 characters)",
    only: "gatehouse",
    async run(target) {
      for (const email of ["not-an-email", `${"a".repeat(320)}@example.com`]) {
        const res = await raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email, password: PASSWORD },
        });
        assertJson(res, 400, {
          type: "invalid_data",
          message: "email must be an email address of at most 320 characters",
        });
      }
    },
  },
  {
    name: "Medusa: logout is client-side only; the JWT stays valid, and the documented JWT logout changes nothing",
    only: "medusa",
    async run(target) {
      const { sdk, token, customer } = await newAccount(target);
      // Its DELETE /auth/session is a 401 here, which it ignores: safe to keep after a rollback.
      await logOutAsDocumented(sdk);
      assertJson(
        await raw(target, "DELETE", "/auth/session", { pk: false, token }),
        401,
        UNAUTHORIZED,
      );
      assert.equal((await raw(target, "GET", "/store/customers/me", { token })).status, 200);
      if (target.commerce) assert.equal(await cartCustomer(target, token), customer.id);
    },
  },
  {
    name: "Gatehouse: the documented JWT logout revokes the token, on Gatehouse's routes and the store's",
    only: "gatehouse",
    async run(target) {
      const { sdk, token, customer } = await newAccount(target);
      if (target.commerce) assert.equal(await cartCustomer(target, token), customer.id);
      await logOutAsDocumented(sdk);
      assertJson(await raw(target, "GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
      if (target.commerce) {
        // Forwarded as a guest's request: Medusa refuses the orders, and the cart is a guest's.
        assertJson(await raw(target, "GET", "/store/orders", { token }), 401, UNAUTHORIZED);
        assert.equal(await cartCustomer(target, token), null);
      }
    },
  },
  {
    name: "Gatehouse: DELETE /auth/session with a bearer token revokes it",
    only: "gatehouse",
    async run(target) {
      const { token } = await newAccount(target);
      assertJson(await raw(target, "DELETE", "/auth/session", { pk: false, token }), 200, {
        success: true,
      });
      assertJson(await raw(target, "GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
    },
  },
  {
    name: "Medusa: refresh leaves the old token valid",
    only: "medusa",
    async run(target) {
      const { sdk, token } = await newAccount(target);
      // Medusa's tokens carry seconds: a refresh in the same second gives the very same token.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const { token: next } = await sdk.auth.refresh();
      assert.notEqual(next, token);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token })).status, 200);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token: next })).status, 200);
    },
  },
  {
    name: "Gatehouse: refresh rotates; the replayed old token ends the session",
    only: "gatehouse",
    async run(target) {
      const { sdk, token } = await newAccount(target);
      const { token: next } = await sdk.auth.refresh();
      assert.notEqual(next, token);
      assert.equal((await raw(target, "GET", "/store/customers/me", { token: next })).status, 200);
      assertJson(await raw(target, "GET", "/store/customers/me", { token }), 401, UNAUTHORIZED);
      // Reuse of a refreshed token means it leaked: the whole session ends.
      assertJson(
        await raw(target, "GET", "/store/customers/me", { token: next }),
        401,
        UNAUTHORIZED,
      );
      await rejects(sdk.auth.refresh(), 401, "Unauthorized");
    },
  },
  {
    name: "Medusa: a refresh in session mode keeps the session cookie",
    only: "medusa",
    async run(target) {
      const { before, after } = await refreshInSessionMode(target);
      assert.equal(after, before);
    },
  },
  {
    name: "Gatehouse: a refresh in session mode replaces the session cookie; the old one ends",
    only: "gatehouse",
    async run(target) {
      const { before, after } = await refreshInSessionMode(target);
      assert.notEqual(after, before);
      assertJson(
        await raw(target, "GET", "/store/customers/me", { cookie: before }),
        401,
        UNAUTHORIZED,
      );
      const me = await raw(target, "GET", "/store/customers/me", { cookie: after });
      assert.equal(me.status, 200, me.text);
    },
  },
  {
    name: "Medusa: the reset token is a JWT (purpose reset, 15 minutes); a login token cannot update",
    only: "medusa",
    async run(target) {
      const { email, token } = await newAccount(target);
      const reset = await target.resetToken(email, () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      const claims = claimsOf(reset);
      assert.equal(claims.purpose, "reset");
      assert.equal(claims.entity_id, email);
      assert.equal(claims.exp - claims.iat, 900);
      const res = await raw(target, "POST", "/auth/customer/emailpass/update", {
        pk: false,
        token,
        body: { password: "Another-Horse-9-staple", old_password: PASSWORD },
      });
      assertJson(res, 401, INVALID_TOKEN);
    },
  },
  {
    name: "Gatehouse: the reset token is random, not a JWT, and arrives through the account event",
    only: "gatehouse",
    async run(target) {
      const { email } = await newAccount(target);
      const reset = await target.resetToken(email, () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      assert.ok(reset.length >= 32, reset);
      assert.equal(reset.split(".").length, 1, "not a JWT");
    },
  },
  {
    name: "Gatehouse: an identity's reset token is refused once its customer exists; a new request resets the customer",
    only: "gatehouse",
    async run(target) {
      const email = uniqueV2Email("linked-later");
      const sdk = sdkFor(target);
      await sdk.auth.register("customer", "emailpass", { email, password: PASSWORD });
      const request = () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email });
      const early = await target.resetToken(email, request);
      // The registration token (the sdk holds it) creates the customer while the token is out.
      const { customer } = await sdk.store.customer.create({ email });
      const update = (token: string, password: string) =>
        raw(target, "POST", "/auth/customer/emailpass/update", {
          pk: false,
          token,
          body: { password },
        });
      assertJson(await update(early, "Early-Horse-9-staple"), 401, INVALID_TOKEN);
      const login = (password: string) =>
        sdkFor(target).auth.login("customer", "emailpass", { email, password });
      assert.equal(claimsOf((await login(PASSWORD)) as string).actor_id, customer.id);
      const late = await target.resetToken(email, request);
      assertJson(await update(late, "Late-Horse-9-staple"), 200, { success: true });
      assert.equal(claimsOf((await login("Late-Horse-9-staple")) as string).actor_id, customer.id);
      await rejects(login(PASSWORD), 401, INVALID_CREDENTIALS.message);
    },
  },
  {
    name: "Medusa: a registration token from before the identity's password reset still creates the customer and refreshes into its login token",
    only: "medusa",
    async run(target) {
      const email = uniqueV2Email("squatted");
      const held = (await sdkFor(target).auth.register("customer", "emailpass", {
        email,
        password: PASSWORD,
      })) as string;
      await resetByEmail(target, email, "Owner-Horse-9-staple");
      const created = await raw(target, "POST", "/store/customers", {
        token: held,
        body: { email },
      });
      assert.equal(created.status, 200, created.text);
      const refreshed = await raw(target, "POST", "/auth/token/refresh", {
        pk: false,
        token: held,
      });
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.equal(claimsOf(refreshed.body.token).actor_id, created.body.customer.id);
    },
  },
  {
    name: "Gatehouse: a registration token from before the identity's password reset is refused; one from a login with the new password works",
    only: "gatehouse",
    async run(target) {
      const email = uniqueV2Email("squatted");
      const register = () =>
        raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email, password: PASSWORD },
        });
      const refresh = (token: string) =>
        raw(target, "POST", "/auth/token/refresh", { pk: false, token });
      const create = (token: string) =>
        raw(target, "POST", "/store/customers", { token, body: { email } });
      // Someone else registered the email first and keeps both tokens of their password.
      const first = await register();
      assert.equal(first.status, 200, first.text);
      const again = await register();
      assert.equal(again.status, 200, again.text);
      const held = [first.body.token as string, again.body.token as string];
      // The password hash's HMAC, shortened (never the hash).
      assert.match(claimsOf(held[0]!).pwd, /^[\w-]{16}$/);
      const renewed = await refresh(held[1]!);
      assert.equal(renewed.status, 200, renewed.text);
      held.push(renewed.body.token);
      // The email's owner resets the password through the account event's token.
      const owner = "Owner-Horse-9-staple";
      await resetByEmail(target, email, owner);
      for (const token of held) {
        assertJson(await create(token), 401, UNAUTHORIZED);
        assertJson(await refresh(token), 401, UNAUTHORIZED);
        assertJson(
          await raw(target, "POST", "/auth/session", { pk: false, token }),
          401,
          UNAUTHORIZED,
        );
      }
      // The owner's login gets a registration token that works: refreshed, and creating the customer.
      const login = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: owner,
      });
      assert.equal(claimsOf(login as string).actor_id, "");
      const refreshed = await refresh(login as string);
      assert.equal(refreshed.status, 200, refreshed.text);
      const created = await create(refreshed.body.token);
      assert.equal(created.status, 200, created.text);
      const customerId = created.body.customer.id as string;
      // Once the customer exists, the old tokens still get no session in it; the owner's do.
      for (const token of held) assertJson(await refresh(token), 401, UNAUTHORIZED);
      const session = await refresh(login as string);
      assert.equal(session.status, 200, session.text);
      assert.equal(claimsOf(session.body.token).actor_id, customerId);
    },
  },
  {
    name: "Gatehouse: a new password the policy refuses keeps an identity's reset token",
    only: "gatehouse",
    async run(target) {
      const email = uniqueV2Email("no-customer-policy");
      await sdkFor(target).auth.register("customer", "emailpass", { email, password: PASSWORD });
      const token = await target.resetToken(email, () =>
        sdkFor(target).auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      const update = (password: string) =>
        raw(target, "POST", "/auth/customer/emailpass/update", {
          pk: false,
          token,
          body: { password },
        });
      // It holds the email: refused once the token names the identity.
      const refused = await update(`${email}1`);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.body.type, "invalid_data");
      assertJson(await update("Kept-Horse-9-staple"), 200, { success: true });
      const login = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: "Kept-Horse-9-staple",
      });
      assert.equal(claimsOf(login as string).actor_id, "");
    },
  },
  {
    name: "Gatehouse: a login token and the old password update the password",
    only: "gatehouse",
    async run(target) {
      const { email, token } = await newAccount(target);
      const update = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass/update", { pk: false, token, body });
      const wrong = await update({ password: "Another-Horse-9-staple", old_password: "nope" });
      assert.equal(wrong.status, 401, wrong.text);
      assertJson(
        await update({ password: "Another-Horse-9-staple", old_password: PASSWORD }),
        200,
        {
          success: true,
        },
      );
      const login = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: "Another-Horse-9-staple",
      });
      assert.equal(typeof login, "string");
    },
  },
  {
    name: "Medusa: emails are case-sensitive (another case is another identity)",
    only: "medusa",
    async run(target) {
      const { email } = await newAccount(target, { email: `Case-${uniqueV2Email()}` });
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass", {
          pk: false,
          body: { email: email.toLowerCase(), password: PASSWORD },
        }),
        401,
        INVALID_CREDENTIALS,
      );
    },
  },
  {
    name: "Gatehouse: emails are case-insensitive (login and registration)",
    only: "gatehouse",
    async run(target) {
      const { email, customer } = await newAccount(target, { email: `Case-${uniqueV2Email()}` });
      const token = await sdkFor(target).auth.login("customer", "emailpass", {
        email: email.toLowerCase(),
        password: PASSWORD,
      });
      assert.equal(claimsOf(token as string).actor_id, customer.id);
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email: email.toUpperCase(), password: "Another-Horse-9-staple" },
        }),
        401,
        { type: "unauthorized", message: "Identity with email already exists" },
      );
    },
  },
  {
    name: "Medusa: a look-alike spelling (fullwidth letter) is another identity",
    only: "medusa",
    async run(target) {
      const email = uniqueV2Email("bob");
      const identities = new Set<string>();
      for (const spelling of [lookAlike(email), email]) {
        const res = await raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email: spelling, password: PASSWORD },
        });
        assert.equal(res.status, 200, res.text);
        identities.add(claimsOf(res.body.token).auth_identity_id);
      }
      assert.equal(identities.size, 2);
    },
  },
  {
    name: "Gatehouse: a look-alike spelling (fullwidth letter) is the same identity; registered first, it cannot keep the email from its owner",
    only: "gatehouse",
    async run(target) {
      const email = uniqueV2Email("bob");
      const squatted = lookAlike(email);
      assert.notEqual(squatted, email);
      const squatter = "Squatter-Horse-9-staple";
      const registration = await sdkFor(target).auth.register("customer", "emailpass", {
        email: squatted,
        password: squatter,
      });
      const created = await raw(target, "POST", "/store/customers", {
        token: registration,
        body: {},
      });
      assert.equal(created.status, 200, created.text);
      const { customer } = created.body;
      assert.equal(customer.email, email);
      // The owner's registration in the plain spelling meets the same identity.
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass/register", {
          pk: false,
          body: { email, password: PASSWORD },
        }),
        401,
        { type: "unauthorized", message: "Identity with email already exists" },
      );
      // The reset goes to the email: its owner sets the password.
      await resetByEmail(target, email, PASSWORD);
      assertJson(
        await raw(target, "POST", "/auth/token/refresh", { pk: false, token: registration }),
        401,
        UNAUTHORIZED,
      );
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass", {
          pk: false,
          body: { email: squatted, password: squatter },
        }),
        401,
        INVALID_CREDENTIALS,
      );
      for (const spelling of [email, email.toUpperCase(), squatted, emailVariant(email, 42)]) {
        const token = await sdkFor(target).auth.login("customer", "emailpass", {
          email: spelling,
          password: PASSWORD,
        });
        assert.equal(claimsOf(token as string).actor_id, customer.id, spelling);
      }
    },
  },
];
