/** One-way functions, MS-NLMP §3.3.1 (v1) and §3.3.2 (v2). */
import { desEncryptBlock, expandDesKey } from '../crypto/des.js';
import { hmacMd5 } from '../crypto/hash.js';
import { md4 } from '../crypto/md4.js';

const LM_MAGIC = Buffer.from('KGS!@#$%', 'latin1');

/** NTOWFv1(Passwd) = MD4(UNICODE(Passwd)): the "NT hash". */
export function ntowfv1(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/**
 * LMOWFv1(Passwd): DES("KGS!@#$%") under each half of the uppercased OEM password,
 * padded or cut to 14 bytes. Only for LM-level compatibility (refused by default).
 */
export function lmowfv1(password: string): Buffer {
  const key = Buffer.alloc(14);
  Buffer.from(password.toUpperCase(), 'latin1').copy(key, 0, 0, 14);
  return Buffer.concat([
    desEncryptBlock(expandDesKey(key.subarray(0, 7)), LM_MAGIC),
    desEncryptBlock(expandDesKey(key.subarray(7, 14)), LM_MAGIC),
  ]);
}

/** NTOWFv2 = HMAC_MD5(NTOWFv1, UNICODE(Uppercase(User) ‖ UserDom)); the user is uppercased, the domain is not. */
export function ntowfv2FromHash(ntHash: Uint8Array, user: string, domain: string): Buffer {
  return hmacMd5(ntHash, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return ntowfv2FromHash(ntowfv1(password), user, domain);
}
