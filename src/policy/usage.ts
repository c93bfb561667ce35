/**
 * NtlmUsageId: why NTLM and not Kerberos (KB5064479's reasons as collectors read them,
 * NTLM_USAGE_REASONS). Windows does not say which reason wins when several hold; we take the
 * first of: null session (11), loopback (10), NTLM called directly (1), target name missing (5),
 * target name is an IP address (7), local account (2), else unknown (0).
 */
import { isIpAddress, isLoopback } from './match.js';
import { targetHost } from './names.js';
import type { AccountKind } from './accounts.js';
import type { IncomingRequest, OutgoingRequest } from './requests.js';

export const UsageReason = {
  Unknown: 0,
  DirectNtlm: 1,
  LocalAccount: 2,
  TargetMissing: 5,
  TargetIsIp: 7,
  Loopback: 10,
  NullSession: 11,
} as const;

/** Client side: the target as the application named it tells most. */
export function clientUsageReason(req: OutgoingRequest, host: string | undefined, localAccount: boolean): number {
  if (req.version === 'Anonymous' || req.user === '') return UsageReason.NullSession;
  if (host !== undefined && isLoopback(host)) return UsageReason.Loopback;
  if (req.scheme === 'NTLM') return UsageReason.DirectNtlm;
  if (host === undefined) return UsageReason.TargetMissing;
  if (isIpAddress(host)) return UsageReason.TargetIsIp;
  if (localAccount) return UsageReason.LocalAccount;
  return UsageReason.Unknown;
}

/**
 * Server side: what the logon shows. MsvAvTargetName is the client's target name, so an
 * NTLMv2 logon without one had none, and one naming an IP address had no name to ask
 * Kerberos for. NTLMv1 carries no AV pairs, so it tells nothing about the target.
 */
export function serverUsageReason(req: IncomingRequest, kind: AccountKind): number {
  if (req.version === 'Anonymous') return UsageReason.NullSession;
  if (req.clientIp !== undefined && isLoopback(req.clientIp)) return UsageReason.Loopback;
  if (req.scheme === 'NTLM') return UsageReason.DirectNtlm;
  const host = targetHost(req.targetName);
  if (req.version === 'NTLMv2' && host === undefined) return UsageReason.TargetMissing;
  if (host !== undefined && isIpAddress(host)) return UsageReason.TargetIsIp;
  if (kind === 'local') return UsageReason.LocalAccount;
  return UsageReason.Unknown;
}
