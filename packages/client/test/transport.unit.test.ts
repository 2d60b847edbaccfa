/**
 * Failures without a response (network errors, timeouts, aborts) and their retries, over real
 * sockets: a port nothing listens on, and a TCP server that accepts connections and never
 * answers. The `fetch` given to the client only counts and records calls; it delegates to the
 * real global fetch.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import Medusa, { GatehouseError } from "../src/index.js";
import { recordingFetch, rejection } from "./helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === "object");
  return address.port;
}

/**
 * A TCP server that accepts connections and never answers. It counts the requests it receives
 * (connections that sent data: undici may open an idle spare connection after an abort).
 */
async function silentServer() {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("data", () => requests++);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The number of requests the server has received, once it has received `expected` (a request
 * sent just before the client gave up may reach a loaded server a little later) or 2 s passed.
 */
async function received(server: { requests: number }, expected: number): Promise<number> {
  const deadline = Date.now() + 2000;
  while (server.requests < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return server.requests;
}

describe("network errors", () => {
  let baseUrl: string;
  before(async () => {
    baseUrl = `http://127.0.0.1:${await closedPort()}`;
  });

  it("rejects with status 0 and type network_error, keeping the cause", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch });
    const err = await rejection(medusa.auth.getSession());
    assert.equal(err.status, 0);
    assert.equal(err.type, "network_error");
    assert.equal(err.response.status, 0);
    assert.ok(err.cause instanceof Error);
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.name, "MedusaError");
    assert.equal(calls.length, 1);
  });

  it("retries once after ~500 ms with maxRetries 1", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch, maxRetries: 1 });
    const started = performance.now();
    const err = await rejection(medusa.auth.exists("someone@example.com"));
    const elapsed = performance.now() - started;
    assert.equal(err.type, "network_error");
    assert.equal(calls.length, 2);
    assert.ok(elapsed >= 450, `waited only ${elapsed} ms before retrying`);
  });

  it("sends one Idempotency-Key, reused on every retry of a POST", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch, maxRetries: 2 });
    await rejection(medusa.auth.authenticate({ email: "a@example.com", password: "password1" }));
    assert.equal(calls.length, 3);
    const keys = calls.map((c) => c.headers.get("idempotency-key"));
    assert.match(keys[0] ?? "", UUID);
    assert.deepEqual(new Set(keys).size, 1);
    assert.ok(calls.every((c) => c.headers.get("content-type") === "application/json"));

    // A new call gets a new key.
    await rejection(medusa.auth.authenticate({ email: "a@example.com", password: "password1" }));
    assert.notEqual(calls[3]?.headers.get("idempotency-key"), keys[0]);
  });

  it("sends no Idempotency-Key without retries, nor on GET", async () => {
    const { fetch, calls } = recordingFetch();
    const noRetries = new Medusa({ baseUrl, fetch });
    await rejection(noRetries.customers.create({ email: "a@example.com", password: "password1" }));
    const withRetries = new Medusa({ baseUrl, fetch, maxRetries: 1 });
    await rejection(withRetries.auth.getSession());
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => !c.headers.has("idempotency-key")));
    assert.equal(calls[1]?.headers.has("content-type"), false, "GET sends no Content-Type");
  });

  it("stops waiting for a retry as soon as the call is aborted", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl, fetch, maxRetries: 3 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const err = await rejection(medusa.auth.getSession({}, { signal: controller.signal }));
    assert.equal(err.type, "aborted");
    assert.equal(calls.length, 1);
    assert.ok(performance.now() - started < 450, "the backoff was not interrupted");
  });
});

describe("timeouts and aborts", () => {
  // A server per test: a request of an earlier test that reaches the server late (a loaded
  // machine) must not be counted as a retry of the next one.
  let server: Awaited<ReturnType<typeof silentServer>>;
  beforeEach(async () => {
    server = await silentServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it("rejects with type timeout when an attempt exceeds the client's timeout", async () => {
    const medusa = new Medusa({ baseUrl: server.url, timeout: 150 });
    const err = await rejection(medusa.auth.getSession());
    assert.equal(err.status, 0);
    assert.equal(err.type, "timeout");
    assert.match(err.message, /150 ms/);
    assert.equal(await received(server, 1), 1);
  });

  it("a per-call timeout overrides the client's", async () => {
    const medusa = new Medusa({ baseUrl: server.url });
    const err = await rejection(medusa.customers.retrieve({}, { timeout: 100 }));
    assert.equal(err.type, "timeout");
  });

  it("retries a timed-out attempt when maxRetries allows", async () => {
    const { fetch, calls } = recordingFetch();
    const medusa = new Medusa({ baseUrl: server.url, timeout: 100, maxRetries: 1, fetch });
    const err = await rejection(medusa.auth.getSession());
    assert.equal(err.type, "timeout");
    assert.equal(calls.length, 2);
    assert.equal(await received(server, 2), 2);
  });

  it("rejects with type aborted when the caller's signal aborts, without retrying", async () => {
    const medusa = new Medusa({ baseUrl: server.url, maxRetries: 3 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left the page")), 100);
    const err = await rejection(
      medusa.auth.authenticate(
        { email: "a@example.com", password: "x" },
        {},
        { signal: controller.signal },
      ),
    );
    assert.equal(err.status, 0);
    assert.equal(err.type, "aborted");
    assert.match(err.message, /user left the page/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(server.requests, 1);
  });

  it("does not even connect when the signal is already aborted", async () => {
    const medusa = new Medusa({ baseUrl: server.url });
    const err = await rejection(medusa.auth.getSession({}, { signal: AbortSignal.abort() }));
    assert.equal(err.type, "aborted");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.requests, 0);
  });
});
