/**
 * For tests: `node --require testing/movable-clock.cjs …` lets a test move the process's clock on
 * (testing/server.ts, `movableClock`). On SIGUSR2 the process reads a number of milliseconds from
 * the file `clock-offset-ms` in its DATA_DIR; from then on `Date.now()` answers that much later,
 * and it logs `{"msg":"clock moved","offset_ms":…}`. Only `Date.now()` moves: the server's clock
 * (services/clock.ts) reads it, while timers and `performance.now()` keep real time. A CommonJS
 * preload, as loaded-packages.cjs explains.
 */
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const realNow = Date.now;
let offset = 0;
Date.now = () => realNow() + offset;
process.on("SIGUSR2", () => {
  offset = Number(readFileSync(join(process.env.DATA_DIR ?? ".", "clock-offset-ms"), "utf8"));
  process.stdout.write(`${JSON.stringify({ msg: "clock moved", offset_ms: offset })}\n`);
});
