/**
 * What the enctype implementations share: argument checks that turn caller and peer mistakes
 * into KerberosCryptoError, the confounder draw, the s2kparams iteration count, and a cache of
 * derived keys per base key.
 */
import { randomBytes as csprng } from '../../crypto/hash.js';
import { KerberosCryptoError } from './errors.js';
import type { RandomSource } from './encryptionType.js';
import { isKeyUsage } from './keyUsage.js';

/** Throws `bad-key` unless `key` is `length` bytes. */
export function checkKey(name: string, key: Uint8Array, length: number): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new KerberosCryptoError('BAD_KEY', `${name} needs a ${length}-byte key, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
}

/** Throws unless `usage` is an unsigned 32-bit key usage number. */
export function checkUsage(usage: number): void {
  if (!isKeyUsage(usage)) throw new RangeError(`key usage must be an unsigned 32-bit integer, got ${usage}`);
}

/** `n` random bytes from `source` (the CSPRNG by default); `bad-length` if the source returns another size. */
export function drawRandom(n: number, source: RandomSource | undefined): Buffer {
  const bytes = (source ?? csprng)(n);
  if (bytes.length !== n) throw new KerberosCryptoError('BAD_LENGTH', `the random source returned ${bytes.length} bytes, ${n} needed`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, n);
}

/** MIT refuses 2^24 and above (s2k_pbkdf2.c): a hostile count must not buy hours of PBKDF2. */
const MAX_ITERATIONS = 0xffffff;

/**
 * The PBKDF2 iteration count of AES s2kparams (RFC 3962 §4, RFC 8009 §4): a BE32 count, the
 * enctype's default when absent. Zero (which would mean 2^32) and counts above 2^24 − 1 are refused.
 */
export function iterationCount(params: Uint8Array | undefined, defaultCount: number): number {
  if (params === undefined) return defaultCount;
  if (params.length !== 4) throw new KerberosCryptoError('BAD_PARAMS', `s2kparams must be a 4-byte iteration count, got ${params.length} bytes`);
  const count = ((params[0]! << 24) | (params[1]! << 16) | (params[2]! << 8) | params[3]!) >>> 0;
  if (count === 0 || count > MAX_ITERATIONS) throw new KerberosCryptoError('BAD_PARAMS', `iteration count ${count} is outside 1..${MAX_ITERATIONS}`);
  return count;
}

/** Salt as bytes: strings are UTF-8 (RFC 3962 §4). */
export function saltBytes(salt: string | Uint8Array): Buffer {
  return typeof salt === 'string' ? Buffer.from(salt, 'utf8') : Buffer.from(salt.buffer, salt.byteOffset, salt.length);
}

/** Above this many usages for one key the cache starts over (usages come from our code, not from peers). */
const MAX_USAGES_PER_KEY = 64;

/**
 * Derived keys per base key and usage. Keyed by the key object, so a keytab key derives its
 * ticket keys once; a copy of the key bytes is kept and compared, so a caller who reuses a
 * buffer for another key never gets stale keys.
 */
export class DerivedKeyCache<T> {
  private readonly entries = new WeakMap<Uint8Array, { bytes: Buffer; byUsage: Map<number, T> }>();

  get(key: Uint8Array, usage: number, derive: () => T): T {
    let entry = this.entries.get(key);
    if (entry === undefined || !entry.bytes.equals(key)) {
      entry = { bytes: Buffer.from(key), byUsage: new Map() };
      this.entries.set(key, entry);
    }
    let value = entry.byUsage.get(usage);
    if (value === undefined) {
      if (entry.byUsage.size >= MAX_USAGES_PER_KEY) entry.byUsage.clear();
      value = derive();
      entry.byUsage.set(usage, value);
    }
    return value;
  }
}

/** The RFC 3961 §5.3 derivation constant: BE32(usage) followed by 0x99 (Kc), 0xAA (Ke) or 0x55 (Ki). */
export function usageConstant(usage: number, purpose: 'Kc' | 'Ke' | 'Ki'): Buffer {
  const c = Buffer.allocUnsafe(5);
  c.writeUInt32BE(usage >>> 0, 0);
  c[4] = purpose === 'Kc' ? 0x99 : purpose === 'Ke' ? 0xaa : 0x55;
  return c;
}
