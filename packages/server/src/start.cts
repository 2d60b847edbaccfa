/**
 * The process entry (`node packages/server/dist/start.cjs`). It sizes libuv's thread pool, where
 * passwords are hashed, then starts the server (main.ts).
 *
 * libuv reads UV_THREADPOOL_SIZE once, when the pool first starts, and Node's ES module loader
 * starts it while loading the first module: so this file is CommonJS, and sets the size before
 * any module is loaded that way. The pool gets one thread per hash computed at once
 * (PASSWORD_HASH_THREADS, one per core by default), and the password service keeps one more hash
 * waiting in libuv's queue: a thread that finishes a hash starts the next at once, without
 * waiting for the event loop to hand it over. A UV_THREADPOOL_SIZE set by the operator wins.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
import fs = require("node:fs");
import os = require("node:os");
/* eslint-enable @typescript-eslint/no-require-imports */

if (fs.existsSync(".env")) process.loadEnvFile(".env");
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const threads = Number(process.env.PASSWORD_HASH_THREADS);
  // An invalid value is reported by the configuration, with the rest, in a moment.
  const size = Number.isInteger(threads) && threads >= 1 ? threads : os.availableParallelism();
  process.env.UV_THREADPOOL_SIZE = String(Math.min(size, 1024));
}
void import("./main.js");
