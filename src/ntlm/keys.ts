/** Key derivation, MS-NLMP §3.4.5: KXKEY, SIGNKEY, SEALKEY and the key exchange. */
import { desEncryptBlock, expandDesKey } from '../crypto/des.js';
import { hmacMd5, md5 } from '../crypto/hash.js';
import { rc4 } from '../crypto/rc4.js';
import { hasFlag, NegotiateFlags as F } from './flags.js';

/**
 * KXKEY (§3.4.5.1). For NTLMv2 the key exchange key is the session base key itself;
 * for NTLMv1 it depends on ESS, LM_KEY and REQUEST_NON_NT_SESSION_KEY.
 */
export function kxkey(
  flags: number,
  sessionBaseKey: Uint8Array,
  lmChallengeResponse: Uint8Array,
  serverChallenge: Uint8Array,
  lmowf: Uint8Array | undefined,
  ntlmV2: boolean,
): Buffer {
  if (ntlmV2) return Buffer.from(sessionBaseKey);
  if (hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
    return hmacMd5(sessionBaseKey, serverChallenge, lmChallengeResponse.subarray(0, 8));
  }
  if (hasFlag(flags, F.NEGOTIATE_LM_KEY)) {
    if (!lmowf) return Buffer.from(sessionBaseKey);
    const lm8 = lmChallengeResponse.subarray(0, 8);
    const k2 = Buffer.alloc(7, 0xbd);
    k2[0] = lmowf[7] ?? 0;
    return Buffer.concat([
      desEncryptBlock(expandDesKey(lmowf.subarray(0, 7)), lm8),
      desEncryptBlock(expandDesKey(k2), lm8),
    ]);
  }
  if (hasFlag(flags, F.REQUEST_NON_NT_SESSION_KEY)) {
    if (!lmowf) return Buffer.from(sessionBaseKey);
    return Buffer.concat([lmowf.subarray(0, 8), Buffer.alloc(8)]);
  }
  return Buffer.from(sessionBaseKey);
}

const MAGIC = {
  clientSign: Buffer.from('session key to client-to-server signing key magic constant\0', 'latin1'),
  serverSign: Buffer.from('session key to server-to-client signing key magic constant\0', 'latin1'),
  clientSeal: Buffer.from('session key to client-to-server sealing key magic constant\0', 'latin1'),
  serverSeal: Buffer.from('session key to server-to-client sealing key magic constant\0', 'latin1'),
};

export type Direction = 'client' | 'server';

/** SIGNKEY (§3.4.5.2): only defined with extended session security. */
export function signkey(flags: number, exportedSessionKey: Uint8Array, mode: Direction): Buffer | undefined {
  if (!hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY)) return undefined;
  return md5(exportedSessionKey, mode === 'client' ? MAGIC.clientSign : MAGIC.serverSign);
}

/** SEALKEY (§3.4.5.3), including the 40/56-bit weakening of NTLMv1. */
export function sealkey(flags: number, exportedSessionKey: Uint8Array, mode: Direction): Buffer {
  if (hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
    const k = hasFlag(flags, F.NEGOTIATE_128)
      ? exportedSessionKey
      : hasFlag(flags, F.NEGOTIATE_56)
        ? exportedSessionKey.subarray(0, 7)
        : exportedSessionKey.subarray(0, 5);
    return md5(k, mode === 'client' ? MAGIC.clientSeal : MAGIC.serverSeal);
  }
  if (hasFlag(flags, F.NEGOTIATE_LM_KEY)) {
    return hasFlag(flags, F.NEGOTIATE_56)
      ? Buffer.concat([exportedSessionKey.subarray(0, 7), Buffer.from([0xa0])])
      : Buffer.concat([exportedSessionKey.subarray(0, 5), Buffer.from([0xe5, 0x38, 0xb0])]);
  }
  return Buffer.from(exportedSessionKey);
}

/** Client side of the key exchange (§3.1.5.1.2): EncryptedRandomSessionKey = RC4K(KXKEY, ExportedSessionKey). */
export function encryptSessionKey(keyExchangeKey: Uint8Array, exportedSessionKey: Uint8Array): Buffer {
  return rc4(keyExchangeKey, exportedSessionKey);
}

/** Server side (§3.2.5.1.2): with KEY_EXCH the exported key is RC4K(KXKEY, EncryptedRandomSessionKey). */
export function exportedSessionKeyFor(flags: number, keyExchangeKey: Uint8Array, encryptedRandomSessionKey: Uint8Array): Buffer {
  if (hasFlag(flags, F.NEGOTIATE_KEY_EXCH) && encryptedRandomSessionKey.length === 16) {
    return rc4(keyExchangeKey, encryptedRandomSessionKey);
  }
  return Buffer.from(keyExchangeKey);
}
