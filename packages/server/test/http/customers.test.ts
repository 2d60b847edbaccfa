/**
 * Medusa v1's customer routes over real HTTP: registration (contract §2.6), the profile
 * (§2.7–2.8), with SPEC §2.3 (emails), §3.1 (sessions, CSRF), §3.3 (password policy) and
 * §6.5 (emails lower-cased on profile update too).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { useServer, type Row } from "../../../../testing/fixture.js";
import {
  STRONG_PASSWORD,
  getToken,
  login,
  register,
  sessionCookie,
  type ApiResponse,
} from "../../../../testing/http.js";
import {
  ADDRESS,
  ADDRESS_ID,
  CUSTOMER_KEYS,
  ISO_MS,
  assertJsonError,
} from "../../../../testing/expect.js";
import { uniqueEmail } from "../../../../testing/server.js";

const WITH_ADDRESSES = [...CUSTOMER_KEYS, "billing_address", "shipping_addresses"].sort();
const CUSTOMER_ID = /^cus_[0-9A-HJKMNP-TV-Z]{26}$/;
const OTHER_PASSWORD = "a different but equally long passphrase";
const DUPLICATE = {
  code: "invalid_request_error",
  type: "duplicate_error",
  message: "A customer with the given email already has an account. Log in instead",
};
const WRONG_LOGIN = { type: "unauthorized", message: "Wrong email or password" };
const EVIL_ORIGIN = "https://evil.example";

/** Every key, at any depth, of a JSON value. */
function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([key, inner]) => [key, ...allKeys(inner)]);
  return [];
}

/** No password, hash or secret anywhere in a response. */
function assertNoSecrets(res: ApiResponse) {
  for (const key of allKeys(res.body)) assert.doesNotMatch(key, /password|hash|secret|token/i);
  assert.ok(!res.text.includes("$argon2"), "no Argon2 hash in the body");
  assert.ok(!/password/i.test(res.text), "the word password appears nowhere in the body");
}

function assertCustomerResponse(res: ApiResponse) {
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(Object.keys(res.body), ["customer"]);
  assert.deepEqual(Object.keys(res.body.customer).sort(), WITH_ADDRESSES);
  assertNoSecrets(res);
}

