/**
 * The process entry (start.cjs) loads `.env` from the working directory, once, before anything
 * reads the environment; a variable set in the environment wins over the file.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { backendName } from "../../../../testing/backend.js";
import { serverEntry } from "../../../../testing/server.js";

describe(
  "process entry",
  { skip: backendName() === "sqlite" ? false : "backend-independent: runs on SQLite only" },
  () => {
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "gatehouse-entry-"));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it("loads .env from the working directory, the environment winning over it", async () => {
      const dataDir = join(dir, "from-dotenv");
      // PORT=1 would fail to listen: the environment's PORT=0 must win.
      await writeFile(
        join(dir, ".env"),
        `DATA_DIR=${dataDir}\nPORT=1\nHOST=127.0.0.1\nLOG_LEVEL=info\n`,
      );
      const child = spawn(process.execPath, [serverEntry], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no "listening" in 20 s\n${stderr}`)),
            20_000,
          );
          createInterface({ input: child.stdout }).on("line", (line) => {
            const entry = JSON.parse(line) as { msg?: string; url?: string };
            if (entry.msg === "listening" && entry.url) {
              clearTimeout(timer);
              resolve(entry.url);
            }
          });
          child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`exited with ${code} before listening\n${stderr}`));
          });
        });
        assert.notEqual(new URL(url).port, "1");
        assert.equal((await fetch(`${url}/health`)).status, 200);
        assert.ok(existsSync(join(dataDir, "gatehouse.sqlite")), "DATA_DIR from .env used");
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          await exited;
        }
      }
    });
  },
);
