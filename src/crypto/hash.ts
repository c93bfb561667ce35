/**
 * Thin helpers over node:crypto for the primitives OpenSSL 3 still provides by default.
 */
import { createHash, createHmac, randomBytes as cryptoRandomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

/** MD5 of the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HMAC-MD5 (RFC 2104) under `key` of the concatenation of `parts`. */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Small requests are served from a pool filled by the node:crypto CSPRNG, 4 KiB at a time:
 * one randomFillSync call costs far more than the 8 or 16 bytes a handshake needs (the same
 * reason Node caches entropy for randomUUID). Each byte is handed out once and copied out.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `n` bytes from the node:crypto CSPRNG. */
export function randomBytes(n: number): Buffer {
  if (n > 256) return cryptoRandomBytes(n);
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  pool.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/**
 * Compares two byte strings in time independent of their contents (but not of their
 * lengths): false if the lengths differ, else crypto.timingSafeEqual.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
