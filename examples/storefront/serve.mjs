#!/usr/bin/env node
/**
 * A tiny static server for the example storefront. It serves `index.html` and `storefront.js`
 * from this folder, and the client's ES modules under `/vendor/client/` (by default the installed
 * `@gatehouse/client`'s `dist/`). `index.html` is served with its `gatehouse-url` meta tag set to
 * `GATEHOUSE_URL`.
 *
 *   GATEHOUSE_URL=http://localhost:9000 PORT=8000 node examples/storefront/serve.mjs
 *
 * It is also importable: `createStorefrontServer({ apiUrl, clientDir })` returns a `node:http`
 * server that is not listening yet.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

const contentTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** The folder holding the installed `@gatehouse/client`'s ES modules. */
export function installedClientDir() {
  return dirname(fileURLToPath(import.meta.resolve("@gatehouse/client")));
}

/** `path` under `root`, or undefined when it would leave `root` or is not a servable file type. */
function inside(root, path) {
  const file = resolve(root, `.${sep}${path}`);
  if (!file.startsWith(root + sep) || !(extname(file) in contentTypes)) return undefined;
  return file;
}

/**
 * @param {{ apiUrl?: string, clientDir?: string }} [options] `apiUrl`: the Gatehouse server the
 *   page talks to; `clientDir`: the folder served at `/vendor/client/` (it must have `index.js`).
 */
export function createStorefrontServer(options = {}) {
  const apiUrl = options.apiUrl ?? "http://localhost:9000";
  const clientDir = resolve(options.clientDir ?? installedClientDir());
  const pages = new Set([join(here, "index.html"), join(here, "storefront.js")]);

  return createServer(async (request, response) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      pathname = "";
    }
    const file = pathname.startsWith("/vendor/client/")
      ? inside(clientDir, pathname.slice("/vendor/client/".length))
      : inside(here, pathname === "/" ? "index.html" : pathname.slice(1));
    const servable = file !== undefined && (file.startsWith(clientDir + sep) || pages.has(file));
    if (!servable || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
      return;
    }
    let body;
    try {
      body = await readFile(file, "utf8");
    } catch {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
      return;
    }
    if (file === join(here, "index.html")) {
      body = body.replace(
        /(<meta name="gatehouse-url" content=")[^"]*(")/,
        (_match, start, end) => start + apiUrl.replace(/[&"<>]/g, "") + end,
      );
    }
    response.writeHead(200, {
      "content-type": contentTypes[extname(file)],
      "cache-control": "no-store",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const port = Number(process.env.PORT ?? 8000);
  const host = process.env.HOST ?? "localhost";
  const apiUrl = process.env.GATEHOUSE_URL ?? "http://localhost:9000";
  createStorefrontServer({ apiUrl }).listen(port, host, () => {
    console.log(`Storefront on http://${host}:${port}, talking to ${apiUrl}`);
    console.log(`Gatehouse must allow this origin: STORE_CORS=http://${host}:${port}`);
  });
}
