/**
 * A small cookie store for runtimes without one (Node, Bun, Deno, edge runtimes), so that a
 * client instance keeps the session cookie its server sets, as a browser would. It implements
 * the parts of RFC 6265 a single API origin needs: expiry (`Expires`, `Max-Age`), removal,
 * `Path`, `Secure` and `Domain` checks. Cookies are host-only: the jar serves one host.
 *
 * @module
 */

/**
 * A cookie held by a {@link CookieJar}.
 */
export interface StoredCookie {
  /** The cookie's name. */
  name: string;
  /** The cookie's value, exactly as the server sent it. */
  value: string;
  /** The path the cookie is sent on (and below). */
  path: string;
  /** When the cookie expires (milliseconds since the epoch), or `undefined` for a session cookie. */
  expiresAt: number | undefined;
  /** Whether the cookie is sent over HTTPS only. */
  secure: boolean;
  /** Whether the server marked the cookie `HttpOnly` (informational outside browsers). */
  httpOnly: boolean;
  /** The `SameSite` attribute, if any (informational outside browsers). */
  sameSite: string | undefined;
  /** When the cookie was first stored, to order cookies of equal path length. */
  createdAt: number;
}

/**
 * Splits a `Set-Cookie` header that a `Headers` object has joined with `", "` into its cookies,
 * without splitting inside an `Expires` date (which contains a comma). A comma starts a new
 * cookie only when it is followed by `name=`.
 *
 * Only needed where `Headers.prototype.getSetCookie` is missing.
 *
 * @example
 * ```ts
 * splitSetCookieHeader("a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT, b=2")
 * // ["a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "b=2"]
 * ```
 */
export function splitSetCookieHeader(header: string): string[] {
  return header
    .split(/,(?=\s*[^\s=;,]+=)/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * Reads every `Set-Cookie` header of a response.
 *
 * @example
 * ```ts
 * const res = await fetch(url)
 * getSetCookies(res.headers) // ["connect.sid=…; Path=/; HttpOnly; SameSite=Lax"]
 * ```
 */
export function getSetCookies(headers: Headers): string[] {
  if (typeof headers.getSetCookie === "function") return headers.getSetCookie();
  const joined = headers.get("set-cookie");
  return joined === null ? [] : splitSetCookieHeader(joined);
}

/**
 * The cookie path a response sets when its `Set-Cookie` names none (RFC 6265 §5.1.4): the request
 * path up to, not including, its last `/`.
 */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith("/")) return "/";
  const last = requestPath.lastIndexOf("/");
  return last <= 0 ? "/" : requestPath.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}

/** RFC 6265 §5.1.3 domain-match (host names only; IP addresses must be equal). */
function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  if (/^[\d.]+$/.test(host) || host.includes(":")) return false;
  return host.endsWith(`.${domain}`);
}

