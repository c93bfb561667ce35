/**
 * The EventSpecs policy decisions ask for, with the Data names of src/events/catalogue.ts and
 * its value strings. Fields the request does not know stay undefined (written empty).
 * HexInt32 fields are written as Windows renders them in event XML: `0x` and lower-case hex,
 * no padding (`0x20080000`, `0x0`).
 */
import {
  CHANNEL_BINDING_STATUS,
  MIC_STATUS,
  NTLM_USAGE_REASONS,
  NTLM_VERSION_NAMES,
  STATUS_NTLM_BLOCKED,
  type EventSpec,
} from '../events/index.js';
import type { NtlmVersion } from '../ntlm/responses.js';
import { OID_NTLMSSP } from '../spnego/oids.js';
import type { AuthScheme, ChannelBindingState, DomainRequest, IncomingRequest, OutgoingRequest, ProcessIdentity } from './requests.js';

/** Network logon (Security 4624 LogonType 3), what an NTLM acceptor performs. */
export const LOGON_TYPE_NETWORK = 3;

/** NETLOGON_SECURE_CHANNEL_TYPE (MS-NRPC §2.2.1.3.13): local MSV1_0 → Netlogon, and member → DC. */
export const SCHANNEL_MSVAP = 1;
export const SCHANNEL_WORKSTATION = 2;

