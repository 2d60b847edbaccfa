/**
 * The end of a turn of the event loop: DataLoader's batch scheduler, generalised. Work queued
 * during a turn runs once at `setImmediate`, and work that queues in turn runs after the promise
 * jobs it settles (DataLoader's `enqueuePostPromiseJob`), before the loop polls again. Users: the
 * read cache's fences, rate-limit hits, SQLite group commit, response writes. Why this is safe:
 * docs/architecture.md, "The end of the turn". A task should reject its callers, not throw; one
 * that throws is rethrown later, and the others still run.
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
