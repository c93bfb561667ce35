/**
 * The Microsoft-Windows-NTLM/Operational event catalogue as data: ids, providers,
 * levels, tasks, titles and the XML `Data` names of each event, so that our events and
 * imported Windows events share one shape (and SIEM rules carry over).
 *
 * Classic events (8001–8004, 4001–4006, 4010/4011): titles and field names verbatim from
 * the Windows 10240 and 26100 provider manifests. Enhanced events (4020–4025, 4030–4033,
 * Windows 11 24H2 / Server 2025): titles from the manifest listing (4025 and 4030–4033 are
 * truncated there and completed by us); field names follow what community collectors read
 * from real events, since no manifest with them was available. Unknown ids stay importable.
 *
 * Security 4624/4625 (provider Microsoft-Windows-Security-Auditing, channel Security) record
 * the logons of the other mechanisms served under Negotiate; they are no NTLM traffic, and the
 * assessment does not count them as such.
 */

export const CHANNEL = 'Microsoft-Windows-NTLM/Operational';
/** Where Windows writes logon events (4624/4625) whatever the package: the Security log. */
export const SECURITY_CHANNEL = 'Security';
/** The Security log's logon events: 4624 (an account logged on) and 4625 (it failed to). */
export const SECURITY_LOGON_EVENT_IDS: readonly number[] = [4624, 4625];

export const PROVIDERS = {
  'Microsoft-Windows-NTLM': '{AC43300D-5FCC-4800-8E99-1BD3F85F0320}',
  'Microsoft-Windows-Security-Netlogon': '{E5BA83F6-07D0-46B1-8BC7-7E669A1D31DC}',
  'Microsoft-Windows-Security-Auditing': '{54849625-5478-4994-A5BA-3E3B0328C30D}',
} as const;
export type ProviderName = keyof typeof PROVIDERS;

/** Windows event levels (0 LogAlways, which the Security log's audit events use and Event Viewer shows as Information; 2 Error, 3 Warning, 4 Information). */
export const Level = { LogAlways: 0, Error: 2, Warning: 3, Information: 4 } as const;
export type LevelValue = (typeof Level)[keyof typeof Level];
export const LEVEL_NAMES: Record<number, string> = { 0: 'Information', 2: 'Error', 3: 'Warning', 4: 'Information' };

/** Tasks of the NTLM provider (0 = none), and the Security log's Logon task (12544). */
export const Task = { None: 0, BlockingNTLM: 1, AuditingNTLM: 2, Logon: 12544 } as const;
export const TASK_NAMES: Record<number, string> = { 0: '', 1: 'Blocking NTLM', 2: 'Auditing NTLM', 12544: 'Logon' };

export type EventRole = 'client' | 'server' | 'dc';

export interface EventDefinition {
  readonly id: number;
  readonly provider: ProviderName;
  readonly level: LevelValue;
  readonly task: number;
  readonly title: string;
  /** XML EventData `Data Name`s, in template order. */
  readonly fields: readonly string[];
  /** Where Windows logs it. */
  readonly role: EventRole;
  /** The event log it belongs to: the NTLM/Operational channel unless said otherwise. */
  readonly channel?: string;
}

const CLIENT_BLOCK_FIELDS = [
  'TargetName', 'UserName', 'DomainName', 'CallerPID', 'ProcessName', 'ClientLUID', 'ClientUserName', 'ClientDomainName', 'MechanismOID',
] as const;
const SERVER_BLOCK_FIELDS = ['CallerPID', 'ProcessName', 'ClientLUID', 'ClientUserName', 'ClientDomainName', 'MechanismOID'] as const;
const SERVER_DOMAIN_FIELDS = ['UserName', 'DomainName', 'Workstation', 'CallerPID', 'ProcessName', 'LogonType', 'InProc', 'MechanismOID'] as const;
const DC_FIELDS = ['SChannelName', 'UserName', 'DomainName', 'WorkstationName', 'SChannelType'] as const;
const MIN_SECURITY_FIELDS = ['CallerPID', 'ProcessName', 'NegotiatedSecurity', 'RequiredSecurity'] as const;
/** Enhanced usage events (who / why / where); names as read by community collectors. */
const USAGE_CLIENT_FIELDS = [
  'Username', 'DomainName', 'ProcessName', 'ProcessPID', 'TargetService', 'TargetMachine', 'TargetIP',
  'NtlmVersion', 'NtlmUsageId', 'NtlmUsageReason', 'MicStatus', 'ChannelBindingStatus',
] as const;
const USAGE_SERVER_FIELDS = [
  'Username', 'DomainName', 'RemoteClientMachine', 'ClientIP', 'ProcessName', 'ProcessPID', 'TargetService',
  'NtlmVersion', 'NtlmUsageId', 'NtlmUsageReason', 'MicStatus', 'ChannelBindingStatus',
] as const;
const V1_SSO_FIELDS = ['Username', 'DomainName', 'ProcessName', 'ProcessPID', 'RemoteClientMachine', 'ClientIP', 'TargetMachine', 'NtlmVersion'] as const;
const USAGE_DC_FIELDS = [
  'Username', 'DomainName', 'RemoteClientMachine', 'ClientIP', 'Hostname', 'ServerIP',
  'NtlmVersion', 'MicStatus', 'ChannelBindingStatus', 'Status',
] as const;

