/**
 * Account events over real HTTP: each account change lands in the outbox and reaches a real local
 * webhook receiver, signed per Standard Webhooks (every delivery is verified with the reference
 * library), at least once: through a receiver that is down or failing, through a restart, and
 * with two instances on one storage (no event delivered by both).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { after, before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { backendName, createBackend, type Backend } from "../../../../testing/backend.js";
import { queryTestDb } from "../../../../testing/db.js";
import { eventually } from "../../../../testing/expect.js";
import { STRONG_PASSWORD, client, login, register } from "../../../../testing/http.js";
import { startServer, uniqueEmail, type TestServer } from "../../../../testing/server.js";
import { loadConfig } from "../../src/config.js";
import { openStores } from "../../src/stores/open-stores.js";
import type { Stores } from "../../src/stores/types.js";

const NEW_PASSWORD = "a brand new passphrase 42";
const MESSAGE_ID = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

interface Delivery {
  id: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, any> };
}

/**
 * A webhook receiver on a fixed port: verifies every signature with the reference library,
 * answers `status` (2xx: accepted), and counts accepted deliveries per `webhook-id`.
 */
class Receiver {
  /** Accepted deliveries, in arrival order. */
  readonly accepted: Delivery[] = [];
  /** Deliveries refused because `status` was not 2xx. */
  refused = 0;
  /** Requests whose signature the reference library refused (must stay empty). */
  readonly forged: string[] = [];
  status = 204;
  private server: Server | undefined;
  private port = 0;

