/**
 * Every NTLM policy setting ntlmgate models, as data: the registry value name (our config
 * key), the Group Policy display name, the registry key, the values with their option labels
 * (S1 labels first, then variant spellings seen in S3 / GPO texts), the default we apply and
 * the Windows default. Sources: the Windows security-policy reference pages (S1), Policy CSP
 * (S2), SecurityPolicyDsc's SecurityOptionData (S3), KB5066470 (S10), the SMB NTLM-blocking
 * page and its ADMX (S11/S22), KB5064479 (S9) and the Netlogon ADMX (S16).
 */

export interface ValueLabel<V extends number = number> {
  readonly value: V;
  /** The option label as the Windows UI / S1 shows it. */
  readonly label: string;
  /** Other spellings accepted on input (S3, GPO explain texts). */
  readonly aliases?: readonly string[];
}

/** Where a setting acts: which role of ntlmgate reads it. */
export type SettingScope = 'domain' | 'incoming' | 'outgoing' | 'security' | 'logging' | 'service';

interface SettingBase {
  readonly name: string;
  /** Group Policy display name (or, for registry-only values, what the KB calls it). */
  readonly policy: string;
  /** Registry key under which Windows keeps the value. */
  readonly key: string;
  readonly scope: SettingScope;
  /** Where the facts come from. */
  readonly source: string;
}

/** A REG_DWORD with a fixed set of values, each with a label. */
export interface EnumSetting<V extends number = number> extends SettingBase {
  readonly kind: 'enum';
  readonly values: readonly ValueLabel<V>[];
  /** What applies when the key is absent; null when it depends on the side (LmCompatibilityLevel). */
  readonly default: V | null;
  readonly windowsDefault: V;
}

/** A REG_DWORD bit set (NTLMMinClientSec / NTLMMinServerSec). */
export interface FlagsSetting extends SettingBase {
  readonly kind: 'flags';
  readonly bits: readonly ValueLabel[];
  readonly default: number;
  readonly windowsDefault: number;
}

/** What a list's entries name, and so which entries load. */
export type ListNames = 'netbios' | 'host' | 'host-or-ip';

/** A REG_MULTI_SZ list of server names (exception lists). */
export interface ListSetting extends SettingBase {
  readonly kind: 'list';
  readonly names: ListNames;
}

export type SettingSpec = EnumSetting | FlagsSetting | ListSetting;

const NETLOGON = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters';
const MSV1_0 = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0';
const LSA = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa';

// ---------------------------------------------------------------------------
// Value tables (facts §1.2, §1.3). `as const` so each setting's value type is exact.

export const RESTRICT_NTLM_IN_DOMAIN = [
  { value: 0, label: 'Disable', aliases: ['Disabled'] },
  { value: 1, label: 'Deny for domain accounts to domain servers', aliases: ['Deny domain accounts to domain servers'] },
  { value: 3, label: 'Deny for domain accounts', aliases: ['Deny domain accounts'] },
  { value: 5, label: 'Deny for domain servers', aliases: ['Deny domain servers'] },
  { value: 7, label: 'Deny all' },
] as const;

export const AUDIT_NTLM_IN_DOMAIN = [
  { value: 0, label: 'Disable', aliases: ['Disabled'] },
  { value: 1, label: 'Enable for domain accounts to domain servers' },
  { value: 3, label: 'Enable for domain accounts' },
  { value: 5, label: 'Enable for domain servers' },
  { value: 7, label: 'Enable all' },
] as const;

export const RESTRICT_RECEIVING = [
  { value: 0, label: 'Allow all' },
  { value: 1, label: 'Deny all domain accounts' },
  { value: 2, label: 'Deny all accounts' },
] as const;

export const AUDIT_RECEIVING = [
  { value: 0, label: 'Disable', aliases: ['Disabled'] },
  { value: 1, label: 'Enable auditing for domain accounts' },
  { value: 2, label: 'Enable auditing for all accounts' },
] as const;

export const RESTRICT_SENDING = [
  { value: 0, label: 'Allow all' },
  { value: 1, label: 'Audit all' },
  { value: 2, label: 'Deny all' },
] as const;

export const LM_COMPATIBILITY_LEVEL = [
  { value: 0, label: 'Send LM & NTLM responses' },
  { value: 1, label: 'Send LM & NTLM - use NTLMv2 session security if negotiated' },
  { value: 2, label: 'Send NTLM response only', aliases: ['Send NTLM responses only'] },
  { value: 3, label: 'Send NTLMv2 response only' },
  { value: 4, label: 'Send NTLMv2 response only. Refuse LM' },
  { value: 5, label: 'Send NTLMv2 response only. Refuse LM & NTLM' },
] as const;

