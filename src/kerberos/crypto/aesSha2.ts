/**
 * aes128-cts-hmac-sha256-128 (19) and aes256-cts-hmac-sha384-192 (20), RFC 8009.
 *
 *   string-to-key  KDF(PBKDF2-HMAC-SHA2(password, name ‖ 0x00 ‖ salt, iterations, keyLength), "kerberos"), 32768 iterations by default (§4)
 *   KDF(key, label, bits)  HMAC-SHA2(key, BE32(1) ‖ label ‖ 0x00 ‖ BE32(bits)), truncated to bits (§3, SP 800-108 counter mode)
 *   Ke, Ki, Kc     KDF(base, BE32(usage) ‖ 0xAA / 0x55 / 0x99, 128/256, 128/192, 128/192 bits) (§5)
 *   encrypt        C = AES-CTS(Ke, zero IV, confounder16 ‖ P); C ‖ HMAC-SHA2(Ki, IV ‖ C)[0..h) with h = 16 / 24 (§5)
 *   checksum       HMAC-SHA2(Kc, data)[0..h), types 19 and 20
 *
 * The MAC covers the ciphertext (encrypt-then-MAC), so a forgery is refused before any decryption.
 */
import { createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { aesCtsDecrypt, aesCtsEncrypt } from '../../crypto/aesCts.js';
import { KerberosCryptoError } from './errors.js';
import type { ChecksumType, EncryptionType, EncryptOptions, KeyPurpose } from './encryptionType.js';
import { checkKey, checkUsage, DerivedKeyCache, drawRandom, iterationCount, saltBytes, usageConstant } from './support.js';

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);
const DEFAULT_ITERATIONS = 32768;
const PURPOSE_INDEX: Readonly<Record<KeyPurpose, number>> = { Kc: 0, Ke: 1, Ki: 2 };

/** KDF-HMAC-SHA2(key, label, bits) of RFC 8009 §3 (the context is empty in every Kerberos use). */
export function kdfHmacSha2(hash: 'sha256' | 'sha384', key: Uint8Array, label: Uint8Array, bits: number): Buffer {
  const head = Buffer.from([0, 0, 0, 1]);
  const tail = Buffer.allocUnsafe(5);
  tail[0] = 0;
  tail.writeUInt32BE(bits, 1);
  return createHmac(hash, key).update(head).update(label).update(tail).digest().subarray(0, bits / 8);
}

function makeAesSha2(etype: 19 | 20, name: string, keyLength: 16 | 32, hash: 'sha256' | 'sha384', macLength: 16 | 24): EncryptionType {
  const cache = new DerivedKeyCache<Buffer>();
  // Ke is as long as the key; Ki and Kc as long as the MAC (§5).
  const bitsFor: Readonly<Record<KeyPurpose, number>> = { Ke: keyLength * 8, Ki: macLength * 8, Kc: macLength * 8 };

  function derive(key: Uint8Array, usage: number, purpose: KeyPurpose): Buffer {
    checkKey(name, key, keyLength);
    checkUsage(usage);
    return cache.get(key, usage * 4 + PURPOSE_INDEX[purpose], () => kdfHmacSha2(hash, key, usageConstant(usage, purpose), bitsFor[purpose]));
  }

  function mac(key: Buffer, ...parts: Uint8Array[]): Buffer {
    const h = createHmac(hash, key);
    for (const p of parts) h.update(p);
    return h.digest().subarray(0, macLength);
  }

  const checksum: ChecksumType = {
    type: etype,
    name: etype === 19 ? 'hmac-sha256-128-aes128' : 'hmac-sha384-192-aes256',
    length: macLength,
    compute: (key, usage, data) => mac(derive(key, usage, 'Kc'), data),
    verify: (key, usage, data, value) =>
      value.length === macLength && timingSafeEqual(mac(derive(key, usage, 'Kc'), data), value),
  };

  return {
    etype,
    name,
    keyLength,
    checksumType: checksum.type,
    checksumLength: macLength,
    overhead: BLOCK + macLength,
    checksumMechanism: checksum,

    stringToKey(password: string, salt: string | Uint8Array, params?: Uint8Array): Buffer {
      const iterations = iterationCount(params, DEFAULT_ITERATIONS);
      const saltp = Buffer.concat([Buffer.from(name), Buffer.alloc(1), saltBytes(salt)]);
      const tkey = pbkdf2Sync(Buffer.from(password, 'utf8'), saltp, iterations, keyLength, hash);
      return kdfHmacSha2(hash, tkey, Buffer.from('kerberos'), keyLength * 8);
    },

    randomKey(options?: EncryptOptions): Buffer {
      return drawRandom(keyLength, options?.randomBytes);
    },

    deriveKey: (key, usage, purpose) => Buffer.from(derive(key, usage, purpose)),

    encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array, options?: EncryptOptions): Buffer {
      const ke = derive(key, usage, 'Ke');
      const ki = derive(key, usage, 'Ki');
      const c = aesCtsEncrypt(ke, Buffer.concat([drawRandom(BLOCK, options?.randomBytes), plaintext]), ZERO_IV);
      return Buffer.concat([c, mac(ki, ZERO_IV, c)]);
    },

    decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): Buffer {
      const ke = derive(key, usage, 'Ke');
      const ki = derive(key, usage, 'Ki');
      if (ciphertext.length < BLOCK + macLength) {
        throw new KerberosCryptoError('BAD_LENGTH', `${name} ciphertext of ${ciphertext.length} bytes is shorter than ${BLOCK + macLength}`);
      }
      const split = ciphertext.length - macLength;
      const c = ciphertext.subarray(0, split);
      if (!timingSafeEqual(mac(ki, ZERO_IV, c), ciphertext.subarray(split))) {
        throw new KerberosCryptoError('INTEGRITY', `${name} integrity check failed (wrong key or usage, or altered ciphertext)`);
      }
      return aesCtsDecrypt(ke, c, ZERO_IV).subarray(BLOCK);
    },

    checksum: checksum.compute,
    verifyChecksum: checksum.verify,
  };
}

export const aes128CtsHmacSha256128 = makeAesSha2(19, 'aes128-cts-hmac-sha256-128', 16, 'sha256', 16);
export const aes256CtsHmacSha384192 = makeAesSha2(20, 'aes256-cts-hmac-sha384-192', 32, 'sha384', 24);
