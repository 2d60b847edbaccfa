/** The bounded map behind the verified-token and cookie-hash caches. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedMap } from "../../src/runtime/bounded-map.js";

describe("BoundedMap", () => {
  it("keeps at most its limit, dropping the oldest added first", () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ["a", "b", "c", "d", "e"].entries()) map.set(key, i);
    assert.deepEqual(
      [...map],
      [
        ["c", 2],
        ["d", 3],
        ["e", 4],
      ],
    );
  });

  it("replacing an entry's value drops nothing", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2).set("a", 3);
    assert.deepEqual(
      [...map],
      [
        ["a", 3],
        ["b", 2],
      ],
    );
  });
});