/** Parses an `Expires` date; `undefined` when it is not a date. */
function parseExpires(value: string): number | undefined {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * The cookies of one client instance, for the host of its base URL.
 *
 * @example
 * ```ts
 * const jar = new CookieJar("http://127.0.0.1:9000")
 * jar.store(response.headers.getSetCookie(), new URL("http://127.0.0.1:9000/store/auth"))
 * jar.header(new URL("http://127.0.0.1:9000/store/customers/me")) // "connect.sid=…"
 * ```
 */
export class CookieJar {
  readonly #host: string;
  readonly #cookies = new Map<string, StoredCookie>();
  readonly #now: () => number;

  /**
   * Creates an empty jar for the host of `origin`.
   *
   * @param origin - The base URL whose host the jar serves, such as `"http://localhost:9000"`.
   * @param now - The clock, for tests.
   *
   * @example
   * ```ts
   * const jar = new CookieJar("https://auth.example.com")
   * ```
   */
  constructor(origin: string | URL, now: () => number = Date.now) {
    this.#host = new URL(origin).hostname.toLowerCase();
    this.#now = now;
  }

  /**
   * Stores the cookies of a response's `Set-Cookie` headers. A cookie whose `Max-Age` is zero or
   * negative, or whose `Expires` is in the past, removes the stored cookie of the same name and
   * path. Cookies for another host, and `Secure` cookies set over plain HTTP, are ignored.
   *
   * @param setCookies - The `Set-Cookie` header values, one per cookie.
   * @param url - The URL of the request the response answers.
   *
   * @example
   * ```ts
   * jar.store(["connect.sid=abc; Path=/; HttpOnly"], new URL("http://localhost:9000/store/auth"))
   * ```
   */
  store(setCookies: readonly string[], url: URL): void {
    if (url.hostname.toLowerCase() !== this.#host) return;
    for (const setCookie of setCookies) this.#storeOne(setCookie, url);
  }

  #storeOne(setCookie: string, url: URL): void {
    const [pair = "", ...attributes] = setCookie.split(";");
    const eq = pair.indexOf("=");
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === "") return;

    const now = this.#now();
    let expires: number | undefined;
    let maxAge: number | undefined;
    let path: string | undefined;
    let secure = false;
    let httpOnly = false;
    let sameSite: string | undefined;

    for (const attribute of attributes) {
      const sep = attribute.indexOf("=");
      const key = (sep < 0 ? attribute : attribute.slice(0, sep)).trim().toLowerCase();
      const attrValue = sep < 0 ? "" : attribute.slice(sep + 1).trim();
      switch (key) {
        case "expires":
          expires = parseExpires(attrValue) ?? expires;
          break;
        case "max-age":
          if (/^-?\d+$/.test(attrValue)) maxAge = Number(attrValue);
          break;
        case "path":
          path = attrValue.startsWith("/") ? attrValue : undefined;
          break;
        case "domain": {
          const domain = attrValue.replace(/^\./, "").toLowerCase();
          // A cookie for another domain is rejected; one for this host or a parent domain is
          // kept as host-only, which is all a jar serving one host needs.
          if (domain !== "" && !domainMatches(this.#host, domain)) return;
          break;
        }
        case "secure":
          secure = true;
          break;
        case "httponly":
          httpOnly = true;
          break;
        case "samesite":
          sameSite = attrValue;
          break;
      }
    }

    // Browsers refuse Secure cookies from insecure origins; they could never be sent back anyway.
    if (secure && url.protocol !== "https:") return;

    const cookiePath = path ?? defaultPath(url.pathname);
    const key = `${name}\u0000${cookiePath}`;
    const expiresAt = maxAge !== undefined ? now + maxAge * 1000 : expires;
    if (expiresAt !== undefined && expiresAt <= now) {
      this.#cookies.delete(key);
      return;
    }
    const existing = this.#cookies.get(key);
    this.#cookies.set(key, {
      name,
      value,
      path: cookiePath,
      expiresAt,
      secure,
      httpOnly,
      sameSite,
      createdAt: existing?.createdAt ?? now,
    });
  }

  /**
   * The value of the `Cookie` header for a request to `url`: the unexpired cookies whose path
   * matches (and, over plain HTTP, that are not `Secure`), longest path first.
   *
   * @returns The header value, or `undefined` when no cookie applies.
   *
   * @example
   * ```ts
   * const cookie = jar.header(new URL("http://localhost:9000/store/auth"))
   * if (cookie) headers.set("cookie", cookie)
   * ```
   */
  header(url: URL): string | undefined {
    const cookies = this.cookies(url);
    return cookies.length === 0 ? undefined : cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  }

  /**
   * The cookies a request to `url` would carry, longest path first; expired cookies are dropped.
   *
   * @example
   * ```ts
   * jar.cookies(new URL("http://localhost:9000/")).map((c) => c.name) // ["connect.sid"]
   * ```
   */
  cookies(url: URL): StoredCookie[] {
    if (url.hostname.toLowerCase() !== this.#host) return [];
    const now = this.#now();
    const https = url.protocol === "https:";
    const result: StoredCookie[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) {
        this.#cookies.delete(key);
        continue;
      }
      if (cookie.secure && !https) continue;
      if (!pathMatches(url.pathname, cookie.path)) continue;
      result.push({ ...cookie });
    }
    return result.sort((a, b) => b.path.length - a.path.length || a.createdAt - b.createdAt);
  }

  /**
   * Every unexpired cookie in the jar, whatever its path.
   *
   * @example
   * ```ts
   * jar.all().length // 1 after a login
   * ```
   */
  all(): StoredCookie[] {
    const now = this.#now();
    return [...this.#cookies.values()]
      .filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now)
      .map((cookie) => ({ ...cookie }));
  }

  /**
   * Removes every cookie.
   *
   * @example
   * ```ts
   * jar.clear()
   * ```
   */
  clear(): void {
    this.#cookies.clear();
  }
}
