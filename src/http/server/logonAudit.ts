/**
 * The audit of one logon, whatever the mechanism: an NTLM logon goes through the Restrict-NTLM
 * policy and its NTLM/Operational events (audit.ts); a logon by another mechanism is no NTLM
 * traffic, so no NTLM policy applies to it, and it is recorded as Windows records every network
 * logon, in the Security log: 4624 (success) or 4625 (failure), LogonType 3, with
 * AuthenticationPackageName the mechanism's name. Written (and awaited) before the response,
 * like the NTLM events, with the handshake's attempt id.
 */
import type { LogonResult } from '../../gss/mechanism.js';
import type { EventSpec } from '../../events/event.js';
import { isNtlmLogon } from '../../ntlm/acceptorMechanism.js';
import { OID_NTLMSSP } from '../../ntlm/oid.js';
import { decision } from '../../policy/decision.js';
import type { AcceptorFailure } from './acceptor.js';
import { auditLogon, writeDecision, type AuditOutcome, type AuditWhere } from './audit.js';
import type { ResolvedOptions } from './options.js';

/** LogonType 3: a network logon (MS-LSAD SECURITY_LOGON_TYPE Network), what every HTTP logon is. */
const NETWORK_LOGON = 3;
/** STATUS_LOGON_FAILURE (MS-ERREF), 4625's Status for a refused network logon. */
const LOGON_FAILURE = '0xc000006d';
/** FailureReason %%2313: "Unknown user name or bad password." */
const BAD_USER_OR_PASSWORD = '%%2313';
const NULL_SID = 'S-1-0-0';

const dash = (s: string | undefined): string => (s === undefined || s === '' ? '-' : s);

/** The fields 4624 and 4625 share: the subject (nobody: a network logon), the package, where from. */
function common(o: ResolvedOptions, w: AuditWhere, mechanism: string, workstation: string | undefined): Record<string, string | number> {
  return {
    SubjectUserSid: NULL_SID,
    SubjectUserName: '-',
    SubjectDomainName: '-',
    SubjectLogonId: '0x0',
    LogonType: NETWORK_LOGON,
    LogonProcessName: mechanism,
    AuthenticationPackageName: mechanism,
    WorkstationName: dash(workstation),
    TransmittedServices: '-',
    LmPackageName: '-',
    KeyLength: 0,
    ProcessId: o.process.pid === undefined ? '0x0' : `0x${o.process.pid.toString(16)}`,
    ProcessName: o.process.name ?? '-',
    IpAddress: dash(w.clientIp),
    IpPort: '-',
  };
}

/** One Security event for a logon no NTLM policy applies to, through the one writer (audit.ts). */
function write(o: ResolvedOptions, w: AuditWhere, spec: EventSpec, mechanism: string, end: { readonly status: string; readonly refusal?: string }): Promise<AuditOutcome> {
  const allowed = decision('allow', '', `${mechanism} is not NTLM: no NTLM policy applies`, [spec]);
  const reason = end.refusal === undefined ? `${mechanism} logon` : `${mechanism} logon refused: ${end.refusal}`;
  return writeDecision(o, allowed, w, undefined, reason, end);
}

/** A completed logon: NTLM's through policy and its events; another mechanism's as Security 4624. */
export async function auditAcceptedLogon(o: ResolvedOptions, r: LogonResult, w: AuditWhere, extra: { readonly localAccount?: boolean }): Promise<AuditOutcome> {
  if (isNtlmLogon(r)) return auditLogon(o, r.ntlm, w, extra);
  const data = {
    ...common(o, w, r.mechanism, r.workstation),
    TargetUserSid: r.account.sid ?? NULL_SID,
    TargetUserName: r.account.name,
    TargetDomainName: r.account.domain,
    TargetLogonId: '0x0',
    LogonGuid: '{00000000-0000-0000-0000-000000000000}',
    ImpersonationLevel: '%%1833',
    RestrictedAdminMode: '-',
    TargetOutboundUserName: '-',
    TargetOutboundDomainName: '-',
    VirtualAccount: '%%1843',
    TargetLinkedLogonId: '0x0',
    ElevatedToken: '%%1843',
  };
  return write(o, w, { eventId: 4624, data }, r.mechanism, { status: 'STATUS_SUCCESS' });
}

/**
 * A refused logon: NTLM's through policy once its AUTHENTICATE parsed (`logon`; before that
 * there is no logon to describe, undefined); another mechanism's as Security 4625 unless its
 * token did not decode (a bad request, no logon).
 */
export async function auditRefusedLogon(o: ResolvedOptions, mechanism: { readonly oid: string; readonly name: string }, f: AcceptorFailure, w: AuditWhere): Promise<AuditOutcome | undefined> {
  if (f.logon) return auditLogon(o, f.logon, w, { refusal: f.reason, status: f.status });
  if (mechanism.oid === OID_NTLMSSP || f.reason === 'malformed') return undefined;
  const c = f.claimed;
  const data = {
    ...common(o, w, mechanism.name, c?.workstation),
    TargetUserSid: NULL_SID,
    TargetUserName: dash(c?.user),
    TargetDomainName: dash(c?.domain),
    Status: LOGON_FAILURE,
    FailureReason: BAD_USER_OR_PASSWORD,
    SubStatus: '0x0',
  };
  return write(o, w, { eventId: 4625, data }, mechanism.name, { status: f.status ?? 'STATUS_LOGON_FAILURE', refusal: f.mechanismReason ?? f.reason });
}
