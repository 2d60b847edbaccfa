/**
 * Raw Argon2id throughput with Gatehouse's default parameters (m=19456 KiB, t=2, p=1), through
 * the same library and thread pool as the server (@node-rs/argon2 on libuv's pool), with enough
 * hashes in flight to keep every pool thread busy. Prints one JSON line and exits.
 *
 *   node --import tsx packages/server/bench/argon2-baseline.ts [--duration 10] [--warmup 2] [--in-flight 8]
 */
import { parseArgs } from "node:util";
import { hash } from "@node-rs/argon2";
import { ARGON2_OPTIONS } from "./argon2-options.js";
import { hostCpu } from "./load.js";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    "in-flight": { type: "string", default: "8" },
  },
});
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const inFlight = Number(values["in-flight"]);

/** Keeps `inFlight` hashes running until `untilMs`; returns how many finished. */
async function hashUntil(untilMs: number): Promise<number> {
  let done = 0;
  let n = 0;
  const worker = async () => {
    while (performance.now() < untilMs) {
      await hash(`password-${n++}`, ARGON2_OPTIONS);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done;
}

await hashUntil(performance.now() + warmupMs);
// Count hashes that finish inside the window: start the clock, stop counting at its end.
const host = hostCpu();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const hashes = await hashUntil(started + durationMs);
const elapsedSec = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuPercent = ((cpu.user + cpu.system) / 1e6 / elapsedSec) * 100;
const hostCpuPercent = host.stop();

process.stdout.write(
  `${JSON.stringify({
    hashesPerSec: hashes / elapsedSec,
    hashes,
    durationSec: elapsedSec,
    inFlight,
    threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    memoryKib: ARGON2_OPTIONS.memoryCost,
    iterations: ARGON2_OPTIONS.timeCost,
    parallelism: ARGON2_OPTIONS.parallelism,
    cpuPercent,
    otherCpuPercent: hostCpuPercent === null ? null : Math.max(0, hostCpuPercent - cpuPercent),
    maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  })}\n`,
);
