/**
 * hits-per-turn (through the SQLite rate-limit store) keeps nothing per counted batch: tens of
 * thousands of turns of hits leave the heap where it was (a chain of settled batches once kept
 * every batch's results).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pino from "pino";
import { loadConfig } from "../../src/config.js";
import { openStores } from "../../src/stores/open-stores.js";
import type { Stores } from "../../src/stores/types.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("hits-per-turn on the SQLite throttle store", () => {
  let dataDir: string;
  let stores: Stores;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "gatehouse-throttle-memory-"));
    stores = await openStores(loadConfig({ DATA_DIR: dataDir }), pino({ level: "silent" }));
  });
  after(async () => {
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("holds no memory per turn of hits", async () => {
    const hitsFor = async (turns: number) => {
      for (let i = 0; i < turns; i++) {
        await Promise.all([
          stores.throttle.hit("exists:ip:203.0.113.9", 60_000, Date.now()),
          stores.throttle.hit("exists:ip:203.0.113.9", 60_000, Date.now()),
        ]);
        await turn();
      }
      gc();
      return process.memoryUsage().heapUsed;
    };
    const settled = await hitsFor(5_000);
    const grown = (await hitsFor(30_000)) - settled;
    assert.ok(grown < 3_000_000, `the heap grew by ${(grown / 1e6).toFixed(1)} MB`);
  });
});
