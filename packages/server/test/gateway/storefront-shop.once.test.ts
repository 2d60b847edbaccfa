/**
 * The example shop (examples/storefront) in headless Chromium, served on its own origin (listed in
 * STORE_CORS), with Gatehouse in front of the real Medusa v1 and its database as its only base URL:
 * a visitor fills a cart, registers (the cart becomes theirs), checks out with the system payment
 * provider, sees the order in their history; after a logout and a login it is still there.
 *
 * Runs once, not per backend: the storage backend is proven by storefront-flows.test.ts; this
 * proves the page. Needs Chromium at /usr/bin/chromium (Debian's `chromium` package); without it
 * the suite is skipped, except under CI=true, where it must run.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  createStorefrontServer,
  installedClientDir,
} from "../../../../examples/storefront/serve.mjs";
import { STRONG_PASSWORD, request } from "../../../../testing/http.js";
import { queryMedusa, startGateway, testMedusa } from "../../../../testing/medusa.js";
import { freePort } from "../../../../testing/services.js";
import { uniqueEmail, type TestServer } from "../../../../testing/server.js";
import { chromiumSkip, launchChromium } from "../../../../testing/chromium.js";

const skip = chromiumSkip;

function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("the example shop in headless Chromium, in front of Medusa v1", () => {
  if (skip) {
    it("runs", { skip }, () => {});
    return;
  }

  let browser: Browser;
  let api: TestServer;
  let site: Server;
  let siteUrl: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const email = uniqueEmail("shopper");
  let orderId: string;
  let cookie: string;

  const text = (selector: string) => page.locator(selector).innerText();
  const orders = () =>
    page.$$eval("#order-list li[data-order-id]", (items) =>
      items.map((li) => (li as HTMLElement).dataset.orderId),
    );

  /** Loads the page; resolves when the session was read and the products are listed. */
  async function load() {
    await page.goto(siteUrl);
    await page.waitForSelector('body:not([data-state="loading"])');
    await page.waitForSelector("#product-list .add-to-cart");
  }

  before(async () => {
    const sitePort = await freePort();
    siteUrl = `http://127.0.0.1:${sitePort}`;
    api = await startGateway(undefined, {
      env: { MEDUSA_DATABASE_URL: testMedusa().databaseUrl, STORE_CORS: siteUrl },
    });
    site = createStorefrontServer({ apiUrl: api.url, clientDir: installedClientDir() });
    await new Promise<void>((resolve, reject) => {
      site.once("error", reject);
      site.listen(sitePort, "127.0.0.1", () => resolve());
    });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await close(site);
    await api?.stop();
  });

  it("lists Medusa's product with its price, to a visitor without a session", async () => {
    await load();
    assert.equal(await page.evaluate(() => document.body.dataset.state), "logged-out");
    assert.match(await text("#product-list"), /Gatehouse Test Tee.*€15\.00/i);
    assert.equal(await text("#shop-message"), "");
  });

  it("a guest's cart: adding the product shows it with its total", async () => {
    await page.click("#product-list .add-to-cart");
    await page.waitForSelector("#cart:not([hidden])");
    assert.match(await text("#cart-items"), /^1 × /);
    assert.equal(await text("#cart-total"), "€15.00");
  });

  it("registers: the account shows, and the guest's cart becomes the customer's", async () => {
    await page.fill("#register-form [name=first_name]", "Ada");
    await page.fill("#register-form [name=last_name]", "Lovelace");
    await page.fill("#register-form [name=email]", email);
    await page.fill("#register-form [name=password]", STRONG_PASSWORD);
    const [claim] = await Promise.all([
      page.waitForResponse(
        (r) => /\/store\/carts\/cart_[^/]+$/.test(r.url()) && r.request().method() === "POST",
      ),
      page.click("#register-form button"),
    ]);
    assert.equal(claim.status(), 200);
    const { cart } = await claim.json();
    const [customer] = await queryMedusa<{ id: string }>(
      "SELECT id FROM customer WHERE email = $1 AND has_account",
      [email],
    );
    assert.equal(cart.customer_id, customer?.id);
    await page.waitForSelector('body[data-state="logged-in"]');
    assert.equal(await text("#account-email"), email);
    await page.waitForFunction(
      () => document.getElementById("order-list")?.textContent === "No orders yet.",
    );
  });

  it("checks out with the system payment provider: the order is the customer's in Medusa and in the history", async () => {
    await page.fill("#checkout-form [name=first_name]", "Ada");
    await page.fill("#checkout-form [name=last_name]", "Lovelace");
    await page.fill("#checkout-form [name=address_1]", "Unter den Linden 1");
    await page.fill("#checkout-form [name=postal_code]", "10117");
    await page.fill("#checkout-form [name=city]", "Berlin");
    await page.selectOption("#checkout-form [name=country_code]", "de");
    assert.equal(await page.isHidden("#checkout-form [name=email]"), true, "the account's email");
    const [completed] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/complete") && r.request().method() === "POST"),
      page.click("#checkout-form button"),
    ]);
    assert.equal(completed.status(), 200);
    const { type, data: order } = await completed.json();
    assert.equal(type, "order");
    orderId = order.id;
    await page.waitForSelector("#confirmation:not([hidden])");
    assert.equal(await text("#confirmation-order"), `#${order.display_id}`);
    assert.equal(await page.isHidden("#cart"), true, "the cart is gone");
    await page.waitForSelector(`#order-list li[data-order-id="${orderId}"]`);
    assert.match(await text("#order-list"), /€23\.00/, "the tee and Standard Shipping");

    const [row] = await queryMedusa<{ customer_id: string; email: string }>(
      'SELECT o.customer_id, c.email FROM "order" o JOIN customer c ON c.id = o.customer_id WHERE o.id = $1',
      [orderId],
    );
    assert.equal(row?.email, email);
    const session = (await context.cookies(api.url)).find((entry) => entry.name === "connect.sid");
    cookie = `connect.sid=${session!.value}`;
    const auth = await request(api.url, "GET", "/store/auth", { cookie });
    assert.equal(auth.body.customer.id, row?.customer_id);
  });

  it("logs out: the history is gone and the old cookie gets no orders; a login shows the order again", async () => {
    await page.click("#logout");
    await page.waitForSelector('body[data-state="logged-out"]');
    assert.equal(await page.isHidden("#order-list"), true);
    const replay = await request(api.url, "GET", "/store/customers/me/orders", { cookie });
    assert.equal(replay.status, 401);

    await load();
    assert.equal(await page.evaluate(() => document.body.dataset.state), "logged-out");
    await page.fill("#login-form [name=email]", email);
    await page.fill("#login-form [name=password]", STRONG_PASSWORD);
    await page.click("#login-form button");
    await page.waitForSelector('body[data-state="logged-in"]');
    await page.waitForSelector(`#order-list li[data-order-id="${orderId}"]`);
    assert.deepEqual(await orders(), [orderId]);
  });

  it("ran without uncaught script errors", () => {
    assert.deepEqual(pageErrors, []);
  });
});
