/**
 * The example storefront (examples/storefront) in headless Chromium, on another origin than the
 * API: once with @gatehouse/client's ES modules as they are built, once with the published
 * @medusajs/medusa-js 6.1.10 bundled for the browser. Both must log in and register with the
 * HttpOnly session cookie, send it with credentials, show the account, log out for good, and a
 * page on an origin missing from STORE_CORS must not be able to read the API.
 *
 * API and pages are on different ports of 127.0.0.1: different origins but the same site, so the
 * default `SameSite=Lax` cookie is sent on the pages' requests.
 *
 * Needs Chromium at /usr/bin/chromium (Debian's `chromium` package). Without it the suite is
 * skipped, except under CI=true, where it must run.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createStorefrontServer, installedClientDir } from "../../examples/storefront/serve.mjs";
import { request } from "../../testing/http.js";
import { freePort } from "../../testing/services.js";
import { startServer, uniqueEmail, type TestServer } from "../../testing/server.js";
import { chromiumSkip, launchChromium } from "../../testing/chromium.js";

const skip = chromiumSkip;

const PASSWORD = "a storefront passphrase 31";

function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Bundles the published medusa-js into one browser ES module, `index.js` in a new folder. */
async function bundleMedusaJs(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-medusa-js-"));
  await build({
    stdin: {
      contents: 'export { default } from "@medusajs/medusa-js";',
      resolveDir: process.cwd(),
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    outfile: join(dir, "index.js"),
    logLevel: "error",
  });
  return dir;
}

describe("the example storefront in headless Chromium", () => {
  if (skip) {
    it("runs", { skip }, () => {});
    return;
  }

  let browser: Browser;
  let medusaJsDir: string;

  before(async () => {
    [browser, medusaJsDir] = await Promise.all([launchChromium(), bundleMedusaJs()]);
  });

  after(async () => {
    await browser?.close();
    if (medusaJsDir) await rm(medusaJsDir, { recursive: true, force: true });
  });

  const clients = [
    { name: "@gatehouse/client", dir: () => installedClientDir() },
    { name: "@medusajs/medusa-js 6.1.10 (bundled)", dir: () => medusaJsDir },
  ];

  for (const client of clients) {
    describe(`with ${client.name}`, () => {
      let api: TestServer;
      let site: Server;
      let stranger: Server;
      let siteUrl: string;
      let strangerUrl: string;
      let context: BrowserContext;
      let page: Page;
      const pageErrors: string[] = [];
      const email = uniqueEmail("browser");
      let registeredCookie: string;

      /** The API's URL for `path`, as the browser reports it. */
      const apiUrl = (path: string) => new URL(path, api.url).href;
      const isSessionRead = (url: string, method: string) =>
        url === apiUrl("/store/auth") && method === "GET";

      /** Loads (or reloads) the storefront; resolves to the page's `GET /store/auth` response. */
      async function load() {
        const [response] = await Promise.all([
          page.waitForResponse((r) => isSessionRead(r.url(), r.request().method())),
          page.goto(siteUrl),
        ]);
        await page.waitForSelector('body:not([data-state="loading"])');
        return response;
      }

      const state = (target: Page = page) =>
        target.evaluate(() => document.body.dataset.state ?? "");
      const text = (selector: string, target: Page = page) => target.locator(selector).innerText();

      async function sessionCookie() {
        const cookies = await context.cookies(api.url);
        return cookies.find((cookie) => cookie.name === "connect.sid");
      }

      before(async () => {
        const sitePort = await freePort();
        siteUrl = `http://127.0.0.1:${sitePort}`;
        api = await startServer({ env: { STORE_CORS: siteUrl } });
        site = createStorefrontServer({ apiUrl: api.url, clientDir: client.dir() });
        await listen(site, sitePort);
        // The same page on another port: an origin that STORE_CORS does not list.
        stranger = createStorefrontServer({ apiUrl: api.url, clientDir: client.dir() });
        strangerUrl = await listen(stranger);
        context = await browser.newContext();
        page = await context.newPage();
        page.on("pageerror", (error) => pageErrors.push(error.message));
      });

      after(async () => {
        await context?.close();
        await Promise.all([close(site), close(stranger)]);
        await api?.stop();
      });

      it("shows a visitor without a session the forms, after a 401 the page may read", async () => {
        const response = await load();
        assert.equal(response.status(), 401);
        const headers = response.headers();
        assert.equal(headers["access-control-allow-origin"], siteUrl);
        assert.equal(headers["access-control-allow-credentials"], "true");
        assert.equal(await state(), "logged-out");
        assert.equal(await text("#message"), "");
        assert.equal(await sessionCookie(), undefined);
      });

      it("registers: the HttpOnly, SameSite=Lax session cookie is set and the account shows the email", async () => {
        await page.fill("#register-form [name=first_name]", "Ada");
        await page.fill("#register-form [name=last_name]", "Lovelace");
        await page.fill("#register-form [name=email]", email.toUpperCase());
        await page.fill("#register-form [name=password]", PASSWORD);
        const [response] = await Promise.all([
          page.waitForResponse(
            (r) => r.url() === apiUrl("/store/customers") && r.request().method() === "POST",
          ),
          page.click("#register-form button"),
        ]);
        assert.equal(response.status(), 200);
        await page.waitForSelector('body[data-state="logged-in"]');
        assert.equal(await text("#account-email"), email, "the email, lower-cased");
        assert.equal(await text("#account-name"), "Ada Lovelace");

        const cookie = await sessionCookie();
        assert.ok(cookie, "the browser keeps connect.sid for the API");
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.sameSite, "Lax");
        assert.equal(cookie.secure, false);
        assert.equal(cookie.path, "/");
        registeredCookie = `connect.sid=${cookie.value}`;
        const script = await page.evaluate(() => document.cookie);
        assert.doesNotMatch(script, /connect\.sid/, "page scripts cannot read the session cookie");
      });

      it("sends the cookie with credentials: after a reload the account is still shown", async () => {
        const response = await load();
        assert.equal(response.status(), 200);
        const sent = await response.request().allHeaders();
        assert.equal(sent.cookie, registeredCookie);
        assert.equal(sent.origin, siteUrl);
        assert.equal(response.headers()["access-control-allow-origin"], siteUrl);
        assert.equal(await state(), "logged-in");
        assert.equal(await text("#account-email"), email);
      });

      it("logs out: the session ends on the server, the cookie is removed, the page shows the forms", async () => {
        const [response] = await Promise.all([
          page.waitForResponse(
            (r) => r.url() === apiUrl("/store/auth") && r.request().method() === "DELETE",
          ),
          page.click("#logout"),
        ]);
        assert.equal(response.status(), 200);
        assert.equal((await response.request().allHeaders()).cookie, registeredCookie);
        await page.waitForSelector('body[data-state="logged-out"]');
        assert.equal(await text("#message"), "You are logged out.");
        assert.equal(await sessionCookie(), undefined, "the expiring Set-Cookie removed it");

        const reload = await load();
        assert.equal(reload.status(), 401);
        assert.equal(await state(), "logged-out");

        // A copy of the old cookie is worthless: the session was revoked, not just forgotten.
        const replay = await request(api.url, "GET", "/store/auth", { cookie: registeredCookie });
        assert.equal(replay.status, 401);
      });

      it("logs in with the login form; a wrong password shows the server's message", async () => {
        await page.fill("#login-form [name=email]", email);
        await page.fill("#login-form [name=password]", "not the passphrase");
        const [failed] = await Promise.all([
          page.waitForResponse(
            (r) => r.url() === apiUrl("/store/auth") && r.request().method() === "POST",
          ),
          page.click("#login-form button"),
        ]);
        assert.equal(failed.status(), 401);
        await page.waitForFunction(() => document.getElementById("message")?.textContent !== "");
        assert.equal(await text("#message"), "Wrong email or password");
        assert.equal(await state(), "logged-out");
        assert.equal(await sessionCookie(), undefined);

        await page.fill("#login-form [name=email]", email);
        await page.fill("#login-form [name=password]", PASSWORD);
        await page.click("#login-form button");
        await page.waitForSelector('body[data-state="logged-in"]');
        assert.equal(await text("#account-email"), email);
        const cookie = await sessionCookie();
        assert.ok(cookie);
        assert.notEqual(`connect.sid=${cookie.value}`, registeredCookie, "a new session id");
        assert.equal((await load()).status(), 200);
      });

      it("a page on an origin missing from STORE_CORS cannot read the API, even with the cookie", async () => {
        const other = await context.newPage();
        other.on("pageerror", (error) => pageErrors.push(error.message));
        try {
          await other.goto(strangerUrl);
          await other.waitForSelector('body:not([data-state="loading"])');
          assert.equal(await state(other), "logged-out", "the account is not shown");
          assert.notEqual(await text("#message", other), "", "the page reports the failure");

          const outcome = await other.evaluate(async (base) => {
            try {
              const response = await fetch(`${base}/store/auth`, { credentials: "include" });
              return `read ${response.status}: ${await response.text()}`;
            } catch (error) {
              return `${(error as Error).name}: ${(error as Error).message}`;
            }
          }, api.url);
          assert.equal(outcome, "TypeError: Failed to fetch");

          // Its login form cannot log anyone in either.
          await other.fill("#login-form [name=email]", email);
          await other.fill("#login-form [name=password]", PASSWORD);
          const before = await sessionCookie();
          await other.click("#login-form button");
          await other.waitForFunction(
            () => !document.querySelector<HTMLButtonElement>("#login-form button")?.disabled,
          );
          assert.equal(await state(other), "logged-out");
          assert.deepEqual(await sessionCookie(), before, "no new session");
        } finally {
          await other.close();
        }
        // The storefront's own origin still reads the session.
        assert.equal((await load()).status(), 200);
        assert.equal(await state(), "logged-in");
      });

      it("ran without uncaught script errors", () => {
        assert.deepEqual(pageErrors, []);
      });
    });
  }
});
