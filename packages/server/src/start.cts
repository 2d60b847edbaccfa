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
import path = require("node:path");
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

/**
 * The bundle `npm run build` makes of main.js (scripts/bundle.mjs): much quicker to load than the
 * hundreds of files it holds. Not when tsc has built since (the bundle would run older code, and
 * says so), nor from src/ (`npm run dev`), where there is none.
 */
function entry(): string {
  const built = (file: string) =>
    fs.statSync(path.join(__dirname, file), { throwIfNoEntry: false });
  const bundle = built("bundle/main.js");
  if (!bundle) return "./main.js";
  const compiled = built("../tsconfig.tsbuildinfo");
  if (compiled && compiled.mtimeMs > bundle.mtimeMs) {
    process.stderr.write(
      "Gatehouse: the bundle is older than the build (npm run build makes it); starting without it.\n",
    );
    return "./main.js";
  }
  return "./bundle/main.js";
}

import(entry()).catch((error: unknown) => {
  process.stderr.write(`Gatehouse could not load: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
