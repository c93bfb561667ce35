/**
 * One view of "an NTLM logon someone saw", whatever event recorded it: our own events and
 * imported Windows ones name the same facts differently (UserName vs Username, Workstation
 * vs WorkstationName vs RemoteClientMachine, the server as the logging Computer or as
 * SChannelName/Hostname/TargetMachine). The attempt ledger (attempts.ts) is built from this view.
 */
import type { AuditEvent } from '../../events/event.js';

export type LogonVersion = 'LM' | 'NTLMv1' | 'NTLMv1-ESS' | 'NTLMv2' | 'unknown';

export interface ObservedLogon {
  readonly eventId: number;
  readonly time: string;
  /** The machine that logged the event (for domain events: the DC). */
  readonly computer: string;
  /** Where the event says the logon happened from the NTLM point of view. */
  readonly direction: 'incoming' | 'outgoing' | 'domain';
  readonly user: string;
  readonly domain: string;
  /** The client machine (NetBIOS name), when known. */
  readonly workstation: string;
  /** The client IP, when known. */
  readonly client: string;
  /** The server the client authenticated to (NetBIOS or DNS name, or an SPN's host). */
  readonly server: string;
  readonly service: string;
  readonly version: LogonVersion;
  /** undefined = the event does not say. */
  readonly mic?: boolean;
  readonly channelBinding?: boolean;
  readonly reasonId?: number;
  readonly reason?: string;
  readonly blocked: boolean;
}

const NULLS = new Set(['', '-', '(null)', 'null', 'n/a']);
const clean = (v: string | undefined): string => {
  const t = (v ?? '').trim().replace(/^\\\\/, '');
  return NULLS.has(t.toLowerCase()) ? '' : t;
};

/** `cifs/fs1.corp.example.test` or `HTTP/web1:8080` → the host part. */
export function hostOfTarget(target: string): string {
  const t = clean(target);
  const afterSlash = t.includes('/') ? t.slice(t.indexOf('/') + 1) : t;
  return afterSlash.replace(/[:/].*$/, '').replace(/@.*$/, '');
}

export function parseVersion(v: string | undefined): LogonVersion {
  const s = clean(v).toUpperCase().replace(/[\s_-]/g, '');
  if (s === 'NTLMV2') return 'NTLMv2';
  if (s === 'NTLMV1ESS') return 'NTLMv1-ESS';
  if (s === 'NTLMV1' || s === 'NTLM') return 'NTLMv1';
  if (s === 'LM') return 'LM';
  return 'unknown';
}

const yesNo = (v: string | undefined, yes: string, no: string): boolean | undefined => {
  const s = clean(v).toLowerCase();
  if (s === yes.toLowerCase()) return true;
  if (s === no.toLowerCase()) return false;
  return undefined;
};

const BLOCK_IDS = new Set([4001, 4002, 4003, 4004, 4005, 4006, 4025]);

type Where = Pick<ObservedLogon, 'direction' | 'user' | 'domain' | 'workstation' | 'client' | 'server'>;

/** Who, from where, to where: the fields each kind of event names them in. */
function whereOf(e: AuditEvent): Where | undefined {
  const d = e.data;
  const ctx = e.context;
  switch (e.eventId) {
    case 8001:
    case 4001:
      return { direction: 'outgoing', user: clean(d['UserName']), domain: clean(d['DomainName']), workstation: e.computer, client: '', server: hostOfTarget(d['TargetName'] ?? '') };
    case 4020:
    case 4021:
      return {
        direction: 'outgoing',
        user: clean(d['Username']),
        domain: clean(d['DomainName']),
        workstation: e.computer,
        client: '',
        server: clean(d['TargetMachine']) || hostOfTarget(d['TargetService'] ?? '') || clean(d['TargetIP']),
      };
    case 8002:
    case 4002:
      // ClientUserName is the calling process's account (SYSTEM, FS1$), not the one logging on: no user.
      return { direction: 'incoming', user: '', domain: '', workstation: '', client: clean(ctx.clientIp), server: e.computer };
    case 8003:
    case 4003:
      return { direction: 'incoming', user: clean(d['UserName']), domain: clean(d['DomainName']), workstation: clean(d['Workstation']), client: clean(ctx.clientIp), server: e.computer };
    case 4022:
    case 4023:
    case 4024:
    case 4025:
      return {
        direction: 'incoming',
        user: clean(d['Username']),
        domain: clean(d['DomainName']),
        workstation: clean(d['RemoteClientMachine']),
        client: clean(d['ClientIP']) || clean(ctx.clientIp),
        server: e.computer,
      };
    case 8004:
    case 8005:
    case 8006:
    case 4004:
    case 4005:
    case 4006:
      return { direction: 'domain', user: clean(d['UserName']), domain: clean(d['DomainName']), workstation: clean(d['WorkstationName']), client: '', server: clean(d['SChannelName']) };
    case 4030:
    case 4031:
    case 4032:
    case 4033:
      return {
        direction: 'domain',
        user: clean(d['Username']),
        domain: clean(d['DomainName']),
        workstation: clean(d['RemoteClientMachine']),
        client: clean(d['ClientIP']),
        server: clean(d['Hostname']) || e.computer,
      };
    default:
      return undefined;
  }
}

/** Normalises an event into the logon it records, or undefined for events that record none (4010/4011…). */
export function observedLogon(e: AuditEvent): ObservedLogon | undefined {
  const where = whereOf(e);
  if (!where) return undefined;
  const d = e.data;
  const ctx = e.context;
  const usageId = d['NtlmUsageId'];
  return {
    eventId: e.eventId,
    time: e.time,
    computer: e.computer,
    direction: where.direction,
    user: where.user,
    domain: where.domain,
    workstation: where.workstation,
    client: where.client,
    server: where.server,
    service: clean(ctx.service ?? d['TargetService']),
    version: parseVersion(ctx.ntlmVersion ?? d['NtlmVersion']),
    mic: yesNo(d['MicStatus'], 'Protected', 'Unprotected'),
    channelBinding: yesNo(d['ChannelBindingStatus'], 'Supported', 'Not Supported'),
    reasonId: usageId !== undefined && clean(usageId) !== '' ? Number(usageId) : undefined,
    reason: clean(d['NtlmUsageReason']) || undefined,
    blocked: ctx.decision === 'block' || BLOCK_IDS.has(e.eventId),
  };
}
