/**
 * The API reference at /docs in headless Chromium: the page renders every operation of
 * /openapi.json from the server itself (no CDN), without script errors.
 *
 * Needs Chromium at /usr/bin/chromium (Debian's `chromium` package). Without it the suite is
 * skipped, except under CI=true, where it must run.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { request } from "../../testing/http.js";
import { startServer, type TestServer } from "../../testing/server.js";
import { chromiumSkip, launchChromium } from "../../testing/chromium.js";

const skip = chromiumSkip;

describe("the API reference at /docs, in Chromium", { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows every operation, loading nothing from another origin", async () => {
    const document = (await request(server.url, "GET", "/openapi.json")).body;
    const operationIds = Object.values(document.paths as Record<string, object>).flatMap(
      (methods) => Object.values(methods).map((operation) => operation.operationId as string),
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (sent) => {
      if (!sent.url().startsWith(server.url) && !sent.url().startsWith("data:")) {
        foreign.push(sent.url());
      }
    });
    const response = await page.goto(`${server.url}/docs`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector(".opblock", { timeout: 15_000 });
    const shown = await page.$$eval(".opblock", (blocks) => blocks.length);
    assert.equal(shown, operationIds.length);
    const title = await page.textContent(".info .title");
    assert.match(title ?? "", /Gatehouse Store Auth API/);
    // Each operation is anchored by its tag and operationId (deep links: /docs#/Auth/PostAuth).
    const anchored = await page.$$eval("[id^=operations-]", (nodes) =>
      nodes.map((node) => node.id),
    );
    for (const id of ["PostAuth", "GetCustomersCustomer", "GetHealth"]) {
      assert.ok(
        anchored.some((anchor) => anchor.endsWith(`-${id}`)),
        `${id}: ${anchored.join(" ")}`,
      );
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
  });
});
