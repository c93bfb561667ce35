/**
 * The encryption and checksum types this implementation provides, by number. Active Directory
 * uses 18, 17 and 23 (MS-KILE 2.2.7, msDS-SupportedEncryptionTypes); 19 and 20 (RFC 8009) are
 * here for KDCs that issue them. DES and DES3 are not: Windows disabled them by default, and
 * RFC 6649 / RFC 8429 deprecate them.
 */
import { aes128CtsHmacSha196, aes256CtsHmacSha196 } from './aesSha1.js';
import { aes128CtsHmacSha256128, aes256CtsHmacSha384192 } from './aesSha2.js';
import type { ChecksumType, EncryptionType } from './encryptionType.js';
import { KerberosCryptoError } from './errors.js';
import { hmacMd5Checksum138, rc4Hmac } from './rc4Hmac.js';

/** Encryption type numbers (RFC 3961 §8, RFC 3962 §7, RFC 8009 §8, RFC 4757). */
export const EncType = {
  AES128_CTS_HMAC_SHA1_96: 17,
  AES256_CTS_HMAC_SHA1_96: 18,
  AES128_CTS_HMAC_SHA256_128: 19,
  AES256_CTS_HMAC_SHA384_192: 20,
  RC4_HMAC: 23,
} as const;

/** Checksum type numbers (RFC 3961 §8 and the same RFCs; −138 is Microsoft's HMAC-MD5, RFC 4757 §4). */
export const ChecksumTypeNumber = {
  HMAC_SHA1_96_AES128: 15,
  HMAC_SHA1_96_AES256: 16,
  HMAC_SHA256_128_AES128: 19,
  HMAC_SHA384_192_AES256: 20,
  HMAC_MD5: -138,
} as const;

/** Every provided enctype, strongest first: the order an acceptor prefers keys in. */
export const ENCRYPTION_TYPES: readonly EncryptionType[] = [
  aes256CtsHmacSha384192,
  aes128CtsHmacSha256128,
  aes256CtsHmacSha196,
  aes128CtsHmacSha196,
  rc4Hmac,
];

const BY_ETYPE = new Map<number, EncryptionType>(ENCRYPTION_TYPES.map((e) => [e.etype, e]));

const CHECKSUMS: readonly ChecksumType[] = [
  ...ENCRYPTION_TYPES.filter((e) => e !== rc4Hmac).map((e) => e.checksumMechanism),
  hmacMd5Checksum138,
];
const BY_CHECKSUM = new Map<number, ChecksumType>(CHECKSUMS.map((c) => [c.type, c]));

/** The enctype numbered `etype`, or undefined. */
export function findEncryptionType(etype: number): EncryptionType | undefined {
  return BY_ETYPE.get(etype);
}

/** The enctype numbered `etype`; throws KerberosCryptoError `unsupported-etype` for any other number. */
export function encryptionType(etype: number): EncryptionType {
  const e = BY_ETYPE.get(etype);
  if (e === undefined) throw new KerberosCryptoError('UNSUPPORTED_ETYPE', `encryption type ${etype} is not supported`);
  return e;
}

/**
 * The checksum type numbered `type`; throws `unsupported-checksum` otherwise. The number is read
 * as a signed 32-bit value, so a PAC's unsigned 0xFFFFFF76 is the −138 of RFC 4757 (gokrb5 #22
 * read it unsigned and found nothing).
 */
export function checksumType(type: number): ChecksumType {
  const c = BY_CHECKSUM.get(type | 0);
  if (c === undefined) throw new KerberosCryptoError('UNSUPPORTED_CHECKSUM', `checksum type ${type | 0} is not supported`);
  return c;
}
