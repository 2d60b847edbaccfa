/**
 * The process entry (`node packages/server/dist/start.cjs`; `npm run dev` runs it from source). It
 * loads `.env`, sizes libuv's thread pool, where passwords are hashed, then starts the server
 * (main.ts).
 *
 * libuv reads UV_THREADPOOL_SIZE once, when the pool first starts, and Node's ES module loader
 * starts it while loading the first module: so this file is CommonJS, and sets the size before
 * any module is loaded that way. The pool gets one thread per hash computed at once
 * (PASSWORD_HASH_THREADS; by default one per core the process may use, container quotas
 * included), and the password service keeps one more hash waiting in libuv's queue: a thread that
 * finishes a hash starts the next at once, without waiting for the event loop to hand it over.
 * A UV_THREADPOOL_SIZE set by the operator wins.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
import fs = require("node:fs");
import cpu = require("./cpu-budget.cjs");
/* eslint-enable @typescript-eslint/no-require-imports */

/** A variable as the configuration reads it: blank counts as unset. */
const setting = (name: string) => process.env[name]?.trim() || undefined;

// A variable already set in the environment wins over the file.
if (fs.existsSync(".env")) process.loadEnvFile(".env");
if (setting("UV_THREADPOOL_SIZE") === undefined) {
  const threads = Number(setting("PASSWORD_HASH_THREADS"));
  // An invalid value is reported by the configuration, with the rest, in a moment.
  const size = Number.isInteger(threads) && threads >= 1 ? threads : cpu.availableCores();
  process.env.UV_THREADPOOL_SIZE = String(Math.min(size, 1024));
}
import("./main.js").catch((error: unknown) => {
  process.stderr.write(`Gatehouse could not load: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
