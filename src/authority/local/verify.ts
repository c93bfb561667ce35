/**
 * The response check a DC does (MS-APDS §3.1.5.1), in constant time. Accounts keep only
 * the NT hash, so LM responses never verify here whatever LmCompatibilityLevel allows.
 */
import type { NtlmValidationRequest } from '../../ntlm/authority.js';
import { verifyNtlmV1, verifyNtlmV2, type VerifyResult } from '../../ntlm/responses.js';

export function verifyResponse(ntHash: Uint8Array, req: NtlmValidationRequest, allowLm: boolean): VerifyResult {
  if (req.responseKind === 'NTLMv2') {
    return verifyNtlmV2(ntHash, req.userName, req.domainName, req.challenge, req.ntChallengeResponse, req.lmChallengeResponse);
  }
  // NTLMv1-ESS arrives with its derived challenge, so one DESL check covers NTLMv1 and ESS.
  return verifyNtlmV1(ntHash, undefined, req.challenge, req.ntChallengeResponse, req.lmChallengeResponse, allowLm);
}
