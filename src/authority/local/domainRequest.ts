/**
 * The policy's view of a logon the authority validates (DomainRequest), built from what the
 * server passed on. A DC sees the NTLMv2 response itself, so MIC and channel-binding state
 * for the 4030–4033 events are read from its AV pairs, as Windows does.
 */
import { AvId, findAv, MsvAvFlagBits, readAvFlags, readAvString } from '../../ntlm/avPairs.js';
import type { NtlmValidationRequest } from '../../ntlm/authority.js';
import { isZeroBinding } from '../../ntlm/channelBindings.js';
import { NtlmDecodeError } from '../../ntlm/errors.js';
import { parseNtlmV2Response } from '../../ntlm/responses.js';
import type { ChannelBindingState, DomainRequest, MachineIdentity } from '../../policy/requests.js';
import type { ResolvedAccount } from './resolve.js';

export interface ResponseFacts {
  readonly micPresent: boolean;
  readonly channelBindings: ChannelBindingState;
  readonly targetName?: string;
}

/** MIC, channel bindings and target name from an NTLMv2 response; none for v1 or an unreadable one. */
export function responseFacts(req: Pick<NtlmValidationRequest, 'responseKind' | 'ntChallengeResponse'>): ResponseFacts {
  if (req.responseKind !== 'NTLMv2') return { micPresent: false, channelBindings: 'absent' };
  try {
    const pairs = parseNtlmV2Response(req.ntChallengeResponse).avPairs;
    const cb = findAv(pairs, AvId.MsvAvChannelBindings);
    return {
      micPresent: (readAvFlags(pairs) & MsvAvFlagBits.MIC_PRESENT) !== 0,
      channelBindings: !cb ? 'absent' : isZeroBinding(cb) ? 'zero' : 'present',
      targetName: readAvString(pairs, AvId.MsvAvTargetName),
    };
  } catch (e) {
    // A malformed blob fails verification anyway; its events then say "no MIC, no binding".
    if (e instanceof NtlmDecodeError) return { micPresent: false, channelBindings: 'absent' };
    throw e;
  }
}

/**
 * The request decideDomain reads. The account is named as resolved (an unknown or empty
 * domain is the configured one): deciding on the domain as sent would let a client pick a
 * made-up domain to fall outside "Deny for domain accounts".
 */
export function domainRequestOf(req: NtlmValidationRequest, account: ResolvedAccount, dc: MachineIdentity): DomainRequest {
  return {
    user: account.key.name,
    domain: account.key.domain,
    workstation: req.workstation,
    version: req.responseKind,
    ...responseFacts(req),
    dc,
    server: { netbiosComputerName: req.server.netbiosName, netbiosDomainName: req.server.netbiosDomainName },
  };
}
