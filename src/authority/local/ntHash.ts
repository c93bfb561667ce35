/**
 * The only secret an account keeps: its NT hash, NTOWFv1 = MD4(UTF-16LE(password))
 * (MS-NLMP §3.3.1). It is password-equivalent for NTLM (whoever holds it can answer any
 * challenge), so it is never printed and the store file is private to its owner.
 */
import { ntowfv1 } from '../../ntlm/owf.js';
import { AccountStoreError } from '../errors.js';

export const NT_HASH_LENGTH = 16;

/** NTOWFv1 of the empty password: an account with it has no password at all. */
export const EMPTY_PASSWORD_NT_HASH = '31d6cfe0d16ae931b73c59d7e0c089c0';

export function ntHashOfPassword(password: string): Buffer {
  if (password.length === 0) throw new AccountStoreError('invalid', 'the password is empty');
  return ntowfv1(password);
}

/** Why a hex NT hash (as pwdump, secretsdump and Samba's pdbedit print it) is not acceptable, or undefined. */
export function ntHashHexProblem(hex: string): string | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 'is not 32 hexadecimal digits';
  if (hex.toLowerCase() === EMPTY_PASSWORD_NT_HASH) return 'is the NT hash of the empty password';
  return undefined;
}

export function parseNtHashHex(hex: string): Buffer {
  const p = ntHashHexProblem(hex);
  if (p) throw new AccountStoreError('invalid', `NT hash ${p}`);
  return Buffer.from(hex, 'hex');
}

export function checkNtHash(hash: Uint8Array): Buffer {
  if (hash.length !== NT_HASH_LENGTH) throw new AccountStoreError('invalid', `an NT hash has ${NT_HASH_LENGTH} bytes, got ${hash.length}`);
  return Buffer.from(hash);
}
