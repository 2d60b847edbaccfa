/**
 * The fuzzer's settings: FUZZ_SEED replays (or varies) a run, FUZZ_RUNS scales the number of cases.
 */
export const SEED = process.env.FUZZ_SEED ? Number.parseInt(process.env.FUZZ_SEED, 10) : 20_251_124;
export const SCALE = Number(process.env.FUZZ_RUNS ?? "1") || 1;
export const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
export const REQUEST_TIMEOUT_MS = 10_000;
export const BODY_LIMIT = 16_384;
/** Failures get shrunk, but a property never runs longer than this (the test runner gives a file 300 s). */
export const PROPERTY_TIME_LIMIT_MS = 100_000 * SCALE;
export const TEST_TIMEOUT_MS = PROPERTY_TIME_LIMIT_MS + 60_000;
