/**
 * The domain controller's decision (MS-APDS §3.1.5, S1): RestrictNTLMInDomain and
 * AuditNTLMInDomain with DCAllowedNTLMServers. The values read as a scope (facts §1.2, §4.3):
 * 1 = account and server both in this domain, 3 = account in this domain, 5 = server in this
 * domain, 7 = either. The exception list is matched against the NetBIOS name of the server whose
 * secure channel carried the logon, for every Deny option, as S1 documents (MS-APDS lists no
 * exception for the account-domain check; we follow the policy page). Audit logs exactly what
 * the matching Deny would block, so excepted servers are not logged.
 */
import { accountInDcDomain, isDcItself, serverInDcDomain } from '../accounts.js';
import { decision, type PolicyDecision } from '../decision.js';
import { dcEvent, dcUsageEvent } from '../events.js';
import { labelOf } from '../labels.js';
import { matchServerList } from '../match.js';
import { accountName } from '../names.js';
import type { NtlmPolicy } from '../policy.js';
import type { DomainRequest } from '../requests.js';
import { AUDIT_NTLM_IN_DOMAIN, RESTRICT_NTLM_IN_DOMAIN, type RestrictNTLMInDomainValue } from '../settings.js';

/** Whether an option (Deny or Enable, same numbers) covers this logon. */
export function inDomainScope(value: RestrictNTLMInDomainValue, accountIn: boolean, serverIn: boolean): boolean {
  switch (value) {
    case 0:
      return false;
    case 1:
      return accountIn && serverIn;
    case 3:
      return accountIn;
    case 5:
      return serverIn;
    case 7:
      return accountIn || serverIn;
  }
}

export function decideDomain(policy: NtlmPolicy, req: DomainRequest): PolicyDecision {
  const self = isDcItself(req);
  const accountIn = accountInDcDomain(req);
  const serverIn = serverInDcDomain(req);
  const domain = req.dc.netbiosDomainName;
  const server = self ? req.dc.netbiosComputerName : req.server.netbiosComputerName;
  const facts =
    `account ${accountName(req.user, req.domain)} is ${accountIn ? '' : 'not '}in ${domain}, ` +
    `server ${server}${self ? ' (this DC)' : ''} is ${serverIn ? '' : 'not '}in ${domain}`;
  const usage = (blocked: boolean) => (policy.EnableEnhancedDomainNtlmLogs === 1 ? [dcUsageEvent(req, self, blocked)] : []);
  const excepted = matchServerList(policy.DCAllowedNTLMServers, [{ host: server, source: 'name' }]);

  const restrict = policy.RestrictNTLMInDomain;
  const rLabel = labelOf(RESTRICT_NTLM_IN_DOMAIN, restrict);
  const rApplies = inDomainScope(restrict, accountIn, serverIn);
  if (rApplies && excepted === undefined) {
    return decision('block', 'RestrictNTLMInDomain', `${rLabel}: ${facts}`, [dcEvent(self ? 4005 : 4004, req, self), ...usage(true)]);
  }
  const audit = policy.AuditNTLMInDomain;
  const aLabel = labelOf(AUDIT_NTLM_IN_DOMAIN, audit);
  const aApplies = inDomainScope(audit, accountIn, serverIn);
  if (aApplies && excepted === undefined) {
    return decision('audit', 'AuditNTLMInDomain', `${aLabel}: ${facts}`, [dcEvent(self ? 8005 : 8004, req, self), ...usage(false)]);
  }
  if ((rApplies || aApplies) && excepted !== undefined) {
    return decision('allow', 'DCAllowedNTLMServers', `${rApplies ? rLabel : aLabel}: server ${server} matches DCAllowedNTLMServers entry ${excepted.entry}`, usage(false));
  }
  if (restrict === 0) return decision('allow', 'RestrictNTLMInDomain', `${rLabel}: NTLM authentication in this domain is not restricted`, usage(false));
  return decision('allow', 'RestrictNTLMInDomain', `${rLabel} does not apply: ${facts}`, usage(false));
}