/** NTLMMin*Sec bits: NegotiateFlags values (MS-NLMP §2.2.2.5). 0x10/0x20 are the XP-era boxes. */
export const MIN_SECURITY_BITS = [
  { value: 0x00000010, label: 'Require message integrity' },
  { value: 0x00000020, label: 'Require message confidentiality' },
  { value: 0x00080000, label: 'Require NTLMv2 session security' },
  { value: 0x20000000, label: 'Require 128-bit encryption' },
] as const;
export const REQUIRE_NTLMV2_SESSION_SECURITY = 0x00080000;
export const REQUIRE_128BIT = 0x20000000;

export const BLOCK_NTLMV1_SSO = [
  { value: 0, label: 'Audit' },
  { value: 1, label: 'Enforce' },
] as const;

export const ENABLED_DISABLED = [
  { value: 0, label: 'Disabled', aliases: ['Disable'] },
  { value: 1, label: 'Enabled', aliases: ['Enable'] },
] as const;

type ValuesOf<T extends readonly ValueLabel[]> = T[number]['value'];
export type RestrictNTLMInDomainValue = ValuesOf<typeof RESTRICT_NTLM_IN_DOMAIN>;
export type AuditNTLMInDomainValue = ValuesOf<typeof AUDIT_NTLM_IN_DOMAIN>;
export type RestrictReceivingValue = ValuesOf<typeof RESTRICT_RECEIVING>;
export type AuditReceivingValue = ValuesOf<typeof AUDIT_RECEIVING>;
export type RestrictSendingValue = ValuesOf<typeof RESTRICT_SENDING>;
export type LmCompatibilityLevelValue = ValuesOf<typeof LM_COMPATIBILITY_LEVEL>;
export type BlockNtlmv1SSOValue = ValuesOf<typeof BLOCK_NTLMV1_SSO>;
export type EnabledValue = ValuesOf<typeof ENABLED_DISABLED>;

/** LmCompatibilityLevel when absent (ntlm/lmCompatibility.ts). */
export { ACCEPTOR_DEFAULT_LM_LEVEL, CLIENT_DEFAULT_LM_LEVEL } from '../ntlm/lmCompatibility.js';

// ---------------------------------------------------------------------------
// The machine-wide settings, in the order `policy show` and docs/policy.md list them.

