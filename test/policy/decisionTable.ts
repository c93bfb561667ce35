/**
 * The policy decision table, as data: every case written by hand from the Windows semantics
 * (facts sheet §1, §2, §4; docs/policy.md), with the expected action, deciding setting, reason
 * and the exact events and field values. Nothing here calls the code under test: the test
 * (decisionTable.test.ts) runs each case through src/policy, and scripts/gen-policy-doc.mjs
 * renders the same cases into docs/policy.md.
 *
 * Each case starts from the base request of its direction (below) and changes only what its
 * `input` says. Expected event data lists every field with a value; `undefined` marks a field
 * that must be absent (written empty). Numbers and booleans compare as Windows renders them.
 */
import type { DomainRequest, IncomingRequest, OutgoingRequest } from '../../src/policy/requests.js';

export type Direction = 'incoming' | 'outgoing' | 'domain';
/**
 * decide: decideIncoming / decideOutgoing / decideDomain; security: decideSecurity (server, client, dc); evaluate: both in turn;
 * beforeChallenge / beforeAuthority: the incoming phases an acceptor asks first (decideBeforeChallenge, decideBeforeAuthority).
 */
export type CaseFunction = 'decide' | 'security' | 'evaluate' | 'beforeChallenge' | 'beforeAuthority';

export type EventValue = string | number | boolean | undefined;
export interface ExpectedEvent {
  readonly eventId: number;
  readonly data: Readonly<Record<string, EventValue>>;
}

export interface Expected {
  readonly action: 'allow' | 'audit' | 'block';
  readonly setting: string;
  readonly reason: string;
  readonly events: readonly ExpectedEvent[];
}

interface Inputs {
  incoming: Partial<IncomingRequest>;
  outgoing: Partial<OutgoingRequest>;
  domain: Partial<DomainRequest>;
}

interface CaseBase {
  readonly id: string;
  /** The policy as written in a YAML file. */
  readonly policy: Readonly<Record<string, unknown>>;
  readonly fn: CaseFunction;
  /** Situation in words, when the changed input alone does not say it. */
  readonly note?: string;
  readonly expect: Expected;
}

export type DecisionCase = { [D in Direction]: CaseBase & { readonly direction: D; readonly input: Inputs[D] } }[Direction];

export interface CaseGroup {
  readonly id: string;
  readonly title: string;
  readonly about: string;
  readonly cases: readonly DecisionCase[];
}

// ---------------------------------------------------------------------------
// Base requests.

export const WEB1 = {
  netbiosComputerName: 'WEB1',
  netbiosDomainName: 'CORP',
  dnsComputerName: 'web1.corp.example.test',
  dnsDomainName: 'corp.example.test',
} as const;

export const DC1 = {
  netbiosComputerName: 'DC1',
  netbiosDomainName: 'CORP',
  dnsComputerName: 'dc1.corp.example.test',
  dnsDomainName: 'corp.example.test',
} as const;

/** UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, ESS, TARGET_INFO, VERSION, 128, KEY_EXCH, 56: a Windows 10 NTLMv2 logon. */
export const WINDOWS_FLAGS = 0xe2888235;

const PROCESS = { pid: 4242, name: 'ntlmgate' } as const;

export const BASE_INCOMING: IncomingRequest = {
  server: WEB1,
  service: 'intranet',
  user: 'alice',
  domain: 'CORP',
  workstation: 'WS01',
  clientIp: '10.0.0.5',
  version: 'NTLMv2',
  flags: WINDOWS_FLAGS,
  micPresent: true,
  channelBindings: 'present',
  targetName: 'HTTP/web1.corp.example.test',
  scheme: 'Negotiate',
  process: PROCESS,
};

export const BASE_OUTGOING: OutgoingRequest = {
  targetSpn: 'HTTP/web1.corp.example.test',
  user: 'alice',
  domain: 'CORP',
  version: 'NTLMv2',
  flags: WINDOWS_FLAGS,
  micPresent: true,
  channelBindings: 'present',
  scheme: 'Negotiate',
  service: 'gateway',
  process: PROCESS,
};

export const BASE_DOMAIN: DomainRequest = {
  dc: DC1,
  server: { netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP' },
  serverIp: '10.0.0.20',
  user: 'alice',
  domain: 'CORP',
  workstation: 'WS01',
  version: 'NTLMv2',
  micPresent: true,
  channelBindings: 'present',
  targetName: 'HTTP/web1.corp.example.test',
};

export const BASES = { incoming: BASE_INCOMING, outgoing: BASE_OUTGOING, domain: BASE_DOMAIN } as const;

// ---------------------------------------------------------------------------
// Expected events, field by field (src/events/catalogue.ts names).

const OID = '1.3.6.1.4.1.311.2.2.10';
const PROC = { CallerPID: 4242, ProcessName: 'ntlmgate' } as const;
type Over = Readonly<Record<string, EventValue>>;
const ev = (eventId: number, data: Over): ExpectedEvent => ({ eventId, data });

// Incoming (server).
const i8002 = (o: Over = {}) => ev(8002, { ...PROC, MechanismOID: OID, ...o });
const i4002 = (o: Over = {}) => ev(4002, { ...PROC, MechanismOID: OID, ...o });
const DOMAIN_LOGON = { UserName: 'alice', DomainName: 'CORP', Workstation: 'WS01', ...PROC, LogonType: 3, InProc: true, MechanismOID: OID } as const;
const i8003 = (o: Over = {}) => ev(8003, { ...DOMAIN_LOGON, ...o });
const i4003 = (o: Over = {}) => ev(4003, { ...DOMAIN_LOGON, ...o });
const SERVER_USAGE = {
  Username: 'alice',
  DomainName: 'CORP',
  RemoteClientMachine: 'WS01',
  ClientIP: '10.0.0.5',
  ProcessName: 'ntlmgate',
  ProcessPID: 4242,
  TargetService: 'HTTP/web1.corp.example.test',
  NtlmVersion: 'NTLM V2',
  NtlmUsageId: 0,
  NtlmUsageReason: 'Unknown reason',
  MicStatus: 'Protected',
  ChannelBindingStatus: 'Supported',
} as const;
const i4022 = (o: Over = {}) => ev(4022, { ...SERVER_USAGE, ...o });
const i4023 = (o: Over = {}) => ev(4023, { ...SERVER_USAGE, ...o });
const LOCAL = { user: 'admin', domain: 'WEB1' } as const;
const LOCAL_USAGE = { Username: 'admin', DomainName: 'WEB1', NtlmUsageId: 2, NtlmUsageReason: 'Local account logon' } as const;

// Outgoing (client).
const CLIENT_BLOCK = { TargetName: 'HTTP/web1.corp.example.test', UserName: 'alice', DomainName: 'CORP', ...PROC, MechanismOID: OID } as const;
const o8001 = (o: Over = {}) => ev(8001, { ...CLIENT_BLOCK, ...o });
const o4001 = (o: Over = {}) => ev(4001, { ...CLIENT_BLOCK, ...o });
const CLIENT_USAGE = {
  Username: 'alice',
  DomainName: 'CORP',
  ProcessName: 'ntlmgate',
  ProcessPID: 4242,
  TargetService: 'HTTP/web1.corp.example.test',
  TargetMachine: 'web1.corp.example.test',
  NtlmVersion: 'NTLM V2',
  NtlmUsageId: 0,
  NtlmUsageReason: 'Unknown reason',
  MicStatus: 'Protected',
  ChannelBindingStatus: 'Supported',
} as const;
const o4020 = (o: Over = {}) => ev(4020, { ...CLIENT_USAGE, ...o });
const o4021 = (o: Over = {}) => ev(4021, { ...CLIENT_USAGE, ...o });

// Domain controller.
const DC_LOGON = { SChannelName: 'WEB1', UserName: 'alice', DomainName: 'CORP', WorkstationName: 'WS01', SChannelType: 2 } as const;
const d8004 = (o: Over = {}) => ev(8004, { ...DC_LOGON, ...o });
const d4004 = (o: Over = {}) => ev(4004, { ...DC_LOGON, ...o });
const DC_USAGE = {
  Username: 'alice',
  DomainName: 'CORP',
  RemoteClientMachine: 'WS01',
  Hostname: 'WEB1',
  ServerIP: '10.0.0.20',
  NtlmVersion: 'NTLM V2',
  MicStatus: 'Protected',
  ChannelBindingStatus: 'Supported',
  Status: '0x0',
} as const;
const BLOCKED = { Status: '0xc0000418' } as const;
const d4032 = (o: Over = {}) => ev(4032, { ...DC_USAGE, ...o });
const d4033 = (o: Over = {}) => ev(4033, { ...DC_USAGE, ...o });
const d4030 = (o: Over = {}) => ev(4030, { ...DC_USAGE, Hostname: 'DC1', ...o });
const d4031 = (o: Over = {}) => ev(4031, { ...DC_USAGE, Hostname: 'DC1', ...o });

// Session security.
const V1_SERVER = {
  Username: 'alice',
  DomainName: 'CORP',
  ProcessName: 'ntlmgate',
  ProcessPID: 4242,
  RemoteClientMachine: 'WS01',
  ClientIP: '10.0.0.5',
  TargetMachine: 'web1.corp.example.test',
  NtlmVersion: 'NTLM V1',
} as const;
const s4024 = (o: Over = {}) => ev(4024, { ...V1_SERVER, ...o });
const s4025 = (o: Over = {}) => ev(4025, { ...V1_SERVER, ...o });
const V1_CLIENT = { Username: 'alice', DomainName: 'CORP', ProcessName: 'ntlmgate', ProcessPID: 4242, TargetMachine: 'web1.corp.example.test', NtlmVersion: 'NTLM V1' } as const;
const c4024 = (o: Over = {}) => ev(4024, { ...V1_CLIENT, ...o });
const c4025 = (o: Over = {}) => ev(4025, { ...V1_CLIENT, ...o });
const s4011 = (negotiated: string, required: string) => ev(4011, { ...PROC, NegotiatedSecurity: negotiated, RequiredSecurity: required });
const c4010 = (negotiated: string, required: string) => ev(4010, { ...PROC, NegotiatedSecurity: negotiated, RequiredSecurity: required });

// ---------------------------------------------------------------------------
// Case builders: one line per case.

type A = Expected['action'];
const x = (action: A, setting: string, reason: string, events: readonly ExpectedEvent[]): Expected => ({ action, setting, reason, events });

function inc(id: string, policy: Record<string, unknown>, input: Partial<IncomingRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'incoming', fn: 'decide', policy, input, expect, ...(note ? { note } : {}) };
}
function out(id: string, policy: Record<string, unknown>, input: Partial<OutgoingRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'outgoing', fn: 'decide', policy, input, expect, ...(note ? { note } : {}) };
}
function dom(id: string, policy: Record<string, unknown>, input: Partial<DomainRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'domain', fn: 'decide', policy, input, expect, ...(note ? { note } : {}) };
}
function secS(id: string, policy: Record<string, unknown>, input: Partial<IncomingRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'incoming', fn: 'security', policy, input, expect, ...(note ? { note } : {}) };
}
function secC(id: string, policy: Record<string, unknown>, input: Partial<OutgoingRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'outgoing', fn: 'security', policy, input, expect, ...(note ? { note } : {}) };
}
function secD(id: string, policy: Record<string, unknown>, input: Partial<DomainRequest>, expect: Expected, note?: string): DecisionCase {
  return { id, direction: 'domain', fn: 'security', policy, input, expect, ...(note ? { note } : {}) };
}

