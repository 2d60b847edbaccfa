/** Password storage (SPEC §3.3): Argon2id, Medusa v1 hashes upgraded at login, policy on new passwords. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { hash } from "@node-rs/argon2";
import { STRONG_PASSWORD, client, register } from "../../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../../testing/server.js";

// Hashes written by Medusa 1.20.11 for "supersecret" (wire contract §5).
const MEDUSA_HASHES = [
  "c2NyeXB0AAEAAAABAAAAAWOCcw8cYiog+220X7dscXpIEfPmNORW00dgiqTIsZFAu2VLr8aCZePJigbxBAUt2QeRdMdL8pf4PX0A8kMBNF6yDhTdRaWChWO6cytqExVc",
  "c2NyeXB0AAEAAAABAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAnutBNT4JmiKRbo7+XAJEE1jFLT3E9/NcYk51aT4MDV1QhRYDDFsFfzxUYanq+XIg",
];

describe("password storage", () => {
  const app = useServer();
  const { api, db } = app;
  let seq = 0;

  async function plant(email: string, passwordHash: string): Promise<string> {
    const id = `cus_01IMPORTED0000000000000${String(seq++).padStart(3, "0")}`;
    await db.query(
      "insert into customer (id, created_at, updated_at, email, has_account, password_hash) values ($1, $2, $2, $3, $4, $5)",
      [id, Date.now(), email, true, passwordHash],
    );
    return id;
  }
  const storedHash = async (id: string) =>
    (
      await db.query<{ password_hash: string }>(
        "select password_hash from customer where id = $1",
        [id],
      )
    )[0]!.password_hash;

  it("stores new passwords as Argon2id with at least OWASP's parameters", async () => {
    const { customer } = await register(app.url, uniqueEmail());
    const stored = await storedHash(customer.id);
    assert.match(stored, /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/);
    const [, m, t, p] = /m=(\d+),t=(\d+),p=(\d+)/.exec(stored)!;
    assert.ok(Number(m) >= 19456 && Number(t) >= 2 && Number(p) >= 1);
  });

  for (const [index, medusaHash] of MEDUSA_HASHES.entries()) {
    it(`logs in a customer imported from Medusa v1 and re-hashes to Argon2id (vector ${index + 1})`, async () => {
      const email = uniqueEmail("imported");
      const id = await plant(email, medusaHash);
      assert.equal(
        (await api.post("/store/auth", { email, password: "wrong-password" })).status,
        401,
      );
      assert.equal(await storedHash(id), medusaHash, "a failed login changes nothing");

      const res = await api.post("/store/auth", { email, password: "supersecret" });
      assert.equal(res.status, 200);
      assert.equal(res.body.customer.id, id);
      assert.match(await storedHash(id), /^\$argon2id\$/);

      // The new hash works, for both kinds of login.
      assert.equal((await api.post("/store/auth", { email, password: "supersecret" })).status, 200);
      assert.equal(
        (await api.post("/store/auth/token", { email, password: "supersecret" })).status,
        200,
      );
      assert.equal((await api.post("/store/auth", { email, password: "supersecreT" })).status, 401);
    });
  }

  it("upgrades an Argon2 hash weaker than the configured parameters", async () => {
    const email = uniqueEmail("weak");
    const weak = await hash(STRONG_PASSWORD, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const id = await plant(email, weak);
    assert.equal((await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status, 200);
    const stored = await storedHash(id);
    assert.notEqual(stored, weak);
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("normalizes Unicode (NFC) so that both spellings of a password match", async () => {
    const email = uniqueEmail("unicode");
    const composed = "café crème brûlée"; // NFC
    const decomposed = composed.normalize("NFD");
    assert.notEqual(composed, decomposed);
    await register(app.url, email, decomposed);
    assert.equal((await api.post("/store/auth", { email, password: composed })).status, 200);
  });

  it("never truncates: a 128-character password differs from its 127-character prefix", async () => {
    const email = uniqueEmail("long");
    const long = randomBytes(64).toString("hex"); // a repeated unit would be refused as a pattern
    await register(app.url, email, long);
    assert.equal(
      (await api.post("/store/auth", { email, password: long.slice(0, 127) })).status,
      401,
    );
    assert.equal((await api.post("/store/auth", { email, password: long })).status, 200);
  });

  it("treats a row with no hash (a guest) like an unknown email", async () => {
    const email = uniqueEmail("nohash");
    await db.query(
      "insert into customer (id, created_at, updated_at, email, has_account) values ($1, $2, $2, $3, $4)",
      ["cus_01NOHASH000000000000000000", Date.now(), email, true],
    );
    const res = await api.post("/store/auth", { email, password: "anything-at-all" });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { type: "unauthorized", message: "Wrong email or password" });
  });
});

/** The nice value of each thread of a process (Linux), from /proc/<pid>/task/<tid>/stat. */
function threadNiceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("password hashing pool", () => {
  it(
    "hashes on PASSWORD_HASH_THREADS threads of libuv's pool, lowered to nice 10 (Linux)",
    { skip: process.platform !== "linux" && "reads /proc" },
    async () => {
      for (const threads of [1, 3]) {
        const server = await startServer({ env: { PASSWORD_HASH_THREADS: String(threads) } });
        try {
          // Hashing once makes sure the pool has started every thread.
          await register(server.url, uniqueEmail("pool"));
          const nice = threadNiceValues(server.process.pid!);
          assert.equal(nice.filter((value) => value === 10).length, threads, nice.join(","));
          assert.ok(!server.logs.some((line) => /thread pool/.test(String(line.msg))));
        } finally {
          await server.stop();
        }
      }
    },
  );

  it("answers a full hashing queue with a JSON 503 and Retry-After, and recovers at once", async () => {
    const server = await startServer({
      // Without rate limits: with them, one client may not fill the queue (login-limits.test.ts).
      env: { PASSWORD_HASH_THREADS: "1", PASSWORD_HASH_QUEUE: "1", RATE_LIMIT: "false" },
    });
    try {
      const email = uniqueEmail("queue");
      await register(server.url, email);
      const api = client(server.url);
      const burst = await Promise.all(
        Array.from({ length: 12 }, () =>
          api.post("/store/auth", { email, password: STRONG_PASSWORD }),
        ),
      );
      const statuses = burst.map((res) => res.status);
      assert.ok(
        statuses.every((status) => status === 200 || status === 503),
        `only 200 or 503: ${statuses.join(",")}`,
      );
      assert.ok(statuses.includes(200), "the queued logins go through");
      const refused = burst.find((res) => res.status === 503);
      assert.ok(refused, "the logins beyond the queue are refused");
      assert.equal(refused.headers.get("retry-after"), "2");
      assert.deepEqual(refused.body, {
        type: "unknown_error",
        code: "service_unavailable",
        message: "Too many password checks are waiting; retry in a few seconds",
      });
      assert.equal(
        (await api.post("/store/auth", { email, password: STRONG_PASSWORD })).status,
        200,
      );
    } finally {
      await server.stop();
    }
  });
});
