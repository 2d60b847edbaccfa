/**
 * The Dockerfile without Docker: its stages parsed, and their steps replayed in scratch folders,
 * one per stage, each standing for that image's filesystem (`/app` in the image is `<root>/app`).
 * COPY copies from the repository (minus .dockerignore) or from an earlier stage, ENV and WORKDIR
 * apply to what follows, and RUN runs its npm, npx and node commands there. The image's
 * operating-system steps (apt-get) are not replayed: this machine provides python3, make and g++
 * itself; any other command fails the replay, so that a new step is taught here rather than
 * silently skipped.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chown, cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  from: string;
  steps: Instruction[];
}

/** The stages of a Dockerfile: continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter((line) => line !== "");
  for (const line of logical) {
    const [keyword, ...rest] = line.split(" ");
    const args = rest.join(" ");
    if (keyword!.toUpperCase() === "FROM") {
      const [from, as, name] = args.split(" ");
      stages.push({
        from: from!,
        name: as?.toUpperCase() === "AS" ? name! : String(stages.length),
        steps: [],
      });
    } else {
      if (stages.length === 0) throw new Error(`${keyword} before FROM`);
      stages.at(-1)!.steps.push({ keyword: keyword!.toUpperCase(), args });
    }
  }
  return stages;
}

/** `KEY=value KEY2=value2` (values without spaces or quotes, as this Dockerfile writes them). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(" ")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
    if (!match) throw new Error(`ENV ${args}: expected KEY=value pairs`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

/** A .dockerignore as a test of repository-relative paths (`*`, `**`, no `!` exceptions). */
export async function dockerignore(context: string): Promise<(path: string) => boolean> {
  const patterns = (await readFile(join(context, ".dockerignore"), "utf8"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (patterns.some((pattern) => pattern.startsWith("!")))
    throw new Error(".dockerignore: exceptions (!) are not replayed here");
  const regexes = patterns.map((pattern) => {
    // `**/` matches any number of leading folders, `*` anything within one name.
    const source = pattern
      .replace(/^\//, "")
      .split("**/")
      .map((part) => part.replace(/[.+^${}()|[\]]/g, "\\$&").replace(/\*/g, "[^/]*"))
      .join("(?:.*/)?");
    // A pattern that names a folder excludes everything in it.
    return new RegExp(`^${source}(?:/.*)?$`);
  });
  return (path) => regexes.some((regex) => regex.test(path));
}

export interface ReplayedStage {
  name: string;
  /** The folder standing for the image's `/`. */
  root: string;
  /** The last WORKDIR, in the image. */
  workdir: string;
  env: Record<string, string>;
  steps: Instruction[];
  /** An image path on this machine. */
  path(imagePath: string): string;
}

export interface ReplayOptions {
  /** The build context (the repository). */
  context: string;
  /** The environment npm runs with (PATH, HOME for its cache, certificates). */
  env: Record<string, string>;
  /** Who owns what `chown` gives to the image's user, when the replay runs as root. */
  owner?: { uid: number; gid: number };
  /** ENV values that name a place in the image, mapped to this machine (npm_config_nodedir). */
  hostValues?: Record<string, string>;
  /** Told how long each command of a RUN took. */
  onCommand?: (stage: string, command: string, ms: number) => void;
}

/** Replays every stage in order; the last one is the image. */
export async function replayDockerfile(
  stages: Stage[],
  options: ReplayOptions,
): Promise<ReplayedStage[]> {
  const ignored = await dockerignore(options.context);
  const done: ReplayedStage[] = [];
  for (const stage of stages) {
    const root = await mkdtemp(join(tmpdir(), `gatehouse-image-${stage.name}-`));
    const replayed: ReplayedStage = {
      name: stage.name,
      root,
      workdir: "/",
      env: {},
      steps: stage.steps,
      path: (imagePath) => join(root, imagePath),
    };
    done.push(replayed);
    const cwd = () => replayed.path(replayed.workdir);
    const target = (dest: string) => (dest.startsWith("/") ? dest : join(replayed.workdir, dest));
    for (const { keyword, args } of stage.steps) {
      if (keyword === "WORKDIR") {
        replayed.workdir = target(args);
        await mkdir(cwd(), { recursive: true });
      } else if (keyword === "ENV") {
        for (const [name, value] of Object.entries(parseEnv(args)))
          replayed.env[name] = options.hostValues?.[name] ?? value;
      } else if (keyword === "COPY") {
        const words = args.split(" ");
        const from = words[0]!.startsWith("--from=") ? words.shift()!.slice(7) : undefined;
        const dest = target(words.pop()!);
        const source = from === undefined ? undefined : done.find((s) => s.name === from);
        if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no such stage`);
        for (const word of words) {
          const src = source ? source.path(word) : join(options.context, word);
          // A folder's contents go into dest; a file goes into dest/ or becomes dest.
          const isFile = (await stat(src)).isFile();
          const to = isFile && dest.endsWith("/") ? join(dest, basename(word)) : dest;
          await cp(src, replayed.path(to), {
            recursive: true,
            verbatimSymlinks: true,
            filter: (path) =>
              source !== undefined || !ignored(relative(options.context, path) || "."),
          });
        }
      } else if (keyword === "RUN") {
        for (const command of args.split(" && ")) {
          const started = Date.now();
          await run(command, replayed, options);
          options.onCommand?.(stage.name, command, Date.now() - started);
        }
      } else if (!["USER", "EXPOSE", "HEALTHCHECK", "CMD", "ARG", "LABEL"].includes(keyword)) {
        throw new Error(`${keyword}: not replayed here`);
      }
    }
  }
  return done;
}

async function run(command: string, stage: ReplayedStage, options: ReplayOptions) {
  const words = command.split(" ");
  // The image's node is this machine's: `node` runs as the one running the tests.
  if (words[0] === "npm" || words[0] === "npx" || words[0] === "node") {
    const line = words[0] === "node" ? [process.execPath, ...words.slice(1)].join(" ") : command;
    await exec("sh", ["-c", line], {
      cwd: stage.path(stage.workdir),
      env: { ...options.env, ...stage.env },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`RUN ${command} failed:\n${error.stderr ?? error.message}`);
    });
  } else if (words[0] === "apt-get" || command === "rm -rf /var/lib/apt/lists/*") {
    // The image's operating-system packages: provided by this machine.
  } else if (words[0] === "mkdir" && words[1] === "-p" && words.length === 3) {
    const dir = words[2]!;
    await mkdir(stage.path(dir.startsWith("/") ? dir : join(stage.workdir, dir)), {
      recursive: true,
    });
  } else if (words[0] === "mkdir" && words[1] === "-m" && words.length === 4) {
    await mkdir(stage.path(words[3]!), { recursive: true, mode: parseInt(words[2]!, 8) });
  } else if (words[0] === "chown" && words.length === 3) {
    if (options.owner) await chown(stage.path(words[2]!), options.owner.uid, options.owner.gid);
  } else {
    throw new Error(`RUN ${command}: not replayed here; teach testing/dockerfile.ts`);
  }
}

/** Removes every stage's folder. */
export async function removeStages(stages: ReplayedStage[]): Promise<void> {
  await Promise.all(stages.map((stage) => rm(stage.root, { recursive: true, force: true })));
}

export interface PrebuiltMirror {
  /** The environment that points better-sqlite3's install at the mirror. */
  env: Record<string, string>;
  /** How many times the binary was downloaded. */
  downloads(): number;
  /** Stops the mirror and removes the download from npm's prebuild cache. */
  close(): Promise<void>;
}

/**
 * A mirror of better-sqlite3's prebuilt binaries (prebuild-install's documented
 * `npm_config_better_sqlite3_binary_host`) serving, under the release's file name, the binary this
 * checkout's own install made for this Node and platform: what the image build downloads from
 * GitHub, without the network and without compiling SQLite again (a minute of CPU).
 */
export async function prebuiltMirror(repository: string): Promise<PrebuiltMirror> {
  const packageDir = join(repository, "node_modules/better-sqlite3");
  const { version } = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const scratch = await mkdtemp(join(tmpdir(), "gatehouse-prebuilt-"));
  const tarball = join(scratch, file);
  await exec("tar", ["-czf", tarball, "-C", packageDir, "build/Release/better_sqlite3.node"]);
  const body = await readFile(tarball);
  let downloads = 0;
  const server = createServer((request, response) => {
    if (request.url !== `/v${version}/${file}`) return void response.writeHead(404).end();
    downloads += 1;
    response.writeHead(200, { "content-type": "application/gzip" }).end(body);
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { stdout: cache } = await exec("npm", ["config", "get", "cache"]);
  // prebuild-install's cache name for a download: 6 hex digits of the URL's SHA-512, and its file.
  const digest = createHash("sha512").update(`${host}/v${version}/${file}`).digest("hex");
  const cached = join(cache.trim(), "_prebuilds", `${digest.slice(0, 6)}-${file}`);
  return {
    env: { npm_config_better_sqlite3_binary_host: host },
    downloads: () => downloads,
    async close() {
      await new Promise((closed) => server.close(closed));
      await rm(scratch, { recursive: true, force: true });
      await rm(cached, { force: true });
    },
  };
}
