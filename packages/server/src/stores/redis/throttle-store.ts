/**
 * Throttling counters in Redis: one hash per key ({count, start, blocked}) that expires by
 * itself when both its window and its block have ended. Each change is one Lua script.
 */
import type { Redis } from "ioredis";
import { HitsPerTurn } from "../hits-per-turn.js";
import type { ThrottleState, ThrottleStore } from "../types.js";

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

// KEYS: counter. ARGV: until, now.
const BLOCK = `
local deadline = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if deadline <= blocked then return 0 end
redis.call('HSET', KEYS[1], 'blocked', deadline)
local ttl = redis.call('PTTL', KEYS[1])
local wanted = deadline - tonumber(ARGV[2]) + 1000
if ttl < wanted then redis.call('PEXPIRE', KEYS[1], wanted) end
return 1`;

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
  gatehouseThrottleBlock(key: string, until: number, now: number): Promise<number>;
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
    redis.defineCommand("gatehouseThrottleBlock", { numberOfKeys: 1, lua: BLOCK });
    this.redis = redis as ScriptedRedis;
    this.prefix = `${prefix}throttle:`;
  }

  hit(key: string, windowMs: number, now: number): Promise<ThrottleState> {
    return this.hits.hit(key, windowMs, now);
  }

  async block(key: string, until: number): Promise<void> {
    await this.hits.countNow();
    await this.redis.gatehouseThrottleBlock(this.prefix + key, until, Date.now());
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
