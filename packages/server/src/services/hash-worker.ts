/**
 * A password-hashing thread (run by Piscina, see passwords.ts). It hashes synchronously, at a
 * lower CPU priority than the event loop, so that a storm of logins takes the CPU time the
 * event loop leaves idle and never the time it needs to answer other requests.
 */
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import { hashSync, verifySync, type Options } from "@node-rs/argon2";

// On Linux a thread's nice value is its own: this lowers this thread only.
try {
  setPriority((workerData as { nice?: number } | undefined)?.nice ?? 0);
} catch {
  // Not permitted or not supported here: hash at normal priority.
}

export function hash(task: { password: string; options: Options }): string {
  return hashSync(task.password, task.options);
}

export function verify(task: { hash: string; password: string }): boolean {
  try {
    return verifySync(task.hash, task.password);
  } catch {
    return false;
  }
}
