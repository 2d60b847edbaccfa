/** Gatehouse's default Argon2id parameters (ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM). */
import type { Algorithm, Options } from "@node-rs/argon2";

export const ARGON2_OPTIONS: Options = {
  algorithm: 2 as Algorithm, // Argon2id (a const enum, unusable under isolatedModules)
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};
