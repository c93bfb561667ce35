/**
 * Incoming NTLM at this server: RestrictReceivingNTLMTraffic / AuditReceivingNTLMTraffic (S1, S2)
 * and the per-service BlockNTLM. Order: Deny all accounts (MS-NLMP §3.2.1.1 ServerBlock: no
 * challenge for anyone) → Deny all domain accounts (MS-APDS §3.1.5 NTLMServerDomainBlocked: no
 * pass-through) → the service's BlockNTLM → the audit setting. Audit logs exactly what the
 * matching Deny option would block: 8002 for every logon at "all accounts", 8003 for each
 * domain account at either level (facts §2.2).
 */
import { incomingAccountKind } from '../accounts.js';
import { decision, type PolicyDecision } from '../decision.js';
import { serverBlockEvent, serverDomainEvent, serverUsageEvent } from '../events.js';
import { labelOf } from '../labels.js';
import { matchServerList, type HostInput } from '../match.js';
import { accountName } from '../names.js';
import type { NtlmPolicy } from '../policy.js';
import type { IncomingRequest } from '../requests.js';
import { AUDIT_RECEIVING, RESTRICT_RECEIVING } from '../settings.js';
import { serverUsageReason } from '../usage.js';

export function decideIncoming(policy: NtlmPolicy, req: IncomingRequest): PolicyDecision {
  const kind = incomingAccountKind(req);
  const who = accountName(req.user, req.domain);
  const usage = policy.LogEnhancedAuditEvents === 1 ? [serverUsageEvent(req, serverUsageReason(req, kind))] : [];

  const restrict = policy.RestrictReceivingNTLMTraffic;
  const rLabel = labelOf(RESTRICT_RECEIVING, restrict);
  if (restrict === 2) {
    return decision('block', 'RestrictReceivingNTLMTraffic', `${rLabel}: this server refuses all incoming NTLM`, [serverBlockEvent(4002, req), ...usage]);
  }
  if (restrict === 1 && kind === 'domain') {
    return decision('block', 'RestrictReceivingNTLMTraffic', `${rLabel}: ${who} is a domain account`, [serverDomainEvent(4003, req), ...usage]);
  }

  // The service's own block: the client's IP, workstation name or DNS name may be excepted.
  let excepted: PolicyDecision | undefined;
  const svc = req.service === undefined ? undefined : policy.services.get(req.service);
  if (req.service !== undefined && svc?.BlockNTLM === 1) {
    const base = `services.${req.service}`;
    // The workstation name is the client's own claim: it matches name entries only, never an IP entry.
    const hosts: HostInput[] = [
      { host: req.clientIp, source: 'ip' },
      { host: req.workstation, source: 'name' },
      { host: req.clientDnsName, source: 'name' },
    ];
    const m = matchServerList(svc.BlockNTLMServerExceptionList, hosts);
    if (m === undefined) {
      const client = hosts.flatMap((h) => (h.host ? [h.host] : [])).join(', ') || '(unknown)';
      return decision(
        'block',
        `${base}.BlockNTLM`,
        `BlockNTLM: service ${req.service} refuses NTLM; client ${client} is not in BlockNTLMServerExceptionList`,
        [serverBlockEvent(4002, req), ...usage],
      );
    }
    excepted = decision('allow', `${base}.BlockNTLMServerExceptionList`, `BlockNTLM: client ${m.host} matches BlockNTLMServerExceptionList entry ${m.entry}`, usage);
  }

  const audit = policy.AuditReceivingNTLMTraffic;
  const aLabel = labelOf(AUDIT_RECEIVING, audit);
  const audited = [...(audit === 2 ? [serverBlockEvent(8002, req)] : []), ...(audit >= 1 && kind === 'domain' ? [serverDomainEvent(8003, req)] : [])];
  if (audited.length > 0) {
    const why = audit === 2 ? 'Deny all accounts would block this logon' : `${who} is a domain account; Deny all domain accounts would block it`;
    return decision('audit', 'AuditReceivingNTLMTraffic', `${aLabel}: ${why}`, [...audited, ...usage]);
  }
  if (excepted !== undefined) return excepted;
  const why = restrict === 1 ? `${who} is not a domain account (validated locally)` : 'incoming NTLM is not restricted';
  return decision('allow', 'RestrictReceivingNTLMTraffic', `${rLabel}: ${why}`, usage);
}