  constructor(readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/gatehouse`;
  }

  async open(): Promise<void> {
    const server = createServer((request, response) => {
      let raw = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => (raw += chunk));
      request.on("end", () => {
        try {
          new Webhook(this.secret).verify(raw, request.headers as Record<string, string>);
        } catch (error) {
          this.forged.push(`${(error as Error).message}: ${raw}`);
          response.writeHead(400).end();
          return;
        }
        if (this.status < 200 || this.status > 299) {
          this.refused += 1;
          response.writeHead(this.status).end();
          return;
        }
        this.accepted.push({
          id: request.headers["webhook-id"] as string,
          headers: request.headers,
          raw,
          body: JSON.parse(raw) as Delivery["body"],
        });
        response.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening (connections are refused) until `open()` again on the same port. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Accepted deliveries per id (the at-least-once count). */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { id } of this.accepted) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  /** Accepted events (first delivery of each id) matching `where`. */
  events(where: (delivery: Delivery) => boolean = () => true): Delivery[] {
    const seen = new Set<string>();
    return this.accepted.filter((delivery) => {
      if (seen.has(delivery.id) || !where(delivery)) return false;
      seen.add(delivery.id);
      return true;
    });
  }

  /** Waits for the first `type` event about a customer. */
  async first(type: string, customerId: string): Promise<Delivery> {
    const [event] = await this.waitFor(1, about(type, customerId), type);
    return event!;
  }

  /** Waits (up to 30 s: the machine may be busy) until `count` events match `where`. */
  async waitFor(
    count: number,
    where: (delivery: Delivery) => boolean,
    what: string,
  ): Promise<Delivery[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = this.events(where);
      if (found.length >= count) return found;
      if (Date.now() > deadline)
        throw new Error(`expected ${count} × ${what}, received ${found.length}`);
      await sleep(25);
    }
  }
}

const about =
  (type: string, customerId: string) =>
  ({ body }: Delivery): boolean =>
    body.type === type && (body.data.id ?? body.data.customer_id) === customerId;

/** Short retries, so that a test sees several attempts in well under a second each. */
const fastRetries = { WEBHOOK_RETRY_BASE: "200ms", WEBHOOK_RETRY_MAX: "1s" };

function webhookEnv(receiver: Receiver): Record<string, string> {
  return { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: receiver.secret, ...fastRetries };
}

interface EventRow {
  id: string;
  type: string;
  status: string;
  attempts: number;
  payload: string;
  last_error: string | null;
  delivered_at: unknown;
}

const eventRows = (server: TestServer) =>
  queryTestDb<EventRow>(
    server,
    "select id, type, status, attempts, payload, last_error, delivered_at from account_event order by created_at, id",
  );

/** Polls the outbox until `check` holds for its rows (up to 30 s). */
async function waitForRows(
  server: TestServer,
  check: (rows: EventRow[]) => boolean,
  what: string,
): Promise<EventRow[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await eventRows(server);
    if (check(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`the outbox never showed ${what}`);
    await sleep(50);
  }
}

async function requestResetToken(
  server: TestServer,
  receiver: Receiver,
  customerId: string,
  email: string,
) {
  const before = receiver.events(about("customer.password_reset_requested", customerId)).length;
  const res = await client(server.url).post("/store/customers/password-token", { email });
  assert.equal(res.status, 204, res.text);
  const events = await receiver.waitFor(
    before + 1,
    about("customer.password_reset_requested", customerId),
    "password reset event",
  );
  return events[before]!;
}

describe("account events", () => {
  describe("delivered to WEBHOOK_URL, signed", () => {
    const receiver = new Receiver(newSecret());
    before(() => receiver.open());
    const app = useServer(() => ({ env: webhookEnv(receiver) }));
    const { api } = app;
    after(() => receiver.close());

    it("customer.created after registration: id, email and names, Standard Webhooks headers and body", async () => {
      const email = uniqueEmail("created");
      const { customer } = await register(app.url, email, STRONG_PASSWORD, {
        first_name: "Ada",
        last_name: "Lovelace",
      });
      const event = await receiver.first("customer.created", customer.id);
      assert.match(event.id, MESSAGE_ID);
      assert.match(event.headers["content-type"] ?? "", /^application\/json/);
      assert.match(event.headers["webhook-timestamp"] as string, /^\d{10}$/);
      assert.match(event.headers["webhook-signature"] as string, /^v1,[A-Za-z0-9+/]{43}=$/);
      assert.match(event.body.timestamp, ISO_MS);
      assert.deepEqual(event.body, {
        type: "customer.created",
        timestamp: event.body.timestamp,
        data: { id: customer.id, email, first_name: "Ada", last_name: "Lovelace" },
      });
      assert.deepEqual(receiver.forged, []);
    });

    it("customer.password_reset_requested carries Medusa's data and a token that completes the reset; the reset sends customer.password_changed and session.revoked_all", async () => {
      const email = uniqueEmail("reset");
      const { customer, cookie } = await register(app.url, email);
      const requested = await requestResetToken(app.server, receiver, customer.id, email);
      const token = requested.body.data.token as string;
      assert.match(token, TOKEN_SHAPE);
      assert.deepEqual(requested.body.data, {
        id: customer.id,
        email,
        first_name: null,
        last_name: null,
        token,
      });
      assert.ok(
        !app.server.logs.some((entry) => JSON.stringify(entry).includes(token)),
        "with a webhook the token is never logged",
      );

      const done = await api.post("/store/customers/password-reset", {
        email,
        token,
        password: NEW_PASSWORD,
      });
      assert.equal(done.status, 200, done.text);
      assert.equal((await api.get("/store/auth", { cookie })).status, 401);

      const changed = await receiver.first("customer.password_changed", customer.id);
      assert.deepEqual(changed.body.data, {
        id: customer.id,
        email,
        first_name: null,
        last_name: null,
        source: "reset",
      });
      const revoked = await receiver.first("session.revoked_all", customer.id);
      assert.deepEqual(revoked.body.data, {
        customer_id: customer.id,
        revoked: 1,
        reason: "password_reset",
      });

      // Once delivered, the outbox keeps the event without its token.
      const rows = await waitForRows(
        app.server,
        (all) => all.some((row) => row.id === requested.id && row.status === "delivered"),
        "the reset event delivered",
      );
      const row = rows.find((entry) => entry.id === requested.id)!;
      assert.equal(row.type, "customer.password_reset_requested");
      assert.equal(row.attempts, 1);
      assert.equal(row.last_error, null);
      assert.ok(row.delivered_at !== null);
      assert.deepEqual(JSON.parse(row.payload), {
        id: customer.id,
        email,
        first_name: null,
        last_name: null,
      });
    });

    it("a profile password change sends customer.password_changed and session.revoked_all (the other sessions)", async () => {
      const email = uniqueEmail("change");
      const { customer } = await register(app.url, email);
      await login(app.url, email);
      const { cookie } = await login(app.url, email);
      const res = await api.post("/store/customers/me", { password: NEW_PASSWORD }, { cookie });
      assert.equal(res.status, 200, res.text);
      const changed = await receiver.first("customer.password_changed", customer.id);
      assert.equal(changed.body.data.source, "profile");
      assert.equal(changed.body.data.email, email);
      const revoked = await receiver.first("session.revoked_all", customer.id);
      assert.deepEqual(revoked.body.data, {
        customer_id: customer.id,
        revoked: 2,
        reason: "password_changed",
      });
      assert.ok(
        !receiver.accepted.some((delivery) => /hash|argon2|scrypt/i.test(delivery.raw)),
        "no payload carries a password hash",
      );
    });

    it("customer.email_changed names the old and the new address", async () => {
      const oldEmail = uniqueEmail("old");
      const newEmail = uniqueEmail("new");
      const { customer, cookie } = await register(app.url, oldEmail, STRONG_PASSWORD, {
        first_name: "Grace",
      });
      const res = await api.post(
        "/store/customers/me",
        { email: newEmail.toUpperCase() },
        { cookie },
      );
      assert.equal(res.status, 200, res.text);
      const changed = await receiver.first("customer.email_changed", customer.id);
      assert.deepEqual(changed.body.data, {
        id: customer.id,
        old_email: oldEmail,
        new_email: newEmail,
        first_name: "Grace",
        last_name: null,
      });
      // A profile update that keeps the email sends none.
      await api.post("/store/customers/me", { first_name: "Hopper" }, { cookie });
      await api.post("/store/customers/me", { email: newEmail }, { cookie });
      await sleep(500);
      assert.equal(receiver.events(about("customer.email_changed", customer.id)).length, 1);
    });

    it("DELETE /store/auth/sessions sends session.revoked_all with the number revoked", async () => {
      const email = uniqueEmail("revoke");
      const { customer } = await register(app.url, email);
      await login(app.url, email);
      const { cookie } = await login(app.url, email);
      const res = await api.delete("/store/auth/sessions", { cookie });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { revoked: 2 });
      const revoked = await receiver.first("session.revoked_all", customer.id);
      assert.deepEqual(revoked.body.data, {
        customer_id: customer.id,
        revoked: 2,
        reason: "customer_request",
      });
    });

    it("the reference library refuses a delivery under another secret, or with a changed body or id", () => {
      const [delivery] = receiver.accepted;
      assert.ok(delivery, "a delivery was received");
      const headers = delivery.headers as Record<string, string>;
      assert.doesNotThrow(() => new Webhook(receiver.secret).verify(delivery.raw, headers));
      assert.throws(
        () => new Webhook(newSecret()).verify(delivery.raw, headers),
        WebhookVerificationError,
      );
      assert.throws(
        () => new Webhook(receiver.secret).verify(delivery.raw.replace("}", ',"x":1}'), headers),
        WebhookVerificationError,
      );
      assert.throws(
        () =>
          new Webhook(receiver.secret).verify(delivery.raw, {
            ...headers,
            "webhook-id": "msg_other",
          }),
        WebhookVerificationError,
      );
    });

    it("every event was delivered exactly once and every signature verified", () => {
      assert.deepEqual(receiver.forged, []);
      for (const [id, count] of receiver.counts()) assert.equal(count, 1, id);
    });
  });

  describe("v2 mode: an identity whose customer was never created", () => {
    const receiver = new Receiver(newSecret());
    before(() => receiver.open());
    const app = useServer(() => ({ env: { ...webhookEnv(receiver), MEDUSA_VERSION: "2" } }));
    after(() => receiver.close());

    it("customer.password_reset_requested and customer.password_changed name no customer: id and names null, the email and auth_identity_id", async () => {
      const email = uniqueEmail("identity-reset");
      const registered = await app.api.post("/auth/customer/emailpass/register", {
        email,
        password: STRONG_PASSWORD,
      });
      assert.equal(registered.status, 200, registered.text);
      const identityId = decodeJwt(registered.body.token as string).auth_identity_id as string;
      const ofIdentity = (type: string) => (delivery: Delivery) =>
        delivery.body.type === type && delivery.body.data.auth_identity_id === identityId;
      const res = await app.api.post("/auth/customer/emailpass/reset-password", {
        identifier: email,
      });
      assert.equal(res.status, 201, res.text);
      const [requested] = await receiver.waitFor(
        1,
        ofIdentity("customer.password_reset_requested"),
        "reset event",
      );
      const token = requested!.body.data.token as string;
      assert.match(token, TOKEN_SHAPE);
      const identity = { id: null, email, first_name: null, last_name: null };
      assert.deepEqual(requested!.body.data, { ...identity, auth_identity_id: identityId, token });

      const done = await app.api.post(
        "/auth/customer/emailpass/update",
        { password: NEW_PASSWORD },
        { token },
      );
      assert.equal(done.status, 200, done.text);
      const [changed] = await receiver.waitFor(
        1,
        ofIdentity("customer.password_changed"),
        "password changed event",
      );
      assert.deepEqual(changed!.body.data, {
        ...identity,
        auth_identity_id: identityId,
        source: "reset",
      });
      assert.deepEqual(receiver.forged, []);
    });
  });

  it("a receiver that is down, then failing, then back gets every event", async () => {
    const receiver = new Receiver(newSecret());
    await receiver.open();
    await receiver.close();
    const server = await startServer({ env: webhookEnv(receiver) });
    try {
      const customers = await Promise.all(
        Array.from({ length: 5 }, () =>
          register(server.url, uniqueEmail("down")).then((r) => r.customer),
        ),
      );
      const api = client(server.url);
      for (const customer of customers) {
        const res = await api.post("/store/customers/password-token", { email: customer.email });
        assert.equal(res.status, 204);
      }
      // Down: every event has failed at least twice, and waits for another attempt.
      await waitForRows(
        server,
        (rows) =>
          rows.length === 10 &&
          rows.every((row) => row.status === "pending" && row.attempts >= 2 && row.last_error),
        "10 pending events that failed twice",
      );
      // Failing: the receiver answers 503 to a few attempts.
      receiver.status = 503;
      await receiver.open();
      const deadline = Date.now() + 30_000;
      while (receiver.refused < 10) {
        assert.ok(Date.now() < deadline, "the events were retried against the 503 receiver");
        await sleep(25);
      }
      assert.equal(receiver.accepted.length, 0);
      // Back.
      receiver.status = 200;
      for (const customer of customers) {
        await receiver.first("customer.created", customer.id);
        const reset = await receiver.first("customer.password_reset_requested", customer.id);
        assert.match(reset.body.data.token, TOKEN_SHAPE);
      }
      const rows = await waitForRows(
        server,
        (all) => all.every((row) => row.status === "delivered"),
        "every event delivered",
      );
      assert.ok(rows.every((row) => row.attempts >= 3));
      assert.ok(
        server.logs.some((entry) => entry.msg === "account event not delivered"),
        "failed attempts are logged",
      );
      await sleep(500);
      assert.deepEqual(receiver.forged, []);
      assert.deepEqual([...new Set(receiver.counts().values())], [1]);
      assert.equal(receiver.counts().size, 10);
    } finally {
      await server.stop();
      await receiver.close();
    }
  });

  it("events not yet delivered when the server stops are delivered after it starts again", async () => {
    const receiver = new Receiver(newSecret());
    await receiver.open();
    await receiver.close();
    const first = await startServer({ env: webhookEnv(receiver) });
    try {
      const customers = await Promise.all(
        Array.from({ length: 3 }, () =>
          register(first.url, uniqueEmail("restart")).then((r) => r.customer),
        ),
      );
      await waitForRows(
        first,
        (rows) => rows.length === 3 && rows.every((row) => row.attempts >= 1),
        "3 attempted events",
      );
      await first.stop({ keepData: true });
      const stored = await eventRows(first);
      assert.equal(stored.length, 3);
      assert.ok(stored.every((row) => row.status === "pending"));

      await receiver.open();
      const second = await startServer({ env: webhookEnv(receiver), shareWith: first });
      try {
        for (const customer of customers) {
          await receiver.first("customer.created", customer.id);
        }
        await waitForRows(
          second,
          (rows) => rows.every((row) => row.status === "delivered"),
          "every event delivered",
        );
        assert.deepEqual(receiver.forged, []);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await receiver.close();
    }
  });

  it("two instances on one storage deliver 60 concurrent events, none twice", async () => {
    const receiver = new Receiver(newSecret());
    await receiver.open();
    receiver.status = 503;
    const a = await startServer({ env: webhookEnv(receiver) });
    const b = await startServer({ env: webhookEnv(receiver), shareWith: a });
    try {
      const customers = await Promise.all(
        [a, b].map((instance) =>
          register(instance.url, uniqueEmail("pair")).then((r) => r.customer),
        ),
      );
      // 60 reset requests at once, half on each instance: 60 events, all due together.
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          client([a, b][i % 2]!.url).post("/store/customers/password-token", {
            email: customers[i % 2]!.email,
          }),
        ),
      );
      assert.deepEqual([...new Set(answers.map((res) => res.status))], [204]);
      await waitForRows(
        a,
        (rows) => rows.length === 62 && rows.every((row) => row.attempts >= 1),
        "62 attempted events",
      );
      // Both workers have been claiming from the shared outbox.
      for (const instance of [a, b]) {
        assert.ok(
          instance.logs.some((entry) => entry.msg === "account event not delivered"),
          "each instance attempted deliveries",
        );
      }
      receiver.status = 204;
      await receiver.waitFor(62, () => true, "event");
      await waitForRows(
        a,
        (rows) => rows.every((row) => row.status === "delivered"),
        "every event delivered",
      );
      await sleep(1000);
      assert.deepEqual(receiver.forged, []);
      const counts = receiver.counts();
      assert.equal(counts.size, 62);
      const twice = [...counts].filter(([, count]) => count > 1);
      assert.deepEqual(twice, [], "no event delivered twice");
      const tokens = receiver
        .events((delivery) => delivery.body.type === "customer.password_reset_requested")
        .map((delivery) => delivery.body.data.token as string);
      assert.equal(new Set(tokens).size, 60);
    } finally {
      await b.stop();
      await a.stop();
      await receiver.close();
    }
  });

  it("an event still failing after WEBHOOK_RETRY_FOR is given up: kept as failed, without its token, and logged", async () => {
    const receiver = new Receiver(newSecret());
    await receiver.open();
    receiver.status = 500;
    const server = await startServer({
      env: { ...webhookEnv(receiver), WEBHOOK_RETRY_FOR: "1s" },
    });
    try {
      const email = uniqueEmail("gaveup");
      const { customer } = await register(server.url, email);
      const res = await client(server.url).post("/store/customers/password-token", { email });
      assert.equal(res.status, 204);
      const rows = await waitForRows(
        server,
        (all) => all.length === 2 && all.every((row) => row.status === "failed"),
        "2 failed events",
      );
      for (const row of rows) {
        assert.equal(row.delivered_at, null);
        assert.match(row.last_error ?? "", /the webhook answered 500/);
        assert.ok(!("token" in JSON.parse(row.payload)));
        assert.equal(JSON.parse(row.payload).id, customer.id);
      }
      // Logged right after the row is marked failed: the line may trail the row by a moment.
      await eventually(
        async () =>
          server.logs.some(
            (entry) =>
              entry.msg === "account event given up: the webhook failed for WEBHOOK_RETRY_FOR" &&
              entry.event_type === "customer.password_reset_requested",
          ),
        5000,
      );
      const attempts = receiver.refused;
      await sleep(1000);
      assert.equal(receiver.refused, attempts, "no attempt after giving up");
    } finally {
      await server.stop();
      await receiver.close();
    }
  });

  it("PASSWORD_RESET_WEBHOOK_URL alone still works; in development the secret is generated into DATA_DIR", async () => {
    const receiver = new Receiver("");
    await receiver.open();
    await receiver.close();
    const server = await startServer({
      env: { PASSWORD_RESET_WEBHOOK_URL: receiver.url, ...fastRetries },
    });
    try {
      assert.ok(
        server.logs.some((entry) =>
          String(entry.msg).startsWith(
            "generated development secrets (set COOKIE_SECRET, JWT_SECRET and WEBHOOK_SECRET",
          ),
        ),
      );
      const stored = JSON.parse(
        readFileSync(join(server.env.DATA_DIR!, "secrets.json"), "utf8"),
      ) as Record<string, string>;
      assert.match(stored.webhookSecret ?? "", /^whsec_[A-Za-z0-9+/]{43}=$/);
      await server.stop({ keepData: true });
      const verified = new Receiver(stored.webhookSecret!);
      await verified.open();
      // Started again on the same DATA_DIR: the stored secret signs what goes to the alias URL.
      const withSecret = await startServer({
        env: { PASSWORD_RESET_WEBHOOK_URL: verified.url, ...fastRetries },
        shareWith: server,
      });
      try {
        const email = uniqueEmail("alias");
        const { customer } = await register(withSecret.url, email);
        const event = await requestResetToken(withSecret, verified, customer.id, email);
        assert.match(event.body.data.token, TOKEN_SHAPE);
        assert.deepEqual(verified.forged, []);
      } finally {
        await withSecret.stop();
        await verified.close();
      }
    } finally {
      await server.stop();
    }
  });

  it("without a webhook, production logs each event's type and customer id only and marks it logged", async (t) => {
    if (backendName() === "sqlite") {
      t.skip("production needs PostgreSQL");
      return;
    }
    const server = await startServer({ env: { NODE_ENV: "production" } });
    try {
      const email = uniqueEmail("nowhere");
      const { customer } = await register(server.url, email);
      const res = await client(server.url).post("/store/customers/password-token", { email });
      assert.equal(res.status, 204);
      const rows = await waitForRows(
        server,
        (all) => all.length === 2 && all.every((row) => row.status === "logged"),
        "2 logged events",
      );
      assert.ok(rows.every((row) => !("token" in JSON.parse(row.payload))));
      const lines = server.logs.filter(
        (entry) => entry.msg === "account event not delivered: WEBHOOK_URL is not set",
      );
      assert.deepEqual(lines.map((entry) => [entry.event_type, entry.customer_id]).sort(), [
        ["customer.created", customer.id],
        ["customer.password_reset_requested", customer.id],
      ]);
      assert.ok(
        !server.logs.some((entry) => "token" in entry || JSON.stringify(entry).includes(email)),
        "neither the token nor the email is logged",
      );
    } finally {
      await server.stop();
    }
  });

  it("refuses to start when WEBHOOK_URL and PASSWORD_RESET_WEBHOOK_URL differ, or WEBHOOK_SECRET is malformed", async () => {
    /** Why the server refused to start (fails the test if it started). */
    async function refusal(env: Record<string, string>): Promise<string> {
      let started: TestServer;
      try {
        started = await startServer({ env });
      } catch (error) {
        return (error as Error).message;
      }
      await started.stop();
      assert.fail(`the server started with ${JSON.stringify(env)}`);
    }
    assert.match(
      await refusal({
        WEBHOOK_URL: "http://127.0.0.1:1/a",
        PASSWORD_RESET_WEBHOOK_URL: "http://127.0.0.1:1/b",
      }),
      /WEBHOOK_URL and PASSWORD_RESET_WEBHOOK_URL differ/,
    );
    assert.match(
      await refusal({ WEBHOOK_URL: "http://127.0.0.1:1/a", WEBHOOK_SECRET: "not-a-secret" }),
      /WEBHOOK_SECRET: expected whsec_ followed by 24 to 64 random bytes in base64/,
    );
    const same = await startServer({
      env: {
        WEBHOOK_URL: "http://127.0.0.1:1/a",
        PASSWORD_RESET_WEBHOOK_URL: "http://127.0.0.1:1/a",
        WEBHOOK_SECRET: newSecret(),
      },
    });
    await same.stop();
  });

  describe("the outbox store (two connections to one database)", () => {
    let backend: Backend;
    let dataDir: string;
    let one: Stores;
    let two: Stores;

    before(async () => {
      backend = await createBackend();
      dataDir = await mkdtemp(join(tmpdir(), "gatehouse-outbox-"));
      const config = loadConfig({ DATA_DIR: dataDir, ...backend.env });
      one = await openStores(config, pino({ level: "silent" }));
      two = await openStores(config, pino({ level: "silent" }));
    });
    after(async () => {
      await one?.close();
      await two?.close();
      await backend?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it("concurrent claims never return one event twice while its lease runs; an ended lease frees it", async () => {
      const now = Date.now();
      const ids = Array.from({ length: 100 }, (_, i) => `msg_CLAIM${String(i).padStart(4, "0")}`);
      await Promise.all(
        ids.map((id, i) =>
          (i % 2 ? one : two).events.add({
            id,
            type: "customer.created",
            data: { i },
            created_at: now,
          }),
        ),
      );
      const claims = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? one : two).events.claim(`worker-${i}`, now, now + 60_000, 7),
        ),
      );
      const claimed = claims.flat().map((event) => event.id);
      assert.equal(claimed.length, 100, "every event claimed");
      assert.equal(new Set(claimed).size, 100, "none twice");
      assert.ok(claims.flat().every((event) => event.attempts === 1));
      assert.deepEqual(await one.events.claim("late", now + 1000, now + 61_000, 100), []);

      // Another worker's retry does not release a lease it does not hold.
      const [first] = claims.find((batch) => batch.length > 0)!;
      await one.events.retry(first!.id, "not-the-holder", now, "x");
      assert.deepEqual(await two.events.claim("late", now + 1000, now + 61_000, 100), []);

      // After the lease, every event can be claimed again (at least once), counting the attempt.
      const again = await two.events.claim("after", now + 60_000, now + 120_000, 1000);
      assert.equal(again.length, 100);
      assert.ok(again.every((event) => event.attempts === 2));
      for (const event of again) {
        await one.events.finish(event.id, "delivered", now + 60_000, {}, null);
      }
      assert.deepEqual(await one.events.claim("done", now + 500_000, now + 560_000, 1000), []);
      assert.equal(await two.events.deleteFinished(now + 60_001, now), 100);
    });
  });
});
