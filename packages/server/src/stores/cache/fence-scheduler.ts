/**
 * When the read cache may answer: once a fence made after the read was asked for has passed, so
 * that every invalidation committed before the read has been applied. The fences asked for in
 * one turn of the event loop are one fence, made at the turn's end (DataLoader's batching, with
 * a fence for a query). At most one fence that answers later (a round trip) is in flight; reads
 * asked for meanwhile wait for the next. A fence that answers at once (SQLite) is made once per
 * turn, and its answer serves every read of that turn. Why this is exact: docs/architecture.md,
 * "The read cache".
 */
import { afterPromiseJobs, atTurnEnd, endingTurn } from "../../runtime/end-of-turn.js";

export class FenceScheduler {
  /** The fence the reads asked for so far wait for (not made yet), and how to answer them. */
  private next: Promise<boolean> | null = null;
  private answerNext: ((passed: boolean) => void) | null = null;
  /** A fence that answers later has been made and has not answered yet. */
  private inFlight = false;
  /** The turn at whose end a fence answered at once, and its answer. */
  private fencedTurn: number | null = null;
  private fencedPassed = false;
  /**
   * The answer of the fence that just answered later, while the reads that waited for it run on
   * (a request's next read reuses it): cleared once their promise jobs have run.
   */
  private carried: boolean | null = null;

  constructor(private readonly fence: () => boolean | Promise<boolean>) {}

  /** True once a fence made after this call has passed; false when that cannot be known. */
  passed(): boolean | Promise<boolean> {
    if (this.carried !== null) return this.carried;
    const turn = endingTurn();
    if (turn !== null && turn === this.fencedTurn) return this.fencedPassed;
    if (this.next === null) {
      this.next = new Promise<boolean>((resolve) => (this.answerNext = resolve));
      if (!this.inFlight) atTurnEnd(this.make);
    }
    return this.next;
  }

  private readonly make = (): void => {
    const answer = this.answerNext;
    if (answer === null) return;
    this.next = this.answerNext = null;
    let result: boolean | Promise<boolean>;
    try {
      result = this.fence();
    } catch {
      result = false;
    }
    if (typeof result === "boolean") {
      this.fencedTurn = endingTurn();
      this.fencedPassed = result;
      answer(result);
      return;
    }
    this.inFlight = true;
    result
      .catch(() => false)
      .then((passed) => {
        this.inFlight = false;
        if (this.next !== null) atTurnEnd(this.make);
        this.carried = passed;
        answer(passed);
        afterPromiseJobs(() => {
          this.carried = null;
        });
      });
  };
}
