/**
 * Challenge responses, MS-NLMP §3.3: LM, NTLMv1, NTLMv1 with extended session security
 * (NTLM2), LMv2 and NTLMv2; the NTLMv2 client challenge structure (§2.2.2.7) and the
 * matching verification used by authorities.
 */
import { desl } from '../crypto/des.js';
import { constantTimeEqual, hmacMd5, md5 } from '../crypto/hash.js';
import { md4 } from '../crypto/md4.js';
import { decodeAvPairs, type AvPair } from './avPairs.js';
import { NtlmDecodeError } from './errors.js';
import { decodeFiletime } from './filetime.js';
import { ntowfv2FromHash } from './owf.js';

/** Which response a logon used; the names policy and audit print (event 4020–4033 "NTLM version"). */
export type NtlmVersion = 'LM' | 'NTLMv1' | 'NTLMv1-ESS' | 'NTLMv2' | 'Anonymous';

export interface V1Responses {
  readonly ntChallengeResponse: Buffer;
  readonly lmChallengeResponse: Buffer;
  readonly sessionBaseKey: Buffer;
}

/** NTLMv1 without ESS (§3.3.1): DESL over the server challenge. `lmHash` absent = NoLMResponseNTLMv1. */
export function computeV1Responses(ntHash: Uint8Array, lmHash: Uint8Array | undefined, serverChallenge: Uint8Array): V1Responses {
  const nt = desl(ntHash, serverChallenge);
  return {
    ntChallengeResponse: nt,
    lmChallengeResponse: lmHash ? desl(lmHash, serverChallenge) : Buffer.from(nt),
    sessionBaseKey: md4(ntHash),
  };
}

/** The challenge an NTLMv1-ESS response answers: MD5(ServerChallenge ‖ ClientChallenge)[0..7] (§3.3.1). */
export function essChallenge(serverChallenge: Uint8Array, clientChallenge: Uint8Array): Buffer {
  return md5(serverChallenge, clientChallenge).subarray(0, 8);
}

/** NTLMv1 with extended session security (§3.3.1): LM response = ClientChallenge ‖ Z(16). */
export function computeV1EssResponses(ntHash: Uint8Array, serverChallenge: Uint8Array, clientChallenge: Uint8Array): V1Responses {
  return {
    ntChallengeResponse: desl(ntHash, essChallenge(serverChallenge, clientChallenge)),
    lmChallengeResponse: Buffer.concat([clientChallenge, Buffer.alloc(16)]),
    sessionBaseKey: md4(ntHash),
  };
}

/** temp of §3.3.2: RespType ‖ HiRespType ‖ Z(6) ‖ Time ‖ ClientChallenge ‖ Z(4) ‖ AvPairs ‖ Z(4). */
export function buildNtlmV2ClientChallenge(time: Uint8Array, clientChallenge: Uint8Array, targetInfo: Uint8Array): Buffer {
  const head = Buffer.alloc(28);
  head[0] = 1;
  head[1] = 1;
  head.set(time, 8);
  head.set(clientChallenge, 16);
  return Buffer.concat([head, targetInfo, Buffer.alloc(4)]);
}

export interface V2Responses extends V1Responses {
  readonly ntProofStr: Buffer;
}

/** NTLMv2 and LMv2 (§3.3.2). `targetInfo` is the encoded AV pair list the client sends. */
export function computeV2Responses(
  responseKeyNT: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  time: Uint8Array,
  targetInfo: Uint8Array,
): V2Responses {
  const temp = buildNtlmV2ClientChallenge(time, clientChallenge, targetInfo);
  const ntProofStr = hmacMd5(responseKeyNT, serverChallenge, temp);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: Buffer.concat([hmacMd5(responseKeyNT, serverChallenge, clientChallenge), clientChallenge]),
    sessionBaseKey: hmacMd5(responseKeyNT, ntProofStr),
  };
}

/** NTLMv2_RESPONSE (§2.2.2.8) split into its parts. */
export interface NtlmV2Response {
  readonly ntProofStr: Buffer;
  readonly respType: number;
  readonly hiRespType: number;
  readonly timestamp: bigint;
  readonly clientChallenge: Buffer;
  readonly avPairs: readonly AvPair[];
  /** Everything after NTProofStr: the `temp` the proof was computed over. */
  readonly temp: Buffer;
}

const V2_FIXED = 16 + 28;

