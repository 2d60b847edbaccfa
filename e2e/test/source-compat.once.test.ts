/**
 * Source compatibility: e2e/compat/storefront-code.ts is storefront code written against
 * @medusajs/medusa-js 6. With only its import line changed to "@gatehouse/client" it must
 * type-check (strict, as a storefront compiles it) and behave the same against a real server.
 *
 * Each variant is type-checked in a temporary project (its own tsconfig, `node_modules` linked to
 * this repository's) with `tsc --noEmit`:
 * - the @gatehouse/client variant, strict, with the `Bundler` resolution of Next.js or Vite
 *   storefronts and with Node's own (`NodeNext`);
 * - the original medusa-js variant with `Bundler`. medusa-js's request and response types come
 *   from `@medusajs/medusa` (the whole Medusa server), which is not installed: they resolve to
 *   `any`, so under `strict` the only errors are implicit-`any` callback parameters. It is checked
 *   with `noImplicitAny` off, which still checks every method name and argument count against
 *   medusa-js's own declarations. (Under `NodeNext` medusa-js's typings do not compile at all: its
 *   `import` export is an ES module typed by its CommonJS declarations.)
 * - the @gatehouse/client variant with deliberate divergences (a renamed method, a wrong payload
 *   shape, swapped arguments) must fail, so the check cannot pass vacuously.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import {
  loggedResetToken,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../testing/server.js";

const exec = promisify(execFile);
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const source = join(root, "e2e/compat/storefront-code.ts");
const tsc = join(root, "node_modules/typescript/bin/tsc");

const MEDUSA_IMPORT = 'import Medusa from "@medusajs/medusa-js";';
const GATEHOUSE_IMPORT = 'import Medusa from "@gatehouse/client";';
const PASSWORD = "correct horse battery staple";

/** Compiler options of a storefront (Next.js's defaults, minus JSX). */
const STOREFRONT_OPTIONS = {
  target: "ES2022",
  lib: ["ES2022", "DOM", "DOM.Iterable"],
  module: "ESNext",
  moduleResolution: "Bundler",
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
  esModuleInterop: true,
  types: [],
};

let project: string;
let original: string;

/** Writes `code` as a file of the temporary project. */
async function variant(name: string, code: string): Promise<string> {
  const file = join(project, `${name}.ts`);
  await writeFile(file, code);
  return file;
}

/** Replaces the one occurrence of `from` in `code` with `to`. */
function replaceOnce(code: string, from: string, to: string): string {
  assert.equal(code.split(from).length, 2, `exactly one ${JSON.stringify(from)} in the code`);
  return code.replace(from, () => to);
}

/** Runs `tsc --noEmit` over one file with `options`; resolves to its exit code and diagnostics. */
async function typecheck(file: string, options: Record<string, unknown> = {}) {
  const name = `tsconfig.${Math.random().toString(36).slice(2)}.json`;
  await writeFile(
    join(project, name),
    JSON.stringify({ compilerOptions: { ...STOREFRONT_OPTIONS, ...options }, files: [file] }),
  );
  try {
    await exec(process.execPath, [tsc, "-p", name, "--pretty", "false"], { cwd: project });
    return { code: 0, output: "", errors: [] as string[] };
  } catch (error: any) {
    if (typeof error.code !== "number") throw error;
    const output = `${error.stdout}${error.stderr}`;
    return { code: error.code as number, output, errors: output.match(/error TS\d+/g) ?? [] };
  }
}

before(async () => {
  project = await mkdtemp(join(tmpdir(), "gatehouse-source-compat-"));
  await symlink(join(root, "node_modules"), join(project, "node_modules"), "dir");
  await writeFile(join(project, "package.json"), '{ "type": "module", "private": true }\n');
  original = await readFile(source, "utf8");
});

