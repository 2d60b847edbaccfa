/**
 * Verifies password hashes written by Medusa v1 (the `scrypt-kdf` 2.0.1 format: base64 of a
 * 96-byte buffer; see the wire contract §5). Only verification is offered: new hashes are Argon2id.
 */
import { createHash, createHmac, scrypt, timingSafeEqual } from "node:crypto";

const HASH_BYTES = 96;
const MAX_LOG_N = 20; // refuse absurd cost parameters from a tampered row

/** True when a stored hash is in Medusa's scrypt-kdf format (every one starts with "c2NyeXB0"). */
export function isMedusaScryptHash(stored: string): boolean {
  return stored.length === 128 && stored.startsWith("c2NyeXB0") && /^[A-Za-z0-9+/]+$/.test(stored);
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
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 64, { N: 2 ** logN, r, p, maxmem: 2 ** 31 - 1 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  // scrypt-kdf keys the HMAC with the second half of the derived key (its comment says the first).
  const mac = createHmac("sha256", derived.subarray(32)).update(buffer.subarray(0, 64)).digest();
  return timingSafeEqual(mac, buffer.subarray(64, 96));
}
