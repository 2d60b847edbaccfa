/**
 * Redis: every change to a session key, by anyone, as it is made. One dedicated connection asks
 * Redis to track the session keys' prefixes (CLIENT TRACKING … BCAST, redirected to itself) and
 * subscribes to the invalidation channel; Redis sends it the name of every key written, deleted
 * or expired under them. the fence is a PING on that same connection: Redis queues an invalidation
 * on the connection while it runs the write, so when the PING's answer arrives, every change made
 * before the PING was sent has been passed on.
 *
 * While the connection is down or not tracking nothing can be known: the fence answers false (the
 * read cache then reads through), and everything is reported changed once it tracks again.
 */
import type { Redis } from "ioredis";
import {
  FEED_RETRY_MS,
  FencesInFlight,
  type Change,
  type ChangeFeed,
  type Warn,
} from "./change-feed.js";

const CHANNEL = "__redis__:invalidate";

export function trackSessionChanges(redis: Redis, prefix: string, warn: Warn): ChangeFeed {
  const sessionPrefix = `${prefix}session:`;
  const tokenPrefix = `${prefix}session-token:`;
  // Its own connection: a subscribed connection can run nothing else. Resubscribed by hand after
  // a reconnection, as tracking must be switched on before subscribing.
  const tracker = redis.duplicate({
    autoResubscribe: false,
    // A command cut off by a lost connection fails instead of being sent again on the next.
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: false,
    connectionName: `${prefix}changes`,
  });
  let listener: (change: Change) => void = () => {};
  let tracking = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  /** Counts connections: an answer from an earlier one than the current means nothing. */
  let connection = 0;
  const fences = new FencesInFlight();

  const toChange = (key: string): Change =>
    key.startsWith(sessionPrefix)
      ? { kind: "session", id: key.slice(sessionPrefix.length) }
      : key.startsWith(tokenPrefix)
        ? { kind: "session-token", tokenHash: key.slice(tokenPrefix.length) }
        : { kind: "all" };

  tracker.on("messageBuffer", (channel: Buffer, keys: Buffer[] | Buffer | null) => {
    if (channel.toString() !== CHANNEL) return;
    // null: the whole database was flushed.
    if (!Array.isArray(keys)) listener({ kind: "all" });
    else for (const key of keys) listener(toChange(key.toString()));
  });
  tracker.on("ready", () => {
    const current = ++connection;
    tracker
      .client("ID")
      .then((id) =>
        tracker.client(
          "TRACKING",
          "ON",
          "REDIRECT",
          id,
          "BCAST",
          "PREFIX",
          sessionPrefix,
          "PREFIX",
          tokenPrefix,
        ),
      )
      .then(() => tracker.subscribe(CHANNEL))
      .then(
        () => {
          if (current !== connection) return;
          // Whatever was changed while nobody tracked is unknown: everything may have.
          listener({ kind: "all" });
          tracking = true;
        },
        (error: unknown) => {
          // A failure of an earlier connection's setup says nothing about this one.
          if (current !== connection || closed) return;
          warn("not caching sessions: Redis refused to track the session keys", error);
          // Tried again later, not at the pace of reconnections.
          tracker.disconnect();
          retry = setTimeout(() => {
            retry = null;
            if (!closed) tracker.connect().catch(() => {});
          }, FEED_RETRY_MS.afterFailedCheck);
          retry.unref();
        },
      );
  });
  tracker.on("close", () => {
    connection++;
    fences.failAll();
    if (!tracking) return;
    tracking = false;
    listener({ kind: "all" });
  });
  tracker.on("error", () => {});
  tracker.connect().catch(() => {});

  return {
    fence() {
      if (!tracking) return Promise.resolve(false);
      const current = connection;
      return fences.add(tracker.ping(), () => tracking && current === connection);
    },
    listen(next) {
      listener = next;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      tracking = false;
      fences.failAll();
      tracker.disconnect();
    },
  };
}
