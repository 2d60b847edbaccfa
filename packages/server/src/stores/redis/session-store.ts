/**
 * Sessions in Redis, with native TTLs: a session key lives until the earlier of its absolute
 * expiry and its idle deadline, and each touch pushes the idle deadline out. Every multi-key
 * change is one Lua script, so it is atomic and one round trip.
 *
 * Keys (all under the configured prefix):
 *   session:{id}            hash: the session, plus its token_hash
 *   session-token:{hash}    string: the id of the cookie session with that token hash
 *   customer-sessions:{id}  set: the customer's session ids (stale ids are pruned on read)
 */
import type { Redis } from "ioredis";
import { SESSION_FIELDS, type Session, type SessionKind } from "../../domain.js";
import type { SessionStore } from "../types.js";

// KEYS: session, token (or ""), customer set. ARGV: the session's ttl ms, the set's ttl ms, then
// field/value pairs (ARGV[4] is the id). The set lives as long as the longest session it lists
// could: an idle deadline would let it expire under a session kept alive by use, and a revocation
// (deleteForCustomer) would no longer find that session.
const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[1]) end
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[2], 'NX')
redis.call('PEXPIRE', KEYS[3], ARGV[2], 'GT')
return 1`;

// KEYS: token key. ARGV: session key prefix. Returns the session hash as a flat list, or nil.
const FIND_BY_TOKEN = `
local id = redis.call('GET', KEYS[1])
if not id then return nil end
return redis.call('HGETALL', ARGV[1] .. id)`;

// KEYS: session. ARGV: last seen, idle ms, token key prefix.
const TOUCH = `
local values = redis.call('HMGET', KEYS[1], 'expires_at', 'token_hash', 'last_seen_at')
if not values[1] then return 0 end
local now = tonumber(ARGV[1])
if now <= tonumber(values[3]) then return 0 end
local ttl = math.min(tonumber(values[1]) - now, tonumber(ARGV[2]))
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
if values[2] and values[2] ~= '' then redis.call('PEXPIRE', ARGV[3] .. values[2], ttl) end
return 1`;

// KEYS: session. ARGV: expected token version. A session stored before token_version existed
// has no such field: it is at version 0. HSET keeps the key's TTL.
const ROTATE = `
local values = redis.call('HMGET', KEYS[1], 'id', 'token_version')
if not values[1] then return 0 end
local version = tonumber(values[2] or '0') or 0
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'token_version', version + 1)
return 1`;

// ARGV: session key prefix, token key prefix, customer-set key prefix, then session ids.
const DELETE_MANY = `
local deleted = 0
for i = 4, #ARGV do
  local key = ARGV[1] .. ARGV[i]
  local values = redis.call('HMGET', key, 'token_hash', 'customer_id')
  if values[2] then
    if values[1] and values[1] ~= '' then redis.call('DEL', ARGV[2] .. values[1]) end
    redis.call('DEL', key)
    redis.call('SREM', ARGV[3] .. values[2], ARGV[i])
    deleted = deleted + 1
  end
