/**
 * For tests: `node --require testing/loaded-packages.cjs …` writes the packages the process
 * loaded, one name a line, to the file GATEHOUSE_LOADED_PACKAGES names, when the process exits.
 * It reads require's cache: CommonJS packages only, where Node keeps them also when they are
 * imported (pg, ioredis, prom-client and the Fastify plugins are CommonJS). The server's bundle
 * holds most packages (scripts/bundle.mjs): only those it leaves out can be listed. A CommonJS preload
 * (not `--import`): the ES module loader would start libuv's thread pool before start.cjs sizes it.
 */
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
"use strict";
const { writeFileSync } = require("node:fs");

const file = process.env.GATEHOUSE_LOADED_PACKAGES;
if (file) {
  process.once("exit", () => {
    const names = new Set();
    for (const path of Object.keys(require.cache)) {
      const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
      if (match) names.add(match[1]);
    }
    writeFileSync(file, `${[...names].sort().join("\n")}\n`);
  });
}
