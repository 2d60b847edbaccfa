/**
 * Password hashing and policy. New hashes are Argon2id, computed on libuv's thread pool (one per
 * core at once by default, see start.cts), whose threads run below the event loop's priority:
 * logins use every core the event loop leaves idle, and a storm of them does not slow requests
 * that do not hash (other work on libuv's pool, such as a DNS lookup, waits for at most the
 * hashes running and the one queued: tens of milliseconds).
 * Medusa v1 scrypt hashes still verify and are flagged for rehash. In front of Medusa
 * (`format: "medusa-scrypt"`), new hashes are scrypt in Medusa's own format instead, with strong
 * parameters, so that Medusa still verifies every password if the store switches back.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { setPriority } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import {
  hash as hashArgon2,
  parseOptions,
  verify as verifyArgon2,
  type Algorithm,
  type Options,
} from "@node-rs/argon2";
import type { Config } from "../config.js";
import { unavailable } from "../errors.js";
import {
  MEDUSA_SCRYPT_PARAMETERS,
  hashMedusaScrypt,
  isAtLeast,
  isMedusaScryptHash,
  verifyMedusaScrypt,
  type ScryptParameters,
} from "./medusa-scrypt.js";
import { passwordProblem, type PasswordContext } from "./password-policy.js";

/** Verification times kept to draw a refused login's delay from. */
const VERIFY_TIMES_KEPT = 64;

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum, unusable under isolatedModules)

/** How new passwords are hashed: Argon2id, or Medusa's scrypt format (in front of Medusa). */
export type HashFormat = "argon2id" | "medusa-scrypt";

export interface VerifyResult {
  ok: boolean;
  /** The hash is valid but weaker than the configured parameters (or in Medusa's format). */
  needsRehash: boolean;
}

export class PasswordService {
  private readonly options: Options;
  /** Hashes that may start now; the rest wait in `waiting`, up to `maxQueue`. */
  private slots: number;
  private readonly waiting: Array<() => void> = [];
  private dummyHash: Promise<string> | undefined;
  /** How long the last verifications took, queue included (a ring; the first set by `warm`). */
  private readonly verifyTimes: number[] = [];
  private nextVerifyTime = 0;

  constructor(
    private readonly config: Config["password"],
    /** A word new passwords must not be made of. */
    private readonly storeName?: string,
    private readonly format: HashFormat = "argon2id",
    /** The scrypt parameters of new hashes in Medusa's format (its version's, medusa-scrypt.ts). */
    private readonly scrypt: ScryptParameters = MEDUSA_SCRYPT_PARAMETERS,
    /** Told how long each task waited for its place, in seconds (the metrics). */
    private readonly onQueueWait?: (seconds: number) => void,
  ) {
    const { memoryKib, iterations, parallelism } = config.argon2;
    this.options = {
      algorithm: ARGON2ID,
      memoryCost: memoryKib,
      timeCost: iterations,
      parallelism,
    };
    this.slots = hashesInFlight(config.hashing.threads, config.hashing.poolSize);
  }

  /**
   * Hashes a new password: Argon2id of its Unicode NFC form (every spelling of one password
   * matches), or in Medusa's format the password exactly as typed, as Medusa hashes it.
   */
  hash(password: string): Promise<string> {
    if (this.format === "medusa-scrypt") {
      return this.run(() => hashMedusaScrypt(password, this.scrypt));
    }
    return this.run(() => hashArgon2(password.normalize("NFC"), this.options));
  }

  async verify(stored: string | null, password: string): Promise<VerifyResult> {
    if (stored !== null && stored.startsWith("$argon2")) {
      // A malformed hash verifies as false (in the worker); a full queue throws 503, which
      // must not count as a wrong password.
      const ok = await this.argon2Verify(stored, password.normalize("NFC"));
      return { ok, needsRehash: ok && (this.format !== "argon2id" || this.isWeaker(stored)) };
    }
    if (stored !== null && isMedusaScryptHash(stored)) {
      const strong = isAtLeast(stored, this.scrypt);
      // Medusa hashed the password exactly as typed, without normalization.
      const check = () => verifyMedusaScrypt(stored, password).catch(() => false);
      // Medusa's own scrypt (N = 2) costs nothing: not queued nor timed, and a failure pays a
      // real hash's price.
      const ok = strong ? await this.timed(check) : await check();
      if (!ok && !strong) await this.verifyDummy(password);
      return { ok, needsRehash: ok && !(this.format === "medusa-scrypt" && strong) };
    }
    await this.verifyDummy(password);
    return { ok: false, needsRehash: false };
  }

