/**
 * Policy and audit for each logon: the incoming decision (RestrictReceivingNTLMTraffic,
 * AuditReceivingNTLMTraffic, the service's BlockNTLM: 4002/4003/8002/8003), then the security
 * minimums (NTLMMinServerSec 4011, LmCompatibilityLevel, BlockNtlmv1SSO 4024/4025), with the
 * enhanced usage event (4022/4023) — all through `evaluate`. The events are written to the
 * AuditSink and awaited BEFORE the response goes out, so "refused, and logged" holds even if
 * the process dies right after; a sink that fails makes the request fail closed.
 *
 * Refused logons are evaluated too (the AUTHENTICATE parsed, so there is a logon to describe):
 * a wrong password under "Deny all domain accounts" still leaves its 4003, and an NTLMv1 logon
 * the acceptor refused still leaves its 4025.
 */
import { randomUUID } from 'node:crypto';
import { buildEvent, type AuditEvent } from '../../events/event.js';
import type { NtlmLogonInfo } from '../../ntlm/serverContext.js';
import type { PolicyDecision } from '../../policy/decision.js';
import { decideIncoming } from '../../policy/decide/incoming.js';
import { evaluate } from '../../policy/evaluate.js';
import { incomingFromLogon, type IncomingRequest } from '../../policy/requests.js';
import type { ResolvedOptions } from './options.js';
import type { AuthProvider } from './providers.js';

export interface AuditWhere {
  readonly scheme: AuthProvider;
  readonly clientIp: string;
  readonly requestId: string;
  /** The logon attempt (the acceptor's); a refusal before any CHALLENGE is an attempt of its own. */
  readonly attemptId?: string;
}

/** How the logon ended, for the events' context (the attempt ledger counts outcomes from it). */
interface Ending {
  readonly refusal?: string;
  readonly status?: string;
}

export interface AuditOutcome {
  readonly decision: PolicyDecision;
  readonly eventIds: readonly number[];
}

function requestContext(o: ResolvedOptions, w: AuditWhere): Omit<IncomingRequest, keyof NtlmLogonInfo | 'flags'> {
  return { server: o.machine, clientIp: w.clientIp || undefined, service: o.serviceName, scheme: w.scheme, process: o.process };
}

async function write(o: ResolvedOptions, decision: PolicyDecision, w: AuditWhere, ntlmVersion: string | undefined, reason: string, end: Ending = {}): Promise<AuditOutcome> {
  const attemptId = w.attemptId ?? randomUUID();
  const events: AuditEvent[] = decision.events.map((spec) =>
    buildEvent(spec, {
      time: o.now(),
      computer: o.machine.dnsComputerName ?? o.machine.netbiosComputerName,
      context: {
        service: o.serviceName,
        clientIp: w.clientIp || undefined,
        requestId: w.requestId,
        decision: decision.action,
        setting: decision.setting,
        reason,
        ntlmVersion,
        attemptId,
        refusal: end.refusal,
        status: end.status,
      },
    }),
  );
  if (o.audit && events.length > 0) await o.audit.write(events);
  return { decision, eventIds: events.map((e) => e.eventId) };
}

/**
 * "Deny all accounts" refuses before any CHALLENGE is made (MS-NLMP §3.2.1.1 ServerBlock):
 * checked on the first leg. Only the 4002 is written — there is no logon yet for a usage event.
 * Undefined when the policy lets the handshake start.
 */
export async function auditBeforeChallenge(o: ResolvedOptions, w: AuditWhere): Promise<AuditOutcome | undefined> {
  if (o.policy.RestrictReceivingNTLMTraffic !== 2) return undefined;
  const nobody: NtlmLogonInfo = { user: '', domain: '', workstation: '', version: 'NTLMv2', flags: 0, micPresent: false, channelBindings: 'absent' };
  const d = decideIncoming(o.policy, incomingFromLogon(nobody, requestContext(o, w)));
  if (d.action !== 'block') return undefined;
  const decision: PolicyDecision = { ...d, events: d.events.filter((e) => e.eventId === 4002) };
  return write(o, decision, w, undefined, decision.reason);
}

/**
 * The whole logon through policy, events written. `refusal` is the acceptor's failure reason
 * when it refused the logon itself (the policy outcome is then recorded alongside it).
 */
export async function auditLogon(
  o: ResolvedOptions,
  logon: NtlmLogonInfo,
  w: AuditWhere,
  extra: { readonly localAccount?: boolean; readonly refusal?: string; readonly status?: string },
): Promise<AuditOutcome> {
  const request = incomingFromLogon(logon, { ...requestContext(o, w), localAccount: extra.localAccount });
  const { decision } = evaluate(o.policy, { direction: 'incoming', request });
  const reason = extra.refusal === undefined ? decision.reason : `${decision.reason}; logon refused: ${extra.refusal}`;
  const status = extra.refusal === undefined ? 'STATUS_SUCCESS' : extra.status;
  return write(o, decision, w, logon.version, reason, { refusal: extra.refusal, status });
}