after(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe("storefront code written for medusa-js compiles against @gatehouse/client", () => {
  it("changes nothing but the import line", () => {
    const lines = original.split("\n");
    assert.deepEqual(
      lines.filter((line) => /from "@medusajs\/medusa-js"|from "@gatehouse\/client"/.test(line)),
      [MEDUSA_IMPORT],
      "the code imports medusa-js once, with the line the test replaces",
    );
    const swapped = replaceOnce(original, MEDUSA_IMPORT, GATEHOUSE_IMPORT).split("\n");
    assert.equal(swapped.length, lines.length);
    assert.equal(swapped.filter((line, index) => line !== lines[index]).length, 1);
  });

  it("type-checks strictly with only the import changed (Bundler and NodeNext resolution)", async () => {
    const file = await variant("gatehouse", replaceOnce(original, MEDUSA_IMPORT, GATEHOUSE_IMPORT));
    const [bundler, nodeNext] = await Promise.all([
      typecheck(file),
      typecheck(file, { module: "NodeNext", moduleResolution: "NodeNext" }),
    ]);
    assert.equal(bundler.code, 0, bundler.output);
    assert.equal(nodeNext.code, 0, nodeNext.output);
  });

  it("type-checks with the original medusa-js import (method names and arities)", async () => {
    const file = await variant("medusa-js", original);
    const [strict, loose] = await Promise.all([
      typecheck(file),
      typecheck(file, { noImplicitAny: false }),
    ]);
    // Strict fails only where medusa-js's types name @medusajs/medusa, which is not installed.
    const implicitAny = new Set(["error TS7006", "error TS7031"]);
    assert.ok(
      strict.errors.every((error) => implicitAny.has(error)),
      `only implicit-any errors expected:\n${strict.output}`,
    );
    assert.equal(loose.code, 0, loose.output);
  });

  it("fails when a method name or a parameter shape diverges", async () => {
    const gatehouse = replaceOnce(original, MEDUSA_IMPORT, GATEHOUSE_IMPORT);
    const divergences = [
      {
        name: "a renamed method",
        from: "medusa.auth.authenticate(",
        to: "medusa.auth.login(",
        error: "error TS2339",
      },
      {
        name: "a payload without its `address` wrapper",
        from: "addAddress(\n      { address },",
        to: "addAddress(\n      address,",
        error: "error TS2345",
      },
      {
        name: "arguments in another order",
        from: "updateAddress(\n        id,\n        changes,",
        to: "updateAddress(\n        changes,\n        id,",
        error: "error TS2345",
      },
      {
        name: "a bare email instead of { email }",
        from: "generatePasswordToken({ email })",
        to: "generatePasswordToken(email)",
        error: "error TS2345",
      },
    ];
    const results = await Promise.all(
      divergences.map(async ({ name, from, to }, index) =>
        typecheck(await variant(`divergent-${index}`, replaceOnce(gatehouse, from, to)), {}).then(
          (result) => ({ name, result }),
        ),
      ),
    );
    for (const [index, { name, result }] of results.entries()) {
      assert.notEqual(result.code, 0, `${name} must not compile`);
      assert.ok(result.errors.includes(divergences[index]!.error), `${name}:\n${result.output}`);
    }
  });
});

describe("the same storefront code runs against a real server", () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server?.stop();
  });

  const variants = [
    {
      name: "@medusajs/medusa-js (the original)",
      load: () => import(pathToFileURL(source).href),
      clientOptions: {},
    },
    {
      name: "@gatehouse/client (import changed)",
      // Outside browsers an instance remembers the cookie and token of its last login (SPEC §4):
      // a client that a server shares between visitors must say it remembers nothing.
      clientOptions: { keepCredentials: false },
      load: async () => {
        const code = replaceOnce(original, MEDUSA_IMPORT, GATEHOUSE_IMPORT);
        return import(pathToFileURL(await variant("gatehouse-run", code)).href);
      },
    },
  ];

  for (const { name, load, clientOptions } of variants) {
    describe(name, () => {
      let shop: any;

      before(async () => {
        const module: any = await load();
        shop = module.createStorefront(server.url, clientOptions);
      });

      it("registers, reads and changes the account, resets the password, logs out", async () => {
        const email = uniqueEmail("storefront");
        assert.equal(await shop.isRegistered(email), false);
        const signUp = await shop.signUp({ email, password: PASSWORD, first_name: "Alec" });
        assert.equal(signUp.ok, true, signUp.message);
        const token: string = signUp.value;
        assert.equal(await shop.isRegistered(email), true);
        assert.deepEqual(await shop.signUp({ email, password: PASSWORD }), {
          ok: false,
          status: 422,
          message: "A customer with the given email already has an account. Log in instead",
        });

        const me = await shop.currentCustomer(token);
        assert.equal(me.name, "Alec");
        assert.equal((await shop.profile(token)).email, email);
        assert.deepEqual(await shop.updateProfile(token, { last_name: "Reynolds" }), {
          ok: true,
          value: email,
        });
        assert.equal((await shop.currentCustomer(token)).name, "Alec Reynolds");

        const [addressId, ...others] = await shop.addAddress(token, {
          first_name: "Celia",
          last_name: "Schumm",
          address_1: "225 Bednar Curve",
          city: "Danielville",
          country_code: "US",
          postal_code: "85137",
        });
        assert.deepEqual(others, []);
        assert.deepEqual(await shop.updateAddress(token, addressId, { first_name: "Gina" }), {
          ok: true,
          value: ["Gina"],
        });
        assert.equal((await shop.profile(token)).addresses[0].city, "Danielville");
        const notMine = await shop.updateAddress(token, "addr_01HZZZZZZZZZZZZZZZZZZZZZZZ", {});
        assert.equal(notMine.status, 404);
        assert.equal(await shop.deleteAddress(token, addressId), 0);

        assert.equal(await shop.confirmPassword(email, PASSWORD), true);
        assert.equal(await shop.confirmPassword(email, "not the password"), false);
        assert.deepEqual(await shop.logIn(email, "not the password"), {
          ok: false,
          status: 401,
          message: "Wrong email or password",
        });

        const from = server.logs.length;
        assert.equal(await shop.forgotPassword(email), 204);
        assert.deepEqual(await shop.resetPassword(email, "x".repeat(43), "a new passphrase"), {
          ok: false,
          status: 401,
          message: "Invalid or expired password reset token",
        });
        const reset = await shop.resetPassword(
          email,
          await loggedResetToken(server, email, from),
          "a new passphrase",
        );
        assert.equal(reset.ok, true, reset.message);
        assert.equal(await shop.currentCustomer(token), null, "the reset ended the old token");

        const login = await shop.logIn(email, "a new passphrase");
        assert.equal(login.ok, true);
        assert.equal((await shop.currentCustomer(login.value)).id, me.id);
        await shop.logOut(login.value);
        assert.equal(await shop.currentCustomer(login.value), null);
      });

      it("one storefront server, many visitors: an anonymous visitor never sees another's account", async () => {
        const email = uniqueEmail("first-visitor");
        // A first visitor signs up, then confirms their password.
        assert.equal((await shop.signUp({ email, password: PASSWORD })).ok, true);
        assert.equal(await shop.confirmPassword(email, PASSWORD), true);
        // The next visitor has no token: the storefront forwards no credentials for them.
        assert.equal(await shop.currentCustomer(), null);
      });
    });
  }
});
