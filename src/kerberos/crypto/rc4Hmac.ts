/**
 * rc4-hmac (23), RFC 4757 — the enctype of Active Directory accounts without AES keys, and
 * Microsoft's HMAC-MD5 checksum (−138) that signs their PACs.
 *
 *   string-to-key  MD4(UTF-16LE(password)), the NT hash; no salt, no parameters (§2)
 *   K1             HMAC-MD5(key, LE32(msusage)) (§3)
 *   encrypt        cksum = HMAC-MD5(K1, confounder8 ‖ P); K3 = HMAC-MD5(K1, cksum); cksum ‖ RC4(K3, confounder8 ‖ P)
 *   checksum −138  HMAC-MD5(HMAC-MD5(key, "signaturekey\0"), MD5(LE32(msusage) ‖ data)) (§4)
 *
 * Windows numbers some usages its own way ("msusage"): the AS-REP enc-part (3) is sealed with 8,
 * and the RFC 4121 signing usage 23 is 13; every other usage is itself (MIT enc_rc4.c agrees).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { md4 } from '../../crypto/md4.js';
import { rc4 } from '../../crypto/rc4.js';
import { KerberosCryptoError } from './errors.js';
import type { ChecksumType, EncryptionType, EncryptOptions, KeyPurpose } from './encryptionType.js';
import { checkKey, checkUsage, DerivedKeyCache, drawRandom } from './support.js';

const NAME = 'rc4-hmac';
const KEY_LENGTH = 16;
const CKSUM_LENGTH = 16;
const CONFOUNDER_LENGTH = 8;
const SIGNATURE_KEY_LABEL = Buffer.from('signaturekey\0', 'latin1');

/** The Windows usage number for an RFC 4120 / RFC 4121 usage (RFC 4757 §3). */
export function rc4MsUsage(usage: number): number {
  if (usage === 3) return 8;
  if (usage === 23) return 13;
  return usage;
}

function le32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

const k1Cache = new DerivedKeyCache<Buffer>();

function k1(key: Uint8Array, usage: number): Buffer {
  return k1Cache.get(key, usage, () => createHmac('md5', key).update(le32(rc4MsUsage(usage))).digest());
}

/** HMAC-MD5 keys may be any length up to MD5's block; RC4 keys are 16 bytes. */
function checkHmacMd5Key(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > 64) {
    throw new KerberosCryptoError('BAD_KEY', `hmac-md5 needs a key of 1 to 64 bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
}

function hmacMd5Checksum(key: Uint8Array, usage: number, data: Uint8Array): Buffer {
  checkHmacMd5Key(key);
  checkUsage(usage);
  const ksign = createHmac('md5', key).update(SIGNATURE_KEY_LABEL).digest();
  const inner = createHash('md5').update(le32(rc4MsUsage(usage))).update(data).digest();
  return createHmac('md5', ksign).update(inner).digest();
}

/** Checksum type −138, KERB_CHECKSUM_HMAC_MD5 (RFC 4757 §4; on the wire in a PAC as 0xFFFFFF76). */
export const hmacMd5Checksum138: ChecksumType = {
  type: -138,
  name: 'hmac-md5',
  length: CKSUM_LENGTH,
  compute: hmacMd5Checksum,
  verify: (key, usage, data, value) =>
    value.length === CKSUM_LENGTH && timingSafeEqual(hmacMd5Checksum(key, usage, data), value),
};

export const rc4Hmac: EncryptionType = {
  etype: 23,
  name: NAME,
  keyLength: KEY_LENGTH,
  checksumType: -138,
  checksumLength: CKSUM_LENGTH,
  overhead: CKSUM_LENGTH + CONFOUNDER_LENGTH,
  checksumMechanism: hmacMd5Checksum138,

  stringToKey(password: string): Buffer {
    return md4(Buffer.from(password, 'utf16le'));
  },

  randomKey(options?: EncryptOptions): Buffer {
    return drawRandom(KEY_LENGTH, options?.randomBytes);
  },

  /** RC4 has one key per usage, K1, for encryption and integrity alike; Kc is the "signaturekey" HMAC key. */
  deriveKey(key: Uint8Array, usage: number, purpose: KeyPurpose): Buffer {
    checkKey(NAME, key, KEY_LENGTH);
    checkUsage(usage);
    if (purpose === 'Kc') return createHmac('md5', key).update(SIGNATURE_KEY_LABEL).digest();
    return Buffer.from(k1(key, usage));
  },

  encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array, options?: EncryptOptions): Buffer {
    checkKey(NAME, key, KEY_LENGTH);
    checkUsage(usage);
    const usageKey = k1(key, usage);
    const data = Buffer.concat([drawRandom(CONFOUNDER_LENGTH, options?.randomBytes), plaintext]);
    const cksum = createHmac('md5', usageKey).update(data).digest();
    const k3 = createHmac('md5', usageKey).update(cksum).digest();
    return Buffer.concat([cksum, rc4(k3, data)]);
  },

  decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): Buffer {
    checkKey(NAME, key, KEY_LENGTH);
    checkUsage(usage);
    if (ciphertext.length < CKSUM_LENGTH + CONFOUNDER_LENGTH) {
      throw new KerberosCryptoError('BAD_LENGTH', `${NAME} ciphertext of ${ciphertext.length} bytes is shorter than ${CKSUM_LENGTH + CONFOUNDER_LENGTH}`);
    }
    const usageKey = k1(key, usage);
    const cksum = ciphertext.subarray(0, CKSUM_LENGTH);
    const k3 = createHmac('md5', usageKey).update(cksum).digest();
    const data = rc4(k3, ciphertext.subarray(CKSUM_LENGTH));
    if (!timingSafeEqual(createHmac('md5', usageKey).update(data).digest(), cksum)) {
      throw new KerberosCryptoError('INTEGRITY', `${NAME} integrity check failed (wrong key or usage, or altered ciphertext)`);
    }
    return data.subarray(CONFOUNDER_LENGTH);
  },

  checksum: hmacMd5Checksum138.compute,
  verifyChecksum: hmacMd5Checksum138.verify,
};
