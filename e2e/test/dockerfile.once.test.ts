/**
 * The container image, as far as a machine without Docker can prove it: the Dockerfile's stages
 * replayed in scratch folders (testing/dockerfile.ts: the same COPY and npm steps, the production
 * install included; better-sqlite3's prebuilt binary from a local mirror, as the build downloads
 * it from GitHub), then the final stage's CMD started from its folder as the image starts it,
 * as an unprivileged user when the test runs as root, and probed by the image's own HEALTHCHECK.
 * Also what the image must keep: Node 20, a non-root USER, the HEALTHCHECK on /health, the
 * start flags of `npm start`, a .dockerignore that keeps secrets and local state out.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, readFile, readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { createBackend, type Backend } from "../../testing/backend.js";
import {
  dockerignore,
  parseDockerfile,
  prebuiltMirror,
  removeStages,
  replayDockerfile,
  type PrebuiltMirror,
  type ReplayedStage,
} from "../../testing/dockerfile.js";
import { freePort } from "../../testing/services.js";

const exec = promisify(execFile);
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const stages = parseDockerfile(await readFile(join(root, "Dockerfile"), "utf8"));
const final = stages.at(-1)!;
const step = (keyword: string) => final.steps.filter((s) => s.keyword === keyword).at(-1)?.args;
const command = JSON.parse(step("CMD") ?? "null") as string[];
const healthcheck = JSON.parse(/ CMD (\[.*\])$/.exec(step("HEALTHCHECK") ?? "")?.[1] ?? "null");
/** The image's user, when this test runs as root: nobody, who owns nothing in /app. */
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

