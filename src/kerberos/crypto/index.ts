/** The RFC 3961 crypto framework for Kerberos: enctypes 17, 18, 19, 20, 23, their checksums, usages and AD salts. */
export type { ChecksumType, EncryptionType, EncryptOptions, KeyPurpose, RandomSource } from './encryptionType.js';
export { KerberosCryptoError } from './errors.js';
export type { KerberosCryptoErrorCode } from './errors.js';
export { ChecksumTypeNumber, ENCRYPTION_TYPES, EncType, checksumType, encryptionType, findEncryptionType } from './enctypes.js';
export { aes128CtsHmacSha196, aes256CtsHmacSha196 } from './aesSha1.js';
export { aes128CtsHmacSha256128, aes256CtsHmacSha384192 } from './aesSha2.js';
export { hmacMd5Checksum138, rc4Hmac, rc4MsUsage } from './rc4Hmac.js';
export { KeyUsage, keyUsageName } from './keyUsage.js';
export type { KeyUsageName } from './keyUsage.js';
export { accountSalt, computerSalt, principalSalt, userSalt } from './salt.js';
