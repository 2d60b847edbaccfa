/**
 * PostgreSQL: what other connections change, as it is committed. One dedicated connection
 * LISTENs on `gatehouse_changes`, where triggers announce every change to a customer, an address
 * or a session (migration 0003), and the fence is a round trip on that same connection: PostgreSQL
 * sends a listener every notification committed before a query before that query's answer, so
 * when the fence answers, every change committed before it was called has been passed on.
 *
 * Before it is trusted, the connection proves both halves on connecting: a notification it sends
 * itself arrives before the answer (it does not through a pooler in transaction mode, which
 * hands each query to any server connection), and the triggers are in place and enabled. While
 * the connection is down or unproven nothing can be known: the fence answers false (the read cache
 * then reads through), and everything is reported changed once it listens again.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import {
  FEED_RETRY_MS,
  FENCE_TIMEOUT_MS,
  FencesInFlight,
  type Change,
  type ChangeFeed,
  type Warn,
} from "./change-feed.js";

const CHANNEL = "gatehouse_changes";
/** The triggers of migration 0003, which must all exist and fire. */
const TRIGGERS = ["customer", "address", "session"].flatMap((table) => [
  `${table}_notify_change`,
  `${table}_notify_truncate`,
]);

function parseChange(payload: string | undefined): Change {
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

/** Why the connection cannot be trusted to report every change, or null when it can. */
async function check(client: pg.Client): Promise<string | null> {
  const channel = `gatehouse_check_${randomBytes(8).toString("hex")}`;
  let heard = false;
  const hear = (message: pg.Notification) => {
    if (message.channel === channel) heard = true;
  };
  client.on("notification", hear);
  try {
    await client.query(`LISTEN ${channel}`);
    await client.query("select pg_notify($1, 'check')", [channel]);
    await client.query(`UNLISTEN ${channel}`);
  } finally {
    client.off("notification", hear);
  }
  if (!heard) {
    return (
      "this connection does not receive its own notifications before the answer: is it a pooler " +
      "in transaction or statement mode? Set DATABASE_LISTEN_URL to a direct or session-mode connection"
    );
  }
  const { rows } = await client.query<{ firing: string }>(
    "select count(*) as firing from pg_trigger where tgname = any($1) and tgenabled <> 'D'",
    [TRIGGERS],
  );
  if (Number(rows[0]!.firing) !== TRIGGERS.length) {
    return `the change triggers (${TRIGGERS.join(", ")}) are missing or disabled: run npm run migrate`;
  }
  return null;
}

export function listenForChanges(
  Client: typeof pg.Client,
  config: pg.ClientConfig,
  warn: Warn,
): ChangeFeed {
  let listener: (change: Change) => void = () => {};
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let retryMs: number = FEED_RETRY_MS.first;
  let retry: NodeJS.Timeout | null = null;
  const fences = new FencesInFlight();

  const lost = (which: pg.Client, delayMs = retryMs) => {
    if (which !== client) return;
    client = null;
    listening = false;
    fences.failAll();
    which.end().catch(() => {});
    listener({ kind: "all" });
    if (closed) return;
    retry = setTimeout(connect, delayMs);
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
      .then(() => check(next))
      .then(
        (problem) => {
          if (next !== client) return;
          if (problem !== null) {
            warn(`not caching reads: ${problem}`);
            lost(next, FEED_RETRY_MS.afterFailedCheck);
            return;
          }
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
    fence() {
      const current = client;
      if (!listening || current === null) return Promise.resolve(false);
      // An empty query: the cheapest round trip there is (no row, no row description).
      const roundTrip = current.query({
        text: "",
        query_timeout: FENCE_TIMEOUT_MS,
      } as pg.QueryConfig);
      // A fence that does not answer in time (a connection silently cut, a stuck server) is
      // given up with its connection: every cached read waits for the fence.
      roundTrip.catch(() => lost(current));
      return fences.add(roundTrip, () => current === client && listening);
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
      fences.failAll();
      await current?.end().catch(() => {});
    },
  };
}