// Reasons used many times.
const ALLOW_IN = 'Allow all: incoming NTLM is not restricted';
const ALLOW_OUT = 'Allow all: outgoing NTLM is not restricted';
const DENY_ALL_IN = 'Deny all accounts: this server refuses all incoming NTLM';
const AUDIT_ALL_IN = 'Enable auditing for all accounts: Deny all accounts would block this logon';
const AUDIT_DOM_IN = 'Enable auditing for domain accounts: CORP\\alice is a domain account; Deny all domain accounts would block it';
const NOT_RESTRICTED_DOMAIN = 'Disable: NTLM authentication in this domain is not restricted';
const RIR = 'RestrictReceivingNTLMTraffic';
const ARIR = 'AuditReceivingNTLMTraffic';
const RST = 'RestrictSendingNTLMTraffic';
const LMC = 'LmCompatibilityLevel';

const SVC = (block: number | string, list: readonly string[] = []) => ({ services: { intranet: { BlockNTLM: block, BlockNTLMServerExceptionList: list } } });
const SVC_OUT = (block: number | string, list: readonly string[] = []) => ({ services: { gateway: { BlockNTLM: block, BlockNTLMServerExceptionList: list } } });
const SVC_BLOCKED_IN = 'BlockNTLM: service intranet refuses NTLM; client 10.0.0.5, WS01 is not in BlockNTLMServerExceptionList';

// ---------------------------------------------------------------------------