export function parseNtlmV2Response(nt: Buffer): NtlmV2Response {
  if (nt.length < V2_FIXED + 4) {
    throw new NtlmDecodeError('BAD_RESPONSE', `NTLMv2 response of ${nt.length} bytes is too short`);
  }
  const respType = nt[16] ?? 0;
  const hiRespType = nt[17] ?? 0;
  if (respType !== 1 || hiRespType !== 1) {
    throw new NtlmDecodeError('BAD_RESPONSE', `NTLMv2 client challenge has version ${respType}.${hiRespType}, expected 1.1`);
  }
  return {
    ntProofStr: Buffer.from(nt.subarray(0, 16)),
    respType,
    hiRespType,
    timestamp: decodeFiletime(nt.subarray(24, 32)),
    clientChallenge: Buffer.from(nt.subarray(32, 40)),
    avPairs: decodeAvPairs(nt.subarray(V2_FIXED)),
    temp: Buffer.from(nt.subarray(16)),
  };
}

/** Classifies a response pair by shape (§3.3): what the client *sent*, before any check. */
export function classifyResponse(lm: Buffer, nt: Buffer, essNegotiated: boolean): NtlmVersion {
  if (nt.length === 0 && (lm.length === 0 || (lm.length === 1 && lm[0] === 0))) return 'Anonymous';
  if (nt.length > 24) return 'NTLMv2';
  if (nt.length === 24) {
    return essNegotiated && lm.length === 24 && lm.subarray(8).equals(Buffer.alloc(16)) ? 'NTLMv1-ESS' : 'NTLMv1';
  }
  return 'LM';
}

/** Domain forms tried when checking NTLMv2 (Samba's ntlm_check.c): as sent, uppercased, empty. */
function domainCandidates(domain: string): string[] {
  return [...new Set([domain, domain.toUpperCase(), ''])];
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly sessionBaseKey?: Buffer;
  /** LMOWF[0..7], the DC's LMSessionKey, needed for KXKEY with NEGOTIATE_LM_KEY. */
  readonly lmSessionKey?: Buffer;
}

/**
 * Checks an NTLMv2 (or, when the NT response is missing, an LMv2) response against an NT
 * hash in constant time. This is the computation a DC does for MS-APDS §3.1.5.1.
 */
export function verifyNtlmV2(
  ntHash: Uint8Array,
  userName: string,
  domainName: string,
  serverChallenge: Uint8Array,
  nt: Buffer,
  lm: Buffer,
): VerifyResult {
  for (const domain of domainCandidates(domainName)) {
    const key = ntowfv2FromHash(ntHash, userName, domain);
    if (nt.length > 24) {
      const proof = hmacMd5(key, serverChallenge, nt.subarray(16));
      if (constantTimeEqual(proof, nt.subarray(0, 16))) return { ok: true, sessionBaseKey: hmacMd5(key, proof) };
    } else if (lm.length === 24) {
      const proof = hmacMd5(key, serverChallenge, lm.subarray(16, 24));
      if (constantTimeEqual(proof, lm.subarray(0, 16))) return { ok: true, sessionBaseKey: hmacMd5(key, proof) };
    }
  }
  return { ok: false };
}

/**
 * Checks an NTLMv1 or LM response (§3.3.1). For NTLMv1-ESS, pass the ESS challenge
 * (essChallenge(SC, CC)) as `challenge`, exactly what a server hands to its DC.
 */
export function verifyNtlmV1(
  ntHash: Uint8Array,
  lmHash: Uint8Array | undefined,
  challenge: Uint8Array,
  nt: Buffer,
  lm: Buffer,
  allowLm: boolean,
): VerifyResult {
  const lmSessionKey = lmHash ? Buffer.from(lmHash.subarray(0, 8)) : undefined;
  if (nt.length === 24 && constantTimeEqual(desl(ntHash, challenge), nt)) {
    return { ok: true, sessionBaseKey: md4(ntHash), lmSessionKey };
  }
  if (allowLm && lmHash && lm.length === 24 && constantTimeEqual(desl(lmHash, challenge), lm)) {
    // LM-only logon: the session key is derived from the LM hash (MS-NLMP §3.3.1 LM_KEY path).
    return { ok: true, sessionBaseKey: Buffer.concat([lmHash.subarray(0, 8), Buffer.alloc(8)]), lmSessionKey };
  }
  return { ok: false };
}