describe("the Dockerfile", () => {
  it("builds on Node 20 and runs as a non-root user, health-checked on /health", () => {
    assert.ok(stages.length >= 2, "multi-stage");
    for (const stage of stages) assert.match(stage.from, /^node:20-[a-z]+-slim$/);
    const user = step("USER");
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.equal(final.steps.at(-1)?.keyword, "CMD");
    assert.ok(
      final.steps.findIndex((s) => s.keyword === "USER") <
        final.steps.findIndex((s) => s.keyword === "CMD"),
    );
    assert.equal(healthcheck?.[0], "node");
    assert.match(healthcheck.join(" "), /\/health'/);
  });

  it("starts the server as npm start does, without npm", async () => {
    const start = JSON.parse(await readFile(join(root, "package.json"), "utf8")).scripts.start;
    const npmStart = (start as string).split(" && ").at(-1)!.split(" ");
    assert.deepEqual(command, npmStart);
  });

  it("keeps secrets, local state and build output out of the build context", async () => {
    const ignored = await dockerignore(root);
    for (const path of [".env", "data/gatehouse.sqlite", "data/secrets.json", "node_modules/x"])
      assert.ok(ignored(path), path);
    for (const path of ["packages/server/node_modules/x", "packages/server/dist/main.js", ".git"])
      assert.ok(ignored(path), path);
    for (const path of ["package.json", "packages/server/src/main.ts", "scripts/install-hint.mjs"])
      assert.ok(!ignored(path), path);
  });
});

describe("the Dockerfile, replayed", () => {
  let replayed: ReplayedStage[] = [];
  let image: ReplayedStage;
  let backend: Backend;
  let mirror: PrebuiltMirror;

  before(
    async () => {
      // npm as the image runs it: no NODE_ENV or npm settings inherited from `npm test`; the npm
      // cache reused (packages are fetched from the registry only when missing from it).
      const env = Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => name !== "NODE_ENV" && !name.startsWith("npm_") && name !== "INIT_CWD",
        ),
      ) as Record<string, string>;
      env.npm_config_prefer_offline = "true";
      mirror = await prebuiltMirror(root);
      const started = Date.now();
      replayed = await replayDockerfile(stages, {
        context: root,
        env: { ...env, ...mirror.env },
        ...(unprivileged && { owner: unprivileged }),
        // The image's Node is under /usr/local; this machine's is where process.execPath is.
        hostValues: { npm_config_nodedir: dirname(dirname(process.execPath)) },
        onCommand: (stage, command, ms) =>
          ms >= 1000 && console.log(`# ${stage}: ${command} (${(ms / 1000).toFixed(1)} s)`),
      });
      image = replayed.at(-1)!;
      console.log(`# Dockerfile replayed in ${Math.round((Date.now() - started) / 1000)} s`);
      // mkdtemp made the image's / private to root; the image's user must read /app.
      await chmod(image.root, 0o755);
      backend = await createBackend("postgres+redis");
    },
    { timeout: 10 * 60_000 },
  );
  after(async () => {
    await removeStages(replayed);
    await mirror?.close();
    await backend?.drop();
  });

  it("installs production dependencies only, beside the bundled server", async () => {
    const modules = image.path(join(image.workdir, "node_modules"));
    // Bundled before the prune took esbuild away (scripts/bundle.mjs); start.cjs loads it.
    await stat(image.path(join(image.workdir, "packages/server/dist/bundle/main.js")));
    const server = JSON.parse(await readFile(join(root, "packages/server/package.json"), "utf8"));
    const manifests = ["package.json", "packages/server/package.json", "e2e/package.json"];
    for (const manifest of manifests) {
      const { devDependencies = {} } = JSON.parse(await readFile(join(root, manifest), "utf8"));
      for (const name of Object.keys(devDependencies)) {
        if (name in server.dependencies) continue;
        await assert.rejects(stat(join(modules, name)), `${name} (${manifest}) is in the image`);
      }
    }
    assert.ok((await readdir(modules)).includes("better-sqlite3"));
    assert.equal(mirror.downloads(), 1, "better-sqlite3's binary came prebuilt");
  });

  it("migrates as a release step, then serves on PostgreSQL and Redis: /health, its HEALTHCHECK, /ready, a sign-up, SIGTERM", async () => {
    const production = {
      ...backend.env,
      COOKIE_SECRET: randomBytes(32).toString("hex"),
      JWT_SECRET: randomBytes(32).toString("hex"),
    };
    // docs/deployment.md, "Upgrades": the image's `gatehouse migrate`, with the server's environment.
    const migrated = await exec(
      process.execPath,
      ["packages/server/dist/cli/index.js", "migrate"],
      {
        cwd: image.path(image.workdir),
        env: { PATH: process.env.PATH ?? "", ...image.env, ...production },
        ...unprivileged,
      },
    );
    assert.match(migrated.stdout, /^applied 0001-initial, /);
    const server = await start(production);
    try {
      assert.equal(server.env.NODE_ENV, "production");
      assert.deepEqual(await probe(server.env), 0);
      const ready = await fetch(`${server.url}/ready`);
      assert.deepEqual(await ready.json(), {
        status: "ok",
        checks: { database: "ok", redis: "ok" },
      });
      assert.equal((await signUp(server.url)).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.equal(await probe(server.env), 1, "the HEALTHCHECK fails once the server is gone");
  });

  it("tries out on SQLite with NODE_ENV=development, keeping its files in DATA_DIR", async () => {
    const server = await start({ NODE_ENV: "development" });
    try {
      assert.equal((await signUp(server.url)).status, 200);
      const written = await readdir(server.env.DATA_DIR!);
      assert.ok(
        written.includes("gatehouse.sqlite") && written.includes("secrets.json"),
        `${written}`,
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  interface Started {
    url: string;
    env: Record<string, string>;
    stop(): Promise<number | null>;
  }

  /** The image's CMD, with its ENV, from its WORKDIR; HOST and PORT kept to this machine. */
  async function start(overrides: Record<string, string>): Promise<Started> {
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...image.env,
      DATA_DIR: image.path(image.env.DATA_DIR!),
      HOST: "127.0.0.1",
      PORT: String(port),
      ...overrides,
    };
    const [node, ...args] = command;
    assert.equal(node, "node");
    const child = spawn(process.execPath, args, {
      cwd: image.path(image.workdir),
      env,
      stdio: ["ignore", "ignore", "pipe"],
      ...unprivileged,
    });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, child, () => stderr);
    return { url, env, stop: () => stop(child) };
  }

  /** The image's HEALTHCHECK command, run as Docker runs it: its exit code. */
  async function probe(env: Record<string, string>): Promise<number> {
    const [, ...args] = healthcheck as string[];
    return exec(process.execPath, args, { env, timeout: 5000 }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? -1,
    );
  }
});

async function waitForHealth(url: string, child: ChildProcess, stderr: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) assert.fail(`exited ${child.exitCode}:\n${stderr()}`);
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill("SIGKILL");
  assert.fail(`no 200 from /health in 30 s:\n${stderr()}`);
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((done) => child.once("exit", done));
  child.kill("SIGTERM");
  return exited;
}

function signUp(url: string) {
  return fetch(`${url}/store/customers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `container-${randomBytes(4).toString("hex")}@example.com`,
      password: "correct horse battery staple",
      first_name: "Ada",
      last_name: "Lovelace",
    }),
  });
}
