/**
 * Throttling counters in Redis: one hash per key ({count, start, blocked}) that expires by
 * itself when both its window and its block have ended. Each change is one Lua script.
 */
import type { Redis } from "ioredis";
import { HitsPerTurn } from "../../runtime/hits-per-turn.js";
import type { ThrottleRule, ThrottleState, ThrottleStore } from "../types.js";

// KEYS: counter. ARGV: window ms, now, hits. Returns {count, start, blocked}.
const HIT = `
local values = redis.call('HMGET', KEYS[1], 'count', 'start', 'blocked')
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[1])
local count = tonumber(values[1]) or 0
local start = tonumber(values[2]) or now
local blocked = tonumber(values[3]) or 0
if start + window <= now then count = 0; start = now end
count = count + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'count', count, 'start', start, 'blocked', blocked)
redis.call('PEXPIRE', KEYS[1], math.max(start + window, blocked) - now + 1000)
return {count, start, blocked}`;

// KEYS: counters. ARGV: now, then per key window ms, limit, back-off free hits (0: none), base
// ms, cap ms. Returns 0 once reserved, else the ms to wait (then nothing changes).
const RESERVE = `
local now = tonumber(ARGV[1])
local wait = 0
local states = {}
for i, key in ipairs(KEYS) do
  local a = 1 + (i - 1) * 5
  local window, limit = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local values = redis.call('HMGET', key, 'count', 'start', 'blocked')
  local count = tonumber(values[1]) or 0
  local start = tonumber(values[2]) or now
  local blocked = tonumber(values[3]) or 0
  if start + window <= now then count = 0; start = now end
  if blocked > now then wait = math.max(wait, blocked - now) end
  if count >= limit then wait = math.max(wait, start + window - now) end
  states[i] = {count + 1, start, blocked}
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local a = 1 + (i - 1) * 5
  local free = tonumber(ARGV[a + 3])
  local count, start, blocked = states[i][1], states[i][2], states[i][3]
  if free > 0 and count >= free then
    local delay = math.min(tonumber(ARGV[a + 4]) * 2 ^ (count - free), tonumber(ARGV[a + 5]))
    blocked = math.max(blocked, now + delay)
  end
  redis.call('HSET', key, 'count', count, 'start', start, 'blocked', blocked)
  redis.call('PEXPIRE', key, math.max(start + tonumber(ARGV[a + 1]), blocked) - now + 1000)
end
return 0`;

// KEYS: counters. Takes one hit back from each that has any.
const RELEASE = `
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('HGET', key, 'count'))
  if count and count > 0 then redis.call('HINCRBY', key, 'count', -1) end
end
return 0`;

/** A counter's fields as Redis returns them (count, window start, blocked until). */
const toState = (count: unknown, start: unknown, blocked: unknown): ThrottleState => ({
  count: Number(count),
  windowStartedAt: Number(start),
  blockedUntil: Number(blocked),
});

interface ScriptedRedis extends Redis {
  gatehouseThrottleHit(
    key: string,
    windowMs: number,
    now: number,
    hits: number,
  ): Promise<[number, number, number]>;
  gatehouseThrottleReserve(count: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  gatehouseThrottleRelease(count: number, ...keys: string[]): Promise<number>;
}

export class RedisThrottleStore implements ThrottleStore {
  private readonly redis: ScriptedRedis;
  private readonly prefix: string;
  /** One script call per key per turn, however many hits it got (hits-per-turn.ts). */
  private readonly hits = new HitsPerTurn(async (key, windowMs, now, hits) => {
    const [count, start, blocked] = await this.redis.gatehouseThrottleHit(
      this.prefix + key,
      windowMs,
      now,
      hits,
    );
    return toState(count, start, blocked);
  });

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand("gatehouseThrottleHit", { numberOfKeys: 1, lua: HIT });
    redis.defineCommand("gatehouseThrottleReserve", { lua: RESERVE });
    redis.defineCommand("gatehouseThrottleRelease", { lua: RELEASE });
    this.redis = redis as ScriptedRedis;
    this.prefix = `${prefix}throttle:`;
  }

  hit(key: string, windowMs: number, now: number): Promise<ThrottleState> {
    return this.hits.hit(key, windowMs, now);
  }

  async reserve(rules: ThrottleRule[], now: number): Promise<number> {
    const keys = rules.map((rule) => this.prefix + rule.key);
    const args = rules.flatMap(({ windowMs, limit, backoff }) => [
      windowMs,
      limit,
      backoff?.free ?? 0,
      backoff?.baseMs ?? 0,
      backoff?.capMs ?? 0,
    ]);
    return Number(await this.redis.gatehouseThrottleReserve(keys.length, ...keys, now, ...args));
  }

  async release(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.gatehouseThrottleRelease(keys.length, ...keys.map((key) => this.prefix + key));
  }

  async get(keys: string[]): Promise<Map<string, ThrottleState>> {
    await this.hits.countNow();
    // Separate commands rather than a pipeline of their own: auto-pipelining sends them with
    // every other command of this turn of the event loop, in one write.
    const results = await Promise.all(
      keys.map((key) => this.redis.hmget(this.prefix + key, "count", "start", "blocked")),
    );
    const found = new Map<string, ThrottleState>();
    results.forEach(([count, start, blocked], index) => {
      if (count !== null && count !== undefined) {
        found.set(keys[index]!, toState(count, start, blocked));
      }
    });
    return found;
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.hits.countNow();
    await this.redis.del(...keys.map((key) => this.prefix + key));
  }

  /** Redis expires counters by itself. */
  async deleteExpired(): Promise<number> {
    return 0;
  }
}
