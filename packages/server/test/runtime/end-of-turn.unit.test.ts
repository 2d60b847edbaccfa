/** The end-of-turn scheduler behind the per-turn look, commit and response writes. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { atTurnEnd, endingTurn } from "../../src/runtime/end-of-turn.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("end of turn", () => {
  it("runs each task once, and what their promise jobs ask for in the same turn", async () => {
    const order: string[] = [];
    const turns: Array<number | null> = [];
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const first = () => {
      order.push("first");
      turns.push(endingTurn());
      setImmediate(() => order.push("next turn"));
      settle();
    };
    void settled.then(() =>
      atTurnEnd(() => {
        order.push("asked by a promise job");
        turns.push(endingTurn());
      }),
    );
    atTurnEnd(first);
    atTurnEnd(first);
    assert.equal(endingTurn(), null, "not while the turn is still running");
    await nextTurn();
    await nextTurn();
    assert.deepEqual(order, ["first", "asked by a promise job", "next turn"]);
    assert.equal(typeof turns[0], "number");
    assert.equal(turns[1], turns[0], "the same turn's end");

    atTurnEnd(() => turns.push(endingTurn()));
    await nextTurn();
    assert.ok(turns[2]! > turns[0]!, "a later turn has another number");
    assert.equal(endingTurn(), null);
  });

  it("a task that throws does not stop the others or the scheduler; its error is reported", async () => {
    // In a process of its own: the error surfaces as an uncaught exception there.
    const script = `
      const { atTurnEnd } = await import(${JSON.stringify(new URL("../../src/runtime/end-of-turn.ts", import.meta.url).href)});
      const ran = [], uncaught = [];
      process.on("uncaughtException", (error) => uncaught.push(error.message));
      atTurnEnd(() => { throw new Error("boom"); });
      atTurnEnd(() => ran.push("second"));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      atTurnEnd(() => ran.push("next turn"));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ ran, uncaught }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ]);
    assert.deepEqual(JSON.parse(stdout), { ran: ["second", "next turn"], uncaught: ["boom"] });
  });
});
