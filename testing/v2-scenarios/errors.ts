/** The v2 scenarios of what goes wrong, with Medusa v2's exact error bodies. */
import assert from "node:assert/strict";
import {
  INVALID_CREDENTIALS,
  PASSWORD,
  UNAUTHORIZED,
  assertJson,
  claimsOf,
  newAccount,
  raw,
  rejects,
  sdkFor,
  uniqueV2Email,
  type V2Scenario,
} from "../v2-storefront.js";

export const errorScenarios: V2Scenario[] = [
  {
    name: "registration errors: another password, idempotent same password, missing password",
    async run(target) {
      const email = uniqueV2Email();
      const register = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass/register", { pk: false, body });
      const first = await register({ email, password: PASSWORD });
      assert.equal(first.status, 200, first.text);
      // Before the customer exists the same credentials register again (an actor-less token).
      const again = await register({ email, password: PASSWORD });
      assert.equal(again.status, 200, again.text);
      assert.equal(claimsOf(again.body.token).actor_id, "");
      assert.equal(
        claimsOf(again.body.token).auth_identity_id,
        claimsOf(first.body.token).auth_identity_id,
      );
      assertJson(await register({ email, password: "Another-Horse-9-staple" }), 401, {
        type: "unauthorized",
        message: "Identity with email already exists",
      });
      await rejects(
        sdkFor(target).auth.register("customer", "emailpass", {
          email,
          password: "Another-Horse-9-staple",
        }),
        401,
        "Identity with email already exists",
      );
      assertJson(await register({ email: uniqueV2Email() }), 401, {
        type: "unauthorized",
        message: "Password should be a string",
      });
      const notJson = await raw(target, "POST", "/auth/customer/emailpass/register", {
        pk: false,
        raw: "not json",
      });
      assert.equal(notJson.status, 400, notJson.text);
      assert.equal(notJson.body.type, "invalid_data");

      // Once the customer exists, registering again is refused even with the same password.
      const sdk = sdkFor(target);
      await sdk.auth.register("customer", "emailpass", { email, password: PASSWORD });
      await sdk.store.customer.create({ email });
      assertJson(await register({ email, password: PASSWORD }), 401, {
        type: "unauthorized",
        message: "Identity with email already exists",
      });
    },
  },
  {
    name: "login errors: wrong password and unknown email get the same 401",
    async run(target) {
      const { email } = await newAccount(target);
      const login = (body: Record<string, unknown>) =>
        raw(target, "POST", "/auth/customer/emailpass", { pk: false, body });
      assertJson(
        await login({ email, password: "Wrong-Horse-9-staple" }),
        401,
        INVALID_CREDENTIALS,
      );
      assertJson(
        await login({ email: uniqueV2Email("nobody"), password: PASSWORD }),
        401,
        INVALID_CREDENTIALS,
      );
      await rejects(
        sdkFor(target).auth.login("customer", "emailpass", { email, password: "nope" }),
        401,
        INVALID_CREDENTIALS.message,
      );
    },
  },
  {
    name: "customer create errors: a second create 422, a login token 400, no token 401, bad fields 400",
    async run(target) {
      const { email, registrationToken, token } = await newAccount(target);
      const create = (body: Record<string, unknown>, bearer?: string) =>
        raw(target, "POST", "/store/customers", { token: bearer, body });
      assertJson(await create({ email }, registrationToken), 422, {
        code: "invalid_request_error",
        type: "duplicate_error",
        message: "Customer with this email already has an account",
      });
      assertJson(await create({ email }, token), 400, {
        type: "invalid_data",
        message: "Request already authenticated as a customer.",
      });
      assertJson(await create({ email }), 401, UNAUTHORIZED);

      const sdk = sdkFor(target);
      const fresh = uniqueV2Email();
      const freshToken = await sdk.auth.register("customer", "emailpass", {
        email: fresh,
        password: PASSWORD,
      });
      assertJson(await create({ email: fresh, foo: "bar" }, freshToken), 400, {
        type: "invalid_data",
        message: "Invalid request: Unrecognized fields: 'foo'",
      });
      assertJson(await create({ email: fresh, first_name: 5 }, freshToken), 400, {
        type: "invalid_data",
        message: "Invalid request: Expected type: 'string' for field 'first_name', got: '5'",
      });
      // The token was not used up by the refused requests.
      assert.equal((await sdk.store.customer.create({ email: fresh })).customer.email, fresh);
    },
  },
  {
    name: "publishable key: missing or unknown → 400 on /store/*, not needed on /auth/*",
    async run(target) {
      const { token } = await newAccount(target);
      assertJson(await raw(target, "GET", "/store/customers/me", { pk: false, token }), 400, {
        type: "not_allowed",
        message:
          "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
      });
      const unknown = await raw(target, "GET", "/store/customers/me", {
        token,
        headers: { "x-publishable-api-key": `pk_${"0".repeat(64)}` },
      });
      assertJson(unknown, 400, {
        type: "not_allowed",
        message: "A valid publishable key is required to proceed with the request",
      });
      // The key is checked before authentication.
      assertJson(await raw(target, "GET", "/store/customers/me", { pk: false }), 400, {
        type: "not_allowed",
        message:
          "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
      });
      const providers = await raw(target, "GET", "/auth/customer/providers", { pk: false });
      assert.equal(providers.status, 200, providers.text);
    },
  },
  {
    name: "bad bearer tokens: 401 {message: Unauthorized} on /store/customers/me",
    async run(target) {
      const { token } = await newAccount(target);
      const [header, payload] = token.split(".");
      const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${payload}.`;
      const fresh = sdkFor(target);
      const actorless = await fresh.auth.register("customer", "emailpass", {
        email: uniqueV2Email(),
        password: PASSWORD,
      });
      for (const bad of ["garbage", "not.a.jwt", forged, none, actorless]) {
        assertJson(
          await raw(target, "GET", "/store/customers/me", { token: bad }),
          401,
          UNAUTHORIZED,
        );
      }
      await rejects(fresh.store.customer.retrieve(), 401, "Unauthorized");
    },
  },
];