/** Security 4624 (version 2) and 4625 (version 0), Data names verbatim from the Security-Auditing manifest. */
const LOGON_SUCCESS_FIELDS = [
  'SubjectUserSid', 'SubjectUserName', 'SubjectDomainName', 'SubjectLogonId', 'TargetUserSid', 'TargetUserName', 'TargetDomainName',
  'TargetLogonId', 'LogonType', 'LogonProcessName', 'AuthenticationPackageName', 'WorkstationName', 'LogonGuid', 'TransmittedServices',
  'LmPackageName', 'KeyLength', 'ProcessId', 'ProcessName', 'IpAddress', 'IpPort', 'ImpersonationLevel', 'RestrictedAdminMode',
  'TargetOutboundUserName', 'TargetOutboundDomainName', 'VirtualAccount', 'TargetLinkedLogonId', 'ElevatedToken',
] as const;
const LOGON_FAILURE_FIELDS = [
  'SubjectUserSid', 'SubjectUserName', 'SubjectDomainName', 'SubjectLogonId', 'TargetUserSid', 'TargetUserName', 'TargetDomainName',
  'Status', 'FailureReason', 'SubStatus', 'LogonType', 'LogonProcessName', 'AuthenticationPackageName', 'WorkstationName',
  'TransmittedServices', 'LmPackageName', 'KeyLength', 'ProcessId', 'ProcessName', 'IpAddress', 'IpPort',
] as const;

const T = {
  clientAudit: 'NTLM client blocked audit: Audit outgoing NTLM authentication traffic that would be blocked.',
  clientBlock: 'NTLM client blocked: Outgoing NTLM authentication traffic to remote servers that is blocked.',
  serverAudit: 'NTLM server blocked audit: Audit Incoming NTLM Traffic that would be blocked',
  serverBlock: 'NTLM server blocked: Incoming NTLM traffic to servers that is blocked',
  domainAudit: 'NTLM server blocked in the domain audit: Audit NTLM authentication in this domain',
  domainBlock: 'NTLM server blocked in the domain: NTLM authentication in this domain that is blocked',
  dcAudit: 'Domain Controller Blocked Audit: Audit NTLM authentication to this domain controller.',
  dcBlock: 'Domain Controller Blocked: NTLM authentication to this domain controller is blocked.',
  usageClient: 'This machine attempted to authenticate to a remote resource via NTLM.',
  usageServer: 'A remote client is using NTLM to authenticate to this workstation.',
  v1Audit: 'Auditing an attempt to use NTLMv1-derived credentials for Single Sign-On.',
  v1Block: 'An attempt to use NTLMv1-derived credentials for Single Sign-On was blocked.',
  dcNetwork: 'The DC processed a network NTLM authentication involving an account from this domain.',
  dcForwarded: 'The DC processed a forwarded NTLM authentication request originating from a server.',
  logonSuccess: 'An account was successfully logged on.',
  logonFailure: 'An account failed to log on.',
};

const N = 'Microsoft-Windows-NTLM' as const;
const NL = 'Microsoft-Windows-Security-Netlogon' as const;
const SA = 'Microsoft-Windows-Security-Auditing' as const;
const { Information: I, Warning: W, Error: E, LogAlways } = Level;
const { None, BlockingNTLM: B, AuditingNTLM: A, Logon } = Task;

const def = (id: number, provider: ProviderName, level: LevelValue, task: number, title: string, fields: readonly string[], role: EventRole, channel?: string): EventDefinition =>
  ({ id, provider, level, task, title, fields, role, ...(channel ? { channel } : {}) });

