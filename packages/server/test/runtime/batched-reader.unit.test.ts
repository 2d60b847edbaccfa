/**
 * The per-turn batched reader (PostgreSQL's hot reads): which keys go into one load, what each
 * caller gets back, and what a failed load does to its callers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_BATCH, batchedReader } from "../../src/runtime/batched-reader.js";

function recordingLoader(rows: Map<string, string>) {
  const loads: string[][] = [];
  const read = batchedReader(async (keys: string[]) => {
    loads.push(keys);
    return new Map(keys.filter((key) => rows.has(key)).map((key) => [key, rows.get(key)!]));
  });
  return { read, loads };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("batched reader", () => {
  it("loads the keys asked for in one turn with one call, each key once", async () => {
    const { read, loads } = recordingLoader(
      new Map([
        ["a", "A"],
        ["b", "B"],
      ]),
    );
    const results = await Promise.all([read("a"), read("b"), read("a"), read("missing")]);
    assert.deepEqual(results, ["A", "B", "A", undefined]);
    assert.deepEqual(loads, [["a", "b", "missing"]]);
  });

  it("loads keys asked for in later turns separately, from the data as it is then", async () => {
    const rows = new Map([["a", "A1"]]);
    const { read, loads } = recordingLoader(rows);
    assert.equal(await read("a"), "A1");
    rows.set("a", "A2");
    assert.equal(await read("a"), "A2");
    await turn();
    assert.equal(await read("a"), "A2");
    assert.deepEqual(loads, [["a"], ["a"], ["a"]]);
  });

  it(`sends at most ${MAX_BATCH} keys per load`, async () => {
    const count = MAX_BATCH * 2 + 5;
    const keys = Array.from({ length: count }, (_, i) => `k${i}`);
    const { read, loads } = recordingLoader(new Map(keys.map((key) => [key, key.toUpperCase()])));
    const results = await Promise.all(keys.map((key) => read(key)));
    assert.deepEqual(
      results,
      keys.map((key) => key.toUpperCase()),
    );
    assert.deepEqual(
      loads.map((load) => load.length),
      [MAX_BATCH, MAX_BATCH, 5],
    );
    assert.deepEqual(loads.flat(), keys);
  });

  it("rejects every caller of a failed load, and the next turn loads again", async () => {
    let fail = true;
    const read = batchedReader(async (keys: string[]) => {
      if (fail) throw new Error("connection lost");
      return new Map(keys.map((key) => [key, key]));
    });
    const outcomes = await Promise.allSettled([read("a"), read("b"), read("a")]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["rejected", "rejected", "rejected"],
    );
    for (const outcome of outcomes) {
      assert.match(String((outcome as PromiseRejectedResult).reason), /connection lost/);
    }
    fail = false;
    assert.equal(await read("a"), "a");
  });
});
