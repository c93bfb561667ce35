/**
 * What each decision looks at. The incoming and domain requests carry the NtlmLogonInfo
 * fields under the same names, so `{ ...logon, server, clientIp }` builds one from an
 * NtlmServerContext result or failure; outgoing requests build from the client's options and
 * NtlmClientResult (outgoingFromClient).
 */
import type { NtlmClientResult } from '../ntlm/clientContext.js';
import type { MachineIdentity } from '../ntlm/machineIdentity.js';
import type { NtlmVersion } from '../ntlm/responses.js';
import type { NtlmLogonInfo } from '../ntlm/serverContext.js';

/** MsvAvChannelBindings as the acceptor saw it (absent and all-zero both mean "none", MS-NLMP §3.2.5.1.2). */
export type ChannelBindingState = 'absent' | 'zero' | 'present';

/**
 * The HTTP authentication schemes that carry NTLM (RFC 4559 `Negotiate`, and `NTLM`), in IIS's
 * order of preference. `NTLM` means the application called NTLM directly (usage reason 1).
 */
export const AUTH_SCHEMES = ['Negotiate', 'NTLM'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

/** The local process NTLM runs for: the 800x/400x CallerPID, ProcessName, ClientUserName, ClientDomainName. */
export interface ProcessIdentity {
  readonly pid?: number;
  readonly name?: string;
  readonly user?: string;
  readonly domain?: string;
}

/** A Windows machine's names (src/ntlm/machineIdentity.ts), as a server or DC is named to policy. */
export type { MachineIdentity };

/** What the AUTHENTICATE message told the acceptor (the NtlmLogonInfo fields policy reads). */
export interface LogonFacts {
  readonly user: string;
  readonly domain: string;
  readonly workstation: string;
  readonly version: NtlmVersion;
  readonly micPresent: boolean;
  readonly channelBindings: ChannelBindingState;
  /** MsvAvTargetName, the SPN the client aimed at (NTLMv2 only). */
  readonly targetName?: string;
}

/** A logon arriving at this server (decideIncoming; decideSecurity with side 'server'). */
export interface IncomingRequest extends LogonFacts {
  /** Negotiated NegotiateFlags (MS-NLMP §2.2.2.5). */
  readonly flags: number;
  readonly server: MachineIdentity;
  /** The peer's address as the socket reports it (IPv4-mapped IPv6 is read as IPv4). */
  readonly clientIp?: string;
  /** The client's DNS name, when the caller resolved and verified it; matched against service exception lists. */
  readonly clientDnsName?: string;
  /** The ntlmgate service the logon is for (services.<name> in the policy). */
  readonly service?: string;
  readonly scheme?: AuthScheme;
  /** The account is known to be in this server's own account database (decides an empty or "." domain). */
  readonly localAccount?: boolean;
  readonly process?: ProcessIdentity;
}

/** Where an incoming logon arrives, known before its AUTHENTICATE: all of IncomingRequest but the logon's own facts. */
export type IncomingContext = Omit<IncomingRequest, keyof LogonFacts | 'flags'>;

/** What the AUTHENTICATE names before any authority is asked: the account as claimed, at this server. */
export interface ClaimedAccount {
  readonly server: MachineIdentity;
  readonly user: string;
  readonly domain: string;
}

/** NTLM this machine is about to send (decideOutgoing; decideSecurity with side 'client'). */
export interface OutgoingRequest {
  /** The target as the application named it: host name, FQDN or IP address. Taken from targetSpn when absent. */
  readonly targetHost?: string;
  /** The SPN (service/host[:port]); 8001/4001 TargetName and the usage events' TargetService. */
  readonly targetSpn?: string;
  /** The target's address when the caller resolved it. */
  readonly targetIp?: string;
  /** Supplied credentials. */
  readonly user: string;
  readonly domain: string;
  /** The response class the client sends (what its LmCompatibilityLevel makes it send). */
  readonly version: NtlmVersion;
  /** Negotiated flags, once the CHALLENGE is in; without them NTLMMinClientSec is not checked. */
  readonly flags?: number;
  readonly micPresent: boolean;
  readonly channelBindings: ChannelBindingState;
  /** The ntlmgate service the request is made for (services.<name>). */
  readonly service?: string;
  readonly scheme?: AuthScheme;
  /** The supplied account is a local account of the target (decides when the domain does not tell). */
  readonly localAccount?: boolean;
  readonly process?: ProcessIdentity;
}

/** A logon a domain controller validates (decideDomain; decideSecurity with side 'dc'). */
export interface DomainRequest extends LogonFacts {
  /** This domain controller. */
  readonly dc: MachineIdentity;
  /** The server whose secure channel carried the logon (SChannelName); the DC itself when it is the target. */
  readonly server: Pick<MachineIdentity, 'netbiosComputerName' | 'netbiosDomainName'>;
  readonly clientIp?: string;
  readonly serverIp?: string;
}

export type SecurityRequest =
  | ({ readonly side: 'server' } & IncomingRequest)
  | ({ readonly side: 'client' } & OutgoingRequest)
  | ({ readonly side: 'dc' } & DomainRequest);

/** An incoming request from what NtlmServerContext reports (result or failure.logon) plus where it came from. */
export function incomingFromLogon(logon: NtlmLogonInfo, context: IncomingContext): IncomingRequest {
  return {
    user: logon.user,
    domain: logon.domain,
    workstation: logon.workstation,
    version: logon.version,
    flags: logon.flags,
    micPresent: logon.micPresent,
    channelBindings: logon.channelBindings,
    targetName: logon.targetName,
    ...context,
  };
}

/** An outgoing request from a completed NtlmClientContext and what the caller knows of the target. */
export function outgoingFromClient(
  result: Pick<NtlmClientResult, 'version' | 'flags' | 'micSent' | 'channelBindingsSent'>,
  context: Omit<OutgoingRequest, 'version' | 'flags' | 'micPresent' | 'channelBindings'>,
): OutgoingRequest {
  return {
    ...context,
    version: result.version,
    flags: result.flags,
    micPresent: result.micSent,
    channelBindings: result.channelBindingsSent ? 'present' : 'absent',
  };
}
