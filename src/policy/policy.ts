/**
 * NtlmPolicy: the effective policy, one typed field per registry value (facts §1), plus the
 * per-service blocks. Absent keys take the defaults in settings.ts; `configured` records
 * which keys came from the configuration.
 */
import type { ServerPattern } from './match.js';
import {
  SETTINGS,
  type AuditNTLMInDomainValue,
  type AuditReceivingValue,
  type BlockNtlmv1SSOValue,
  type EnabledValue,
  type LmCompatibilityLevelValue,
  type RestrictNTLMInDomainValue,
  type RestrictReceivingValue,
  type RestrictSendingValue,
  type ServiceSettingName,
  type SettingName,
} from './settings.js';

/** An exception list: its entries in configured order. */
export type ServerList = readonly ServerPattern[];

/** `services.<name>`: NTLM blocked for one service ntlmgate fronts or calls, with its own exceptions. */
export interface ServicePolicy {
  readonly BlockNTLM: EnabledValue;
  readonly BlockNTLMServerExceptionList: ServerList;
  readonly configured: readonly ServiceSettingName[];
}

export interface NtlmPolicy {
  // Domain: enforced by the authority (our DC role).
  readonly RestrictNTLMInDomain: RestrictNTLMInDomainValue;
  readonly AuditNTLMInDomain: AuditNTLMInDomainValue;
  readonly DCAllowedNTLMServers: ServerList;
  // Incoming: this server.
  readonly RestrictReceivingNTLMTraffic: RestrictReceivingValue;
  readonly AuditReceivingNTLMTraffic: AuditReceivingValue;
  // Outgoing: this client.
  readonly RestrictSendingNTLMTraffic: RestrictSendingValue;
  readonly ClientAllowedNTLMServers: ServerList;
  // Response classes and session security.
  /** Undefined when not configured: the acceptor then uses 5 and the client 3 (lmCompatibility.ts). */
  readonly LmCompatibilityLevel: LmCompatibilityLevelValue | undefined;
  readonly NTLMMinClientSec: number;
  readonly NTLMMinServerSec: number;
  readonly BlockNtlmv1SSO: BlockNtlmv1SSOValue;
  // Enhanced (who / why / where) usage events.
  readonly LogEnhancedAuditEvents: EnabledValue;
  readonly EnableEnhancedDomainNtlmLogs: EnabledValue;
  /** Per-service blocks by service name (exact, case-sensitive). */
  readonly services: ReadonlyMap<string, ServicePolicy>;
  /** The settings the configuration gave; every other one is its default. */
  readonly configured: readonly SettingName[];
}

export const DEFAULT_POLICY: NtlmPolicy = Object.freeze({
  RestrictNTLMInDomain: SETTINGS.RestrictNTLMInDomain.default,
  AuditNTLMInDomain: SETTINGS.AuditNTLMInDomain.default,
  DCAllowedNTLMServers: [],
  RestrictReceivingNTLMTraffic: SETTINGS.RestrictReceivingNTLMTraffic.default,
  AuditReceivingNTLMTraffic: SETTINGS.AuditReceivingNTLMTraffic.default,
  RestrictSendingNTLMTraffic: SETTINGS.RestrictSendingNTLMTraffic.default,
  ClientAllowedNTLMServers: [],
  LmCompatibilityLevel: undefined,
  NTLMMinClientSec: SETTINGS.NTLMMinClientSec.default,
  NTLMMinServerSec: SETTINGS.NTLMMinServerSec.default,
  BlockNtlmv1SSO: SETTINGS.BlockNtlmv1SSO.default,
  LogEnhancedAuditEvents: SETTINGS.LogEnhancedAuditEvents.default,
  EnableEnhancedDomainNtlmLogs: SETTINGS.EnableEnhancedDomainNtlmLogs.default,
  services: new Map<string, ServicePolicy>(),
  configured: [],
});

export const DEFAULT_SERVICE_POLICY: ServicePolicy = Object.freeze({ BlockNTLM: 0, BlockNTLMServerExceptionList: [], configured: [] });
