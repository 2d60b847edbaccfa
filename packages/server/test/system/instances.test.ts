/** Several instances, one store; and races that must resolve cleanly (SPEC §1). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { Redis } from "ioredis";
import { backendName } from "../../../../testing/backend.js";
import { openTestDb, queryTestDb } from "../../../../testing/db.js";
import { ADDRESS } from "../../../../testing/expect.js";
import {
  STRONG_PASSWORD,
  client,
  getToken,
  login,
  register,
  sessionCookie,
} from "../../../../testing/http.js";
import { deleteStoredSession, storedSessions } from "../../../../testing/sessions.js";
import {
  readCacheOn,
  startServer,
  uniqueEmail,
  type TestServer,
} from "../../../../testing/server.js";

describe("two instances sharing one store", () => {
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    a = await startServer();
    b = await startServer({ shareWith: a });
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });

  it("a session and a token made on A work on B; a logout on B is refused on A at once", async () => {
    const email = uniqueEmail();
    await register(a.url, email);
    const { cookie } = await login(a.url, email);
    const token = await getToken(a.url, email);
    assert.equal((await client(b.url).get("/store/auth", { cookie })).status, 200);
    assert.equal(
      (await client(b.url).get("/store/auth", { token })).status,
      200,
      "A's JWT verifies on B",
    );

    assert.equal((await client(b.url).delete("/store/auth", { cookie })).status, 200);
    assert.equal((await client(b.url).delete("/store/auth", { token })).status, 200);
    assert.equal((await client(a.url).get("/store/auth", { cookie })).status, 401);
    assert.equal((await client(a.url).get("/store/auth", { token })).status, 401);
  });

  it("a session created on B shows in A's session list; both publish the same keys", async () => {
    const email = uniqueEmail();
    await register(a.url, email);
    const onA = await login(a.url, email);
    const onB = await login(b.url, email);
    const list = await client(a.url).get("/store/auth/sessions", { cookie: onA.cookie });
    assert.equal(list.status, 200);
    const ids = list.body.sessions.map((session: { id: string }) => session.id);
    assert.equal(ids.length, 3, "registration, login on A, login on B");
    assert.equal(
      list.body.sessions.filter((session: { current: boolean }) => session.current).length,
      1,
    );
    assert.equal((await client(a.url).get("/store/auth", { cookie: onB.cookie })).status, 200);
    const keysA = (await client(a.url).get("/.well-known/jwks.json")).body.keys.map(
      (k: { kid: string }) => k.kid,
    );
    const keysB = (await client(b.url).get("/.well-known/jwks.json")).body.keys.map(
      (k: { kid: string }) => k.kid,
    );
    assert.deepEqual(keysA, keysB);
  });

  it("what A has just served, changed on B, is shown changed by A on the very next request", async () => {
    const email = uniqueEmail("fresh");
    const { cookie } = await register(a.url, email, STRONG_PASSWORD, { first_name: "Ada" });
    const token = await getToken(a.url, email);
    const onA = client(a.url);
    const onB = client(b.url);
    type Credentials = { cookie: string } | { token: string };
    const seenByA = async (credentials: Credentials, path = "/store/auth") => {
      const res = await onA.get(path, credentials);
      assert.equal(res.status, 200, res.text);
      return res.body.customer;
    };
    const me = (credentials: Credentials) => seenByA(credentials, "/store/customers/me");
    // Served twice by A, so anything A keeps of it is warm.
    for (let i = 0; i < 2; i++) {
      for (const credentials of [{ cookie }, { token }]) {
        assert.equal((await seenByA(credentials)).first_name, "Ada");
        assert.equal((await me(credentials)).billing_address, null);
      }
    }

    assert.equal(
      (await onB.post("/store/customers/me", { first_name: "Grace" }, { cookie })).status,
      200,
    );
    assert.equal((await seenByA({ cookie })).first_name, "Grace");
    assert.equal((await seenByA({ token })).first_name, "Grace");

    const added = await onB.post("/store/customers/me/addresses", { address: ADDRESS }, { token });
    assert.equal(added.status, 200, added.text);
    const cities = (customer: { shipping_addresses: Array<{ city: string }> }) =>
      customer.shipping_addresses.map((address) => address.city);
    assert.deepEqual(cities(await seenByA({ cookie })), [ADDRESS.city]);
    assert.deepEqual(cities(await me({ token })), [ADDRESS.city]);

    for (const city of ["Aarhus", "Odense"]) {
      const billing = await onB.post(
        "/store/customers/me",
        { billing_address: { ...ADDRESS, city } },
        { cookie },
      );
      assert.equal(billing.status, 200, billing.text);
      assert.equal((await me({ token })).billing_address.city, city);
      assert.equal((await me({ cookie })).billing_address.city, city);
    }

    assert.equal((await onB.delete("/store/auth", { cookie })).status, 200);
    assert.equal((await onA.get("/store/auth", { cookie })).status, 401);
    assert.equal((await onB.delete("/store/auth", { token })).status, 200);
    assert.equal((await onA.get("/store/auth", { token })).status, 401);
  });

  it("a session deleted or a customer changed straight in storage is seen on the very next request", async () => {
    const email = uniqueEmail("direct");
    const { cookie, customer } = await register(a.url, email, STRONG_PASSWORD, {
      first_name: "Ada",
    });
    const token = await getToken(a.url, email);
    const onA = client(a.url);
    for (let i = 0; i < 2; i++) {
      assert.equal((await onA.get("/store/auth", { cookie })).status, 200);
      assert.equal((await onA.get("/store/auth", { token })).status, 200);
    }

    const db = await openTestDb(a);
    try {
      await db.query("update customer set first_name = $1 where id = $2", ["Grace", customer.id]);
    } finally {
      await db.close();
    }
    assert.equal((await onA.get("/store/auth", { cookie })).body.customer.first_name, "Grace");
    assert.equal((await onA.get("/store/auth", { token })).body.customer.first_name, "Grace");

    const sessions = await storedSessions(a, customer.id);
    assert.equal(sessions.length, 2, "registration, token");
    for (const session of sessions) await deleteStoredSession(a, session.id);
    assert.equal((await onA.get("/store/auth", { cookie })).status, 401);
    assert.equal((await onA.get("/store/auth", { token })).status, 401);
  });

  it("the email check on A answers for a registration on B, and for a deletion in storage, at once", async () => {
    const email = uniqueEmail("check");
    const exists = async () => {
      const res = await client(a.url).get(`/store/auth/${email}`);
      assert.equal(res.status, 200, res.text);
      return res.body.exists as boolean;
    };
    assert.equal(await exists(), false);
    assert.equal(await exists(), false);
    const { customer } = await register(b.url, email);
    assert.equal(await exists(), true);
    assert.equal(await exists(), true);

    const db = await openTestDb(a);
    try {
      await db.query("update customer set deleted_at = $1 where id = $2", [
        Date.now(),
        customer.id,
      ]);
    } finally {
      await db.close();
    }
    assert.equal(await exists(), false);
  });
});

describe("races", () => {
  // 50 concurrent logins of one account from one address are what the login limits refuse
  // (login-limits.test.ts): these races are about sessions.
  const app = useServer({ env: { RATE_LIMIT: "false" } });

  it("50 concurrent registrations of one email: exactly one 200, the rest 422, one row", async () => {
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.api.post("/store/customers", {
          email: i % 2 ? email : email.toUpperCase(),
          password: STRONG_PASSWORD,
        }),
      ),
    );
    const statuses = responses.map((res) => res.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, statuses.join(","));
    assert.equal(statuses.filter((status) => status === 422).length, 49, statuses.join(","));
    for (const res of responses.filter((r) => r.status === 422))
      assert.equal(res.body.type, "duplicate_error");
    const rows = await app.db.query("select id from customer where email = $1", [email]);
    assert.equal(rows.length, 1);
  });

  it("50 concurrent logins of one customer: 50 distinct live sessions", async () => {
    const email = uniqueEmail("logins");
    const { customer } = await register(app.url, email);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        app.api.post("/store/auth", { email, password: STRONG_PASSWORD }),
      ),
    );
    assert.deepEqual([...new Set(responses.map((res) => res.status))], [200]);
    const cookies = new Set(responses.map((res) => sessionCookie(res)));
    assert.equal(cookies.size, 50);
    const checks = await Promise.all(
      [...cookies].map((cookie) => app.api.get("/store/auth", { cookie })),
    );
    assert.deepEqual([...new Set(checks.map((res) => res.status))], [200]);
    assert.equal(
      (await storedSessions(app.server, customer.id)).length,
      51,
      "50 logins + the registration",
    );
  });
});

describe(
  "a process that cannot hear of changes for a while",
  {
    skip:
      (backendName() === "sqlite" && "SQLite has no change feed") ||
      (!readCacheOn && "READ_CACHE=off: no change feeds"),
  },
  () => {
    let a: TestServer;

    before(async () => {
      a = await startServer();
    });
    after(() => a.stop());

    /** The connections that listen for changes: PostgreSQL's, and Redis's when sessions are there. */
    /** The Redis connections that track session keys for this server (its CLIENT LIST lines). */
    async function trackers(): Promise<string[]> {
      if (!a.env.REDIS_URL) return [];
      const redis = new Redis(a.env.REDIS_URL);
      try {
        const list = (await redis.client("LIST")) as string;
        return list
          .split("\n")
          .filter((line) => line.includes(`name=${a.env.REDIS_PREFIX}changes `));
      } finally {
        redis.disconnect();
      }
    }

    const LISTENERS = `from pg_stat_activity
      where application_name = 'gatehouse-changes' and datname = current_database()`;

    /** The connections that listen for changes: PostgreSQL's, and Redis's when sessions are there. */
    async function feedConnections(): Promise<{ postgres: number; redis: number }> {
      const [row] = await queryTestDb<{ listening: string }>(
        a,
        `select count(*) as listening ${LISTENERS} and state = 'idle'`,
      );
      const subscribed = (await trackers()).filter((line) => / sub=1 /.test(line));
      return { postgres: Number(row!.listening), redis: subscribed.length };
    }

    async function cutFeeds(): Promise<void> {
      await queryTestDb(a, `select pg_terminate_backend(pid) ${LISTENERS}`);
      if (!a.env.REDIS_URL) return;
      const redis = new Redis(a.env.REDIS_URL);
      try {
        for (const line of await trackers()) {
          await redis.client("KILL", "ID", /^id=(\d+) /.exec(line)![1]!);
        }
      } finally {
        redis.disconnect();
      }
    }

    const setFirstName = (customerId: string, name: string) =>
      queryTestDb(a, "update customer set first_name = $1 where id = $2", [name, customerId]);

    async function waitFor(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!(await condition())) {
        assert.ok(Date.now() < deadline, "waited too long");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it("sees a change made while its listening connections were cut, and listens again", async () => {
      const expected = { postgres: 1, redis: a.env.REDIS_URL ? 1 : 0 };
      assert.deepEqual(await feedConnections(), expected);
      const email = uniqueEmail("deaf");
      const { cookie, customer } = await register(a.url, email);
      const token = await getToken(a.url, email);
      const onA = client(a.url);
      const firstName = async (credentials: { cookie: string } | { token: string }) => {
        const res = await onA.get("/store/auth", credentials);
        assert.equal(res.status, 200, res.text);
        return res.body.customer.first_name as string | null;
      };
      for (let i = 0; i < 2; i++) {
        await firstName({ cookie });
        await firstName({ token });
      }
      const stored = await storedSessions(a, customer.id);
      const cookieSession = stored.find((session) => session.kind === "cookie");
      const tokenSession = stored.find((session) => session.kind === "bearer");

      await cutFeeds();
      await setFirstName(customer.id, "Grace");
      await deleteStoredSession(a, cookieSession!.id);
      assert.equal((await onA.get("/store/auth", { cookie })).status, 401);
      assert.equal(await firstName({ token }), "Grace");

      // Listening again within a few seconds, and what is changed then is seen at once too.
      const deadline = Date.now() + 10_000;
      while (JSON.stringify(await feedConnections()) !== JSON.stringify(expected)) {
        assert.ok(Date.now() < deadline, "the change feeds did not reconnect");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (let i = 0; i < 2; i++) assert.equal(await firstName({ token }), "Grace");
      await setFirstName(customer.id, "Hopper");
      assert.equal(await firstName({ token }), "Hopper");
      await deleteStoredSession(a, tokenSession!.id);
      assert.equal((await onA.get("/store/auth", { token })).status, 401);
    });

    it(
      "answers within seconds when the listening connection hangs, and replaces it",
      { skip: process.getuid?.() !== 0 && "needs root to stop a PostgreSQL backend" },
      async () => {
        const email = uniqueEmail("hang");
        await register(a.url, email);
        const token = await getToken(a.url, email);
        const db = await openTestDb(a);
        const [listener] = await db.query<{ pid: number }>(
          `select pid from pg_stat_activity
          where application_name = 'gatehouse-changes' and datname = current_database()`,
        );
        assert.ok(listener, "a listening connection");
        process.kill(listener.pid, "SIGSTOP");
        try {
          const started = Date.now();
          const res = await client(a.url).get("/store/auth", { token });
          assert.equal(res.status, 200, res.text);
          assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
          await waitFor(async () => {
            const rows = await db.query<{ pid: number }>(
              `select pid from pg_stat_activity
              where application_name = 'gatehouse-changes' and datname = current_database()
                and pid <> $1 and state = 'idle'`,
              [listener.pid],
            );
            return rows.length === 1;
          });
        } finally {
          process.kill(listener.pid, "SIGCONT");
          await db.query("select pg_terminate_backend($1)", [listener.pid]);
          await db.close();
        }
        assert.equal((await client(a.url).get("/store/auth", { token })).status, 200);
      },
    );

    // Last: the connection then waits a minute before checking again.
    it("does not cache while the database's change triggers are off, and says why", async () => {
      const email = uniqueEmail("triggers");
      const { customer } = await register(a.url, email);
      const token = await getToken(a.url, email);
      const onA = client(a.url);
      const firstName = async () => {
        const res = await onA.get("/store/auth", { token });
        assert.equal(res.status, 200, res.text);
        return res.body.customer.first_name as string | null;
      };
      const db = await openTestDb(a);
      try {
        await db.query("alter table customer disable trigger customer_notify_change");
        await cutFeeds(); // it reconnects, and checks the triggers as it does
        await waitFor(async () =>
          a.logs.some((line) =>
            /change triggers .* are missing or disabled/.test(String(line.msg)),
          ),
        );
        for (const name of ["Grace", "Hopper"]) {
          await firstName();
          await setFirstName(customer.id, name);
          assert.equal(await firstName(), name, "no notification came, and none was needed");
        }
      } finally {
        await db.query("alter table customer enable trigger customer_notify_change");
        await db.close();
      }
    });
  },
);
