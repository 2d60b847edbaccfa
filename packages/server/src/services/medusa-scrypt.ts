/**
 * Password hashes in Medusa's format (`scrypt-kdf` 2.0.1: base64 of a 96-byte buffer; see the
 * wire contract §5; Medusa v2's emailpass provider uses the same): verified always; written in front of Medusa, with strong parameters, so that
 * Medusa itself still verifies them (its verifier reads the parameters from the hash).
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const HASH_BYTES = 96;
const MAX_LOG_N = 20; // refuse absurd cost parameters from a tampered row

/** True when a stored hash is in Medusa's scrypt-kdf format (every one starts with "c2NyeXB0"). */
export function isMedusaScryptHash(stored: string): boolean {
  return stored.length === 128 && stored.startsWith("c2NyeXB0") && /^[A-Za-z0-9+/]+$/.test(stored);
}

export interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
}

/**
 * The parameters Gatehouse writes: OWASP's scrypt minimum in its 32 MiB form (N = 2^15, r = 8,
 * p = 3, equivalent to N = 2^17, r = 8, p = 1 in work; docs/medusa.md has the measured cost).
 * Medusa's own, N = 2 (logN 1), costs nothing to crack.
 */
export const MEDUSA_SCRYPT_PARAMETERS: ScryptParameters = { logN: 15, r: 8, p: 3 };

/**
 * In front of Medusa v2: its own emailpass parameters (`hashConfig`'s default), so that a hash
 * Gatehouse writes is the one Medusa v2 would write, and Medusa's own hashes are not rewritten at
 * every customer's first login through Gatehouse. (Medusa v2 reads the parameters from the hash,
 * as v1 did: stronger ones would verify too.)
 */
export const MEDUSA_V2_SCRYPT_PARAMETERS: ScryptParameters = { logN: 15, r: 8, p: 1 };

function parameters(stored: string): ScryptParameters | null {
  const buffer = Buffer.from(stored, "base64");
  if (buffer.length !== HASH_BYTES) return null;
  return { logN: buffer[7]!, r: buffer.readUInt32BE(8), p: buffer.readUInt32BE(12) };
}

/** Whether a Medusa-format hash has at least `wanted`'s cost in each parameter. */
export function isAtLeast(stored: string, wanted: ScryptParameters): boolean {
  const found = parameters(stored);
  return found !== null && found.logN >= wanted.logN && found.r >= wanted.r && found.p >= wanted.p;
}

function derive(password: string, salt: Buffer, { logN, r, p }: ScryptParameters) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 64, { N: 2 ** logN, r, p, maxmem: 2 ** 31 - 1 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A new hash in scrypt-kdf's format, of the password exactly as typed (as Medusa hashes it). */
export async function hashMedusaScrypt(
  password: string,
  wanted: ScryptParameters = MEDUSA_SCRYPT_PARAMETERS,
): Promise<string> {
  const buffer = Buffer.alloc(HASH_BYTES);
  buffer.write("scrypt", 0, "latin1");
  buffer[6] = 0; // version
  buffer[7] = wanted.logN;
  buffer.writeUInt32BE(wanted.r, 8);
  buffer.writeUInt32BE(wanted.p, 12);
  randomBytes(32).copy(buffer, 16);
  createHash("sha256").update(buffer.subarray(0, 48)).digest().copy(buffer, 48, 0, 16);
  const derived = await derive(password, buffer.subarray(16, 48), wanted);
  createHmac("sha256", derived.subarray(32))
    .update(buffer.subarray(0, 64))
    .digest()
    .copy(buffer, 64);
  return buffer.toString("base64");
}

export async function verifyMedusaScrypt(stored: string, password: string): Promise<boolean> {
  const buffer = Buffer.from(stored, "base64");
  if (buffer.length !== HASH_BYTES) return false;
  const logN = buffer[7]!;
  const r = buffer.readUInt32BE(8);
  const p = buffer.readUInt32BE(12);
  if (logN < 1 || logN > MAX_LOG_N || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = buffer.subarray(16, 48);
  const checksum = createHash("sha256").update(buffer.subarray(0, 48)).digest().subarray(0, 16);
  if (!timingSafeEqual(checksum, buffer.subarray(48, 64))) return false;
  const derived = await derive(password, salt, { logN, r, p });
  // scrypt-kdf keys the HMAC with the second half of the derived key (its comment says the first).
  const mac = createHmac("sha256", derived.subarray(32)).update(buffer.subarray(0, 64)).digest();
  return timingSafeEqual(mac, buffer.subarray(64, 96));
}