const incoming: CaseGroup = {
  id: 'IN',
  title: 'Incoming NTLM (decideIncoming)',
  about:
    'This server (WEB1 in CORP) receives a logon from WS01 at 10.0.0.5 for CORP\\alice, NTLMv2 with MIC and channel bindings, over Negotiate, ' +
    'for service intranet; the accepting process is ntlmgate, PID 4242. "Local" is WEB1\\admin.',
  cases: [
    inc('IN-01', {}, {}, x('allow', RIR, ALLOW_IN, [i4022()])),
    inc('IN-02', {}, LOCAL, x('allow', RIR, ALLOW_IN, [i4022(LOCAL_USAGE)])),
    inc('IN-03', { RestrictReceivingNTLMTraffic: 'Allow all' }, {}, x('allow', RIR, ALLOW_IN, [i4022()])),
    inc('IN-04', { RestrictReceivingNTLMTraffic: 1 }, {}, x('block', RIR, 'Deny all domain accounts: CORP\\alice is a domain account', [i4003(), i4022()])),
    inc('IN-05', { RestrictReceivingNTLMTraffic: 1 }, LOCAL, x('allow', RIR, 'Deny all domain accounts: WEB1\\admin is not a domain account (validated locally)', [i4022(LOCAL_USAGE)])),
    inc('IN-06', { RestrictReceivingNTLMTraffic: 'Deny all accounts' }, {}, x('block', RIR, DENY_ALL_IN, [i4002(), i4022()])),
    inc('IN-07', { RestrictReceivingNTLMTraffic: 2 }, LOCAL, x('block', RIR, DENY_ALL_IN, [i4002(), i4022(LOCAL_USAGE)])),
    inc('IN-08', { AuditReceivingNTLMTraffic: 'Disabled' }, {}, x('allow', RIR, ALLOW_IN, [i4022()])),
    inc('IN-09', { AuditReceivingNTLMTraffic: 1 }, {}, x('audit', ARIR, AUDIT_DOM_IN, [i8003(), i4022()])),
    inc('IN-10', { AuditReceivingNTLMTraffic: 'Enable auditing for domain accounts' }, LOCAL, x('allow', RIR, ALLOW_IN, [i4022(LOCAL_USAGE)])),
    inc('IN-11', { AuditReceivingNTLMTraffic: 2 }, {}, x('audit', ARIR, AUDIT_ALL_IN, [i8002(), i8003(), i4022()])),
    inc('IN-12', { AuditReceivingNTLMTraffic: 'enable auditing for ALL accounts' }, LOCAL, x('audit', ARIR, AUDIT_ALL_IN, [i8002(), i4022(LOCAL_USAGE)])),
    inc('IN-13', { RestrictReceivingNTLMTraffic: 1, AuditReceivingNTLMTraffic: 2 }, LOCAL, x('audit', ARIR, AUDIT_ALL_IN, [i8002(), i4022(LOCAL_USAGE)])),
    inc('IN-14', { RestrictReceivingNTLMTraffic: 1, AuditReceivingNTLMTraffic: 1 }, {}, x('block', RIR, 'Deny all domain accounts: CORP\\alice is a domain account', [i4003(), i4022()]),
      'a block writes its own event, not the audit one'),
    inc('IN-15', { RestrictReceivingNTLMTraffic: 2, AuditReceivingNTLMTraffic: 2 }, LOCAL, x('block', RIR, DENY_ALL_IN, [i4002(), i4022(LOCAL_USAGE)])),
    // Domain or local account (facts §4.1).
    inc('IN-16', { RestrictReceivingNTLMTraffic: 1 }, { domain: '' }, x('block', RIR, 'Deny all domain accounts: alice is a domain account', [i4003({ DomainName: '' }), i4022({ DomainName: '' })]),
      'empty domain, no local-account flag: passed through'),
    inc('IN-17', { RestrictReceivingNTLMTraffic: 1 }, { domain: '.', localAccount: true }, x('allow', RIR, 'Deny all domain accounts: .\\alice is not a domain account (validated locally)', [i4022({ DomainName: '.', NtlmUsageId: 2, NtlmUsageReason: 'Local account logon' })]),
      'domain "." with the local-only account flag'),
    inc('IN-18', { RestrictReceivingNTLMTraffic: 1 }, { user: 'admin', domain: 'web1' }, x('allow', RIR, 'Deny all domain accounts: web1\\admin is not a domain account (validated locally)', [i4022({ ...LOCAL_USAGE, DomainName: 'web1' })]),
      'the domain is the server name in another case'),
    inc('IN-19', { RestrictReceivingNTLMTraffic: 1 }, { server: { netbiosComputerName: 'WEB1', netbiosDomainName: 'WEB1' } }, x('allow', RIR, 'Deny all domain accounts: CORP\\alice is not a domain account (validated locally)', [i4022({ NtlmUsageId: 2, NtlmUsageReason: 'Local account logon' })]),
      'standalone server (workgroup): nothing is passed through'),
    inc('IN-20', { RestrictReceivingNTLMTraffic: 1 }, { user: '', domain: '', workstation: '', version: 'Anonymous', micPresent: false, channelBindings: 'absent', targetName: undefined },
      x('allow', RIR, 'Deny all domain accounts: ANONYMOUS LOGON is not a domain account (validated locally)', [i4023({ Username: '', DomainName: '', RemoteClientMachine: '', TargetService: undefined, NtlmVersion: '-', NtlmUsageId: 11, NtlmUsageReason: 'NTLM called with a null session', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })]),
      'anonymous (null session)'),
    // Usage events: the insecure variant and NtlmUsageId.
    inc('IN-21', {}, { version: 'NTLMv1', micPresent: false, channelBindings: 'absent', targetName: undefined }, x('allow', RIR, ALLOW_IN, [i4023({ TargetService: undefined, NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    inc('IN-22', {}, { version: 'NTLMv1-ESS', micPresent: false, channelBindings: 'absent', targetName: undefined }, x('allow', RIR, ALLOW_IN, [i4023({ TargetService: undefined, NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    inc('IN-23', {}, { version: 'LM', micPresent: false, channelBindings: 'absent', targetName: undefined }, x('allow', RIR, ALLOW_IN, [i4023({ TargetService: undefined, NtlmVersion: 'LM', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    inc('IN-24', {}, { micPresent: false }, x('allow', RIR, ALLOW_IN, [i4023({ MicStatus: 'Unprotected' })])),
    inc('IN-25', {}, { channelBindings: 'absent' }, x('allow', RIR, ALLOW_IN, [i4023({ ChannelBindingStatus: 'Not Supported' })])),
    inc('IN-26', {}, { channelBindings: 'zero' }, x('allow', RIR, ALLOW_IN, [i4023({ ChannelBindingStatus: 'Not Supported' })])),
    inc('IN-27', { AuditReceivingNTLMTraffic: 2 }, { scheme: 'NTLM' }, x('audit', ARIR, AUDIT_ALL_IN, [i8002({ MechanismOID: undefined }), i8003({ MechanismOID: undefined }), i4022({ NtlmUsageId: 1, NtlmUsageReason: 'NTLM called directly by the application' })]),
      'WWW-Authenticate: NTLM, not Negotiate'),
    inc('IN-28', {}, { clientIp: '127.0.0.1' }, x('allow', RIR, ALLOW_IN, [i4022({ ClientIP: '127.0.0.1', NtlmUsageId: 10, NtlmUsageReason: 'NTLM called over loopback' })])),
    inc('IN-29', {}, { targetName: 'HTTP/10.0.0.80' }, x('allow', RIR, ALLOW_IN, [i4022({ TargetService: 'HTTP/10.0.0.80', NtlmUsageId: 7, NtlmUsageReason: 'Target name contains an IP address' })])),
    inc('IN-30', {}, { targetName: undefined }, x('allow', RIR, ALLOW_IN, [i4022({ TargetService: undefined, NtlmUsageId: 5, NtlmUsageReason: 'Target name missing or empty' })]),
      'NTLMv2 without MsvAvTargetName'),
    inc('IN-31', { LogEnhancedAuditEvents: 0 }, {}, x('allow', RIR, ALLOW_IN, [])),
    inc('IN-32', { LogEnhancedAuditEvents: 'Disabled', RestrictReceivingNTLMTraffic: 2 }, {}, x('block', RIR, DENY_ALL_IN, [i4002()])),
    inc('IN-33', { LogEnhancedAuditEvents: 'Enabled' }, {}, x('allow', RIR, ALLOW_IN, [i4022()])),
    // Per-service BlockNTLM with its exception list (client IP, workstation, DNS name).
    inc('IN-34', SVC('Disabled', ['10.9.*']), {}, x('allow', RIR, ALLOW_IN, [i4022()])),
    inc('IN-35', SVC(1), {}, x('block', 'services.intranet.BlockNTLM', SVC_BLOCKED_IN, [i4002(), i4022()])),
    inc('IN-36', SVC(1, ['10.0.0.5']), {}, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client 10.0.0.5 matches BlockNTLMServerExceptionList entry 10.0.0.5', [i4022()])),
    inc('IN-37', SVC('Enabled', ['10.0.0.*']), {}, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client 10.0.0.5 matches BlockNTLMServerExceptionList entry 10.0.0.*', [i4022()])),
    inc('IN-38', SVC(1, ['10.1.*']), {}, x('block', 'services.intranet.BlockNTLM', SVC_BLOCKED_IN, [i4002(), i4022()])),
    inc('IN-39', SVC(1, ['ws01']), {}, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client WS01 matches BlockNTLMServerExceptionList entry ws01', [i4022()])),
    inc('IN-40', SVC(1, ['LEGACY*', 'WS*']), {}, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client WS01 matches BlockNTLMServerExceptionList entry WS*', [i4022()])),
    inc('IN-41', SVC(1, ['LEGACY*']), {}, x('block', 'services.intranet.BlockNTLM', SVC_BLOCKED_IN, [i4002(), i4022()])),
    inc('IN-42', SVC(1, ['ws01.corp.example.test']), { clientDnsName: 'WS01.corp.example.test' }, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client WS01.corp.example.test matches BlockNTLMServerExceptionList entry ws01.corp.example.test', [i4022()])),
    inc('IN-43', SVC(1, ['*.corp.example.test']), { clientDnsName: 'ws01.corp.example.test' }, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client ws01.corp.example.test matches BlockNTLMServerExceptionList entry *.corp.example.test', [i4022()])),
    inc('IN-44', SVC(1, ['*.corp.example.test']), {}, x('block', 'services.intranet.BlockNTLM', SVC_BLOCKED_IN, [i4002(), i4022()]),
      'no verified DNS name for the client'),
    inc('IN-45', SVC(1, ['10.0.0.5']), { clientIp: '10.9.9.9', workstation: '10.0.0.5' },
      x('block', 'services.intranet.BlockNTLM', 'BlockNTLM: service intranet refuses NTLM; client 10.9.9.9, 10.0.0.5 is not in BlockNTLMServerExceptionList', [i4002(), i4022({ ClientIP: '10.9.9.9', RemoteClientMachine: '10.0.0.5' })]),
      'a workstation name that looks like an excepted IP does not match an IP entry'),
    inc('IN-46', SVC(1, ['10.0.0.*']), { clientIp: '::ffff:10.0.0.5' }, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client ::ffff:10.0.0.5 matches BlockNTLMServerExceptionList entry 10.0.0.*', [i4022({ ClientIP: '::ffff:10.0.0.5' })]),
      'IPv4-mapped IPv6 address from a dual-stack socket'),
    inc('IN-47', SVC(1), { service: 'other' }, x('allow', RIR, ALLOW_IN, [i4022()]), 'a service without a policy entry'),
    inc('IN-48', { ...SVC(1, ['10.0.0.*']), AuditReceivingNTLMTraffic: 1 }, {}, x('audit', ARIR, AUDIT_DOM_IN, [i8003(), i4022()])),
    inc('IN-49', { ...SVC(1), RestrictReceivingNTLMTraffic: 1 }, {}, x('block', RIR, 'Deny all domain accounts: CORP\\alice is a domain account', [i4003(), i4022()]),
      'machine-wide settings are checked before the service block'),
    inc('IN-50', SVC(1, ['*']), {}, x('allow', 'services.intranet.BlockNTLMServerExceptionList', 'BlockNTLM: client 10.0.0.5 matches BlockNTLMServerExceptionList entry *', [i4022()])),
    inc('IN-51', SVC(1), LOCAL, x('block', 'services.intranet.BlockNTLM', SVC_BLOCKED_IN, [i4002(), i4022(LOCAL_USAGE)])),
  ],
};

// ---------------------------------------------------------------------------

const SVC_BLOCKED_OUT = 'BlockNTLM: service gateway refuses NTLM; target web1.corp.example.test is not in BlockNTLMServerExceptionList';
const WEB1_HOST = { targetSpn: 'HTTP/web1', targetHost: 'web1' } as const;
const WEB1_HOST_USAGE = { TargetService: 'HTTP/web1', TargetMachine: 'web1' } as const;

const outgoing: CaseGroup = {
  id: 'OUT',
  title: 'Outgoing NTLM (decideOutgoing)',
  about:
    'This machine (process ntlmgate, PID 4242) sends NTLMv2 with MIC and channel bindings over Negotiate as CORP\\alice to ' +
    'HTTP/web1.corp.example.test, for service gateway.',
  cases: [
    out('OUT-01', {}, {}, x('allow', RST, ALLOW_OUT, [o4020()])),
    out('OUT-02', { RestrictSendingNTLMTraffic: 'Audit all' }, {}, x('audit', RST, 'Audit all: NTLM to web1.corp.example.test is logged; Deny all would block it', [o8001(), o4020()])),
    out('OUT-03', { RestrictSendingNTLMTraffic: 1, ClientAllowedNTLMServers: ['web1.corp.example.test'] }, {},
      x('allow', 'ClientAllowedNTLMServers', 'Audit all: web1.corp.example.test matches ClientAllowedNTLMServers entry web1.corp.example.test', [o4020()]),
      'an excepted server is not audited'),
    out('OUT-04', { RestrictSendingNTLMTraffic: 2 }, {}, x('block', RST, 'Deny all: web1.corp.example.test is not in ClientAllowedNTLMServers', [o4001(), o4020()])),
    out('OUT-05', { RestrictSendingNTLMTraffic: 'Deny all', ClientAllowedNTLMServers: ['WEB1.CORP.EXAMPLE.TEST'] }, {},
      x('allow', 'ClientAllowedNTLMServers', 'Deny all: web1.corp.example.test matches ClientAllowedNTLMServers entry WEB1.CORP.EXAMPLE.TEST', [o4020()])),
    out('OUT-06', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['*.corp.example.test'] }, {},
      x('allow', 'ClientAllowedNTLMServers', 'Deny all: web1.corp.example.test matches ClientAllowedNTLMServers entry *.corp.example.test', [o4020()])),
    out('OUT-07', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['WEB1'] }, {},
      x('block', RST, 'Deny all: web1.corp.example.test is not in ClientAllowedNTLMServers', [o4001(), o4020()]),
      'only the NetBIOS form is listed; the application used the FQDN'),
    out('OUT-08', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['WEB1'] }, WEB1_HOST,
      x('allow', 'ClientAllowedNTLMServers', 'Deny all: web1 matches ClientAllowedNTLMServers entry WEB1', [o4020(WEB1_HOST_USAGE)])),
    out('OUT-09', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['WEB*'] }, { targetSpn: 'HTTP/web7', targetHost: 'web7' },
      x('allow', 'ClientAllowedNTLMServers', 'Deny all: web7 matches ClientAllowedNTLMServers entry WEB*', [o4020({ TargetService: 'HTTP/web7', TargetMachine: 'web7' })])),
    out('OUT-10', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['WEB*'] }, { targetSpn: 'HTTP/app1', targetHost: 'app1' },
      x('block', RST, 'Deny all: app1 is not in ClientAllowedNTLMServers', [o4001({ TargetName: 'HTTP/app1' }), o4020({ TargetService: 'HTTP/app1', TargetMachine: 'app1' })])),
    out('OUT-11', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['10.0.0.*'] }, { targetSpn: 'HTTP/10.0.0.80' },
      x('allow', 'ClientAllowedNTLMServers', 'Deny all: 10.0.0.80 matches ClientAllowedNTLMServers entry 10.0.0.*', [o4020({ TargetService: 'HTTP/10.0.0.80', TargetMachine: '10.0.0.80', TargetIP: '10.0.0.80', NtlmUsageId: 7, NtlmUsageReason: 'Target name contains an IP address' })]),
      'the application used an IP address'),
    out('OUT-12', {}, { targetSpn: 'HTTP/10.0.0.80' }, x('allow', RST, ALLOW_OUT, [o4020({ TargetService: 'HTTP/10.0.0.80', TargetMachine: '10.0.0.80', TargetIP: '10.0.0.80', NtlmUsageId: 7, NtlmUsageReason: 'Target name contains an IP address' })])),
    out('OUT-13', {}, { targetSpn: undefined }, x('allow', RST, ALLOW_OUT, [o4020({ TargetService: undefined, TargetMachine: undefined, NtlmUsageId: 5, NtlmUsageReason: 'Target name missing or empty' })]), 'no SPN, no target name'),
    out('OUT-14', { RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['*'] }, { targetSpn: undefined },
      x('block', RST, 'Deny all: (no target name) is not in ClientAllowedNTLMServers', [o4001({ TargetName: undefined }), o4020({ TargetService: undefined, TargetMachine: undefined, NtlmUsageId: 5, NtlmUsageReason: 'Target name missing or empty' })]),
      'without a target name even "*" has nothing to match'),
    out('OUT-15', {}, { domain: 'WEB1', user: 'admin' }, x('allow', RST, ALLOW_OUT, [o4020({ Username: 'admin', DomainName: 'WEB1', NtlmUsageId: 2, NtlmUsageReason: 'Local account logon' })]),
      'account of the target machine itself'),
    out('OUT-16', {}, { domain: '.' }, x('allow', RST, ALLOW_OUT, [o4020({ DomainName: '.', NtlmUsageId: 2, NtlmUsageReason: 'Local account logon' })])),
    out('OUT-17', {}, { targetSpn: 'HTTP/localhost' }, x('allow', RST, ALLOW_OUT, [o4020({ TargetService: 'HTTP/localhost', TargetMachine: 'localhost', NtlmUsageId: 10, NtlmUsageReason: 'NTLM called over loopback' })])),
    out('OUT-18', { RestrictSendingNTLMTraffic: 1 }, { scheme: 'NTLM' },
      x('audit', RST, 'Audit all: NTLM to web1.corp.example.test is logged; Deny all would block it', [o8001({ MechanismOID: undefined }), o4020({ NtlmUsageId: 1, NtlmUsageReason: 'NTLM called directly by the application' })])),
    out('OUT-19', {}, { user: '', domain: '', version: 'Anonymous', micPresent: false, channelBindings: 'absent' },
      x('allow', RST, ALLOW_OUT, [o4021({ Username: '', DomainName: '', NtlmVersion: '-', NtlmUsageId: 11, NtlmUsageReason: 'NTLM called with a null session', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    out('OUT-20', {}, { version: 'NTLMv1', micPresent: false, channelBindings: 'absent' }, x('allow', RST, ALLOW_OUT, [o4021({ NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    out('OUT-21', {}, { micPresent: false }, x('allow', RST, ALLOW_OUT, [o4021({ MicStatus: 'Unprotected' })])),
    out('OUT-22', {}, { channelBindings: 'absent' }, x('allow', RST, ALLOW_OUT, [o4021({ ChannelBindingStatus: 'Not Supported' })])),
    out('OUT-23', { LogEnhancedAuditEvents: 0, RestrictSendingNTLMTraffic: 1 }, {}, x('audit', RST, 'Audit all: NTLM to web1.corp.example.test is logged; Deny all would block it', [o8001()])),
    // Per-service BlockNTLM (target name or resolved address).
    out('OUT-24', SVC_OUT(1), {}, x('block', 'services.gateway.BlockNTLM', SVC_BLOCKED_OUT, [o4001(), o4020()])),
    out('OUT-25', SVC_OUT(1, ['*.corp.example.test']), {},
      x('allow', 'services.gateway.BlockNTLMServerExceptionList', 'BlockNTLM: target web1.corp.example.test matches BlockNTLMServerExceptionList entry *.corp.example.test', [o4020()])),
    out('OUT-26', SVC_OUT(1, ['10.0.0.*']), { targetIp: '10.0.0.80' },
      x('allow', 'services.gateway.BlockNTLMServerExceptionList', 'BlockNTLM: target 10.0.0.80 matches BlockNTLMServerExceptionList entry 10.0.0.*', [o4020({ TargetIP: '10.0.0.80' })]),
      'name not listed; its resolved address is'),
    out('OUT-27', SVC_OUT(1, ['LEGACY*', 'web1']), {}, x('block', 'services.gateway.BlockNTLM', SVC_BLOCKED_OUT, [o4001(), o4020()]), '"web1" is not "web1.corp.example.test"'),
    out('OUT-28', { ...SVC_OUT(1, ['web1.*']), RestrictSendingNTLMTraffic: 1 }, {},
      x('audit', RST, 'Audit all: NTLM to web1.corp.example.test is logged; Deny all would block it', [o8001(), o4020()])),
    out('OUT-29', { ...SVC_OUT(1), RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['web1.corp.example.test'] }, {},
      x('block', 'services.gateway.BlockNTLM', SVC_BLOCKED_OUT, [o4001(), o4020()]),
      'ClientAllowedNTLMServers does not lift a service block'),
    out('OUT-30', SVC_OUT(0), {}, x('allow', RST, ALLOW_OUT, [o4020()])),
    out('OUT-31', { RestrictSendingNTLMTraffic: 'Allow all', ClientAllowedNTLMServers: ['app*'] }, {}, x('allow', RST, ALLOW_OUT, [o4020()]), 'the exception list matters only with Audit all / Deny all'),
  ],
};

// ---------------------------------------------------------------------------

const AS = {} as const;
const A_ = { server: { netbiosComputerName: 'APP9', netbiosDomainName: 'PARTNER' } } as const;
const S_ = { user: 'bob', domain: 'PARTNER' } as const;
const N_ = { ...A_, ...S_ } as const;
const F_AS = 'account CORP\\alice is in CORP, server WEB1 is in CORP';
const F_A = 'account CORP\\alice is in CORP, server APP9 is not in CORP';
const F_S = 'account PARTNER\\bob is not in CORP, server WEB1 is in CORP';
const F_N = 'account PARTNER\\bob is not in CORP, server APP9 is not in CORP';
const EV_A = { SChannelName: 'APP9' } as const;
const EV_S = { UserName: 'bob', DomainName: 'PARTNER' } as const;
const US_A = { Hostname: 'APP9' } as const;
const US_S = { Username: 'bob', DomainName: 'PARTNER' } as const;
const RND = 'RestrictNTLMInDomain';
const AND = 'AuditNTLMInDomain';

const domain: CaseGroup = {
  id: 'DOM',
  title: 'NTLM in the domain, at the domain controller (decideDomain)',
  about:
    'This DC (DC1 of CORP) validates a logon passed through by WEB1 (CORP, 10.0.0.20) for CORP\\alice from WS01, NTLMv2 with MIC and channel ' +
    'bindings. Variants: the server is APP9 of PARTNER (not in this domain), the account is PARTNER\\bob (not in this domain), or both.',
  cases: [
    dom('DOM-01', {}, AS, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032()])),
    dom('DOM-02', { RestrictNTLMInDomain: 'Disabled' }, N_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-03', { RestrictNTLMInDomain: 1 }, AS, x('block', RND, `Deny for domain accounts to domain servers: ${F_AS}`, [d4004(), d4032(BLOCKED)])),
    dom('DOM-04', { RestrictNTLMInDomain: 1 }, A_, x('allow', RND, `Deny for domain accounts to domain servers does not apply: ${F_A}`, [d4032(US_A)])),
    dom('DOM-05', { RestrictNTLMInDomain: 1 }, S_, x('allow', RND, `Deny for domain accounts to domain servers does not apply: ${F_S}`, [d4032(US_S)])),
    dom('DOM-06', { RestrictNTLMInDomain: 1 }, N_, x('allow', RND, `Deny for domain accounts to domain servers does not apply: ${F_N}`, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-07', { RestrictNTLMInDomain: 3 }, AS, x('block', RND, `Deny for domain accounts: ${F_AS}`, [d4004(), d4032(BLOCKED)])),
    dom('DOM-08', { RestrictNTLMInDomain: 'Deny for domain accounts' }, A_, x('block', RND, `Deny for domain accounts: ${F_A}`, [d4004(EV_A), d4032({ ...US_A, ...BLOCKED })])),
    dom('DOM-09', { RestrictNTLMInDomain: 3 }, S_, x('allow', RND, `Deny for domain accounts does not apply: ${F_S}`, [d4032(US_S)])),
    dom('DOM-10', { RestrictNTLMInDomain: 3 }, N_, x('allow', RND, `Deny for domain accounts does not apply: ${F_N}`, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-11', { RestrictNTLMInDomain: 5 }, AS, x('block', RND, `Deny for domain servers: ${F_AS}`, [d4004(), d4032(BLOCKED)])),
    dom('DOM-12', { RestrictNTLMInDomain: 5 }, A_, x('allow', RND, `Deny for domain servers does not apply: ${F_A}`, [d4032(US_A)])),
    dom('DOM-13', { RestrictNTLMInDomain: 'Deny for domain servers' }, S_, x('block', RND, `Deny for domain servers: ${F_S}`, [d4004(EV_S), d4032({ ...US_S, ...BLOCKED })])),
    dom('DOM-14', { RestrictNTLMInDomain: 5 }, N_, x('allow', RND, `Deny for domain servers does not apply: ${F_N}`, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-15', { RestrictNTLMInDomain: 7 }, AS, x('block', RND, `Deny all: ${F_AS}`, [d4004(), d4032(BLOCKED)])),
    dom('DOM-16', { RestrictNTLMInDomain: 7 }, A_, x('block', RND, `Deny all: ${F_A}`, [d4004(EV_A), d4032({ ...US_A, ...BLOCKED })])),
    dom('DOM-17', { RestrictNTLMInDomain: 'DENY ALL' }, S_, x('block', RND, `Deny all: ${F_S}`, [d4004(EV_S), d4032({ ...US_S, ...BLOCKED })])),
    dom('DOM-18', { RestrictNTLMInDomain: 7 }, N_, x('allow', RND, `Deny all does not apply: ${F_N}`, [d4032({ ...US_S, ...US_A })])),
    // Audit: the same scopes, 8004 instead of a block.
    dom('DOM-19', { AuditNTLMInDomain: 0 }, AS, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032()])),
    dom('DOM-20', { AuditNTLMInDomain: 1 }, AS, x('audit', AND, `Enable for domain accounts to domain servers: ${F_AS}`, [d8004(), d4032()])),
    dom('DOM-21', { AuditNTLMInDomain: 1 }, A_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032(US_A)])),
    dom('DOM-22', { AuditNTLMInDomain: 1 }, S_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032(US_S)])),
    dom('DOM-23', { AuditNTLMInDomain: 1 }, N_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-24', { AuditNTLMInDomain: 3 }, AS, x('audit', AND, `Enable for domain accounts: ${F_AS}`, [d8004(), d4032()])),
    dom('DOM-25', { AuditNTLMInDomain: 'Enable for domain accounts' }, A_, x('audit', AND, `Enable for domain accounts: ${F_A}`, [d8004(EV_A), d4032(US_A)])),
    dom('DOM-26', { AuditNTLMInDomain: 3 }, S_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032(US_S)])),
    dom('DOM-27', { AuditNTLMInDomain: 3 }, N_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-28', { AuditNTLMInDomain: 5 }, AS, x('audit', AND, `Enable for domain servers: ${F_AS}`, [d8004(), d4032()])),
    dom('DOM-29', { AuditNTLMInDomain: 5 }, A_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032(US_A)])),
    dom('DOM-30', { AuditNTLMInDomain: 5 }, S_, x('audit', AND, `Enable for domain servers: ${F_S}`, [d8004(EV_S), d4032(US_S)])),
    dom('DOM-31', { AuditNTLMInDomain: 5 }, N_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-32', { AuditNTLMInDomain: 'Enable all' }, AS, x('audit', AND, `Enable all: ${F_AS}`, [d8004(), d4032()])),
    dom('DOM-33', { AuditNTLMInDomain: 7 }, A_, x('audit', AND, `Enable all: ${F_A}`, [d8004(EV_A), d4032(US_A)])),
    dom('DOM-34', { AuditNTLMInDomain: 7 }, S_, x('audit', AND, `Enable all: ${F_S}`, [d8004(EV_S), d4032(US_S)])),
    dom('DOM-35', { AuditNTLMInDomain: 7 }, N_, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ...US_S, ...US_A })])),
    dom('DOM-36', { RestrictNTLMInDomain: 1, AuditNTLMInDomain: 7 }, A_, x('audit', AND, `Enable all: ${F_A}`, [d8004(EV_A), d4032(US_A)]),
      'audit covers what the narrower Deny lets through'),
    // DCAllowedNTLMServers (the server's NetBIOS name; honoured by every Deny option, S1).
    dom('DOM-37', { RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['WEB1'] }, AS, x('allow', 'DCAllowedNTLMServers', 'Deny all: server WEB1 matches DCAllowedNTLMServers entry WEB1', [d4032()])),
    dom('DOM-38', { RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['web*'] }, AS, x('allow', 'DCAllowedNTLMServers', 'Deny all: server WEB1 matches DCAllowedNTLMServers entry web*', [d4032()])),
    dom('DOM-39', { RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['*1'] }, AS, x('allow', 'DCAllowedNTLMServers', 'Deny all: server WEB1 matches DCAllowedNTLMServers entry *1', [d4032()])),
    dom('DOM-40', { RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['APP*', 'WEB2'] }, AS, x('block', RND, `Deny all: ${F_AS}`, [d4004(), d4032(BLOCKED)])),
    dom('DOM-41', { RestrictNTLMInDomain: 3, DCAllowedNTLMServers: ['APP9'] }, A_, x('allow', 'DCAllowedNTLMServers', 'Deny for domain accounts: server APP9 matches DCAllowedNTLMServers entry APP9', [d4032(US_A)]),
      'the exception lifts "Deny for domain accounts" too (S1; MS-APDS differs)'),
    dom('DOM-42', { AuditNTLMInDomain: 7, DCAllowedNTLMServers: ['WEB1'] }, AS, x('allow', 'DCAllowedNTLMServers', 'Enable all: server WEB1 matches DCAllowedNTLMServers entry WEB1', [d4032()]),
      'an excepted server is not audited'),
    dom('DOM-43', { RestrictNTLMInDomain: 1, AuditNTLMInDomain: 7, DCAllowedNTLMServers: ['WEB*'] }, AS,
      x('allow', 'DCAllowedNTLMServers', 'Deny for domain accounts to domain servers: server WEB1 matches DCAllowedNTLMServers entry WEB*', [d4032()])),
    // Account domain forms.
    dom('DOM-44', { RestrictNTLMInDomain: 3 }, { domain: 'corp.example.test' }, x('block', RND, 'Deny for domain accounts: account corp.example.test\\alice is in CORP, server WEB1 is in CORP', [d4004({ DomainName: 'corp.example.test' }), d4032({ DomainName: 'corp.example.test', ...BLOCKED })]),
      'the DNS form of the domain name'),
    dom('DOM-45', { RestrictNTLMInDomain: 3 }, { domain: '' }, x('block', RND, 'Deny for domain accounts: account alice is in CORP, server WEB1 is in CORP', [d4004({ DomainName: '' }), d4032({ DomainName: '', ...BLOCKED })]),
      'an empty domain is the DC\'s own'),
    // The DC itself is the target: 8005/4005 on the MsvAp channel, 4030/4031.
    dom('DOM-46', {}, { server: { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' } }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4030()])),
    dom('DOM-47', { RestrictNTLMInDomain: 5 }, { server: { netbiosComputerName: 'dc1', netbiosDomainName: 'CORP' } },
      x('block', RND, 'Deny for domain servers: account CORP\\alice is in CORP, server DC1 (this DC) is in CORP', [ev(4005, { ...DC_LOGON, SChannelName: 'DC1', SChannelType: 1 }), d4030(BLOCKED)])),
    dom('DOM-48', { AuditNTLMInDomain: 7 }, { server: { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' } },
      x('audit', AND, 'Enable all: account CORP\\alice is in CORP, server DC1 (this DC) is in CORP', [ev(8005, { ...DC_LOGON, SChannelName: 'DC1', SChannelType: 1 }), d4030()])),
    dom('DOM-49', { RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['DC1'] }, { server: { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' } },
      x('allow', 'DCAllowedNTLMServers', 'Deny all: server DC1 matches DCAllowedNTLMServers entry DC1', [d4030()])),
    // Insecure variants and logging.
    dom('DOM-50', {}, { version: 'NTLMv1', micPresent: false, channelBindings: 'absent', targetName: undefined }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4033({ NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    dom('DOM-51', {}, { micPresent: false }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4033({ MicStatus: 'Unprotected' })])),
    dom('DOM-52', {}, { server: { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' }, channelBindings: 'zero' }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4031({ ChannelBindingStatus: 'Not Supported' })])),
    dom('DOM-53', {}, { clientIp: '10.0.0.5' }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032({ ClientIP: '10.0.0.5' })])),
    dom('DOM-54', { EnableEnhancedDomainNtlmLogs: 0 }, AS, x('allow', RND, NOT_RESTRICTED_DOMAIN, [])),
    dom('DOM-55', { EnableEnhancedDomainNtlmLogs: 'Disabled', RestrictNTLMInDomain: 7 }, AS, x('block', RND, `Deny all: ${F_AS}`, [d4004()])),
    dom('DOM-56', { EnableEnhancedDomainNtlmLogs: 1 }, AS, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4032()])),
    dom('DOM-57', {}, { version: 'LM', micPresent: false, channelBindings: 'absent' }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4033({ NtlmVersion: 'LM', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
    dom('DOM-58', {}, { version: 'NTLMv1-ESS', micPresent: false, channelBindings: 'absent' }, x('allow', RND, NOT_RESTRICTED_DOMAIN, [d4033({ NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })])),
  ],
};

// ---------------------------------------------------------------------------
// LmCompatibilityLevel labels, as the reasons start with them.
const L0 = 'Send LM & NTLM responses';
const L1 = 'Send LM & NTLM - use NTLMv2 session security if negotiated';
const L2 = 'Send NTLM response only';
const L3 = 'Send NTLMv2 response only';
const L4 = 'Send NTLMv2 response only. Refuse LM';
const L5 = 'Send NTLMv2 response only. Refuse LM & NTLM';
const V1_AUDIT = (v: string, level: number) => `Audit: ${v} uses NTLMv1-derived credentials; LmCompatibilityLevel ${level} allows it`;
const SSO_AUDIT = { BlockNtlmv1SSO: 0 } as const;
const LM_IN = { version: 'LM' } as const;
const V1_IN = { version: 'NTLMv1' } as const;
const ESS_IN = { version: 'NTLMv1-ESS' } as const;

const securityServer: CaseGroup = {
  id: 'SEC-S',
  title: 'Response class and session security at this server (decideSecurity, side server)',
  about:
    'The incoming logon of the IN cases (flags 0xe2888235: SEAL, ESS and 128-bit negotiated) with the response class changed. ' +
    'LmCompatibilityLevel rows set BlockNtlmv1SSO to Audit, so that the level alone decides and the 4024 audit shows.',
  cases: [
    secS('SEC-S-01', SSO_AUDIT, LM_IN, x('block', LMC, `${L5}: LM is refused`, []), 'LmCompatibilityLevel not defined: 5 on the acceptor'),
    secS('SEC-S-02', SSO_AUDIT, V1_IN, x('block', LMC, `${L5}: NTLMv1 is refused`, [s4024()])),
    secS('SEC-S-03', SSO_AUDIT, ESS_IN, x('block', LMC, `${L5}: NTLMv1-ESS is refused`, [s4024()])),
    secS('SEC-S-04', SSO_AUDIT, {}, x('allow', LMC, `${L5}: NTLMv2 is accepted`, [])),
    secS('SEC-S-05', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, LM_IN, x('allow', LMC, `${L0}: LM is accepted`, [])),
    secS('SEC-S-06', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 0), [s4024()])),
    secS('SEC-S-07', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 0), [s4024()])),
    secS('SEC-S-08', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, {}, x('allow', LMC, `${L0}: NTLMv2 is accepted`, [])),
    secS('SEC-S-09', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, LM_IN, x('allow', LMC, `${L1}: LM is accepted`, [])),
    secS('SEC-S-10', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 1), [s4024()])),
    secS('SEC-S-11', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 1), [s4024()])),
    secS('SEC-S-12', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, {}, x('allow', LMC, `${L1}: NTLMv2 is accepted`, [])),
    secS('SEC-S-13', { ...SSO_AUDIT, LmCompatibilityLevel: 'Send NTLM responses only' }, LM_IN, x('allow', LMC, `${L2}: LM is accepted`, [])),
    secS('SEC-S-14', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 2), [s4024()])),
    secS('SEC-S-15', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 2), [s4024()])),
    secS('SEC-S-16', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, {}, x('allow', LMC, `${L2}: NTLMv2 is accepted`, [])),
    secS('SEC-S-17', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, LM_IN, x('allow', LMC, `${L3}: LM is accepted`, [])),
    secS('SEC-S-18', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 3), [s4024()])),
    secS('SEC-S-19', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 3), [s4024()])),
    secS('SEC-S-20', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, {}, x('allow', LMC, `${L3}: NTLMv2 is accepted`, [])),
    secS('SEC-S-21', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, LM_IN, x('block', LMC, `${L4}: LM is refused`, [])),
    secS('SEC-S-22', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 4), [s4024()])),
    secS('SEC-S-23', { ...SSO_AUDIT, LmCompatibilityLevel: 'send ntlmv2 response only, refuse lm' }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 4), [s4024()])),
    secS('SEC-S-24', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, {}, x('allow', LMC, `${L4}: NTLMv2 is accepted`, [])),
    secS('SEC-S-25', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, LM_IN, x('block', LMC, `${L5}: LM is refused`, [])),
    secS('SEC-S-26', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, V1_IN, x('block', LMC, `${L5}: NTLMv1 is refused`, [s4024()])),
    secS('SEC-S-27', { ...SSO_AUDIT, LmCompatibilityLevel: 'Send NTLMv2 response only. Refuse LM and NTLM' }, ESS_IN, x('block', LMC, `${L5}: NTLMv1-ESS is refused`, [s4024()])),
    secS('SEC-S-28', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, {}, x('allow', LMC, `${L5}: NTLMv2 is accepted`, [])),
    // BlockNtlmv1SSO (default Enforce) at a level that accepts everything.
    secS('SEC-S-29', { LmCompatibilityLevel: 2 }, V1_IN, x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1 uses NTLMv1-derived credentials', [s4025()]), 'BlockNtlmv1SSO not defined: 1'),
    secS('SEC-S-30', { LmCompatibilityLevel: 2, BlockNtlmv1SSO: 'Enforce' }, ESS_IN, x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1-ESS uses NTLMv1-derived credentials', [s4025()])),
    secS('SEC-S-31', { LmCompatibilityLevel: 2, BlockNtlmv1SSO: 1 }, LM_IN, x('allow', LMC, `${L2}: LM is accepted`, []), 'LM is not NTLMv1-derived'),
    secS('SEC-S-32', { LmCompatibilityLevel: 2, BlockNtlmv1SSO: 1 }, {}, x('allow', LMC, `${L2}: NTLMv2 is accepted`, [])),
    secS('SEC-S-33', { LmCompatibilityLevel: 2, BlockNtlmv1SSO: 'Audit' }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 2), [s4024()])),
    secS('SEC-S-34', {}, V1_IN, x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1 uses NTLMv1-derived credentials', [s4025()]), 'all defaults: BlockNtlmv1SSO speaks before LmCompatibilityLevel 5'),
    secS('SEC-S-35', {}, { version: 'Anonymous' }, x('allow', LMC, `${L5}: Anonymous is accepted`, [])),
    // NTLMMinServerSec on the negotiated flags.
    secS('SEC-S-36', { NTLMMinServerSec: 'None' }, { flags: 0x00000201 }, x('allow', LMC, `${L5}: NTLMv2 is accepted`, [])),
    secS('SEC-S-37', {}, { flags: 0x00088207 }, x('allow', LMC, `${L5}: NTLMv2 is accepted`, []), 'default 128-bit requirement, no sealing (curl)'),
    secS('SEC-S-38', {}, { flags: 0x00088227 }, x('block', 'NTLMMinServerSec', 'Require 128-bit encryption: not negotiated (flags 0x00088227)', [s4011('0x88227', '0x20000000')]), 'sealing without 128-bit'),
    secS('SEC-S-39', { NTLMMinServerSec: 0x80000 }, { flags: 0x00008207 }, x('block', 'NTLMMinServerSec', 'Require NTLMv2 session security: not negotiated (flags 0x00008207)', [s4011('0x8207', '0x80000')])),
    secS('SEC-S-40', { NTLMMinServerSec: ['Require NTLMv2 session security', 'Require 128-bit encryption'] }, {}, x('allow', LMC, `${L5}: NTLMv2 is accepted`, [])),
    secS('SEC-S-41', { NTLMMinServerSec: '0x20080000' }, { flags: 0x00008227 },
      x('block', 'NTLMMinServerSec', 'Require NTLMv2 session security, Require 128-bit encryption: not negotiated (flags 0x00008227)', [s4011('0x8227', '0x20080000')])),
    secS('SEC-S-42', { NTLMMinServerSec: 'Require message integrity' }, { flags: 0x00088207 }, x('block', 'NTLMMinServerSec', 'Require message integrity: not negotiated (flags 0x00088207)', [s4011('0x88207', '0x10')])),
    secS('SEC-S-43', { NTLMMinServerSec: 0x20 }, { flags: 0x00088217 }, x('block', 'NTLMMinServerSec', 'Require message confidentiality: not negotiated (flags 0x00088217)', [s4011('0x88217', '0x20')])),
    secS('SEC-S-44', {}, { version: 'NTLMv1', flags: 0x00008227 }, x('block', 'NTLMMinServerSec', 'Require 128-bit encryption: not negotiated (flags 0x00008227)', [s4011('0x8227', '0x20000000')]),
      'session security is checked first (at the NEGOTIATE)'),
  ],
};

const securityClient: CaseGroup = {
  id: 'SEC-C',
  title: 'Response class and session security at this client (decideSecurity, side client)',
  about:
    'The outgoing request of the OUT cases with the response class changed: does this client, at its LmCompatibilityLevel, send it? ' +
    'LmCompatibilityLevel rows set BlockNtlmv1SSO to Audit.',
  cases: [
    secC('SEC-C-01', SSO_AUDIT, LM_IN, x('block', LMC, `${L3}: this client does not send LM`, []), 'LmCompatibilityLevel not defined: 3 on the client'),
    secC('SEC-C-02', SSO_AUDIT, V1_IN, x('block', LMC, `${L3}: this client does not send NTLMv1`, [c4024()])),
    secC('SEC-C-03', SSO_AUDIT, ESS_IN, x('block', LMC, `${L3}: this client does not send NTLMv1-ESS`, [c4024()])),
    secC('SEC-C-04', SSO_AUDIT, {}, x('allow', LMC, `${L3}: this client sends NTLMv2`, [])),
    secC('SEC-C-05', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, LM_IN, x('allow', LMC, `${L0}: this client sends LM`, [])),
    secC('SEC-C-06', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 0), [c4024()])),
    secC('SEC-C-07', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, ESS_IN, x('block', LMC, `${L0}: this client does not send NTLMv1-ESS`, [c4024()]), 'level 0 never uses NTLMv2 session security'),
    secC('SEC-C-08', { ...SSO_AUDIT, LmCompatibilityLevel: 0 }, {}, x('block', LMC, `${L0}: this client does not send NTLMv2`, [])),
    secC('SEC-C-09', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, LM_IN, x('allow', LMC, `${L1}: this client sends LM`, [])),
    secC('SEC-C-10', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 1), [c4024()])),
    secC('SEC-C-11', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 1), [c4024()])),
    secC('SEC-C-12', { ...SSO_AUDIT, LmCompatibilityLevel: 1 }, {}, x('block', LMC, `${L1}: this client does not send NTLMv2`, [])),
    secC('SEC-C-13', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, LM_IN, x('block', LMC, `${L2}: this client does not send LM`, [])),
    secC('SEC-C-14', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, V1_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 2), [c4024()])),
    secC('SEC-C-15', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, ESS_IN, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1-ESS', 2), [c4024()])),
    secC('SEC-C-16', { ...SSO_AUDIT, LmCompatibilityLevel: 2 }, {}, x('block', LMC, `${L2}: this client does not send NTLMv2`, [])),
    secC('SEC-C-17', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, LM_IN, x('block', LMC, `${L3}: this client does not send LM`, [])),
    secC('SEC-C-18', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, V1_IN, x('block', LMC, `${L3}: this client does not send NTLMv1`, [c4024()])),
    secC('SEC-C-19', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, ESS_IN, x('block', LMC, `${L3}: this client does not send NTLMv1-ESS`, [c4024()])),
    secC('SEC-C-20', { ...SSO_AUDIT, LmCompatibilityLevel: 3 }, {}, x('allow', LMC, `${L3}: this client sends NTLMv2`, [])),
    secC('SEC-C-21', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, LM_IN, x('block', LMC, `${L4}: this client does not send LM`, [])),
    secC('SEC-C-22', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, V1_IN, x('block', LMC, `${L4}: this client does not send NTLMv1`, [c4024()])),
    secC('SEC-C-23', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, ESS_IN, x('block', LMC, `${L4}: this client does not send NTLMv1-ESS`, [c4024()])),
    secC('SEC-C-24', { ...SSO_AUDIT, LmCompatibilityLevel: 4 }, {}, x('allow', LMC, `${L4}: this client sends NTLMv2`, [])),
    secC('SEC-C-25', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, LM_IN, x('block', LMC, `${L5}: this client does not send LM`, [])),
    secC('SEC-C-26', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, V1_IN, x('block', LMC, `${L5}: this client does not send NTLMv1`, [c4024()])),
    secC('SEC-C-27', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, ESS_IN, x('block', LMC, `${L5}: this client does not send NTLMv1-ESS`, [c4024()])),
    secC('SEC-C-28', { ...SSO_AUDIT, LmCompatibilityLevel: 5 }, {}, x('allow', LMC, `${L5}: this client sends NTLMv2`, [])),
    secC('SEC-C-29', { LmCompatibilityLevel: 2 }, V1_IN, x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1 uses NTLMv1-derived credentials', [c4025()])),
    secC('SEC-C-30', { LmCompatibilityLevel: 1 }, ESS_IN, x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1-ESS uses NTLMv1-derived credentials', [c4025()])),
    secC('SEC-C-31', { LmCompatibilityLevel: 2, BlockNtlmv1SSO: 0 }, { version: 'NTLMv1', targetSpn: 'HTTP/10.0.0.80' }, x('audit', 'BlockNtlmv1SSO', V1_AUDIT('NTLMv1', 2), [c4024({ TargetMachine: '10.0.0.80' })])),
    // NTLMMinClientSec.
    secC('SEC-C-32', {}, { flags: 0x00088227 }, x('block', 'NTLMMinClientSec', 'Require 128-bit encryption: not negotiated (flags 0x00088227)', [c4010('0x88227', '0x20000000')])),
    secC('SEC-C-33', { NTLMMinClientSec: 0x80000 }, { flags: 0x00008207 }, x('block', 'NTLMMinClientSec', 'Require NTLMv2 session security: not negotiated (flags 0x00008207)', [c4010('0x8207', '0x80000')])),
    secC('SEC-C-34', { NTLMMinClientSec: 0x20080000 }, { flags: undefined }, x('allow', LMC, `${L3}: this client sends NTLMv2`, []), 'flags not known yet: not checked'),
    secC('SEC-C-35', { NTLMMinClientSec: 537395200 }, {}, x('allow', LMC, `${L3}: this client sends NTLMv2`, [])),
    secC('SEC-C-36', { NTLMMinClientSec: ['Require message integrity', 'Require message confidentiality'] }, { flags: 0x00088207 },
      x('block', 'NTLMMinClientSec', 'Require message integrity, Require message confidentiality: not negotiated (flags 0x00088207)', [c4010('0x88207', '0x30')])),
    secC('SEC-C-37', { NTLMMinClientSec: 0 }, { flags: 0x00008227 }, x('allow', LMC, `${L3}: this client sends NTLMv2`, []), 'no minimum: 40-bit sealing goes'),
  ],
};

const securityDc: CaseGroup = {
  id: 'SEC-D',
  title: 'Response class at the domain controller (decideSecurity, side dc)',
  about: 'The DOM logon with the response class changed. The DC applies LmCompatibilityLevel ("DC behaviour", S1) only.',
  cases: [
    secD('SEC-D-01', {}, V1_IN, x('block', LMC, `${L5}: NTLMv1 is refused`, []), 'no 4025: the DC generates no SSO credentials'),
    secD('SEC-D-02', { LmCompatibilityLevel: 4 }, V1_IN, x('allow', LMC, `${L4}: NTLMv1 is accepted`, [])),
    secD('SEC-D-03', { LmCompatibilityLevel: 4 }, LM_IN, x('block', LMC, `${L4}: LM is refused`, [])),
    secD('SEC-D-04', { LmCompatibilityLevel: 3 }, LM_IN, x('allow', LMC, `${L3}: LM is accepted`, [])),
    secD('SEC-D-05', {}, {}, x('allow', LMC, `${L5}: NTLMv2 is accepted`, [])),
    secD('SEC-D-06', {}, ESS_IN, x('block', LMC, `${L5}: NTLMv1-ESS is refused`, [])),
    secD('SEC-D-07', { LmCompatibilityLevel: 4, BlockNtlmv1SSO: 1 }, ESS_IN, x('allow', LMC, `${L4}: NTLMv1-ESS is accepted`, [])),
  ],
};

// ---------------------------------------------------------------------------

const phase = (fn: 'beforeChallenge' | 'beforeAuthority') => (id: string, policy: Record<string, unknown>, input: Partial<IncomingRequest>, expect: Expected, note?: string): DecisionCase => ({
  id,
  direction: 'incoming',
  fn,
  policy,
  input,
  expect,
  ...(note ? { note } : {}),
});
const atNegotiate = phase('beforeChallenge');
const atAuthenticate = phase('beforeAuthority');
const STARTS = 'the handshake may start';
const ASKS = 'the authority may be asked';
const DENY_DOMAIN_IN = 'Deny all domain accounts: CORP\\alice is a domain account';

const phases: CaseGroup = {
  id: 'PH',
  title: 'Incoming phases before the logon is whole (decideBeforeChallenge, decideBeforeAuthority)',
  about:
    'The incoming request of the IN cases, seen by the acceptor before it has a logon: on the NEGOTIATE (decideBeforeChallenge; only the ' +
    'server, client address, service, scheme and process are known) and once the AUTHENTICATE names the account, before the authority is ' +
    'asked (decideBeforeAuthority; the server and the account as claimed). A block there writes what it lists; a logon refused before the ' +
    'authority is then decided whole (decideIncoming), which blocks it for the same setting and reason and writes its 4003 and usage event.',
  cases: [
    atNegotiate('PH-01', {}, {}, x('allow', RIR, `Allow all: ${STARTS}`, [])),
    atNegotiate('PH-02', { RestrictReceivingNTLMTraffic: 2 }, {}, x('block', RIR, DENY_ALL_IN, [i4002()]), 'no CHALLENGE for anyone; no usage event: no logon yet'),
    atNegotiate('PH-03', { RestrictReceivingNTLMTraffic: 'Deny all accounts' }, { scheme: 'NTLM' }, x('block', RIR, DENY_ALL_IN, [i4002({ MechanismOID: undefined })])),
    atNegotiate('PH-04', { RestrictReceivingNTLMTraffic: 1 }, {}, x('allow', RIR, `Deny all domain accounts: ${STARTS}`, []), 'the account is not known yet'),
    atNegotiate('PH-05', { AuditReceivingNTLMTraffic: 2 }, {}, x('allow', RIR, `Allow all: ${STARTS}`, []), 'auditing waits for the logon'),
    atAuthenticate('PH-06', {}, {}, x('allow', RIR, `Allow all: ${ASKS}`, [])),
    atAuthenticate('PH-07', { RestrictReceivingNTLMTraffic: 1 }, {}, x('block', RIR, DENY_DOMAIN_IN, []), 'no pass-through: the DC never sees it'),
    atAuthenticate('PH-08', { RestrictReceivingNTLMTraffic: 1, AuditReceivingNTLMTraffic: 2 }, { domain: 'corp.example.test' },
      x('block', RIR, 'Deny all domain accounts: corp.example.test\\alice is a domain account', [])),
    atAuthenticate('PH-09', { RestrictReceivingNTLMTraffic: 1 }, LOCAL, x('allow', RIR, `Deny all domain accounts: ${ASKS}`, [])),
    atAuthenticate('PH-10', { RestrictReceivingNTLMTraffic: 1 }, { user: 'admin', domain: 'web1' }, x('allow', RIR, `Deny all domain accounts: ${ASKS}`, []), 'the server name in another case'),
    atAuthenticate('PH-11', { RestrictReceivingNTLMTraffic: 1 }, { domain: '' }, x('allow', RIR, `Deny all domain accounts: ${ASKS}`, []), 'empty domain: tried locally first'),
    atAuthenticate('PH-12', { RestrictReceivingNTLMTraffic: 1 }, { domain: '.' }, x('allow', RIR, `Deny all domain accounts: ${ASKS}`, []), 'domain ".": tried locally first'),
    atAuthenticate('PH-13', { RestrictReceivingNTLMTraffic: 1 }, { server: { netbiosComputerName: 'WEB1', netbiosDomainName: 'WEB1' } }, x('allow', RIR, `Deny all domain accounts: ${ASKS}`, []),
      'standalone server (workgroup): nothing is passed through'),
    atAuthenticate('PH-14', { RestrictReceivingNTLMTraffic: 2 }, LOCAL, x('block', RIR, DENY_ALL_IN, []), 'refused on the NEGOTIATE already; refused here too'),
  ],
};

// ---------------------------------------------------------------------------

const chains: CaseGroup = {
  id: 'EV',
  title: 'A whole logon (evaluate: the direction\'s decision, then decideSecurity)',
  about: 'Events of every decision taken add up; a block ends the chain.',
  cases: [
    { id: 'EV-01', direction: 'incoming', fn: 'evaluate', policy: { AuditReceivingNTLMTraffic: 2 }, input: { version: 'NTLMv1', micPresent: false, channelBindings: 'absent', targetName: undefined },
      expect: x('block', 'BlockNtlmv1SSO', 'Enforce: NTLMv1 uses NTLMv1-derived credentials', [i8002(), i8003(), i4023({ TargetService: undefined, NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' }), s4025()]) },
    { id: 'EV-02', direction: 'incoming', fn: 'evaluate', policy: { RestrictReceivingNTLMTraffic: 2 }, input: { version: 'NTLMv1', micPresent: false, channelBindings: 'absent', targetName: undefined },
      expect: x('block', RIR, DENY_ALL_IN, [i4002(), i4023({ TargetService: undefined, NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })]) },
    { id: 'EV-03', direction: 'incoming', fn: 'evaluate', policy: { AuditReceivingNTLMTraffic: 1, BlockNtlmv1SSO: 0, LmCompatibilityLevel: 3 }, input: { version: 'NTLMv1-ESS', micPresent: false, channelBindings: 'absent', targetName: undefined },
      expect: x('audit', ARIR, AUDIT_DOM_IN, [i8003(), i4023({ TargetService: undefined, NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' }), s4024({})]) },
    { id: 'EV-04', direction: 'outgoing', fn: 'evaluate', policy: { RestrictSendingNTLMTraffic: 1 }, input: {},
      expect: x('audit', RST, 'Audit all: NTLM to web1.corp.example.test is logged; Deny all would block it', [o8001(), o4020()]) },
    { id: 'EV-05', direction: 'outgoing', fn: 'evaluate', policy: {}, input: { flags: 0x00088227 },
      expect: x('block', 'NTLMMinClientSec', 'Require 128-bit encryption: not negotiated (flags 0x00088227)', [o4020(), c4010('0x88227', '0x20000000')]) },
    { id: 'EV-06', direction: 'domain', fn: 'evaluate', policy: {}, input: { version: 'NTLMv1', micPresent: false, channelBindings: 'absent' },
      expect: x('block', LMC, `${L5}: NTLMv1 is refused`, [d4033({ NtlmVersion: 'NTLM V1', MicStatus: 'Unprotected', ChannelBindingStatus: 'Not Supported' })]),
      note: 'the usage event\'s Status is the Restrict decision\'s (0x0); LmCompatibilityLevel refuses afterwards' },
    { id: 'EV-07', direction: 'domain', fn: 'evaluate', policy: { RestrictNTLMInDomain: 7 }, input: { version: 'NTLMv1' },
      expect: x('block', RND, `Deny all: ${F_AS}`, [d4004(), d4033({ NtlmVersion: 'NTLM V1', ...BLOCKED })]) },
  ],
};

export const DECISION_TABLE: readonly CaseGroup[] = [incoming, phases, outgoing, domain, securityServer, securityClient, securityDc, chains];
