/**
 * Login timing: is a wrong password, an unknown email or a throttled account distinguishable by
 * latency? Sends a few hundred interleaved triples, one request at a time, and prints the
 * medians and their ratios (they should sit within 10% of each other). With `--v2`, the same
 * against Medusa v2 mode (MEDUSA_VERSION=2, `POST /auth/customer/emailpass`), with a fourth case:
 * an identity registered without its customer (its hash is looked up elsewhere).
 *
 *   npm run bench:timing [-- --pairs 300] [-- --v2] [-- --json file]
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { STRONG_PASSWORD, client } from "../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../testing/server.js";

const { values } = parseArgs({
  options: {
    pairs: { type: "string", default: "300" },
    v2: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const pairs = Number(values.pairs);
const v2 = values.v2;
const loginPath = v2 ? "/auth/customer/emailpass" : "/store/auth";
/** v2 mode's store routes need a publishable key; standalone takes any without PUBLISHABLE_API_KEYS. */
const store = { "x-publishable-api-key": "pk_timing" };

const server = await startServer({
  env: {
    ...(v2 && { MEDUSA_VERSION: "2" }),
    RATE_LIMIT_LOGIN_IP: "1000000/1m",
    // One failure more than this for an account from this address and it is throttled for an hour.
    RATE_LIMIT_LOGIN_IP_ACCOUNT: "3/1h",
  },
});
const api = client(server.url);

try {
  /** A customer with `email` (v2: its identity too), or in v2 with `customer: false` an identity only. */
  const createAccount = async (email: string, customer = true) => {
    const res = v2
      ? await api.post("/auth/customer/emailpass/register", { email, password: STRONG_PASSWORD })
      : await api.post("/store/customers", { email, password: STRONG_PASSWORD });
    const created =
      v2 && customer
        ? await api.post("/store/customers", { email }, { token: res.body.token, headers: store })
        : res;
    if (created.status !== 200) throw new Error(`${email}: ${created.status} ${created.text}`);
  };
  /** `pairs` new accounts, eight at a time. */
  const accountsOf = async (prefix: string, customer = true) => {
    const made: string[] = [];
    for (let i = 0; i < pairs; i += 8) {
      const batch = Array.from({ length: Math.min(8, pairs - i) }, () => uniqueEmail(prefix));
      await Promise.all(batch.map((email) => createAccount(email, customer)));
      made.push(...batch);
    }
    return made;
  };
  const login = (email: string, password: string) => api.post(loginPath, { email, password });

  // Each wrong-password request goes to a different real account, so none of them is throttled.
  const accounts = await accountsOf("timing");
  const identities = v2 ? await accountsOf("timing-identity", false) : [];
  const throttled = uniqueEmail("throttled");
  await createAccount(throttled);
  for (let i = 0; i < 3; i++) await login(throttled, "not-the-password");

  const cases: Record<string, (i: number) => { email: string; expect: number }> = {
    "wrong password": (i: number) => ({ email: accounts[i]!, expect: 401 }),
    "unknown email": () => ({ email: uniqueEmail("nobody"), expect: 401 }),
    "throttled account": () => ({ email: throttled, expect: 429 }),
    ...(v2 && { "identity, no customer": (i: number) => ({ email: identities[i]!, expect: 401 }) }),
  };
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(cases).map((name) => [name, []]),
  );
  const names = Object.keys(cases);

  // Warm-up, then interleave the cases in a rotating order to cancel drift.
  for (let i = 0; i < 10; i++) await login(uniqueEmail(), "warm-up-pass");
  for (let i = 0; i < pairs; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const { email, expect } = cases[name]!(i);
      const started = process.hrtime.bigint();
      const res = await login(email, "not-the-password");
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.status !== expect)
        throw new Error(`${name}: expected ${expect}, got ${res.status} ${res.text}`);
      samples[name]!.push(ms);
    }
  }

  const median = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const mean = (list: number[]) => list.reduce((sum, value) => sum + value, 0) / list.length;
  const base = median(samples["wrong password"]!);
  const rows = names.map((name) => {
    const list = samples[name]!;
    return {
      case: name,
      n: list.length,
      median_ms: median(list),
      mean_ms: mean(list),
      ratio: median(list) / base,
    };
  });
  const mode = v2 ? "Medusa v2 mode" : "Medusa v1 mode";
  console.log(
    `\nLogin timing, ${pairs} interleaved ${v2 ? "quadruples" : "triples"}, one request at a time (SQLite, ${mode})\n`,
  );
  console.log("case                  n     median ms   mean ms   ratio to wrong password");
  for (const row of rows) {
    const verdict = Math.abs(row.ratio - 1) <= 0.1 ? "within 10%" : "OUTSIDE 10%";
    console.log(
      `${row.case.padEnd(21)} ${String(row.n).padEnd(5)} ${row.median_ms.toFixed(2).padStart(9)} ${row.mean_ms
        .toFixed(2)
        .padStart(9)}   ${row.ratio.toFixed(3)} ${verdict}`,
    );
  }
  if (values.json)
    await writeFile(
      values.json,
      `${JSON.stringify({ date: new Date().toISOString(), mode, pairs, rows }, null, 2)}\n`,
    );
} finally {
  await server.stop();
}