end
return deleted`;

interface ScriptedRedis extends Redis {
  gatehouseCreateSession(...args: Array<string | number>): Promise<number>;
  gatehouseFindSessionByToken(tokenKey: string, sessionPrefix: string): Promise<string[] | null>;
  gatehouseTouchSession(
    sessionKey: string,
    lastSeen: number,
    idleMs: number,
    tokenPrefix: string,
  ): Promise<number>;
  gatehouseDeleteSessions(...args: string[]): Promise<number>;
  gatehouseRotateSessionToken(sessionKey: string, expected: number): Promise<number>;
}

function toSession(flat: string[]): Session | null {
  if (flat.length === 0) return null;
  const record: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
  return {
    id: record.id!,
    customer_id: record.customer_id!,
    kind: record.kind as SessionKind,
    created_at: Number(record.created_at),
    last_seen_at: Number(record.last_seen_at),
    expires_at: Number(record.expires_at),
    user_agent:
      record.user_agent === "" || record.user_agent === undefined ? null : record.user_agent,
    token_version: Number(record.token_version ?? 0),
  };
}

export class RedisSessionStore implements SessionStore {
  private readonly redis: ScriptedRedis;
  private readonly sessionPrefix: string;
  private readonly tokenPrefix: string;
  private readonly customerPrefix: string;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly idleTimeoutMs: number,
  ) {
    this.sessionPrefix = `${prefix}session:`;
    this.tokenPrefix = `${prefix}session-token:`;
    this.customerPrefix = `${prefix}customer-sessions:`;
    redis.defineCommand("gatehouseCreateSession", { numberOfKeys: 3, lua: CREATE });
    redis.defineCommand("gatehouseFindSessionByToken", { numberOfKeys: 1, lua: FIND_BY_TOKEN });
    redis.defineCommand("gatehouseTouchSession", { numberOfKeys: 1, lua: TOUCH });
    redis.defineCommand("gatehouseDeleteSessions", { numberOfKeys: 0, lua: DELETE_MANY });
    redis.defineCommand("gatehouseRotateSessionToken", { numberOfKeys: 1, lua: ROTATE });
    this.redis = redis as ScriptedRedis;
  }

  async create(session: Session, tokenHash: string | null): Promise<void> {
    const ttl = Math.min(session.expires_at - session.created_at, this.idleTimeoutMs);
    const fields: Array<string | number> = [];
    for (const field of SESSION_FIELDS) fields.push(field, session[field] ?? "");
    fields.push("token_hash", tokenHash ?? "");
    // ARGV[4] must be the id: SESSION_FIELDS starts with "id", so fields[1] is it.
    await this.redis.gatehouseCreateSession(
      this.sessionPrefix + session.id,
      tokenHash === null ? "" : this.tokenPrefix + tokenHash,
      this.customerPrefix + session.customer_id,
      ttl,
      // Its whole absolute lifetime: never shorter than what is left of it.
      session.expires_at - session.created_at,
      ...fields,
    );
  }

  async findByTokenHash(tokenHash: string): Promise<Session | null> {
    const flat = await this.redis.gatehouseFindSessionByToken(
      this.tokenPrefix + tokenHash,
      this.sessionPrefix,
    );
    return flat ? toSession(flat) : null;
  }

  async findById(id: string): Promise<Session | null> {
    const record = await this.redis.hgetall(this.sessionPrefix + id);
    return toSession(Object.entries(record).flat());
  }

  findByIdUncached(id: string): Promise<Session | null> {
    return this.findById(id);
  }

  async touch(id: string, lastSeenAt: number): Promise<void> {
    await this.redis.gatehouseTouchSession(
      this.sessionPrefix + id,
      lastSeenAt,
      this.idleTimeoutMs,
      this.tokenPrefix,
    );
  }

  async rotateToken(id: string, expected: number): Promise<boolean> {
    return (await this.redis.gatehouseRotateSessionToken(this.sessionPrefix + id, expected)) === 1;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([id])) > 0;
  }

  async deleteForCustomer(customerId: string, exceptId?: string): Promise<number> {
    const ids = await this.redis.smembers(this.customerPrefix + customerId);
    return this.deleteMany(ids.filter((id) => id !== exceptId));
  }

  async listForCustomer(customerId: string): Promise<Session[]> {
    const setKey = this.customerPrefix + customerId;
    const ids = await this.redis.smembers(setKey);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.sessionPrefix + id);
    const results = (await pipeline.exec()) ?? [];
    const sessions: Session[] = [];
    const stale: string[] = [];
    results.forEach(([error, record], index) => {
      const session = error
        ? null
        : toSession(Object.entries(record as Record<string, string>).flat());
      if (session) sessions.push(session);
      else stale.push(ids[index]!);
    });
    if (stale.length > 0) await this.redis.srem(setKey, ...stale);
    return sessions.sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  }

  /** Redis expires sessions by itself. */
  async deleteExpired(): Promise<number> {
    return 0;
  }

  private async deleteMany(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.redis.gatehouseDeleteSessions(
      this.sessionPrefix,
      this.tokenPrefix,
      this.customerPrefix,
      ...ids,
    );
  }
}
