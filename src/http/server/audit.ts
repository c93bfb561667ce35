/**
 * Policy and audit for each NTLM logon, through the incoming phases of src/policy: on the
 * NEGOTIATE, decideBeforeChallenge (Deny all accounts: 4002); once the acceptor is done, the
 * whole logon through decideAfterAuthority (RestrictReceivingNTLMTraffic,
 * AuditReceivingNTLMTraffic, the service's BlockNTLM: 4002/4003/8002/8003; NTLMMinServerSec 4011,
 * LmCompatibilityLevel, BlockNtlmv1SSO 4024/4025; the usage event 4022/4023). The phase between
 * them, decideBeforeAuthority, runs inside the acceptor (gateDomainAccounts) and is read back
 * here to tell a refusal that was the policy's. The events are written to the AuditSink and
 * awaited BEFORE the response goes out, so "refused, and logged" holds even if the process dies
 * right after; a sink that fails makes the request fail closed.
 *
 * Refused logons are evaluated too (the AUTHENTICATE parsed, so there is a logon to describe):
 * a wrong password under "Deny all domain accounts" still leaves its 4003, and an NTLMv1 logon
 * the acceptor refused still leaves its 4025.
 */
import { randomUUID } from 'node:crypto';
import { buildEvent, type AuditEvent } from '../../events/event.js';
import type { NtlmLogonInfo } from '../../ntlm/serverContext.js';
import type { PolicyDecision } from '../../policy/decision.js';
import { decideBeforeAuthority, decideBeforeChallenge } from '../../policy/decide/incoming.js';
import { decideAfterAuthority } from '../../policy/evaluate.js';
import { incomingFromLogon, type IncomingContext } from '../../policy/requests.js';
import type { ResolvedOptions } from './options.js';
import type { AuthProvider } from './providers.js';

/** Where a logon's events come from: the scheme, the client, the request and the attempt. */
export interface AuditWhere {
  readonly scheme: AuthProvider;
  readonly clientIp: string;
  readonly requestId: string;
  /** The logon attempt (the acceptor's); a refusal before any CHALLENGE is an attempt of its own. */
  readonly attemptId?: string;
}

/** How the logon ended, for the events' context (the attempt ledger counts outcomes from it). */
export interface Ending {
  readonly refusal?: string;
  readonly status?: string;
}

export interface AuditOutcome {
  readonly decision: PolicyDecision;
  readonly eventIds: readonly number[];
  /**
   * The policy itself refused the logon before the authority (decideBeforeAuthority), so the
   * refusal is the policy's: `decision` is that phase's, with the whole logon's events.
   */
  readonly refusedByPolicy?: boolean;
}

function requestContext(options: ResolvedOptions, where: AuditWhere): IncomingContext {
  return { server: options.machine, clientIp: where.clientIp || undefined, service: options.serviceName, scheme: where.scheme, process: options.process };
}

/**
 * Builds a decision's events with this request's context and writes them (awaited: durable before
 * the response); every logon's audit, NTLM's or another mechanism's (logonAudit.ts), goes through here.
 */
export async function writeDecision(options: ResolvedOptions, decision: PolicyDecision, where: AuditWhere, ntlmVersion: string | undefined, reason: string, end: Ending = {}): Promise<AuditOutcome> {
  const attemptId = where.attemptId ?? randomUUID();
  const events: AuditEvent[] = decision.events.map((spec) =>
    buildEvent(spec, {
      time: options.now(),
      computer: options.machine.dnsComputerName ?? options.machine.netbiosComputerName,
      context: {
        service: options.serviceName,
        clientIp: where.clientIp || undefined,
        requestId: where.requestId,
        decision: decision.action,
        setting: decision.setting === '' ? undefined : decision.setting,
        reason,
        ntlmVersion,
        attemptId,
        refusal: end.refusal,
        status: end.status,
      },
    }),
  );
  if (options.audit && events.length > 0) await options.audit.write(events);
  return { decision, eventIds: events.map((e) => e.eventId) };
}

/**
 * "Deny all accounts" refuses before any CHALLENGE is made (decideBeforeChallenge), its 4002
 * written. Undefined when the policy lets the handshake start.
 */
export async function auditBeforeChallenge(options: ResolvedOptions, where: AuditWhere): Promise<AuditOutcome | undefined> {
  const phase = decideBeforeChallenge(options.policy, requestContext(options, where));
  if (phase.action !== 'block') return undefined;
  return writeDecision(options, phase, where, undefined, phase.reason);
}

/**
 * The whole logon through policy, events written. `refusal` is the acceptor's failure reason
 * when it refused the logon itself (the policy outcome is then recorded alongside it).
 */
export async function auditLogon(
  options: ResolvedOptions,
  logon: NtlmLogonInfo,
  where: AuditWhere,
  extra: { readonly localAccount?: boolean; readonly refusal?: string; readonly status?: string },
): Promise<AuditOutcome> {
  const request = incomingFromLogon(logon, { ...requestContext(options, where), localAccount: extra.localAccount });
  const decision = decideAfterAuthority(options.policy, request);
  const reason = extra.refusal === undefined ? decision.reason : `${decision.reason}; logon refused: ${extra.refusal}`;
  const status = extra.refusal === undefined ? 'STATUS_SUCCESS' : extra.status;
  const outcome = await writeDecision(options, decision, where, logon.version, reason, { refusal: extra.refusal, status });
  // STATUS_NTLM_BLOCKED comes from the policy's gate before the authority or from the authority
  // (a DC's RestrictNTLMInDomain); the gate's phase, asked again with what it saw, tells which.
  if (extra.status !== 'STATUS_NTLM_BLOCKED') return outcome;
  const gate = decideBeforeAuthority(options.policy, request);
  return gate.action === 'block' ? { ...outcome, decision: { ...gate, events: decision.events }, refusedByPolicy: true } : outcome;
}
