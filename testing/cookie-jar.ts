/**
 * A browser's cookie jar for Node's fetch, which keeps no cookies: what a storefront in
 * @medusajs/js-sdk's session mode (`auth: { type: "session" }`) relies on in a browser.
 *
 * The js-sdk takes no fetch of its own (it calls the global `fetch`), so `withCookieJar` routes
 * the global fetch through a jar for the calls made inside it, and only those (AsyncLocalStorage):
 * other tests in the same process keep the plain fetch.
 *
 *     const jar = new CookieJar();
 *     await withCookieJar(jar, () => sdk.auth.login("customer", "emailpass", credentials));
 *     jar.get("connect.sid"); // the session cookie the server set
 */
import { AsyncLocalStorage } from "node:async_hooks";

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, oldest first (to check attributes). */
  readonly received: string[] = [];

  /** The value of a cookie the jar holds, or undefined. */
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The `Cookie` request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Keeps the cookies of a response; an empty value or a past expiry removes one. */
  store(setCookies: string[]): void {
    for (const line of setCookies) {
      this.received.push(line);
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", ...rest] = attribute.split("=");
        const field = key.trim().toLowerCase();
        if (field === "max-age") return Number(rest.join("=")) <= 0;
        if (field === "expires") return Date.parse(rest.join("=")) <= Date.now();
        return false;
      });
      if (value === "" || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

const plainFetch = globalThis.fetch;
const current = new AsyncLocalStorage<CookieJar>();

/** A fetch that sends the jar's cookies (unless the request names its own) and keeps new ones. */
export function jarFetch(jar: CookieJar): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const cookie = jar.header();
    if (cookie !== undefined && !headers.has("cookie")) headers.set("cookie", cookie);
    const response = await plainFetch(input, { ...init, headers });
    jar.store(response.headers.getSetCookie());
    return response;
  };
}

let installed = false;
/** Runs `use` with the global fetch going through `jar` for every call made inside it. */
export function withCookieJar<T>(jar: CookieJar, use: () => Promise<T>): Promise<T> {
  if (!installed) {
    installed = true;
    globalThis.fetch = (input, init) => {
      const active = current.getStore();
      return active ? jarFetch(active)(input, init) : plainFetch(input, init);
    };
  }
  return current.run(jar, use);
}
