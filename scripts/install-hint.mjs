#!/usr/bin/env node
/**
 * `npm install` (preinstall): when the SQLite driver is not installed yet, says that it may be
 * compiled, and what that needs, before npm goes quiet for a minute or two doing it.
 */
import { existsSync } from "node:fs";

const binary = new URL(
  "../node_modules/better-sqlite3/build/Release/better_sqlite3.node",
  import.meta.url,
);
if (!existsSync(binary)) {
  const target = `Node ${process.versions.node} (ABI ${process.versions.modules}), ${process.platform}-${process.arch}`;
  process.stderr.write(
    `gatehouse: installing better-sqlite3, the SQLite driver. If it has no prebuilt binary for ${target}, ` +
      "npm compiles it from source with node-gyp: that takes a minute or two and needs python3, make and a C++ compiler.\n",
  );
}
