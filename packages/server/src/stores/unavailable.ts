/**
 * Errors that mean "a storage backend is down or unreachable" (a 503 the client may retry), as
 * opposed to a bug (a 500). Each backend recognises its own by error class and code where they
 * arise (postgres.ts, `guardRedis` below, SQLite's SQLITE_BUSY); nothing here reads message text.
 */
export class StorageUnavailableError extends Error {
  constructor(
    readonly backend: "PostgreSQL" | "Redis" | "SQLite",
    cause: unknown,
  ) {
    super(`${backend} is unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "StorageUnavailableError";
  }
}

/** Errors of our own code, never an outage. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

export function isProgrammingError(error: unknown): boolean {
  return PROGRAMMING_ERRORS.some((type) => error instanceof type);
}

export function isUnavailableError(error: unknown): boolean {
  return (
    error instanceof StorageUnavailableError ||
    // better-sqlite3's SqliteError: the file stayed locked for longer than busy_timeout.
    (error as { code?: unknown } | null)?.code === "SQLITE_BUSY"
  );
}

/**
 * Redis replies whose code (the reply's first word, by the protocol's convention) says the server
 * cannot serve now; any other reply is an answer.
 */
const REDIS_UNAVAILABLE_REPLIES = new Set([
  "LOADING",
  "BUSY",
  "MASTERDOWN",
  "TRYAGAIN",
  "CLUSTERDOWN",
]);

/**
 * A Redis-backed store whose outages reject with StorageUnavailableError: ioredis rejects a
 * command with a `ReplyError` when Redis answered it, and with another error when it could not
 * be sent or answered (offline, closed, timed out, retries exhausted).
 */
export function guardRedis<T extends object>(store: T, ReplyError: new () => Error): T {
  const classify = (error: unknown): never => {
    if (isProgrammingError(error)) throw error;
    if (error instanceof ReplyError) {
      const code = error.message.split(" ", 1)[0]!;
      if (!REDIS_UNAVAILABLE_REPLIES.has(code)) throw error;
    }
    throw new StorageUnavailableError("Redis", error);
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      if (!wrapped.has(name)) {
        wrapped.set(name, (...args: unknown[]) => {
          try {
            const result: unknown = value.apply(target, args);
            return result instanceof Promise ? result.catch(classify) : result;
          } catch (error) {
            return classify(error);
          }
        });
      }
      return wrapped.get(name);
    },
  });
}
