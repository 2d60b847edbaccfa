/** `npm install` and `npm start` as a new user runs them. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

describe("the first run", () => {
  it("npm install names the SQLite driver it may compile, and only before it is installed", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "gatehouse-hint-"));
    try {
      await mkdir(join(scratch, "scripts"));
      await copyFile(
        join(root, "scripts/install-hint.mjs"),
        join(scratch, "scripts/install-hint.mjs"),
      );
      const fresh = await run(process.execPath, [join(scratch, "scripts/install-hint.mjs")]);
      assert.match(fresh.stderr, /better-sqlite3.*compiles it from source with node-gyp/);
      const installed = await run(process.execPath, [join(root, "scripts/install-hint.mjs")]);
      assert.equal(installed.stderr, "");
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('npm start does not rebuild an up-to-date build and logs "listening" once', async () => {
    await run("npm", ["run", "build", "--silent"], { cwd: root });
    const built = join(root, "packages/server/dist/start.cjs");
    const before = (await stat(built)).mtimeMs;
    const bundle = join(root, "packages/server/dist/bundle/main.js");
    const bundled = (await stat(bundle)).mtimeMs;
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-start-"));
    const child = spawn("npm", ["start", "--silent"], {
      cwd: root,
      detached: true,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    try {
      await new Promise<void>((resolveListening, reject) => {
        const timer = setTimeout(() => reject(new Error(lines.join("\n"))), 20_000);
        child.once("exit", (code) => reject(new Error(`exited ${code}\n${lines.join("\n")}`)));
        createInterface({ input: child.stdout! }).on("line", (line) => {
          lines.push(line);
          if (line.includes('"msg":"listening"')) {
            clearTimeout(timer);
            // Anything Fastify would log about listening comes before or with ours.
            setTimeout(resolveListening, 200);
          }
        });
      });
      assert.equal(lines.filter((line) => /listening/i.test(line)).length, 1, lines.join("\n"));
      assert.equal((await stat(built)).mtimeMs, before, "dist was not rewritten");
      assert.equal((await stat(bundle)).mtimeMs, bundled, "nor the bundle");
    } finally {
      process.kill(-child.pid!, "SIGTERM");
      await new Promise((done) => child.once("exit", done));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
