/**
 * Incoming NTLM at this server: RestrictReceivingNTLMTraffic / AuditReceivingNTLMTraffic (S1, S2)
 * and the per-service BlockNTLM, in the three places an acceptor meets them:
 * - decideBeforeChallenge, on the NEGOTIATE: "Deny all accounts" (MS-NLMP §3.2.1.1 ServerBlock)
 *   answers no CHALLENGE to anyone; only its 4002 is written, as no logon exists yet.
 * - decideBeforeAuthority, once the AUTHENTICATE names an account: "Deny all domain accounts"
 *   (MS-APDS §3.1.5 NTLMServerDomainBlocked) passes no logon through to a DC, so a domain account
 *   costs the authority nothing (no DC events, no bad-password count). It decides; the refused
 *   logon's events are decideIncoming's, which blocks it for the same setting and reason.
 * - decideIncoming, the whole logon (evaluate adds decideSecurity): Deny all accounts → Deny all
 *   domain accounts → the service's BlockNTLM → the audit setting. Audit logs exactly what the
 *   matching Deny option would block: 8002 for every logon at "all accounts", 8003 for each
 *   domain account at either level (facts §2.2).
 */
import { incomingAccountKind, namesPassThroughDomain } from '../accounts.js';
import { decision, type PolicyDecision } from '../decision.js';
import { serverBlockEvent, serverDomainEvent, serverUsageEvent } from '../events.js';
import { labelOf } from '../labels.js';
import { matchServerList, type HostInput } from '../match.js';
import { accountName } from '../names.js';
import type { NtlmPolicy } from '../policy.js';
import type { ClaimedAccount, IncomingContext, IncomingRequest } from '../requests.js';
import { AUDIT_RECEIVING, RESTRICT_RECEIVING, type RestrictReceivingValue } from '../settings.js';
import { serverUsageReason } from '../usage.js';

const RIR = 'RestrictReceivingNTLMTraffic';

/** "Deny all accounts": no incoming NTLM at all. */
const DENY_ALL: RestrictReceivingValue = 2;
/** "Deny all domain accounts": no pass-through to a DC. */
const DENY_DOMAIN: RestrictReceivingValue = 1;

function denyAll(events: PolicyDecision['events']): PolicyDecision {
  return decision('block', RIR, `${labelOf(RESTRICT_RECEIVING, DENY_ALL)}: this server refuses all incoming NTLM`, events);
}

function denyDomainAccount(who: string, events: PolicyDecision['events']): PolicyDecision {
  return decision('block', RIR, `${labelOf(RESTRICT_RECEIVING, DENY_DOMAIN)}: ${who} is a domain account`, events);
}

/** On the NEGOTIATE, before any CHALLENGE is made: block (4002 only) or allow (no events). */
export function decideBeforeChallenge(policy: NtlmPolicy, req: IncomingContext): PolicyDecision {
  if (policy.RestrictReceivingNTLMTraffic === DENY_ALL) return denyAll([serverBlockEvent(4002, req)]);
  return decision('allow', RIR, `${labelOf(RESTRICT_RECEIVING, policy.RestrictReceivingNTLMTraffic)}: the handshake may start`);
}

/**
 * Once the AUTHENTICATE names the account, before the authority is asked: block a logon this
 * server would pass through to a DC under "Deny all domain accounts". No events (see above).
 */
export function decideBeforeAuthority(policy: NtlmPolicy, req: ClaimedAccount): PolicyDecision {
  // Refused on the NEGOTIATE already; kept here so a caller that skipped that phase refuses too.
  if (policy.RestrictReceivingNTLMTraffic === DENY_ALL) return denyAll([]);
  if (policy.RestrictReceivingNTLMTraffic === DENY_DOMAIN && namesPassThroughDomain(req)) return denyDomainAccount(accountName(req.user, req.domain), []);
  return decision('allow', RIR, `${labelOf(RESTRICT_RECEIVING, policy.RestrictReceivingNTLMTraffic)}: the authority may be asked`);
}

export function decideIncoming(policy: NtlmPolicy, req: IncomingRequest): PolicyDecision {
  const kind = incomingAccountKind(req);
  const who = accountName(req.user, req.domain);
  const usage = policy.LogEnhancedAuditEvents === 1 ? [serverUsageEvent(req, serverUsageReason(req, kind))] : [];

  const restrict = policy.RestrictReceivingNTLMTraffic;
  const rLabel = labelOf(RESTRICT_RECEIVING, restrict);
  if (restrict === DENY_ALL) return denyAll([serverBlockEvent(4002, req), ...usage]);
  if (restrict === DENY_DOMAIN && kind === 'domain') return denyDomainAccount(who, [serverDomainEvent(4003, req), ...usage]);

  // The service's own block: the client's IP, workstation name or DNS name may be excepted.
  let excepted: PolicyDecision | undefined;
  const servicePolicy = req.service === undefined ? undefined : policy.services.get(req.service);
  if (req.service !== undefined && servicePolicy?.BlockNTLM === 1) {
    const base = `services.${req.service}`;
    // The workstation name is the client's own claim: it matches name entries only, never an IP entry.
    const hosts: HostInput[] = [
      { host: req.clientIp, source: 'ip' },
      { host: req.workstation, source: 'name' },
      { host: req.clientDnsName, source: 'name' },
    ];
    const matched = matchServerList(servicePolicy.BlockNTLMServerExceptionList, hosts);
    if (matched === undefined) {
      const client = hosts.flatMap((h) => (h.host ? [h.host] : [])).join(', ') || '(unknown)';
      return decision(
        'block',
        `${base}.BlockNTLM`,
        `BlockNTLM: service ${req.service} refuses NTLM; client ${client} is not in BlockNTLMServerExceptionList`,
        [serverBlockEvent(4002, req), ...usage],
      );
    }
    excepted = decision('allow', `${base}.BlockNTLMServerExceptionList`, `BlockNTLM: client ${matched.host} matches BlockNTLMServerExceptionList entry ${matched.entry}`, usage);
  }

  const audit = policy.AuditReceivingNTLMTraffic;
  const aLabel = labelOf(AUDIT_RECEIVING, audit);
  const audited = [...(audit === 2 ? [serverBlockEvent(8002, req)] : []), ...(audit >= 1 && kind === 'domain' ? [serverDomainEvent(8003, req)] : [])];
  if (audited.length > 0) {
    const why = audit === 2 ? 'Deny all accounts would block this logon' : `${who} is a domain account; Deny all domain accounts would block it`;
    return decision('audit', 'AuditReceivingNTLMTraffic', `${aLabel}: ${why}`, [...audited, ...usage]);
  }
  if (excepted !== undefined) return excepted;
  const why = restrict === DENY_DOMAIN ? `${who} is not a domain account (validated locally)` : 'incoming NTLM is not restricted';
  return decision('allow', RIR, `${rLabel}: ${why}`, usage);
}
