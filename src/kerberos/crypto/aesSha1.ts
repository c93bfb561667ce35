/**
 * aes128-cts-hmac-sha1-96 (17) and aes256-cts-hmac-sha1-96 (18), RFC 3962 over the RFC 3961
 * simplified profile — the enctypes Active Directory issues tickets in by default.
 *
 *   string-to-key  DK(PBKDF2-HMAC-SHA1(password, salt, iterations, keyLength), "kerberos"), 4096 iterations by default (RFC 3962 §4)
 *   DK(key, c)     AES(key, n-fold(c, 128)), re-encrypted until keyLength bytes (RFC 3961 §5.1)
 *   Ke, Ki, Kc     DK(base, BE32(usage) ‖ 0xAA / 0x55 / 0x99) (RFC 3961 §5.3)
 *   encrypt        AES-CTS(Ke, confounder16 ‖ P) ‖ HMAC-SHA1(Ki, confounder16 ‖ P)[0..11]
 *   checksum       HMAC-SHA1(Kc, data)[0..11], types 15 and 16
 *
 * The MAC covers the plaintext, so a forged ciphertext is found only after decrypting it.
 */
import { createCipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { aesCtsDecrypt, aesCtsEncrypt } from '../../crypto/aesCts.js';
import { nfold } from '../../crypto/nfold.js';
import { KerberosCryptoError } from './errors.js';
import type { ChecksumType, EncryptionType, EncryptOptions, KeyPurpose } from './encryptionType.js';
import { checkKey, checkUsage, DerivedKeyCache, drawRandom, iterationCount, saltBytes, usageConstant } from './support.js';

const BLOCK = 16;
const MAC_LENGTH = 12;
const DEFAULT_ITERATIONS = 4096;

/** n-fold of each constant is computed once: the constants are the usage numbers our code uses. */
const foldedConstants = new Map<string, Buffer>();

function folded(constant: Uint8Array): Buffer {
  const id = Buffer.from(constant).toString('latin1');
  let f = foldedConstants.get(id);
  if (f === undefined) {
    f = nfold(constant, BLOCK);
    if (foldedConstants.size < 1024) foldedConstants.set(id, f);
  }
  return f;
}

/**
 * DK(base, constant) (RFC 3961 §5.1): K1 = E(base, n-fold(constant)), K2 = E(base, K1), … up to the
 * key length. E of one block is one AES block operation (RFC 3962 §5), so an ECB cipher, which
 * keeps no state between blocks, serves every constant of one base key. AES random-to-key is the
 * identity (RFC 3962 §6).
 */
function dk(ecb: Cipher, keyLength: number, constant: Uint8Array): Buffer {
  const k1 = ecb.update(folded(constant));
  return keyLength === BLOCK ? k1 : Buffer.concat([k1, ecb.update(k1)]);
}

function ecbFor(base: Uint8Array): Cipher {
  if (base.length !== 16 && base.length !== 32) throw new KerberosCryptoError('BAD_KEY', `AES key must be 16 or 32 bytes, got ${base.length}`);
  return createCipheriv(base.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', base, null).setAutoPadding(false);
}

/** DK(base, constant) for a 16- or 32-byte AES key (RFC 3961 §5.1). */
export function deriveKeyAesSha1(base: Uint8Array, constant: Uint8Array): Buffer {
  return dk(ecbFor(base), base.length, constant);
}

function makeAesSha1(etype: 17 | 18, name: string, keyLength: 16 | 32, checksumType: 15 | 16): EncryptionType {
  // Per base key and usage: Ke and Ki together (every encrypt and decrypt needs both), Kc alone.
  const encryptionKeys = new DerivedKeyCache<{ ke: Buffer; ki: Buffer }>();
  const checksumKeys = new DerivedKeyCache<Buffer>();
  // One ECB cipher per base key serves all its usages (a session key derives for 11 and then 12).
  const ciphers = new DerivedKeyCache<Cipher>();
  const ecbOf = (key: Uint8Array): Cipher => ciphers.get(key, 0, () => ecbFor(key));

  function keysFor(key: Uint8Array, usage: number): { ke: Buffer; ki: Buffer } {
    checkKey(name, key, keyLength);
    checkUsage(usage);
    return encryptionKeys.get(key, usage, () => {
      const ecb = ecbOf(key);
      return { ke: dk(ecb, keyLength, usageConstant(usage, 'Ke')), ki: dk(ecb, keyLength, usageConstant(usage, 'Ki')) };
    });
  }

  function derive(key: Uint8Array, usage: number, purpose: KeyPurpose): Buffer {
    if (purpose === 'Ke') return keysFor(key, usage).ke;
    if (purpose === 'Ki') return keysFor(key, usage).ki;
    checkKey(name, key, keyLength);
    checkUsage(usage);
    return checksumKeys.get(key, usage, () => dk(ecbOf(key), keyLength, usageConstant(usage, 'Kc')));
  }

  function mac(ki: Buffer, data: Uint8Array): Buffer {
    return createHmac('sha1', ki).update(data).digest().subarray(0, MAC_LENGTH);
  }

  const checksum: ChecksumType = {
    type: checksumType,
    name: `hmac-sha1-96-aes${keyLength * 8}`,
    length: MAC_LENGTH,
    compute: (key, usage, data) => mac(derive(key, usage, 'Kc'), data),
    verify: (key, usage, data, value) =>
      value.length === MAC_LENGTH && timingSafeEqual(mac(derive(key, usage, 'Kc'), data), value),
  };

  return {
    etype,
    name,
    keyLength,
    checksumType,
    checksumLength: MAC_LENGTH,
    overhead: BLOCK + MAC_LENGTH,
    checksumMechanism: checksum,

    stringToKey(password: string, salt: string | Uint8Array, params?: Uint8Array): Buffer {
      const iterations = iterationCount(params, DEFAULT_ITERATIONS);
      const tkey = pbkdf2Sync(Buffer.from(password, 'utf8'), saltBytes(salt), iterations, keyLength, 'sha1');
      return deriveKeyAesSha1(tkey, Buffer.from('kerberos'));
    },

    randomKey(options?: EncryptOptions): Buffer {
      return drawRandom(keyLength, options?.randomBytes);
    },

    deriveKey: (key, usage, purpose) => Buffer.from(derive(key, usage, purpose)),

    encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array, options?: EncryptOptions): Buffer {
      const { ke, ki } = keysFor(key, usage);
      const data = Buffer.concat([drawRandom(BLOCK, options?.randomBytes), plaintext]);
      return Buffer.concat([aesCtsEncrypt(ke, data), mac(ki, data)]);
    },

    decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): Buffer {
      const { ke, ki } = keysFor(key, usage);
      if (ciphertext.length < BLOCK + MAC_LENGTH) {
        throw new KerberosCryptoError('BAD_LENGTH', `${name} ciphertext of ${ciphertext.length} bytes is shorter than ${BLOCK + MAC_LENGTH}`);
      }
      const split = ciphertext.length - MAC_LENGTH;
      const data = aesCtsDecrypt(ke, ciphertext.subarray(0, split));
      if (!timingSafeEqual(mac(ki, data), ciphertext.subarray(split))) {
        throw new KerberosCryptoError('INTEGRITY', `${name} integrity check failed (wrong key or usage, or altered ciphertext)`);
      }
      return data.subarray(BLOCK);
    },

    checksum: checksum.compute,
    verifyChecksum: checksum.verify,
  };
}

export const aes128CtsHmacSha196 = makeAesSha1(17, 'aes128-cts-hmac-sha1-96', 16, 15);
export const aes256CtsHmacSha196 = makeAesSha1(18, 'aes256-cts-hmac-sha1-96', 32, 16);
