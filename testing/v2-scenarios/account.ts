/**
 * The v2 scenarios of a customer's account through the js-sdk: registration, profile, addresses,
 * tokens, sessions, password reset, providers, and an order.
 */
import assert from "node:assert/strict";
import { CookieJar, jarFetch, withCookieJar } from "../cookie-jar.js";
import {
  ADDRESS_KEYS,
  CUSTOMER_ADDRESS_KEYS,
  INVALID_CREDENTIALS,
  INVALID_TOKEN,
  PASSWORD,
  UNAUTHORIZED,
  V2_ADDRESS,
  assertCustomer,
  assertJson,
  claimsOf,
  newAccount,
  placeOrderAndList,
  raw,
  rejects,
  sdkFor,
  sessionSdkFor,
  uniqueV2Email,
  type V2Scenario,
} from "../v2-storefront.js";

export const accountScenarios: V2Scenario[] = [
  {
    name: "register → customer create → login → retrieve, through the js-sdk",
    async run(target) {
      const email = uniqueV2Email();
      const sdk = sdkFor(target);
      const registration = await sdk.auth.register("customer", "emailpass", {
        email,
        password: PASSWORD,
      });
      const reg = claimsOf(registration);
      assert.equal(reg.actor_id, "");
      assert.equal(reg.actor_type, "customer");
      assert.match(reg.auth_identity_id, /^authid_/);
      assert.equal(reg.auth_provider, "emailpass");
      assert.deepEqual(reg.app_metadata, {});

      const { customer } = await sdk.store.customer.create({
        email,
        first_name: "Grace",
        last_name: "Hopper",
        phone: "+49 30 1234567",
        company_name: "Navy",
        metadata: { source: "scenario" },
      });
      assertCustomer(customer, email);
      assert.equal(customer.first_name, "Grace");
      assert.equal(customer.last_name, "Hopper");
      assert.equal(customer.phone, "+49 30 1234567");
      assert.equal(customer.company_name, "Navy");
      assert.deepEqual(customer.metadata, { source: "scenario" });
      assert.deepEqual(customer.addresses, []);

      const token = await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
      assert.equal(typeof token, "string");
      const claims = claimsOf(token as string);
      assert.equal(claims.actor_id, customer.id);
      assert.equal(claims.actor_type, "customer");
      assert.equal(claims.auth_identity_id, reg.auth_identity_id);
      assert.equal(claims.auth_provider, "emailpass");
      assert.deepEqual(claims.app_metadata, { customer_id: customer.id });
      assert.equal(claims.mfa_enabled, false);
      assert.equal(claims.mfa_challenge_completed_at, null);
      assert.deepEqual(claims.user_metadata, {});
      assert.ok(claims.exp > claims.iat);

      const { customer: me } = await sdk.store.customer.retrieve();
      assert.deepEqual(me, customer);
    },
  },
  {
    name: "the profile: sdk.store.customer.update, then retrieve",
    async run(target) {
      const { sdk, email, token } = await newAccount(target, { profile: { first_name: "Grace" } });
      const { customer } = await sdk.store.customer.update({
        first_name: "Ada",
        last_name: "Lovelace",
        company_name: "Analytical Engines",
        phone: "+44 20 7946 0000",
        metadata: { tier: "gold" },
      });
      assertCustomer(customer, email);
      assert.equal(customer.first_name, "Ada");
      assert.equal(customer.last_name, "Lovelace");
      assert.equal(customer.company_name, "Analytical Engines");
      assert.equal(customer.phone, "+44 20 7946 0000");
      assert.deepEqual(customer.metadata, { tier: "gold" });
      const { customer: me } = await sdk.store.customer.retrieve();
      assert.deepEqual(me, customer);
      // An unknown field is refused, and nothing changes.
      const res = await raw(target, "POST", "/store/customers/me", {
        token,
        body: { first_name: "X", foo: 1 },
      });
      assertJson(res, 400, {
        type: "invalid_data",
        message: "Invalid request: Unrecognized fields: 'foo'",
      });
      assert.equal((await sdk.store.customer.retrieve()).customer.first_name, "Ada");
    },
  },
  {
    name: "addresses: create, list, retrieve, update, delete, one default of each kind",
    async run(target) {
      const { sdk, customer } = await newAccount(target);
      const first = await sdk.store.customer.createAddress({
        ...V2_ADDRESS,
        address_name: "Home",
        is_default_shipping: true,
      });
      assert.equal(first.customer.id, customer.id);
      assert.equal(first.customer.addresses.length, 1);
      const home = first.customer.addresses[0];
      assert.deepEqual(Object.keys(home).sort(), [...CUSTOMER_ADDRESS_KEYS].sort());
      assert.match(home.id, /^cuaddr_[0-9A-Z]{26}$/);
      assert.equal(home.customer_id, customer.id);
      assert.equal(home.address_name, "Home");
      assert.equal(home.is_default_shipping, true);
      assert.equal(home.is_default_billing, false);
      assert.equal(home.city, "Berlin");

      const list = await sdk.store.customer.listAddress();
      assert.deepEqual(
        { count: list.count, offset: list.offset, limit: list.limit },
        { count: 1, offset: 0, limit: 50 },
      );
      assert.deepEqual(Object.keys(list.addresses[0]).sort(), [...ADDRESS_KEYS].sort());
      const { address } = await sdk.store.customer.retrieveAddress(home.id);
      assert.deepEqual(Object.keys(address).sort(), [...ADDRESS_KEYS].sort());
      assert.equal(address.id, home.id);
      assert.equal(address.postal_code, "10115");

      // A second default shipping (and billing) address takes the flag from the first.
      const second = await sdk.store.customer.createAddress({
        ...V2_ADDRESS,
        address_name: "Office",
        city: "Hamburg",
        postal_code: "20095",
        is_default_shipping: true,
        is_default_billing: true,
      });
      const byName = (name: string) =>
        second.customer.addresses.find((entry: any) => entry.address_name === name);
      assert.equal(second.customer.addresses.length, 2);
      assert.equal(byName("Home").is_default_shipping, false);
      assert.equal(byName("Office").is_default_shipping, true);
      assert.equal(byName("Office").is_default_billing, true);
      const office = byName("Office").id;

      // Update answers with the whole customer; setting a default moves it back.
      const updated = await sdk.store.customer.updateAddress(home.id, {
        city: "Potsdam",
        is_default_billing: true,
      });
      const after = (id: string) =>
        updated.customer.addresses.find((entry: any) => entry.id === id);
      assert.equal(after(home.id).city, "Potsdam");
      assert.equal(after(home.id).is_default_billing, true);
      assert.equal(after(office).is_default_billing, false);
      assert.equal(after(office).is_default_shipping, true);

      // Delete: `{object, deleted, parent}` (Medusa's `id` there is the customer's; not checked).
      const deleted = await sdk.store.customer.deleteAddress(office);
      assert.equal(deleted.object, "address");
      assert.equal(deleted.deleted, true);
      assert.equal(deleted.parent?.id, customer.id);
      assert.deepEqual(
        deleted.parent?.addresses.map((entry: any) => entry.id),
        [home.id],
      );
      const { count } = await sdk.store.customer.listAddress();
      assert.equal(count, 1);
      await rejects(
        sdk.store.customer.retrieveAddress(office),
        404,
        `Address with id: ${office} was not found`,
      );
    },
  },
  {
    name: "refresh: a new token for the same customer; a registration token refreshes into a login token",
    async run(target) {
      const { sdk, customer, registrationToken } = await newAccount(target);
      const { token } = await sdk.auth.refresh();
      const claims = claimsOf(token);
      assert.equal(claims.actor_id, customer.id);
      assert.deepEqual(claims.app_metadata, { customer_id: customer.id });
      assert.equal((await sdk.store.customer.retrieve()).customer.id, customer.id);

      // The registration token of a customer that now exists refreshes into one with the actor.
      const res = await raw(target, "POST", "/auth/token/refresh", {
        pk: false,
        token: registrationToken,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(claimsOf(res.body.token).actor_id, customer.id);

      assertJson(
        await raw(target, "POST", "/auth/token/refresh", { pk: false }),
        401,
        UNAUTHORIZED,
      );
    },
  },
  {
    name: "session mode over raw HTTP: POST /auth/session → cookie only → DELETE /auth/session",
    async run(target) {
      const { token, customer } = await newAccount(target);
      const jar = new CookieJar();
      const fetchWithJar = jarFetch(jar);
      const created = await fetchWithJar(new URL("/auth/session", target.baseUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(created.status, 200);
      const { user } = (await created.json()) as any;
      assert.equal(user.actor_id, customer.id);
      assert.equal(user.actor_type, "customer");
      const setCookie = jar.received.find((line) => line.startsWith("connect.sid="));
      assert.ok(setCookie, `no session cookie in ${JSON.stringify(jar.received)}`);
      assert.match(setCookie, /;\s*HttpOnly/i);
      assert.match(setCookie, /;\s*Path=\//i);
      assert.match(setCookie, /;\s*SameSite=Lax/i);

      const me = await fetchWithJar(new URL("/store/customers/me", target.baseUrl), {
        headers: { "x-publishable-api-key": target.publishableKey },
      });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as any).customer.id, customer.id);
      const refreshed = await fetchWithJar(new URL("/auth/token/refresh", target.baseUrl), {
        method: "POST",
      });
      assert.equal(refreshed.status, 200);

      const cookie = `connect.sid=${jar.get("connect.sid")}`;
      const ended = await raw(target, "DELETE", "/auth/session", { pk: false, cookie });
      assertJson(ended, 200, { success: true });
      const cleared = ended.setCookies.find((line) => line.startsWith("connect.sid="));
      assert.ok(cleared, "the session cookie is cleared");
      assert.match(cleared, /^connect\.sid=;/);
      assertJson(await raw(target, "GET", "/store/customers/me", { cookie }), 401, UNAUTHORIZED);

      // No bearer to make a session of, no session to end.
      assertJson(await raw(target, "POST", "/auth/session", { pk: false }), 401, UNAUTHORIZED);
      assertJson(await raw(target, "DELETE", "/auth/session", { pk: false }), 401, UNAUTHORIZED);
    },
  },
  {
    name: "session mode through the js-sdk: register → customer create → login → profile → addresses → refresh → cart → order → logout",
    async run(target) {
      const email = uniqueV2Email("session");
      // auth.type "session" with a browser's cookie jar: the sdk sends the cookie, never a token.
      const sdk = sessionSdkFor(target);
      const jar = new CookieJar();
      await withCookieJar(jar, async () => {
        // Session mode never sends the token the sdk holds: the registration token goes to customer
        // create as its Authorization header, as Medusa's storefront guide has it.
        const registration = await sdk.auth.register("customer", "emailpass", {
          email,
          password: PASSWORD,
        });
        const { customer } = await sdk.store.customer.create(
          { email, first_name: "Grace" },
          {},
          { authorization: `Bearer ${registration}` },
        );
        assertCustomer(customer, email);

        const token = await sdk.auth.login("customer", "emailpass", { email, password: PASSWORD });
        assert.equal(claimsOf(token as string).actor_id, customer.id);
        const loginCookie = jar.get("connect.sid");
        assert.ok(loginCookie, "the sdk's login made a session cookie");
        assert.deepEqual((await sdk.store.customer.retrieve()).customer, customer);
        const { customer: updated } = await sdk.store.customer.update({ last_name: "Hopper" });
        assert.equal(updated.last_name, "Hopper");

        const created = await sdk.store.customer.createAddress({
          ...V2_ADDRESS,
          is_default_shipping: true,
        });
        const [address] = created.customer.addresses;
        assert.equal(address.customer_id, customer.id);
        assert.equal(address.is_default_shipping, true);
        const moved = await sdk.store.customer.updateAddress(address.id, { city: "Potsdam" });
        assert.equal(moved.customer.addresses[0].city, "Potsdam");
        const deleted = await sdk.store.customer.deleteAddress(address.id);
        assert.equal(deleted.deleted, true);
        assert.deepEqual(deleted.parent?.addresses, []);

        // Refresh, as Medusa has it in session mode: a token for the cookie, which the sdk turns
        // into the session again (POST /auth/session).
        const { token: refreshed } = await sdk.auth.refresh();
        assert.equal(claimsOf(refreshed).actor_id, customer.id);
        assert.equal((await sdk.store.customer.retrieve()).customer.last_name, "Hopper");

        if (target.commerce) await placeOrderAndList({ sdk, email, customer: updated });

        const cookies = new Set([loginCookie, jar.get("connect.sid")]);
        await sdk.auth.logout();
        assert.equal(jar.get("connect.sid"), undefined, "the sdk's logout cleared the cookie");
        await rejects(sdk.store.customer.retrieve(), 401, "Unauthorized");
        // Every cookie the journey held is dead: on the customer routes, and on the store's.
        for (const value of cookies) {
          const cookie = `connect.sid=${value}`;
          assertJson(
            await raw(target, "GET", "/store/customers/me", { cookie }),
            401,
            UNAUTHORIZED,
          );
          if (target.commerce) {
            assertJson(await raw(target, "GET", "/store/orders", { cookie }), 401, UNAUTHORIZED);
          }
        }
      });
    },
  },
  {
    name: "reset password: 201 text/plain Created for known and unknown identifiers, then update",
    async run(target) {
      const { email, customer } = await newAccount(target);
      const sdk = sdkFor(target);
      const resetToken = await target.resetToken(email, () =>
        sdk.auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      for (const identifier of [email, uniqueV2Email("nobody")]) {
        const res = await raw(target, "POST", "/auth/customer/emailpass/reset-password", {
          pk: false,
          body: { identifier },
        });
        assert.equal(res.status, 201, res.text);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
        assert.equal(res.text, "Created");
      }
      assertJson(
        await raw(target, "POST", "/auth/customer/emailpass/reset-password", {
          pk: false,
          body: {},
        }),
        400,
        { type: "invalid_data", message: "Invalid request: Field 'identifier' is required" },
      );

      // The token of the last request (a newer request replaces older tokens in Medusa).
      const latest = await target.resetToken(email, () =>
        sdk.auth.resetPassword("customer", "emailpass", { identifier: email }),
      );
      assert.notEqual(latest, resetToken);
      const update = (token: string | undefined, password: string) =>
        raw(target, "POST", "/auth/customer/emailpass/update", {
          pk: false,
          token,
          body: { password },
        });
      assertJson(await update(undefined, "x-Another-9-staple"), 401, INVALID_TOKEN);
      await sdk.auth.updateProvider(
        "customer",
        "emailpass",
        { password: `${PASSWORD}-new` },
        latest,
      );
      await rejects(
        sdkFor(target).auth.login("customer", "emailpass", { email, password: PASSWORD }),
        401,
        INVALID_CREDENTIALS.message,
      );
      const token = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: `${PASSWORD}-new`,
      });
      assert.equal(claimsOf(token as string).actor_id, customer.id);
      assertJson(await update(latest, "Yet-Another-9-staple"), 401, INVALID_TOKEN);
    },
  },
  {
    name: "reset password of an identity whose customer was never created: update, log in, create the customer",
    async run(target) {
      const email = uniqueV2Email("no-customer");
      const registration = await sdkFor(target).auth.register("customer", "emailpass", {
        email,
        password: PASSWORD,
      });
      const resetToken = await target.resetToken(email, async () => {
        // The answer of every other identifier.
        const res = await raw(target, "POST", "/auth/customer/emailpass/reset-password", {
          pk: false,
          body: { identifier: email },
        });
        assert.equal(res.status, 201, res.text);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
        assert.equal(res.text, "Created");
      });
      const update = (token: string) =>
        raw(target, "POST", "/auth/customer/emailpass/update", {
          pk: false,
          token,
          body: { password: `${PASSWORD}-reset` },
        });
      assertJson(await update(resetToken), 200, { success: true });
      assertJson(await update(resetToken), 401, INVALID_TOKEN);
      await rejects(
        sdkFor(target).auth.login("customer", "emailpass", { email, password: PASSWORD }),
        401,
        INVALID_CREDENTIALS.message,
      );
      // The new password logs the identity in, still without a customer: it creates it now.
      const sdk = sdkFor(target);
      const login = await sdk.auth.login("customer", "emailpass", {
        email,
        password: `${PASSWORD}-reset`,
      });
      const claims = claimsOf(login as string);
      assert.equal(claims.actor_id, "");
      assert.equal(claims.auth_identity_id, claimsOf(registration as string).auth_identity_id);
      const { customer } = await sdk.store.customer.create({ email });
      assertCustomer(customer, email);
      const again = await sdkFor(target).auth.login("customer", "emailpass", {
        email,
        password: `${PASSWORD}-reset`,
      });
      assert.equal(claimsOf(again as string).actor_id, customer.id);
    },
  },
  {
    name: "providers: GET /auth/customer/providers",
    async run(target) {
      const providers = await sdkFor(target).auth.listProviders("customer");
      assert.deepEqual(providers, {
        providers: [
          {
            id: "emailpass",
            identifier: "emailpass",
            display_name: "Email/Password Authentication",
            flow: "credentials",
          },
        ],
      });
    },
  },
  {
    name: "cart → order as the logged-in customer; sdk.store.order.list shows it",
    commerce: true,
    async run(target) {
      await placeOrderAndList(await newAccount(target));
    },
  },
];
