/**
 * Outgoing NTLM from this machine: RestrictSendingNTLMTraffic with ClientAllowedNTLMServers
 * (S1, S2; MS-NLMP §3.1.1.1 ClientBlocked / ClientBlockExceptions) and the per-service BlockNTLM.
 * The exception list is matched against the target name as the application used it (S2: list
 * both the FQDN and the NetBIOS form); "Audit all" logs what "Deny all" would block, so an
 * excepted server is not logged.
 */
import { outgoingIsLocalAccount } from '../accounts.js';
import { decision, type PolicyDecision } from '../decision.js';
import { clientBlockEvent, clientUsageEvent } from '../events.js';
import { labelOf } from '../labels.js';
import { isIpAddress, matchServerList } from '../match.js';
import { targetHost } from '../names.js';
import type { NtlmPolicy } from '../policy.js';
import type { OutgoingRequest } from '../requests.js';
import { RESTRICT_SENDING } from '../settings.js';
import { clientUsageReason } from '../usage.js';

export function decideOutgoing(policy: NtlmPolicy, req: OutgoingRequest): PolicyDecision {
  const host = req.targetHost ?? targetHost(req.targetSpn);
  const shownHost = host ?? '(no target name)';
  const targetIp = req.targetIp ?? (host !== undefined && isIpAddress(host) ? host : undefined);
  const usageId = clientUsageReason(req, host, outgoingIsLocalAccount(req));
  const usage = policy.LogEnhancedAuditEvents === 1 ? [clientUsageEvent(req, host, targetIp, usageId)] : [];

  const restrict = policy.RestrictSendingNTLMTraffic;
  const label = labelOf(RESTRICT_SENDING, restrict);
  let excepted: PolicyDecision | undefined;
  if (restrict !== 0) {
    const matched = matchServerList(policy.ClientAllowedNTLMServers, [{ host, source: 'auto' }]);
    if (matched !== undefined) {
      excepted = decision('allow', 'ClientAllowedNTLMServers', `${label}: ${matched.host} matches ClientAllowedNTLMServers entry ${matched.entry}`, usage);
    } else if (restrict === 2) {
      return decision('block', 'RestrictSendingNTLMTraffic', `${label}: ${shownHost} is not in ClientAllowedNTLMServers`, [clientBlockEvent(4001, req, host), ...usage]);
    }
  }

  // The service's own block: the target's name, or its resolved address, may be excepted.
  const servicePolicy = req.service === undefined ? undefined : policy.services.get(req.service);
  if (req.service !== undefined && servicePolicy?.BlockNTLM === 1) {
    const base = `services.${req.service}`;
    const matched = matchServerList(servicePolicy.BlockNTLMServerExceptionList, [
      { host, source: 'auto' },
      { host: req.targetIp, source: 'ip' },
    ]);
    if (matched === undefined) {
      return decision(
        'block',
        `${base}.BlockNTLM`,
        `BlockNTLM: service ${req.service} refuses NTLM; target ${shownHost} is not in BlockNTLMServerExceptionList`,
        [clientBlockEvent(4001, req, host), ...usage],
      );
    }
    excepted ??= decision('allow', `${base}.BlockNTLMServerExceptionList`, `BlockNTLM: target ${matched.host} matches BlockNTLMServerExceptionList entry ${matched.entry}`, usage);
  }

  if (restrict === 1 && excepted?.setting !== 'ClientAllowedNTLMServers') {
    return decision('audit', 'RestrictSendingNTLMTraffic', `${label}: NTLM to ${shownHost} is logged; Deny all would block it`, [clientBlockEvent(8001, req, host), ...usage]);
  }
  return excepted ?? decision('allow', 'RestrictSendingNTLMTraffic', `${label}: outgoing NTLM is not restricted`, usage);
}