export const EVENTS: ReadonlyMap<number, EventDefinition> = new Map(
  [
    def(8001, N, I, A, T.clientAudit, CLIENT_BLOCK_FIELDS, 'client'),
    def(4001, N, W, B, T.clientBlock, CLIENT_BLOCK_FIELDS, 'client'),
    def(8002, N, I, A, T.serverAudit, SERVER_BLOCK_FIELDS, 'server'),
    def(4002, N, W, B, T.serverBlock, SERVER_BLOCK_FIELDS, 'server'),
    def(8003, N, I, A, T.domainAudit, SERVER_DOMAIN_FIELDS, 'server'),
    def(4003, N, W, B, T.domainBlock, SERVER_DOMAIN_FIELDS, 'server'),
    def(8004, NL, I, A, T.dcAudit, DC_FIELDS, 'dc'),
    def(8005, NL, I, A, T.dcAudit, DC_FIELDS, 'dc'),
    def(8006, NL, I, A, T.dcAudit, DC_FIELDS, 'dc'),
    def(4004, NL, W, B, T.dcBlock, DC_FIELDS, 'dc'),
    def(4005, NL, W, B, T.dcBlock, DC_FIELDS, 'dc'),
    def(4006, NL, W, B, T.dcBlock, DC_FIELDS, 'dc'),
    def(4010, N, W, None, 'NTLM Minimum Client Security Block:', MIN_SECURITY_FIELDS, 'client'),
    def(4011, N, W, None, 'NTLM Minimum Server Security Block:', MIN_SECURITY_FIELDS, 'server'),
    def(4020, N, I, None, T.usageClient, USAGE_CLIENT_FIELDS, 'client'),
    def(4021, N, W, None, T.usageClient, USAGE_CLIENT_FIELDS, 'client'),
    def(4022, N, I, None, T.usageServer, USAGE_SERVER_FIELDS, 'server'),
    def(4023, N, W, None, T.usageServer, USAGE_SERVER_FIELDS, 'server'),
    def(4024, N, W, None, T.v1Audit, V1_SSO_FIELDS, 'server'),
    def(4025, N, E, None, T.v1Block, V1_SSO_FIELDS, 'server'),
    def(4030, NL, I, None, T.dcNetwork, USAGE_DC_FIELDS, 'dc'),
    def(4031, NL, W, None, T.dcNetwork, USAGE_DC_FIELDS, 'dc'),
    def(4032, NL, I, None, T.dcForwarded, USAGE_DC_FIELDS, 'dc'),
    def(4033, NL, W, None, T.dcForwarded, USAGE_DC_FIELDS, 'dc'),
    // A logon by a mechanism other than NTLM (whose logons the NTLM/Operational events above record).
    def(4624, SA, LogAlways, Logon, T.logonSuccess, LOGON_SUCCESS_FIELDS, 'server', SECURITY_CHANNEL),
    def(4625, SA, LogAlways, Logon, T.logonFailure, LOGON_FAILURE_FIELDS, 'server', SECURITY_CHANNEL),
  ].map((d) => [d.id, d]),
);

export function eventDefinition(id: number): EventDefinition | undefined {
  return EVENTS.get(id);
}

/** NtlmUsageId values of the enhanced events ("why NTLM and not Kerberos"; KB5064479 as read by collectors). */
export const NTLM_USAGE_REASONS: Readonly<Record<number, string>> = {
  0: 'Unknown reason',
  1: 'NTLM called directly by the application',
  2: 'Local account logon',
  4: 'Cloud account logon',
  5: 'Target name missing or empty',
  6: 'Target name could not be resolved by Kerberos',
  7: 'Target name contains an IP address',
  8: 'Target name duplicated in Active Directory',
  9: 'No line of sight to a domain controller',
  10: 'NTLM called over loopback',
  11: 'NTLM called with a null session',
};

/** Values the enhanced events use. */
export const MIC_STATUS = { present: 'Protected', absent: 'Unprotected' } as const;
export const CHANNEL_BINDING_STATUS = { present: 'Supported', absent: 'Not Supported' } as const;
/** NtlmVersion strings, as in Security 4624's LmPackageName. */
export const NTLM_VERSION_NAMES = { LM: 'LM', NTLMv1: 'NTLM V1', 'NTLMv1-ESS': 'NTLM V1', NTLMv2: 'NTLM V2' } as const;

/** NTSTATUS of a policy block (MS-ERREF). */
export const STATUS_NTLM_BLOCKED = 0xc0000418;
