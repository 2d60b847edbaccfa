/**
 * Password hashing and policy. New hashes are Argon2id, computed on a pool of hashing threads
 * (one per core by default) that run below the event loop's priority: logins use every core
 * the event loop leaves idle, and a storm of them never slows other requests. Medusa v1 scrypt
 * hashes still verify and are flagged for rehash.
 */
import { randomBytes } from "node:crypto";
import { parseOptions, type Algorithm, type Options } from "@node-rs/argon2";
import { Piscina } from "piscina";
import type { Config } from "../config.js";
import { unavailable } from "../errors.js";
import { isMedusaScryptHash, verifyMedusaScrypt } from "./medusa-scrypt.js";
import { isCommonPassword } from "./common-passwords.js";

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum, unusable under isolatedModules)

export interface VerifyResult {
  ok: boolean;
  /** The hash is valid but weaker than the configured parameters (or in Medusa's format). */
  needsRehash: boolean;
}

export class PasswordService {
  private readonly options: Options;
  private readonly pool: Piscina;
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly config: Config["password"]) {
    const { memoryKib, iterations, parallelism } = config.argon2;
    this.options = {
      algorithm: ARGON2ID,
      memoryCost: memoryKib,
      timeCost: iterations,
      parallelism,
    };
    const { threads, nice } = config.hashing;
    this.pool = new Piscina({
      filename: new URL("./hash-worker.js", import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      // One hash at a time per thread: Argon2 is memory-bound, and a queue is cheaper than RAM.
      concurrentTasksPerWorker: 1,
      // Hashing threads never sit idle long enough to be worth stopping.
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData: { nice },
    });
  }

  /** Hashes a new password (Unicode NFC first, so every spelling of one password matches). */
  hash(password: string): Promise<string> {
    return this.run<string>("hash", { password: password.normalize("NFC"), options: this.options });
  }

  /** Stops the hashing threads. */
  close(): Promise<void> {
    return this.pool.destroy();
  }

  async verify(stored: string | null, password: string): Promise<VerifyResult> {
    if (stored !== null && stored.startsWith("$argon2")) {
      // A malformed hash verifies as false (in the worker); a full queue throws 503, which
      // must not count as a wrong password.
      const ok = await this.argon2Verify(stored, password.normalize("NFC"));
      return { ok, needsRehash: ok && this.isWeaker(stored) };
    }
    if (stored !== null && isMedusaScryptHash(stored)) {
      // Medusa hashed the password exactly as typed, without normalization.
      const ok = await verifyMedusaScrypt(stored, password).catch(() => false);
      // scrypt with N=2 costs nothing: a failure pays Argon2's price so that timing is equal.
      if (!ok) await this.verifyDummy(password);
      return { ok, needsRehash: ok };
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
    await this.argon2Verify(await this.dummyHash, password.normalize("NFC"));
  }

  private argon2Verify(hash: string, password: string): Promise<boolean> {
    return this.run<boolean>("verify", { hash, password });
  }

  /** Runs a task on the hashing pool; a full queue is a 503 the client may retry. */
  private async run<T>(name: "hash" | "verify", task: object): Promise<T> {
    if (this.pool.queueSize >= this.config.hashing.maxQueue) {
      throw unavailable("Too many password checks are waiting; retry in a few seconds", 2);
    }
    return (await this.pool.run(task, { name })) as T;
  }

  /** Warms the dummy hash so the first unknown-email login is not slower than the rest. */
  async warm(): Promise<void> {
    await this.verifyDummy("warm-up");
  }

  /**
   * Checks a new password against the policy (SPEC §3.3) and returns the class-validator-style
   * message for the first problem, or undefined when it is acceptable.
   */
  policyProblem(password: string, field = "password"): string | undefined {
    const length = [...password.normalize("NFC")].length;
    if (length < this.config.minLength) {
      return `${field} must be at least ${this.config.minLength} characters long`;
    }
    if (length > this.config.maxLength) {
      return `${field} must be at most ${this.config.maxLength} characters long`;
    }
    if (isCommonPassword(password)) {
      return `${field} is one of the most commonly used passwords; choose a less common one`;
    }
    return undefined;
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