export const SETTINGS = {
  RestrictNTLMInDomain: {
    kind: 'enum',
    name: 'RestrictNTLMInDomain',
    policy: 'Network security: Restrict NTLM: NTLM authentication in this domain',
    key: NETLOGON,
    scope: 'domain',
    source: 'S1, S3; MS-APDS §3.1.5',
    values: RESTRICT_NTLM_IN_DOMAIN,
    default: 0,
    windowsDefault: 0,
  },
  AuditNTLMInDomain: {
    kind: 'enum',
    name: 'AuditNTLMInDomain',
    policy: 'Network security: Restrict NTLM: Audit NTLM authentication in this domain',
    key: NETLOGON,
    scope: 'domain',
    source: 'S1, S3',
    values: AUDIT_NTLM_IN_DOMAIN,
    default: 0,
    windowsDefault: 0,
  },
  DCAllowedNTLMServers: {
    kind: 'list',
    name: 'DCAllowedNTLMServers',
    policy: 'Network security: Restrict NTLM: Add server exceptions in this domain',
    key: NETLOGON,
    scope: 'domain',
    source: 'S1, S3; MS-NRPC NetrLogonSamLogonEx ComputerName',
    names: 'netbios',
  },
  RestrictReceivingNTLMTraffic: {
    kind: 'enum',
    name: 'RestrictReceivingNTLMTraffic',
    policy: 'Network security: Restrict NTLM: Incoming NTLM traffic',
    key: MSV1_0,
    scope: 'incoming',
    source: 'S1, S2, S3; MS-NLMP §3.2.1.1 ServerBlock, MS-APDS NTLMServerDomainBlocked',
    values: RESTRICT_RECEIVING,
    default: 0,
    windowsDefault: 0,
  },
  AuditReceivingNTLMTraffic: {
    kind: 'enum',
    name: 'AuditReceivingNTLMTraffic',
    policy: 'Network security: Restrict NTLM: Audit Incoming NTLM Traffic',
    key: MSV1_0,
    scope: 'incoming',
    source: 'S1, S2, S3',
    values: AUDIT_RECEIVING,
    default: 0,
    windowsDefault: 0,
  },
  RestrictSendingNTLMTraffic: {
    kind: 'enum',
    name: 'RestrictSendingNTLMTraffic',
    policy: 'Network security: Restrict NTLM: Outgoing NTLM traffic to remote servers',
    key: MSV1_0,
    scope: 'outgoing',
    source: 'S1, S3; MS-NLMP §3.1.1.1 ClientBlocked',
    values: RESTRICT_SENDING,
    default: 0,
    windowsDefault: 0,
  },
  ClientAllowedNTLMServers: {
    kind: 'list',
    name: 'ClientAllowedNTLMServers',
    policy: 'Network security: Restrict NTLM: Add remote server exceptions for NTLM authentication',
    key: MSV1_0,
    scope: 'outgoing',
    source: 'S1, S2, S3; MS-NLMP §3.1.1.1 ClientBlockExceptions',
    names: 'host-or-ip',
  },
  LmCompatibilityLevel: {
    kind: 'enum',
    name: 'LmCompatibilityLevel',
    policy: 'Network security: LAN Manager authentication level',
    key: LSA,
    scope: 'security',
    source: 'S1, S2, S3',
    values: LM_COMPATIBILITY_LEVEL,
    default: null,
    windowsDefault: 3,
  },
  NTLMMinClientSec: {
    kind: 'flags',
    name: 'NTLMMinClientSec',
    policy: 'Network security: Minimum session security for NTLM SSP based (including secure RPC) clients',
    key: MSV1_0,
    scope: 'security',
    source: 'S1, S2, S3; MS-NLMP §3.1.1.1 ClientRequire128bitEncryption',
    bits: MIN_SECURITY_BITS,
    default: REQUIRE_128BIT,
    windowsDefault: REQUIRE_128BIT,
  },
  NTLMMinServerSec: {
    kind: 'flags',
    name: 'NTLMMinServerSec',
    policy: 'Network security: Minimum session security for NTLM SSP based (including secure RPC) servers',
    key: MSV1_0,
    scope: 'security',
    source: 'S1, S2, S3; MS-NLMP §3.2.5.1.1 ServerRequire128bitEncryption',
    bits: MIN_SECURITY_BITS,
    default: REQUIRE_128BIT,
    windowsDefault: REQUIRE_128BIT,
  },
  BlockNtlmv1SSO: {
    kind: 'enum',
    name: 'BlockNtlmv1SSO',
    policy: 'Block NTLMv1 SSO (KB5066470)',
    key: MSV1_0,
    scope: 'security',
    source: 'S10 (KB5066470)',
    values: BLOCK_NTLMV1_SSO,
    default: 1,
    windowsDefault: 1,
  },
  LogEnhancedAuditEvents: {
    kind: 'enum',
    name: 'LogEnhancedAuditEvents',
    policy: 'NTLM Enhanced Logging',
    key: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\NTLM\\Parameters',
    scope: 'logging',
    source: 'S9 (KB5064479), S17',
    values: ENABLED_DISABLED,
    default: 1,
    windowsDefault: 1,
  },
  EnableEnhancedDomainNtlmLogs: {
    kind: 'enum',
    name: 'EnableEnhancedDomainNtlmLogs',
    policy: 'Log Enhanced Domain-wide NTLM Logs',
    key: 'HKLM\\Software\\Policies\\Microsoft\\Netlogon\\Parameters',
    scope: 'logging',
    source: 'S9 (KB5064479), S16',
    values: ENABLED_DISABLED,
    default: 1,
    windowsDefault: 1,
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** Per-service settings under `services.<name>`: the SMB client's BlockNTLM (S11/S22), generalised to any ntlmgate service. */
export const SERVICE_SETTINGS = {
  BlockNTLM: {
    kind: 'enum',
    name: 'BlockNTLM',
    policy: 'Block NTLM (LM, NTLM, NTLMv2)',
    key: 'HKLM\\Software\\Policies\\Microsoft\\Windows\\LanmanWorkstation',
    scope: 'service',
    source: 'S11, S22 (SMB client), generalised per service',
    values: ENABLED_DISABLED,
    default: 0,
    windowsDefault: 0,
  },
  BlockNTLMServerExceptionList: {
    kind: 'list',
    name: 'BlockNTLMServerExceptionList',
    policy: 'Block NTLM Server Exception List',
    key: 'HKLM\\Software\\Policies\\Microsoft\\Windows\\LanmanWorkstation',
    scope: 'service',
    source: 'S11, S22 (SMB client), generalised per service',
    names: 'host-or-ip',
  },
} as const satisfies Record<string, SettingSpec>;

export type ServiceSettingName = keyof typeof SERVICE_SETTINGS;
export const SERVICE_SETTING_NAMES = Object.keys(SERVICE_SETTINGS) as ServiceSettingName[];

/** The key under which per-service settings are configured. */
export const SERVICES_KEY = 'services';
