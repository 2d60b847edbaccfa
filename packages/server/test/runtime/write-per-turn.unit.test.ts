/**
 * Responses written once per event-loop turn: every response still goes out, in order on a
 * connection, and a response that fails while being written gets the answer Fastify gives
 * without the hook.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { rawRequest } from "../../../../testing/http.js";
import { writeResponsesPerTurn } from "../../src/http/plugins/write-per-turn.js";

async function serve(
  perTurn: boolean,
): Promise<{ app: FastifyInstance; url: string; events: string[] }> {
  const app = Fastify({ logger: false });
  if (perTurn) writeResponsesPerTurn(app);
  const events: string[] = [];
  app.get("/held", async (_request, reply) => {
    const end = reply.raw.end.bind(reply.raw) as (...args: unknown[]) => unknown;
    reply.raw.end = ((...args: unknown[]) => {
      events.push("written");
      return end(...args);
    }) as typeof reply.raw.end;
    setImmediate(() => events.push("a setImmediate queued before the answer"));
    return { ok: true };
  });
  app.get<{ Params: { n: string } }>("/echo/:n", async (request) => {
    const n = Number(request.params.n);
    // Some answers now, some a few turns later: the responses of one turn mix both.
    if (n % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    return { n };
  });
  app.get("/bad-header", async (_request, reply) => {
    reply.header("x-broken", "line\nbreak");
    return { ok: true };
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url, events };
}

/** Writes the requests in one piece (HTTP pipelining) and returns the raw responses. */
function pipelined(url: string, paths: string[]): Promise<string> {
  const last = paths.length - 1;
  return rawRequest(
    url,
    paths
      .map(
        (path, i) =>
          `GET ${path} HTTP/1.1\r\nHost: test\r\n${i === last ? "Connection: close\r\n" : ""}\r\n`,
      )
      .join(""),
  );
}

describe("responses written once per turn", () => {
  let perTurn: Awaited<ReturnType<typeof serve>>;
  let plain: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    perTurn = await serve(true);
    plain = await serve(false);
  });
  after(async () => {
    await perTurn.app.close();
    await plain.app.close();
  });

  it("holds each response until the end of the turn, then writes it", async () => {
    for (const server of [perTurn, plain]) {
      const res = await fetch(`${server.url}/held`);
      assert.deepEqual(await res.json(), { ok: true });
    }
    assert.deepEqual(perTurn.events, ["a setImmediate queued before the answer", "written"]);
    assert.deepEqual(plain.events, ["written", "a setImmediate queued before the answer"]);
  });

  it("answers pipelined requests on one connection in order", async () => {
    const paths = Array.from({ length: 30 }, (_, n) => `/echo/${n}`);
    const raw = await pipelined(perTurn.url, paths);
    const bodies = [...raw.matchAll(/\{"n":(\d+)\}/g)].map((match) => Number(match[1]));
    assert.deepEqual(
      bodies,
      paths.map((_, n) => n),
    );
    assert.equal(raw.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 30);
  });

  it("answers every one of many concurrent requests with its own body", async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, n) => {
        const res = await fetch(`${perTurn.url}/echo/${n}`);
        return { status: res.status, body: (await res.json()) as unknown };
      }),
    );
    results.forEach((result, n) => assert.deepEqual(result, { status: 200, body: { n } }));
  });

  it("a response that cannot be written gets Fastify's own error answer", async () => {
    const expected = await fetch(`${plain.url}/bad-header`);
    const res = await fetch(`${perTurn.url}/bad-header`);
    assert.equal(res.status, expected.status);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), await expected.json());
    // The server is still answering.
    assert.deepEqual(await (await fetch(`${perTurn.url}/echo/1`)).json(), { n: 1 });
  });
});