describe("customer routes", () => {
  const app = useServer();
  const { api, db, customerRow, addressRow, sessionCount } = app;
  const rowsWithEmail = (email: string) =>
    db.query<Row>("select * from customer where email = $1 order by id", [email]);

  describe("POST /store/customers", () => {
    it("registers: 200 {customer} in Medusa's shape, without secrets, stored with an Argon2id hash", async () => {
      const email = uniqueEmail("alec");
      const res = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        first_name: "Alec",
        last_name: "Reynolds",
        phone: "+45 12 34 56 78",
      });
      assertCustomerResponse(res);
      const { customer } = res.body;
      assert.match(customer.id, CUSTOMER_ID);
      assert.match(customer.created_at, ISO_MS);
      assert.match(customer.updated_at, ISO_MS);
      assert.equal(customer.deleted_at, null);
      assert.equal(customer.email, email);
      assert.equal(customer.first_name, "Alec");
      assert.equal(customer.last_name, "Reynolds");
      assert.equal(customer.phone, "+45 12 34 56 78");
      assert.equal(customer.billing_address_id, null);
      assert.equal(customer.has_account, true);
      assert.equal(customer.metadata, null);
      assert.equal(customer.billing_address, null);
      assert.deepEqual(customer.shipping_addresses, []);
      assert.ok(Math.abs(Date.parse(customer.created_at) - Date.now()) < 60_000);

      const row = await customerRow(customer.id);
      assert.ok(row, "the customer is stored");
      assert.equal(row.email, email);
      assert.equal(Boolean(row.has_account), true);
      assert.equal(row.deleted_at, null);
      assert.equal(Number(row.created_at), Date.parse(customer.created_at));
      assert.match(row.password_hash, /^\$argon2id\$/);
      assert.ok(!row.password_hash.includes(STRONG_PASSWORD));
    });

    it("accepts a body without names or phone (they are null)", async () => {
      const res = await api.post("/store/customers", {
        email: uniqueEmail("bare"),
        password: STRONG_PASSWORD,
      });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.first_name, null);
      assert.equal(res.body.customer.last_name, null);
      assert.equal(res.body.customer.phone, null);
    });

    it("logs in: sets connect.sid (HttpOnly, SameSite=Lax, Path=/) that works for GET /store/customers/me", async () => {
      const email = uniqueEmail("cookie");
      const res = await api.post("/store/customers", { email, password: STRONG_PASSWORD });
      assert.equal(res.status, 200);
      const headers = res.setCookies.filter((header) => header.startsWith("connect.sid="));
      assert.equal(headers.length, 1);
      const [pair, ...attributes] = headers[0]!.split("; ");
      assert.match(pair!, /^connect\.sid=[A-Za-z0-9_-]{43}$/);
      const lower = attributes.map((attribute) => attribute.toLowerCase());
      assert.ok(lower.includes("httponly"), headers[0]);
      assert.ok(lower.includes("samesite=lax"), headers[0]);
      assert.ok(lower.includes("path=/"), headers[0]);
      assert.ok(!lower.includes("secure"), "no Secure over plain HTTP by default");

      const me = await api.get("/store/customers/me", { cookie: pair });
      assertCustomerResponse(me);
      assert.equal(me.body.customer.id, res.body.customer.id);
      assert.equal(me.body.customer.email, email);
      assert.equal(me.setCookies.length, 0, "no new cookie on an established session");
      assert.equal(await sessionCount(res.body.customer.id), 1);
    });

    it('stores and returns the email lower-cased ("Mixed@Example.COM")', async () => {
      const mixed = uniqueEmail("Mixed").replace("example.com", "Example.COM");
      const lower = mixed.toLowerCase();
      assert.notEqual(mixed, lower);
      const res = await api.post("/store/customers", { email: mixed, password: STRONG_PASSWORD });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.email, lower);
      const rows = await rowsWithEmail(lower);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.id, res.body.customer.id);
      assert.equal((await rowsWithEmail(mixed)).length, 0);
      assert.equal(
        (await api.post("/store/auth", { email: mixed, password: STRONG_PASSWORD })).status,
        200,
      );
      assert.deepEqual((await api.get(`/store/auth/${encodeURIComponent(lower)}`)).body, {
        exists: true,
      });
    });

    it("stores Unicode emails in NFC, lower-cased", async () => {
      const suffix = randomBytes(4).toString("hex");
      const decomposed = `U\u0308ber-${suffix}@Example.DE`; // "Über" with a combining diaeresis
      const res = await api.post("/store/customers", {
        email: decomposed,
        password: STRONG_PASSWORD,
      });
      assertCustomerResponse(res);
      const expected = `\u00fcber-${suffix}@example.de`;
      assert.equal(res.body.customer.email, expected);
      assert.equal((await rowsWithEmail(expected)).length, 1);
    });

    it('answers {} with 400 "email must be an email, password must be a string"', async () => {
      const res = await api.post("/store/customers", {});
      assertJsonError(res, 400, {
        type: "invalid_data",
        message: "email must be an email, password must be a string",
      });
      assert.equal(res.setCookies.length, 0);
    });

    it("refuses unknown properties, listing them first", async () => {
      const email = uniqueEmail("extra");
      const alone = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        foo: "bar",
      });
      assertJsonError(alone, 400, {
        type: "invalid_data",
        message: "property foo should not exist",
      });
      const mixed = await api.post("/store/customers", { foo: 1, email: "nope" });
      assertJsonError(mixed, 400, {
        type: "invalid_data",
        message: "property foo should not exist, email must be an email, password must be a string",
      });
      assert.equal((await rowsWithEmail(email)).length, 0, "nothing stored");
    });

    it("refuses an email with leading or trailing spaces (no trimming)", async () => {
      const email = uniqueEmail("spaces");
      for (const spaced of [` ${email}`, `${email} `, `\t${email}`]) {
        const res = await api.post("/store/customers", {
          email: spaced,
          password: STRONG_PASSWORD,
        });
        assertJsonError(res, 400, { type: "invalid_data", message: "email must be an email" });
      }
      assert.equal((await rowsWithEmail(email)).length, 0);
    });

    it("refuses the emails validator.js's isEmail refuses", async () => {
      for (const email of [
        "user@localhost",
        "a@b.c",
        "a..b@x.com",
        "Name <a@x.com>",
        "plainaddress",
        "",
        42,
        null,
      ]) {
        const res = await api.post("/store/customers", { email, password: STRONG_PASSWORD });
        assertJsonError(res, 400, { type: "invalid_data", message: "email must be an email" });
      }
      const [{ count }] = (await db.query(
        "select count(*) as count from customer where email in ($1, $2, $3, $4)",
        ["user@localhost", "a@b.c", "a..b@x.com", "name <a@x.com>"],
      )) as [{ count: unknown }];
      assert.equal(Number(count), 0);
    });

    it("accepts plus addressing and Unicode local parts (a+b@x.com, ü@x.de)", async () => {
      for (const email of ["a+b@x.com", "ü@x.de"]) {
        const res = await api.post("/store/customers", { email, password: STRONG_PASSWORD });
        assertCustomerResponse(res);
        assert.equal(res.body.customer.email, email);
        assert.equal((await rowsWithEmail(email)).length, 1);
        const exists = await api.get(`/store/auth/${encodeURIComponent(email)}`);
        assert.deepEqual(exists.body, { exists: true });
      }
    });

    it("answers a second registration of an email, in any case, with the exact 422 duplicate_error", async () => {
      const email = uniqueEmail("dup");
      const first = await register(app.url, email);
      for (const again of [email, email.toUpperCase()]) {
        const res = await api.post("/store/customers", {
          email: again,
          password: OTHER_PASSWORD,
          first_name: "Mallory",
        });
        assertJsonError(res, 422, DUPLICATE);
        assert.equal(res.setCookies.length, 0, "no session for a refused registration");
      }
      const rows = await rowsWithEmail(email);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.id, first.customer.id);
      assert.equal(rows[0]!.first_name, null, "the existing account is untouched");
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
        "the original password still works",
      );
      assert.equal(
        (await api.post("/store/auth", { email, password: OTHER_PASSWORD })).status,
        401,
      );
    });

    it("refuses an empty or too short password, naming the minimum (no guest is created)", async () => {
      const email = uniqueEmail("short");
      for (const password of ["", "1234567", "seven77"]) {
        const res = await api.post("/store/customers", { email, password });
        assertJsonError(res, 400, {
          type: "invalid_data",
          message: "password must be at least 8 characters long",
        });
        assert.equal(res.setCookies.length, 0);
      }
      assert.equal(
        (await rowsWithEmail(email)).length,
        0,
        "Medusa's empty-password guest quirk is gone",
      );
    });

    it("refuses a password longer than 128 characters", async () => {
      const email = uniqueEmail("long");
      const res = await api.post("/store/customers", { email, password: "x".repeat(129) });
      assertJsonError(res, 400, {
        type: "invalid_data",
        message: "password must be at most 128 characters long",
      });
      assert.equal((await rowsWithEmail(email)).length, 0);
    });

    it("refuses the most common passwords with a message that says so", async () => {
      const email = uniqueEmail("common");
      for (const password of ["password", "Password123", "qwertyuiop", "PASSWORD1"]) {
        const res = await api.post("/store/customers", { email, password });
        assert.equal(res.status, 400, password);
        assert.equal(res.body.type, "invalid_data");
        assert.match(res.body.message, /common/, password);
        assert.match(res.body.message, /^password /);
      }
      assert.equal((await rowsWithEmail(email)).length, 0);
    });

    it("accepts a 128-character password (no truncation: a 127-character prefix does not log in)", async () => {
      const email = uniqueEmail("long-ok");
      const password = randomBytes(64).toString("hex"); // 128 characters, no repeated pattern
      assert.equal(password.length, 128);
      const res = await api.post("/store/customers", { email, password });
      assertCustomerResponse(res);
      assert.equal((await api.post("/store/auth", { email, password })).status, 200);
      assert.equal(
        (await api.post("/store/auth", { email, password: password.slice(0, 127) })).status,
        401,
      );
    });

    it("lets exactly one of several concurrent registrations of one email win; the others get 422, never 5xx", async () => {
      const email = uniqueEmail("race");
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          api.post("/store/customers", {
            email: index % 2 === 0 ? email : email.toUpperCase(),
            password: STRONG_PASSWORD,
          }),
        ),
      );
      const statuses = results.map((res) => res.status).sort();
      assert.deepEqual(statuses, [200, 422, 422, 422], results.map((res) => res.text).join("\n"));
      for (const res of results.filter((res) => res.status === 422))
        assert.deepEqual(res.body, DUPLICATE);
      assert.equal((await rowsWithEmail(email)).length, 1);
    });

    it("treats null optional fields (first_name, last_name, phone) as absent, as class-validator's IsOptional", async () => {
      const email = uniqueEmail("nulls");
      const res = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        first_name: null,
        last_name: null,
        phone: null,
      });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.first_name, null);
      assert.equal(res.body.customer.last_name, null);
      assert.equal(res.body.customer.phone, null);
      assert.equal((await rowsWithEmail(email)).length, 1);
    });

    it("refuses names and phone that are not strings", async () => {
      const email = uniqueEmail("types");
      const res = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        first_name: 1,
        last_name: ["x"],
        phone: {},
      });
      assertJsonError(res, 400, {
        type: "invalid_data",
        message: "first_name must be a string, last_name must be a string, phone must be a string",
      });
      assert.equal((await rowsWithEmail(email)).length, 0);
    });

    it("registering while logged in as someone else gives a new cookie; the old one stops authenticating", async () => {
      const first = await register(app.url, uniqueEmail("first"));
      assert.equal((await api.get("/store/auth", { cookie: first.cookie })).status, 200);
      const secondEmail = uniqueEmail("second");
      const res = await api.post(
        "/store/customers",
        { email: secondEmail, password: STRONG_PASSWORD },
        { cookie: first.cookie },
      );
      assertCustomerResponse(res);
      const cookie = sessionCookie(res);
      assert.ok(cookie);
      assert.notEqual(cookie, first.cookie);

      const old = await api.get("/store/auth", { cookie: first.cookie });
      assert.equal(old.status, 401);
      assert.equal(old.body.type, "unauthorized");
      const now = await api.get("/store/customers/me", { cookie });
      assert.equal(now.status, 200);
      assert.equal(now.body.customer.email, secondEmail);
      assert.equal(
        await sessionCount(first.customer.id),
        0,
        "the old session is revoked server-side",
      );
      assert.equal(
        (await api.post("/store/auth", { email: first.customer.email, password: STRONG_PASSWORD }))
          .status,
        200,
        "the first customer can still log in",
      );
    });

    it("does not let a guest row block registration: the database then holds a guest and an account", async () => {
      const email = uniqueEmail("guest");
      const createdAt = Date.now() - 60_000;
      const guestId = await app.insertGuest(email, { createdAt });
      assert.deepEqual((await api.get(`/store/auth/${email}`)).body, { exists: false });

      const res = await api.post("/store/customers", {
        email,
        password: STRONG_PASSWORD,
        first_name: "Now",
      });
      assertCustomerResponse(res);
      assert.notEqual(res.body.customer.id, guestId);
      assert.equal(res.body.customer.has_account, true);

      const rows = await rowsWithEmail(email);
      assert.equal(rows.length, 2);
      const guest = rows.find((row) => row.id === guestId)!;
      const account = rows.find((row) => row.id === res.body.customer.id)!;
      assert.equal(Boolean(guest.has_account), false);
      assert.equal(guest.password_hash, null, "the guest row is left as it was");
      assert.equal(Number(guest.updated_at), createdAt);
      assert.equal(Boolean(account.has_account), true);
      assert.match(account.password_hash, /^\$argon2id\$/);
      assert.deepEqual((await api.get(`/store/auth/${email}`)).body, { exists: true });
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).body.customer.id,
        res.body.customer.id,
      );
    });
  });

  describe("GET /store/customers/me", () => {
    it("answers 401 JSON without credentials, and starts no session", async () => {
      const cases: Array<Record<string, string>> = [
        {},
        { cookie: "connect.sid=" },
        { authorization: "Bearer" },
      ];
      for (const headers of cases) {
        const res = await api.get("/store/customers/me", { headers });
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.match(res.headers.get("content-type")!, /^application\/json/);
        assert.equal(res.body.type, "unauthorized");
        assert.equal(typeof res.body.message, "string");
        assert.ok(res.body.message.length > 0);
        assert.deepEqual(
          Object.keys(res.body).filter((key) => !["type", "message", "code"].includes(key)),
          [],
        );
        assert.equal(res.setCookies.length, 0);
      }
    });

    it("returns the customer with billing_address and shipping_addresses for a cookie and for a Bearer token", async () => {
      const email = uniqueEmail("me");
      const { cookie, customer } = await register(app.url, email, STRONG_PASSWORD, {
        first_name: "Ada",
      });
      const token = await getToken(app.url, email);
      const byCookie = await api.get("/store/customers/me", { cookie });
      const byToken = await api.get("/store/customers/me", { token });
      for (const res of [byCookie, byToken]) {
        assertCustomerResponse(res);
        assert.equal(res.body.customer.id, customer.id);
        assert.equal(res.body.customer.email, email);
        assert.equal(res.body.customer.first_name, "Ada");
        assert.equal(res.body.customer.billing_address, null);
        assert.deepEqual(res.body.customer.shipping_addresses, []);
      }
      assert.deepEqual(byCookie.body, byToken.body);
      assert.deepEqual(byCookie.body.customer, customer);
    });

    it("answers many concurrent requests of different customers each with its own customer, and a soft-deleted one with 404", async () => {
      const customers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          register(app.url, uniqueEmail(`batch${i}`), STRONG_PASSWORD, {
            first_name: `Name ${i}`,
          }),
        ),
      );
      const [gone, ...live] = customers;
      await db.query("update customer set deleted_at = $1 where id = $2", [
        Date.now(),
        gone!.customer.id,
      ]);
      // Every request in flight at once, three times over: the server reads them together.
      const requests = [...live, ...live, ...live, gone!];
      const responses = await Promise.all(
        requests.map(({ cookie }) => api.get("/store/customers/me", { cookie })),
      );
      responses.forEach((res, i) => {
        const expected = requests[i]!;
        if (expected === gone) {
          assertJsonError(res, 404, {
            type: "not_found",
            message: `Customer with id: ${gone.customer.id} was not found`,
          });
          return;
        }
        assertCustomerResponse(res);
        assert.deepEqual(res.body.customer, expected.customer);
      });
      const exists = await Promise.all(
        [...live.map(({ customer }) => customer.email as string), gone!.customer.email].flatMap(
          (email) => [email, `unknown-${email}`].map((e) => api.get(`/store/auth/${e}`)),
        ),
      );
      assert.deepEqual(
        exists.map((res) => res.body.exists),
        [...live.flatMap(() => [true, false]), false, false],
      );
    });

    it("answers 404 'Customer with id: <id> was not found' once the customer is soft-deleted", async () => {
      const email = uniqueEmail("deleted");
      const { cookie, customer } = await register(app.url, email);
      const token = await getToken(app.url, email);
      await db.query("update customer set deleted_at = $1 where id = $2", [
        Date.now(),
        customer.id,
      ]);
      for (const credentials of [{ cookie }, { token }]) {
        const res = await api.get("/store/customers/me", credentials);
        assertJsonError(res, 404, {
          type: "not_found",
          message: `Customer with id: ${customer.id} was not found`,
        });
      }
      const update = await api.post("/store/customers/me", { first_name: "Ghost" }, { cookie });
      assertJsonError(update, 404, {
        type: "not_found",
        message: `Customer with id: ${customer.id} was not found`,
      });
      assert.equal((await customerRow(customer.id)).first_name, null);
    });
  });

  describe("POST /store/customers/me", () => {
    it("updates first_name, last_name and phone; null clears the phone", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("profile"));
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Grace", last_name: "Hopper", phone: "+1 555 0100" },
        { cookie },
      );
      assertCustomerResponse(res);
      assert.equal(res.body.customer.id, customer.id);
      assert.equal(res.body.customer.first_name, "Grace");
      assert.equal(res.body.customer.last_name, "Hopper");
      assert.equal(res.body.customer.phone, "+1 555 0100");
      assert.equal(res.body.customer.email, customer.email);
      assert.equal(res.body.customer.created_at, customer.created_at);
      assert.ok(Date.parse(res.body.customer.updated_at) >= Date.parse(customer.updated_at));
      let row = await customerRow(customer.id);
      assert.equal(row.first_name, "Grace");
      assert.equal(row.last_name, "Hopper");
      assert.equal(row.phone, "+1 555 0100");

      const cleared = await api.post("/store/customers/me", { phone: null }, { cookie });
      assertCustomerResponse(cleared);
      assert.equal(cleared.body.customer.phone, null);
      assert.equal(cleared.body.customer.first_name, "Grace", "omitted fields are kept");
      assert.equal(cleared.body.customer.last_name, "Hopper");
      row = await customerRow(customer.id);
      assert.equal(row.phone, null);
      assert.equal(row.first_name, "Grace");
      assert.deepEqual((await api.get("/store/customers/me", { cookie })).body, cleared.body);
    });

    it('merges metadata; a key set to "" is deleted', async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("meta"));
      const first = await api.post(
        "/store/customers/me",
        { metadata: { a: 1, b: "x", nested: { deep: [1, 2] } } },
        { cookie },
      );
      assertCustomerResponse(first);
      assert.deepEqual(first.body.customer.metadata, { a: 1, b: "x", nested: { deep: [1, 2] } });

      const second = await api.post(
        "/store/customers/me",
        { metadata: { b: "", c: true } },
        { cookie },
      );
      assertCustomerResponse(second);
      assert.deepEqual(second.body.customer.metadata, { a: 1, nested: { deep: [1, 2] }, c: true });
      const row = await customerRow(customer.id);
      assert.deepEqual(JSON.parse(row.metadata), { a: 1, nested: { deep: [1, 2] }, c: true });

      const untouched = await api.post("/store/customers/me", { first_name: "M" }, { cookie });
      assert.deepEqual(untouched.body.customer.metadata, {
        a: 1,
        nested: { deep: [1, 2] },
        c: true,
      });
    });

    it('refuses metadata that is not an object: 400 "metadata must be an object"', async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("meta-bad"));
      for (const metadata of ["x", [1, 2], 5]) {
        const res = await api.post("/store/customers/me", { metadata }, { cookie });
        assertJsonError(res, 400, {
          type: "invalid_data",
          message: "metadata must be an object",
        });
      }
      assert.equal((await customerRow(customer.id)).metadata, null);
    });

    it("stores a new email lower-cased: login works with any case and GET /store/auth/:email says it exists (SPEC §6.5)", async () => {
      const oldEmail = uniqueEmail("old");
      const { cookie, customer } = await register(app.url, oldEmail);
      const mixed = `New.Mixed-${randomBytes(4).toString("hex")}@Example.com`;
      const lower = mixed.toLowerCase();
      const res = await api.post("/store/customers/me", { email: mixed }, { cookie });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.email, lower);
      assert.equal((await customerRow(customer.id)).email, lower);

      for (const spelling of [mixed, lower, mixed.toUpperCase()]) {
        const login = await api.post("/store/auth", { email: spelling, password: STRONG_PASSWORD });
        assert.equal(login.status, 200, spelling);
        assert.equal(login.body.customer.id, customer.id);
      }
      assert.equal(
        (await api.post("/store/auth/token", { email: mixed, password: STRONG_PASSWORD })).status,
        200,
      );
      for (const spelling of [mixed, lower]) {
        const exists = await api.get(`/store/auth/${encodeURIComponent(spelling)}`);
        assert.deepEqual(exists.body, { exists: true }, spelling);
      }
      assert.deepEqual((await api.get(`/store/auth/${oldEmail}`)).body, { exists: false });
      assertJsonError(
        await api.post("/store/auth", { email: oldEmail, password: STRONG_PASSWORD }),
        401,
        WRONG_LOGIN,
      );
    });

    it("refuses a new email that another account uses (any case) with 422 duplicate_error", async () => {
      const taken = uniqueEmail("taken");
      await register(app.url, taken);
      const ownEmail = uniqueEmail("own");
      const { cookie, customer } = await register(app.url, ownEmail);
      for (const email of [taken, taken.toUpperCase()]) {
        const res = await api.post("/store/customers/me", { email }, { cookie });
        assertJsonError(res, 422, DUPLICATE);
      }
      assert.equal((await customerRow(customer.id)).email, ownEmail);
      assert.equal((await rowsWithEmail(taken)).length, 1);
      assert.equal(
        (await api.get("/store/customers/me", { cookie })).body.customer.email,
        ownEmail,
      );
    });

    it("changes the password: the new one logs in, the old one gets 401", async () => {
      const email = uniqueEmail("pw");
      const { cookie, customer } = await register(app.url, email);
      const before = (await customerRow(customer.id)).password_hash;
      const res = await api.post("/store/customers/me", { password: OTHER_PASSWORD }, { cookie });
      assertCustomerResponse(res);
      const after = (await customerRow(customer.id)).password_hash;
      assert.match(after, /^\$argon2id\$/);
      assert.notEqual(after, before);
      assertJsonError(
        await api.post("/store/auth", { email, password: STRONG_PASSWORD }),
        401,
        WRONG_LOGIN,
      );
      const login = await api.post("/store/auth", { email, password: OTHER_PASSWORD });
      assert.equal(login.status, 200);
      assert.equal(login.body.customer.id, customer.id);
    });

    it("a password change keeps the current session and ends the customer's other sessions and tokens", async () => {
      const email = uniqueEmail("pw-sessions");
      const { cookie, customer } = await register(app.url, email);
      const other = await login(app.url, email);
      const token = await getToken(app.url, email);
      const bystander = await register(app.url, uniqueEmail("bystander"));
      assert.equal(await sessionCount(customer.id), 3);

      const res = await api.post("/store/customers/me", { password: OTHER_PASSWORD }, { cookie });
      assertCustomerResponse(res);
      assert.equal(res.setCookies.length, 0, "the current cookie is kept");

      assert.equal((await api.get("/store/customers/me", { cookie })).status, 200);
      const otherRes = await api.get("/store/customers/me", { cookie: other.cookie });
      assert.equal(otherRes.status, 401);
      assert.equal(otherRes.body.type, "unauthorized");
      const tokenRes = await api.get("/store/customers/me", { token });
      assert.equal(tokenRes.status, 401);
      assert.equal(tokenRes.body.type, "unauthorized");
      assert.equal(await sessionCount(customer.id), 1);
      assert.equal(
        (await api.get("/store/auth", { cookie: bystander.cookie })).status,
        200,
        "other customers' sessions are untouched",
      );
    });

    it("a password change made with a bearer token keeps that token and ends the cookie sessions", async () => {
      const email = uniqueEmail("pw-bearer");
      const { cookie } = await register(app.url, email);
      const token = await getToken(app.url, email);
      const res = await api.post("/store/customers/me", { password: OTHER_PASSWORD }, { token });
      assertCustomerResponse(res);
      assert.equal((await api.get("/store/customers/me", { token })).status, 200);
      assert.equal((await api.get("/store/customers/me", { cookie })).status, 401);
    });

    it("refuses a weak new password with 400 and keeps the old one", async () => {
      const email = uniqueEmail("pw-weak");
      const { cookie, customer } = await register(app.url, email);
      const hash = (await customerRow(customer.id)).password_hash;
      const cases: Array<[string, RegExp]> = [
        ["", /^password must be at least 8 characters long$/],
        ["short", /^password must be at least 8 characters long$/],
        ["y".repeat(129), /^password must be at most 128 characters long$/],
        ["password1", /common/],
      ];
      for (const [password, message] of cases) {
        const res = await api.post("/store/customers/me", { password }, { cookie });
        assert.equal(res.status, 400, password);
        assert.equal(res.body.type, "invalid_data");
        assert.match(res.body.message, message);
      }
      assert.equal((await customerRow(customer.id)).password_hash, hash);
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
    });

    it("billing_address as an object creates an address (country_code lower-cased), not in shipping_addresses", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("billing"));
      const res = await api.post(
        "/store/customers/me",
        { billing_address: { ...ADDRESS, company: "ACME ApS" } },
        { cookie },
      );
      assertCustomerResponse(res);
      const updated = res.body.customer;
      assert.match(updated.billing_address_id, ADDRESS_ID);
      assert.equal(updated.billing_address.id, updated.billing_address_id);
      assert.equal(updated.billing_address.country_code, "dk");
      assert.equal(updated.billing_address.city, "København");
      assert.equal(updated.billing_address.company, "ACME ApS");
      assert.equal(updated.billing_address.deleted_at, null);
      assert.match(updated.billing_address.created_at, ISO_MS);
      assert.deepEqual(updated.shipping_addresses, []);

      assert.equal((await customerRow(customer.id)).billing_address_id, updated.billing_address_id);
      const address = await addressRow(updated.billing_address_id);
      assert.ok(address);
      assert.equal(address.country_code, "dk");
      assert.equal(address.address_1, "Nørregade 1");
      assert.equal(address.deleted_at, null);

      const me = await api.get("/store/customers/me", { cookie });
      assert.deepEqual(me.body.customer.billing_address, updated.billing_address);
    });

    it("billing_address as an object again updates the same address", async () => {
      const { cookie } = await register(app.url, uniqueEmail("billing-again"));
      const first = await api.post("/store/customers/me", { billing_address: ADDRESS }, { cookie });
      const id = first.body.customer.billing_address_id;
      assert.match(id, ADDRESS_ID);
      const second = await api.post(
        "/store/customers/me",
        { billing_address: { city: "Aarhus", postal_code: "8000", country_code: "SE" } },
        { cookie },
      );
      assertCustomerResponse(second);
      assert.equal(second.body.customer.billing_address_id, id);
      const billing = second.body.customer.billing_address;
      assert.equal(billing.id, id);
      assert.equal(billing.city, "Aarhus");
      assert.equal(billing.postal_code, "8000");
      assert.equal(billing.country_code, "se");
      assert.equal(billing.first_name, "Alec", "fields not sent are kept");
      assert.equal(billing.address_1, "Nørregade 1");
      const row = await addressRow(id);
      assert.equal(row.city, "Aarhus");
      assert.equal(row.country_code, "se");
    });

    it("billing_address as the id of one of the customer's shipping addresses selects it", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("billing-id"));
      const added = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie },
      );
      assert.equal(added.status, 200, added.text);
      const addressId = added.body.customer.shipping_addresses[0].id;
      const res = await api.post("/store/customers/me", { billing_address: addressId }, { cookie });
      assertCustomerResponse(res);
      assert.equal(res.body.customer.billing_address_id, addressId);
      assert.equal(res.body.customer.billing_address.id, addressId);
      assert.deepEqual(
        res.body.customer.shipping_addresses.map((address: { id: string }) => address.id),
        [addressId],
      );
      assert.equal((await customerRow(customer.id)).billing_address_id, addressId);
    });

    it("billing_address as another customer's address id (or an unknown id) is a 404 and changes nothing", async () => {
      const owner = await register(app.url, uniqueEmail("owner"));
      const added = await api.post(
        "/store/customers/me/addresses",
        { address: ADDRESS },
        { cookie: owner.cookie },
      );
      const ownersShipping = added.body.customer.shipping_addresses[0].id;
      const billing = await api.post(
        "/store/customers/me",
        { billing_address: ADDRESS },
        { cookie: owner.cookie },
      );
      const ownersBilling = billing.body.customer.billing_address_id;

      const { cookie, customer } = await register(app.url, uniqueEmail("thief"));
      for (const id of [ownersShipping, ownersBilling, "addr_01J00000000000000000000000"]) {
        const res = await api.post("/store/customers/me", { billing_address: id }, { cookie });
        assertJsonError(res, 404, {
          type: "not_found",
          message: `Address with id ${id} was not found`,
        });
      }
      assert.equal((await customerRow(customer.id)).billing_address_id, null);
      assert.equal(
        (await api.get("/store/customers/me", { cookie: owner.cookie })).body.customer
          .billing_address_id,
        ownersBilling,
      );
    });

    it("validates the billing_address field: neither an object nor a string, or an object with bad fields", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("billing-bad"));
      const cases: Array<[unknown, string]> = [
        [5, "billing_address must be an address object or the id of one of your addresses"],
        [{ city: 5 }, "billing_address.city must be a string"],
        [{ ...ADDRESS, foo: 1 }, "property billing_address.foo should not exist"],
      ];
      for (const [billing_address, message] of cases) {
        const res = await api.post("/store/customers/me", { billing_address }, { cookie });
        assertJsonError(res, 400, { type: "invalid_data", message });
      }
      assert.equal((await customerRow(customer.id)).billing_address_id, null);
      const [{ count }] = (await db.query(
        "select count(*) as count from address where city = $1 and address_1 = $2 and customer_id is null and created_at >= $3",
        [ADDRESS.city, ADDRESS.address_1, Date.parse(customer.created_at)],
      )) as [{ count: unknown }];
      assert.equal(Number(count), 0, "no billing address was created");
    });

    it("treats null password and metadata as absent (class-validator's IsOptional), changing nothing else", async () => {
      const email = uniqueEmail("me-nulls");
      const { cookie, customer } = await register(app.url, email);
      await api.post("/store/customers/me", { metadata: { keep: 1 } }, { cookie });
      const hash = (await customerRow(customer.id)).password_hash;
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Null", password: null, metadata: null },
        { cookie },
      );
      assertCustomerResponse(res);
      assert.equal(res.body.customer.first_name, "Null");
      assert.deepEqual(res.body.customer.metadata, { keep: 1 });
      assert.equal((await customerRow(customer.id)).password_hash, hash);
      assert.equal((await api.get("/store/customers/me", { cookie })).status, 200);
    });

    it("never words a validation failure in the schema validator's terms (body/…), whatever the body", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("me-wording"));
      for (const body of [{ email: null }, { billing_address: null }, [], "text", 5]) {
        const res = await api.post("/store/customers/me", body, { cookie });
        assert.ok(
          res.status === 200 || res.status === 400,
          `${JSON.stringify(body)} → ${res.status}`,
        );
        if (res.status === 400) {
          assert.equal(res.body.type, "invalid_data");
          assert.doesNotMatch(res.body.message, /body\//, JSON.stringify(body));
        }
      }
      assert.equal((await customerRow(customer.id)).email, customer.email);
    });

    it("refuses unknown properties with 400", async () => {
      const { cookie, customer } = await register(app.url, uniqueEmail("unknown"));
      const res = await api.post(
        "/store/customers/me",
        { first_name: "X", foo: "bar" },
        { cookie },
      );
      assertJsonError(res, 400, { type: "invalid_data", message: "property foo should not exist" });
      const combined = await api.post(
        "/store/customers/me",
        { unknown: 1, email: "nope", metadata: "x" },
        { cookie },
      );
      assertJsonError(combined, 400, {
        type: "invalid_data",
        message:
          "property unknown should not exist, email must be an email, metadata must be an object",
      });
      assert.equal((await customerRow(customer.id)).first_name, null);
    });

    it("refuses a cookie-authenticated update from a cross-site Origin with 403 and changes nothing", async () => {
      const email = uniqueEmail("csrf");
      const { cookie, customer } = await register(app.url, email, STRONG_PASSWORD, {
        first_name: "Alec",
      });
      const before = await customerRow(customer.id);
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Mallory", email: uniqueEmail("mallory"), password: OTHER_PASSWORD },
        { cookie, headers: { origin: EVIL_ORIGIN } },
      );
      assert.equal(res.status, 403, res.text);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.body.type, "not_allowed");
      assert.equal(typeof res.body.message, "string");
      assert.deepEqual(await customerRow(customer.id), before);
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
    });

    it("applies the Origin check only to cookies: the same request with a Bearer token succeeds", async () => {
      const email = uniqueEmail("csrf-bearer");
      const { customer } = await register(app.url, email);
      const token = await getToken(app.url, email);
      const res = await api.post(
        "/store/customers/me",
        { first_name: "Alec" },
        { token, headers: { origin: EVIL_ORIGIN } },
      );
      assertCustomerResponse(res);
      assert.equal(res.body.customer.first_name, "Alec");
      assert.equal((await customerRow(customer.id)).first_name, "Alec");
    });

    it("answers 401 without credentials", async () => {
      const res = await api.post("/store/customers/me", { first_name: "Nobody" });
      assert.equal(res.status, 401);
      assert.equal(res.body.type, "unauthorized");
    });
  });
});