  /**
   * Does the work of one real verification against a throw-away hash, so that an unknown
   * email, a guest, and a wrong password all cost the same.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(32).toString("base64url")).catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    const dummy = await this.dummyHash;
    if (this.format === "medusa-scrypt") {
      await this.timed(() => verifyMedusaScrypt(dummy, password).catch(() => false));
    } else {
      await this.argon2Verify(dummy, password.normalize("NFC"));
    }
  }

  private argon2Verify(hash: string, password: string): Promise<boolean> {
    return this.timed(() => verifyArgon2(hash, password).catch(() => false));
  }

  /** A verification on the hashing pool, its time kept for `waitLikeVerify`. */
  private async timed(verify: () => Promise<boolean>): Promise<boolean> {
    const started = performance.now();
    const ok = await this.run(verify);
    this.verifyTimes[this.nextVerifyTime] = performance.now() - started;
    this.nextVerifyTime = (this.nextVerifyTime + 1) % VERIFY_TIMES_KEPT;
    return ok;
  }

  /**
   * Waits as long as one of the last verifications took, picked at random, without hashing: a
   * refused login answers after the times checked ones do, and takes no place in the queue.
   */
  async waitLikeVerify(): Promise<void> {
    const times = this.verifyTimes;
    await sleep(times[Math.floor(Math.random() * times.length)] ?? 0);
  }

  /** Tasks waiting for a place on the hashing pool now. */
  get queueDepth(): number {
    return this.waiting.length;
  }

  /** Runs a task on the hashing pool; a full queue is a 503 the client may retry. */
  private async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.slots === 0) {
      if (this.waiting.length >= this.config.hashing.maxQueue) {
        throw unavailable("Too many password checks are waiting; retry in a few seconds", 2);
      }
      const queued = performance.now();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.onQueueWait?.((performance.now() - queued) / 1000);
    } else {
      this.onQueueWait?.(0);
      this.slots--;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.slots++;
    }
  }

  /**
   * Lowers the hashing threads' priority, then warms the dummy hash so the first unknown-email
   * login is not slower than the rest (and measures a first verification time).
   */
  async warm(): Promise<void> {
    const { nice, poolSize } = this.config.hashing;
    await lowerThreadPoolPriority(nice, poolSize);
    await this.verifyDummy("warm-up");
  }

  /**
   * Checks a new password against the policy (SPEC §3.3, password-policy.ts) and returns the
   * class-validator-style message for the first problem, or undefined when it is acceptable.
   */
  policyProblem(password: string, context: PasswordContext = {}): string | undefined {
    return passwordProblem(password, this.config, { storeName: this.storeName, ...context });
  }

  private isWeaker(stored: string): boolean {
    try {
      const current = parseOptions(stored);
      const wanted = this.config.argon2;
      return (
        current.algorithm !== ARGON2ID ||
        current.memoryCost < wanted.memoryKib ||
        current.timeCost < wanted.iterations ||
        current.parallelism < wanted.parallelism
      );
    } catch {
      return true;
    }
  }
}

/**
 * How many hashes are handed to libuv at once. `threads` hashes are computed at once (never more
 * than the pool has threads); when the pool has no thread to spare, one more waits in libuv's
 * own queue, so that a thread that finishes a hash starts the next at once instead of idling
 * until the event loop hands it one (that idle time cost about a tenth of login throughput). A
 * waiting hash holds no memory: Argon2's memory is taken when the hash starts.
 */
function hashesInFlight(threads: number, poolSize: number): number {
  return poolSize > threads ? threads : poolSize + 1;
}

/**
 * Sets the nice value of every thread of libuv's pool (where Argon2 runs). Linux gives each
 * thread its own nice value, and `/proc/thread-self` names the thread that opens it: each read
 * below runs on a pool thread and reports that thread's id. Elsewhere it does nothing.
 */
async function lowerThreadPoolPriority(nice: number, poolSize: number): Promise<void> {
  if (nice === 0 || process.platform !== "linux") return;
  const lowered = new Set<number>();
  for (let round = 0; round < 50 && lowered.size < poolSize; round++) {
    const stats = await Promise.all(
      Array.from({ length: poolSize * 2 }, () =>
        readFile("/proc/thread-self/stat", "utf8").catch(() => ""),
      ),
    );
    for (const stat of stats) {
      const tid = Number.parseInt(stat, 10);
      if (!(tid > 0) || tid === process.pid || lowered.has(tid)) continue;
      try {
        setPriority(tid, nice);
        lowered.add(tid);
      } catch {
        return; // not permitted here: hash at normal priority
      }
    }
  }
}
