/**
 * Cryptographic primitives for the NTLM engine: the legacy algorithms OpenSSL 3 no longer
 * offers by default (MD4, RC4, DES), implemented in TypeScript, and thin node:crypto
 * helpers for the rest.
 */
export { md4 } from './md4.js';
export { Rc4, rc4 } from './rc4.js';
export { desEncryptBlock, expandDesKey, desl } from './des.js';
export { md5, hmacMd5, sha256, randomBytes, constantTimeEqual } from './hash.js';
export * from './certificateHash.js';
