/**
 * @gatehouse/client as it would be published: `npm pack`, installed from the tarball in a scratch
 * project, type-checked with TypeScript, and the README's example run against a real server. Also
 * the size a storefront pays for the auth-only import, minified and gzipped.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import { startServer, type TestServer } from "../../testing/server.js";

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const clientDir = join(root, "packages/client");
/** The budget of the auth-only import (Client + AuthResource), minified and gzipped. */
const AUTH_ONLY_BUDGET_BYTES = 3500;

/** The README's first TypeScript example (the Usage section). */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(clientDir, "README.md"), "utf8");
  const match = /## Usage\s+```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, "README has a Usage example");
  return match[1]!;
}

describe("@gatehouse/client, packed", () => {
  let server: TestServer;
  let scratch: string;

  before(async () => {
    server = await startServer();
    scratch = await mkdtemp(join(tmpdir(), "gatehouse-pack-"));
  });
  after(async () => {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("installs from its tarball, type-checks and runs the README's example", async () => {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
      cwd: clientDir,
    });
    const [packed] = JSON.parse(stdout) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed!.files.map((file) => file.path).sort();
    assert.ok(files.includes("LICENSE") && files.includes("dist/index.d.ts"), files.join(" "));
    assert.ok(
      files.every((file) => !file.startsWith("src/") && !file.endsWith(".map")),
      files.join(" "),
    );

    await writeFile(
      join(scratch, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" }),
    );
    // The tarball has no dependencies: nothing is fetched from the registry.
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--offline", join(scratch, packed!.filename)],
      { cwd: scratch },
    );
    const example = (await readmeExample()).replace(
      '"https://auth.example.com"',
      JSON.stringify(server.url),
    );
    assert.notEqual(example, await readmeExample(), "the example names the server's URL");
    await writeFile(join(scratch, "example.ts"), `${example}\nconsole.log(customer.email)\n`);
    await writeFile(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          strict: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["example.ts"],
      }),
    );
    // The repository's TypeScript, run in the scratch project (it resolves the installed package).
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", "."], { cwd: scratch }).catch(
      (error: { stdout: string }) => {
        assert.fail(`tsc failed:\n${error.stdout}`);
      },
    );
    const output = await run(process.execPath, ["example.js"], { cwd: scratch });
    assert.equal(output.stdout.trim(), "alec@example.com");
    assert.ok(
      (await readdir(join(scratch, "node_modules/@gatehouse/client/dist"))).includes("index.js"),
    );
  });

  it(`keeps the auth-only import within ${AUTH_ONLY_BUDGET_BYTES} bytes minified and gzipped`, async () => {
    const sizes: Record<string, number> = {};
    const entries = {
      "auth-only":
        'import { Client, AuthResource } from "@gatehouse/client"; export default new AuthResource(new Client())',
      full: 'import Medusa from "@gatehouse/client"; export default new Medusa()',
    };
    for (const [name, contents] of Object.entries(entries)) {
      const result = await build({
        stdin: { contents, resolveDir: root, loader: "js" },
        bundle: true,
        minify: true,
        format: "esm",
        target: "es2022",
        write: false,
      });
      sizes[name] = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
    }
    console.log(`@gatehouse/client, minified and gzipped: ${JSON.stringify(sizes)} bytes`);
    assert.ok(sizes["auth-only"]! <= AUTH_ONLY_BUDGET_BYTES, JSON.stringify(sizes));
  });
});
