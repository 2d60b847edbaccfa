/** The read cache's fence scheduler: one fence per turn, at most one in flight, answers shared. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FenceScheduler } from "../../src/stores/cache/fence-scheduler.js";

const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

/** A fence that answers when the test says so. */
function laterFence() {
  const pending: Array<(passed: boolean) => void> = [];
  let answered = 0;
  return {
    fence: () => new Promise<boolean>((resolve) => pending.push(resolve)),
    get made() {
      return pending.length + answered;
    },
    answer(passed = true) {
      answered++;
      pending.shift()!(passed);
    },
  };
}

describe("fence scheduler", () => {
  it("makes one fence at the end of the turn for every read asked in it", async () => {
    let made = 0;
    const fences = new FenceScheduler(() => (made++, true));
    const answers = Promise.all([fences.passed(), fences.passed(), fences.passed()]);
    assert.equal(made, 0, "no fence before the turn ends");
    assert.deepEqual(await answers, [true, true, true]);
    assert.equal(made, 1);
  });

  it("a fence that answers at once serves every read of its turn; the next turn makes another", async () => {
    let made = 0;
    const fences = new FenceScheduler(() => (made++, true));
    await fences.passed();
    // Still in the end of the turn that made it: the answer stands.
    assert.equal(fences.passed(), true);
    assert.equal(made, 1);
    await turnEnd();
    assert.equal(await fences.passed(), true);
    assert.equal(made, 2);
  });

  it("keeps one fence in flight; reads asked meanwhile wait for the next, made once it answers", async () => {
    const later = laterFence();
    const fences = new FenceScheduler(later.fence);
    const first = fences.passed();
    await turnEnd();
    assert.equal(later.made, 1);
    const second = fences.passed();
    const third = fences.passed();
    await turnEnd();
    await turnEnd();
    assert.equal(later.made, 1, "no second fence while the first is in flight");
    later.answer(true);
    assert.equal(await first, true);
    await turnEnd();
    assert.equal(later.made, 2, "the waiting reads get a fence of their own");
    later.answer(false);
    assert.deepEqual(await Promise.all([second, third]), [false, false]);
  });

  it("a read made by code that waited for a fence reuses its answer", async () => {
    const later = laterFence();
    const fences = new FenceScheduler(later.fence);
    const request = (async () => {
      assert.equal(await fences.passed(), true);
      // The request's next read, in the promise jobs the answer queued.
      return fences.passed();
    })();
    await turnEnd();
    later.answer(true);
    assert.equal(await request, true);
    assert.equal(later.made, 1);
  });

  it("a fence that throws or rejects answers false", async () => {
    const throwing = new FenceScheduler(() => {
      throw new Error("down");
    });
    assert.equal(await throwing.passed(), false);
    const rejecting = new FenceScheduler(() => Promise.reject(new Error("down")));
    assert.equal(await rejecting.passed(), false);
    // And the scheduler goes on: the next fence is made.
    let made = 0;
    const flaky = new FenceScheduler(() => {
      if (made++ === 0) throw new Error("once");
      return true;
    });
    assert.equal(await flaky.passed(), false);
    await turnEnd();
    assert.equal(await flaky.passed(), true);
  });
});
