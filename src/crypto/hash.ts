/**
 * Thin helpers over node:crypto for the primitives OpenSSL 3 still provides by default.
 */
import { createHash, createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';

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

/** `n` bytes from the node:crypto CSPRNG. */
export function randomBytes(n: number): Buffer {
  return cryptoRandomBytes(n);
}

/**
 * Compares two byte strings in time independent of their contents (but not of their
 * lengths): false if the lengths differ, else crypto.timingSafeEqual.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
