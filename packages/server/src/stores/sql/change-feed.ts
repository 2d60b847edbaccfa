/**
 * PostgreSQL: what other connections change, as it is committed. One dedicated connection
 * LISTENs on `gatehouse_changes`, where triggers announce every change to a customer, an address
 * or a session (migration 0003), and `sync` is a round trip on that same connection: PostgreSQL
 * sends a listener every notification committed before a query before that query's answer, so
 * when `sync` resolves, every change committed before it was called has been passed on.
 *
 * While the connection is down nothing can be known: `sync` answers false (the read cache then
 * reads through), and everything is reported changed once it listens again.
 */
import type pg from "pg";
import { FEED_RETRY_MS, type Change, type ChangeFeed } from "../changes.js";

export const CHANNEL = "gatehouse_changes";

export function parseChange(payload: string | undefined): Change {
  const colon = payload?.indexOf(":") ?? -1;
  if (payload === undefined || colon < 0) return { kind: "all" };
  const id = payload.slice(colon + 1);
  switch (payload.slice(0, colon)) {
    case "customer":
      return { kind: "customer", id };
    case "address":
      return { kind: "addresses", customerId: id === "" ? null : id };
    case "session":
      return { kind: "session", id };
    default:
      return { kind: "all" };
  }
}

export function listenForChanges(Client: typeof pg.Client, config: pg.ClientConfig): ChangeFeed {
  let listener: (change: Change) => void = () => {};
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let retryMs: number = FEED_RETRY_MS.first;
  let retry: NodeJS.Timeout | null = null;

  const lost = (which: pg.Client) => {
    if (which !== client) return;
    client = null;
    listening = false;
    which.end().catch(() => {});
    listener({ kind: "all" });
    if (closed) return;
    retry = setTimeout(connect, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, FEED_RETRY_MS.max);
  };

  const connect = () => {
    retry = null;
    const next = new Client(config);
    client = next;
    next.on("error", () => lost(next));
    next.on("end", () => lost(next));
    next.on("notification", (message) => {
      if (message.channel === CHANNEL) listener(parseChange(message.payload));
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${CHANNEL}`))
      .then(
        () => {
          if (next !== client) return;
          // Whatever was changed while nobody listened is unknown: everything may have.
          listener({ kind: "all" });
          listening = true;
          retryMs = FEED_RETRY_MS.first;
        },
        () => lost(next),
      );
  };
  connect();

  return {
    sync() {
      const current = client;
      if (!listening || current === null) return Promise.resolve(false);
      // An empty query: the cheapest round trip there is (no row, no row description).
      return current.query("").then(
        () => current === client && listening,
        () => false,
      );
    },
    listen(next) {
      listener = next;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      listening = false;
      await current?.end().catch(() => {});
    },
  };
}
