/**
 * Login timing: is a wrong password, an unknown email or a throttled account distinguishable by
 * latency? Sends a few hundred interleaved triples, one request at a time, and prints the
 * medians and their ratios (they should sit within 10% of each other).
 *
 *   npm run bench:timing [-- --pairs 300] [-- --json file]
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { STRONG_PASSWORD, client } from "../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../testing/server.js";

const { values } = parseArgs({
  options: { pairs: { type: "string", default: "300" }, json: { type: "string" } },
});
const pairs = Number(values.pairs);

const server = await startServer({
  env: {
    RATE_LIMIT_LOGIN_IP: "1000000/1m",
    // One failure more than this for an account from this address and it is throttled for an hour.
    RATE_LIMIT_LOGIN_IP_ACCOUNT: "3/1h",
  },
});
const api = client(server.url);

try {
  // Each wrong-password request goes to a different real account, so none of them is throttled.
  const accounts: string[] = [];
  for (let i = 0; i < pairs; i += 8) {
    const batch = Array.from({ length: Math.min(8, pairs - i) }, () => uniqueEmail("timing"));
    await Promise.all(
      batch.map((email) => api.post("/store/customers", { email, password: STRONG_PASSWORD })),
    );
    accounts.push(...batch);
  }
  const throttled = uniqueEmail("throttled");
  await api.post("/store/customers", { email: throttled, password: STRONG_PASSWORD });
  for (let i = 0; i < 3; i++)
    await api.post("/store/auth", { email: throttled, password: "not-the-password" });

  const cases = {
    "wrong password": (i: number) => ({ email: accounts[i]!, expect: 401 }),
    "unknown email": () => ({ email: uniqueEmail("nobody"), expect: 401 }),
    "throttled account": () => ({ email: throttled, expect: 429 }),
  };
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(cases).map((name) => [name, []]),
  );
  const names = Object.keys(cases) as Array<keyof typeof cases>;

  // Warm-up, then interleave the three cases in a rotating order to cancel drift.
  for (let i = 0; i < 10; i++)
    await api.post("/store/auth", { email: uniqueEmail(), password: "warm-up-pass" });
  for (let i = 0; i < pairs; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const { email, expect } = cases[name](i);
      const started = process.hrtime.bigint();
      const res = await api.post("/store/auth", { email, password: "not-the-password" });
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
  console.log(`\nLogin timing, ${pairs} interleaved triples, one request at a time (SQLite)\n`);
  console.log("case                 n     median ms   mean ms   ratio to wrong password");
  for (const row of rows) {
    const verdict = Math.abs(row.ratio - 1) <= 0.1 ? "within 10%" : "OUTSIDE 10%";
    console.log(
      `${row.case.padEnd(20)} ${String(row.n).padEnd(5)} ${row.median_ms.toFixed(2).padStart(9)} ${row.mean_ms
        .toFixed(2)
        .padStart(9)}   ${row.ratio.toFixed(3)} ${verdict}`,
    );
  }
  if (values.json)
    await writeFile(
      values.json,
      `${JSON.stringify({ date: new Date().toISOString(), pairs, rows }, null, 2)}\n`,
    );
} finally {
  await server.stop();
}
