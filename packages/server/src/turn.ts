/**
 * Work done once per turn of the event loop, for everything the turn produced: one look for
 * changes made elsewhere for every cached read (read-cache.ts), one write for every rate-limit
 * counter (hits-per-turn.ts, write-batch.ts), the responses written one after the other
 * (write-per-turn.ts).
 *
 * A turn: the poll phase, which reads every socket that has data (each request's bytes), then
 * the `setImmediate` callbacks. Work asked for during the poll phase runs after it, at
 * `setImmediate`. Work asked for while that runs, or by the promise jobs it settles (a request
 * whose session has just been looked up, and now has a response to write), runs as soon as those
 * promise jobs are done, in the same turn: a request read in one poll phase is answered before
 * the next, however many of these steps it takes. (Work that only a `process.nextTick` queued by
 * those promise jobs leads to may come after the end has closed; it then runs at the next turn's
 * end: later, never earlier.)
 *
 * A task should settle its callers' promises with its errors rather than throw. One that throws
 * anyway does not stop the others: the error is thrown again afterwards, as an uncaught exception
 * from a `setImmediate` callback would be, and the scheduler carries on.
 */
type Task = () => void;

/** The tasks due, each once, in the order first asked for. */
const due = new Set<Task>();
let running = false;
/** Turns whose end has run so far; `ending` while one is running. */
let turns = 0;
let ending = false;

/**
 * While the end of a turn is running, which turn (a number that never repeats); otherwise null.
 * No socket is read while it runs: every request being served then had its bytes read before
 * the end began.
 */
export function endingTurn(): number | null {
  return ending ? turns : null;
}

export function atTurnEnd(task: Task): void {
  due.add(task);
  if (!running) {
    running = true;
    setImmediate(runDue);
  }
}

function runDue(): void {
  if (!ending) {
    ending = true;
    turns++;
  }
  const tasks = [...due];
  due.clear();
  const errors: unknown[] = [];
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      errors.push(error);
    }
  }
  afterPromiseJobs(endOrRunAgain);
  for (const error of errors) {
    setImmediate(() => {
      throw error;
    });
  }
}

/**
 * Runs `task` once every promise job queued so far, and every one they queue in turn, has run:
 * a promise job, then a tick (Node drains the promise-job queue before the next tick).
 */
export function afterPromiseJobs(task: () => void): void {
  queueMicrotask(() => process.nextTick(task));
}

function endOrRunAgain(): void {
  if (due.size > 0) runDue();
  else running = ending = false;
}
