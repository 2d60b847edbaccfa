#!/usr/bin/env node
/**
 * Bundles the compiled server (packages/server/dist/main.js and what it imports) with esbuild into
 * packages/server/dist/bundle/, which dist/start.cjs loads: one file for what a start needs instead
 * of hundreds that Node would resolve, read and compile one by one (docs/benchmarks.md, "Cold
 * start"). Part of `npm run build` and `npm start`, after `tsc -b`; the CLI and `npm run migrate`
 * keep the unbundled files.
 *
 * ES modules with code splitting: what the server imports only when used (the PostgreSQL dialect,
 * Medusa's stores, the proxy to Medusa) becomes its own chunk, loaded as before at its first use.
 * The source map follows tsc's maps back to src/ (`node --enable-source-maps` names .ts files).
 *
 * Skipped when the bundle is newer than tsc's last build (its tsconfig.tsbuildinfo, which
 * `tsc -b` rewrites only when it emits), than the last npm install and than this script; `--force`
 * bundles anyway.
 */
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const server = fileURLToPath(new URL("../packages/server/", import.meta.url));
const outdir = `${server}dist/bundle`;

/**
 * Left to Node, loaded from node_modules at run time:
 * - native addons: better-sqlite3, @node-rs/argon2;
 * - packages that find their own files at run time: pino (its transports run thread-stream's
 *   worker file, pino-pretty among them), @fastify/swagger-ui (its static assets);
 * - packages loaded only in some configurations or at a first request, so that a start neither
 *   reads nor compiles them (pg and its optional pg-native, ioredis, @fastify/reply-from, the
 *   OpenAPI plugins, prom-client). The ones src/ loads with createRequire (Ajv's compiler, the
 *   common-password list) stay outside without being named.
 */
const external = [
  "better-sqlite3",
  "@node-rs/argon2",
  "pino",
  "pino-pretty",
  "@fastify/swagger",
  "@fastify/swagger-ui",
  "@fastify/reply-from",
  "pg",
  "pg-native",
  "ioredis",
  "prom-client",
];

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
const built = mtime(`${outdir}/main.js`);
// The bundle holds the dependencies' code too: every npm install or ci rewrites
// node_modules/.package-lock.json (the packages' own files keep the registry's fixed dates), so a
// dependency upgrade is bundled at the next build or start instead of the old copy running on.
const installed = fileURLToPath(new URL("../node_modules/.package-lock.json", import.meta.url));
const upToDate =
  built !== Infinity &&
  built >= mtime(`${server}tsconfig.tsbuildinfo`) &&
  built >= mtime(fileURLToPath(import.meta.url)) &&
  (mtime(installed) === Infinity || built >= mtime(installed));

if (!upToDate || process.argv.includes("--force")) {
  // esbuild only when it bundles: an up-to-date check costs little more than Node's start.
  const { build } = await import("esbuild");
  await build({
    entryPoints: [`${server}dist/main.js`],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    // The CommonJS packages inside the bundle call require for Node's modules and the external
    // packages: ES modules have none of their own.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
}
