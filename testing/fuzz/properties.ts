/**
 * The properties every API is fuzzed with (test/system/fuzz.test.ts for v1, fuzz-v2.test.ts for
 * v2): each registers one test in the calling `describe`. `share` sizes them (1: v1's numbers of
 * cases, times FUZZ_RUNS); `races` registers the API's own race test among them.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Fuzzer } from "./fuzzer.js";
import { answerProblem, knownBug } from "./oracle.js";
import { parseResponses, rawExchange } from "./raw-http.js";
import { preview, type FuzzRequest, type Stats } from "./requests.js";
import { REQUEST_TIMEOUT_MS, TEST_TIMEOUT_MS, runs } from "./settings.js";

export function fuzzProperties(
  fuzzer: Fuzzer,
  url: () => string,
  { share = 1, races }: { share?: number; races?: () => void } = {},
): void {
  const { fuzz, exchange, ensureCredentials } = fuzzer;
  const cases = (n: number) => runs(Math.max(1, Math.round(n * share)));
  const one = (request: FuzzRequest, stats: Stats) => exchange(request, stats);

  it("hostile JSON bodies on every route", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.hostileBodyRequest, cases(600), one),
  );

  it("valid bodies with one field mutated", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.mutatedBodyRequest, cases(500), one),
  );

  it("bodies that are not JSON, under any Content-Type", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.rawBodyRequest, cases(500), one),
  );

  it("any path and method", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.pathRequest, cases(700), one),
  );

  it(
    "hostile cookies, tokens, Origins and headers on every route",
    { timeout: TEST_TIMEOUT_MS },
    (t) => fuzz(t, fuzzer.arbs.credentialRequest, cases(700), one),
  );

  it("everything at once", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.chaosRequest, cases(500), one),
  );

  it("concurrent bursts and races", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.burst, cases(60), async (requests, stats) => {
      await ensureCredentials();
      await allAnswered(requests.map((request) => exchange(request, stats)));
    }),
  );

  races?.();

  it("bytes on the socket that are not (quite) HTTP", { timeout: TEST_TIMEOUT_MS }, (t) =>
    fuzz(t, fuzzer.arbs.rawHttp, cases(200), async (bytes, stats) => {
      if (bytes.length === 0) return;
      const text = await rawExchange(url(), bytes);
      const shown = `\n  sent: ${preview(Buffer.from(bytes).toString("latin1"))}\n  received: ${preview(text.received)}`;
      if (text.timedOut)
        assert.fail(
          `no answer and the connection stayed open for ${REQUEST_TIMEOUT_MS} ms (a hang)${shown}`,
        );
      if (text.received === "") {
        stats.closedWithoutAnswer++;
        if (stats.closedExamples.length < 3)
          stats.closedExamples.push(preview(Buffer.from(bytes).toString("latin1"), 80));
        return;
      }
      const head = /^HEAD /.test(Buffer.from(bytes).toString("latin1"));
      for (const answer of parseResponses(text.received, head)) {
        stats.requests++;
        stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
        const problem = answerProblem(answer.status, answer.contentType, answer.text, {
          bareUnauthorized: fuzzer.api === 2,
        });
        const bug =
          problem &&
          knownBug({
            socketBytes: Buffer.from(bytes),
            status: answer.status,
            contentType: answer.contentType,
          });
        if (bug) stats.knownBugs.set(bug, (stats.knownBugs.get(bug) ?? 0) + 1);
        else if (problem) assert.fail(problem + shown);
      }
    }),
  );
}

/** Waits for every exchange; the first failure fails the case. */
export async function allAnswered(exchanges: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(exchanges);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
