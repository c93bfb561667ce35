/**
 * NTLM policy: the Windows "Restrict NTLM" settings, LmCompatibilityLevel, minimum session
 * security, BlockNtlmv1SSO and per-service blocks, parsed from configuration (read from files by
 * src/config/policyFile.ts: policy does no I/O), and the pure
 * decisions that apply them and name the NTLM/Operational events Windows would write.
 */
export * from './settings.js';
export { PolicyConfigError, type PolicyConfigIssue } from './errors.js';
export { labelOf, valueForLabel, hex32 } from './labels.js';
export {
  hostCandidate,
  isIpAddress,
  matchServerList,
  parseServerPattern,
  patternMatches,
  type HostCandidate,
  type HostInput,
  type HostSource,
  type ListMatch,
  type PatternKind,
  type ServerPattern,
} from './match.js';
export { DEFAULT_POLICY, DEFAULT_SERVICE_POLICY, type NtlmPolicy, type ServerList, type ServicePolicy } from './policy.js';
export { acceptorAccepts, acceptorAcceptsAt, acceptorLmLevel, clientLmLevel, clientResponseClass, clientSendsAt } from './lmCompatibility.js';
export { loadPolicy, parsePolicyText } from './load.js';
export * from './requests.js';
export { incomingAccountKind, namesPassThroughDomain, outgoingIsLocalAccount, accountInDcDomain, serverInDcDomain, isDcItself, type AccountKind } from './accounts.js';
export { combine, type PolicyAction, type PolicyDecision } from './decision.js';
export { decideBeforeAuthority, decideBeforeChallenge, decideIncoming } from './decide/incoming.js';
export { decideOutgoing } from './decide/outgoing.js';
export { decideDomain, inDomainScope } from './decide/domain.js';
export { decideSecurity, missingSecurity } from './decide/security.js';
export { decideAfterAuthority, evaluate, type DirectedRequest, type TrafficDirection, type Evaluation } from './evaluate.js';
export { describePolicy, type PolicyView, type ServiceView, type SettingView } from './describe.js';
export { UsageReason } from './usage.js';