export function hexInt(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** NtlmVersion as the enhanced events write it; `-` for the anonymous logon, which has no response class. */
export function ntlmVersionName(v: NtlmVersion): string {
  return v === 'Anonymous' ? '-' : NTLM_VERSION_NAMES[v];
}

/** MechanismOID: NTLMSSP's OID when SPNEGO (Negotiate) carried NTLM; none when the application called NTLM directly. */
function mechanismOid(scheme: AuthScheme | undefined): string | undefined {
  return (scheme ?? 'Negotiate') === 'Negotiate' ? OID_NTLMSSP : undefined;
}

/** The "insecure" (odd-numbered) variant of a usage event: NTLMv1 or LM, no MIC, or no channel binding (KB5064479). */
export function isInsecure(version: NtlmVersion, micPresent: boolean, cb: ChannelBindingState): boolean {
  return version === 'LM' || version === 'NTLMv1' || version === 'NTLMv1-ESS' || !micPresent || cb !== 'present';
}

function micStatus(micPresent: boolean): string {
  return micPresent ? MIC_STATUS.present : MIC_STATUS.absent;
}

function cbStatus(cb: ChannelBindingState): string {
  return cb === 'present' ? CHANNEL_BINDING_STATUS.present : CHANNEL_BINDING_STATUS.absent;
}

function processFields(p: ProcessIdentity | undefined): { CallerPID?: number; ProcessName?: string } {
  return { CallerPID: p?.pid, ProcessName: p?.name };
}

// ---------------------------------------------------------------------------
// Classic events.

/** 8001 (audit) / 4001 (blocked): outgoing NTLM, logged on the client. */
export function clientBlockEvent(eventId: 8001 | 4001, req: OutgoingRequest, host: string | undefined): EventSpec {
  return {
    eventId,
    data: {
      TargetName: req.targetSpn ?? host,
      UserName: req.user,
      DomainName: req.domain,
      ...processFields(req.process),
      ClientUserName: req.process?.user,
      ClientDomainName: req.process?.domain,
      MechanismOID: mechanismOid(req.scheme),
    },
  };
}

/** 8002 (audit) / 4002 (blocked): incoming NTLM refused before any account is known; fields describe the accepting process. */
export function serverBlockEvent(eventId: 8002 | 4002, req: Pick<IncomingRequest, 'process' | 'scheme'>): EventSpec {
  return {
    eventId,
    data: {
      ...processFields(req.process),
      ClientUserName: req.process?.user,
      ClientDomainName: req.process?.domain,
      MechanismOID: mechanismOid(req.scheme),
    },
  };
}

/** 8003 (audit) / 4003 (blocked): an incoming logon for a domain account (pass-through). */
export function serverDomainEvent(eventId: 8003 | 4003, req: IncomingRequest): EventSpec {
  return {
    eventId,
    data: {
      UserName: req.user,
      DomainName: req.domain,
      Workstation: req.workstation,
      ...processFields(req.process),
      LogonType: LOGON_TYPE_NETWORK,
      // ntlmgate runs NTLM inside the accepting process itself.
      InProc: true,
      MechanismOID: mechanismOid(req.scheme),
    },
  };
}

/** 8004/8005 (audit) and 4004/4005 (blocked) on the DC: SChannelName is the server whose secure channel carried the logon. */
export function dcEvent(eventId: 8004 | 8005 | 4004 | 4005, req: DomainRequest, self: boolean): EventSpec {
  return {
    eventId,
    data: {
      SChannelName: self ? req.dc.netbiosComputerName : req.server.netbiosComputerName,
      UserName: req.user,
      DomainName: req.domain,
      WorkstationName: req.workstation,
      SChannelType: self ? SCHANNEL_MSVAP : SCHANNEL_WORKSTATION,
    },
  };
}

/** 4010 (client) / 4011 (server): the negotiated flags lack what NTLMMin*Sec requires. */
export function minSecurityEvent(eventId: 4010 | 4011, process: ProcessIdentity | undefined, negotiated: number, required: number): EventSpec {
  return { eventId, data: { ...processFields(process), NegotiatedSecurity: hexInt(negotiated), RequiredSecurity: hexInt(required) } };
}

// ---------------------------------------------------------------------------
// Windows 11 24H2 / Server 2025 events (KB5064479, KB5066470).

export interface V1SsoFields {
  readonly user: string;
  readonly domain: string;
  readonly version: NtlmVersion;
  readonly process?: ProcessIdentity;
  readonly remoteClientMachine?: string;
  readonly clientIp?: string;
  readonly targetMachine?: string;
}

/** 4024 (BlockNtlmv1SSO audit) / 4025 (enforced): NTLMv1-derived credentials. */
export function v1SsoEvent(eventId: 4024 | 4025, fields: V1SsoFields): EventSpec {
  return {
    eventId,
    data: {
      Username: fields.user,
      DomainName: fields.domain,
      ProcessName: fields.process?.name,
      ProcessPID: fields.process?.pid,
      RemoteClientMachine: fields.remoteClientMachine,
      ClientIP: fields.clientIp,
      TargetMachine: fields.targetMachine,
      NtlmVersion: ntlmVersionName(fields.version),
    },
  };
}

function usageReason(id: number): { NtlmUsageId: number; NtlmUsageReason: string } {
  return { NtlmUsageId: id, NtlmUsageReason: NTLM_USAGE_REASONS[id] ?? NTLM_USAGE_REASONS[0] ?? '' };
}

/** 4020 / 4021 (insecure): this machine authenticated to a remote resource with NTLM. */
export function clientUsageEvent(req: OutgoingRequest, host: string | undefined, targetIp: string | undefined, usageId: number): EventSpec {
  return {
    eventId: isInsecure(req.version, req.micPresent, req.channelBindings) ? 4021 : 4020,
    data: {
      Username: req.user,
      DomainName: req.domain,
      ProcessName: req.process?.name,
      ProcessPID: req.process?.pid,
      TargetService: req.targetSpn,
      TargetMachine: host,
      TargetIP: targetIp,
      NtlmVersion: ntlmVersionName(req.version),
      ...usageReason(usageId),
      MicStatus: micStatus(req.micPresent),
      ChannelBindingStatus: cbStatus(req.channelBindings),
    },
  };
}

/** 4022 / 4023 (insecure): a remote client used NTLM to authenticate to this server. */
export function serverUsageEvent(req: IncomingRequest, usageId: number): EventSpec {
  return {
    eventId: isInsecure(req.version, req.micPresent, req.channelBindings) ? 4023 : 4022,
    data: {
      Username: req.user,
      DomainName: req.domain,
      RemoteClientMachine: req.workstation,
      ClientIP: req.clientIp,
      ProcessName: req.process?.name,
      ProcessPID: req.process?.pid,
      TargetService: req.targetName,
      NtlmVersion: ntlmVersionName(req.version),
      ...usageReason(usageId),
      MicStatus: micStatus(req.micPresent),
      ChannelBindingStatus: cbStatus(req.channelBindings),
    },
  };
}

/**
 * 4030/4031 (the DC is the target) and 4032/4033 (forwarded by a server). Status is the
 * policy's verdict: STATUS_NTLM_BLOCKED when blocked, else 0 (the audit layer may replace it
 * with the authority's final status).
 */
export function dcUsageEvent(req: DomainRequest, self: boolean, blocked: boolean): EventSpec {
  const insecure = isInsecure(req.version, req.micPresent, req.channelBindings);
  return {
    eventId: self ? (insecure ? 4031 : 4030) : insecure ? 4033 : 4032,
    data: {
      Username: req.user,
      DomainName: req.domain,
      RemoteClientMachine: req.workstation,
      ClientIP: req.clientIp,
      Hostname: self ? req.dc.netbiosComputerName : req.server.netbiosComputerName,
      ServerIP: req.serverIp,
      NtlmVersion: ntlmVersionName(req.version),
      MicStatus: micStatus(req.micPresent),
      ChannelBindingStatus: cbStatus(req.channelBindings),
      Status: hexInt(blocked ? STATUS_NTLM_BLOCKED : 0),
    },
  };
}
