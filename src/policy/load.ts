/**
 * Loading a policy from configuration: a plain object (as parsed from YAML or JSON) keyed by
 * registry value name (case-insensitive, as the registry is), each value given as its number,
 * a decimal or hex string, or its option label (facts §1.2; S3 and GPO variant spellings too).
 * `null` or "Not defined" leaves a setting at its default. Every problem is collected and
 * reported at once in a PolicyConfigError naming the key and the allowed values.
 */
import { parseDocument } from 'yaml';
import { PolicyConfigError, type PolicyConfigIssue } from './errors.js';
import { allowedList, hex32, normalizeLabel, valueForLabel } from './labels.js';
import { isServerPattern, parseServerPattern, type ServerPattern } from './match.js';
import { DEFAULT_POLICY, DEFAULT_SERVICE_POLICY, type NtlmPolicy, type ServerList, type ServicePolicy } from './policy.js';
import {
  SERVICE_SETTING_NAMES,
  SERVICE_SETTINGS,
  SERVICES_KEY,
  SETTING_NAMES,
  SETTINGS,
  type EnumSetting,
  type FlagsSetting,
  type ListSetting,
  type ServiceSettingName,
  type SettingName,
} from './settings.js';
import { didYouMean } from './suggest.js';

type Issues = PolicyConfigIssue[];

function issue(issues: Issues, key: string, text: string): undefined {
  issues.push({ key, message: `${key}: ${text}` });
  return undefined;
}

/** How a rejected value is quoted in a message: numbers as written, strings in quotes. */
function shown(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : JSON.stringify(raw) ?? String(raw);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `12`, `0x20080000`: a whole number written as text. */
function numberText(s: string): number | undefined {
  const t = s.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^\d+$/.test(t)) return Number.parseInt(t, 10);
  return undefined;
}

const NOT_DEFINED = normalizeLabel('Not defined');

/** True for the ways of saying "leave it at the default". */
function isNotDefined(raw: unknown): boolean {
  return raw === null || raw === undefined || (typeof raw === 'string' && normalizeLabel(raw) === NOT_DEFINED);
}

// ---------------------------------------------------------------------------

function parseEnum<V extends number>(issues: Issues, key: string, raw: unknown, spec: EnumSetting<V>): V | undefined {
  const allowed = `allowed: ${allowedList(spec.values)}`;
  const pick = (n: number): V | undefined => spec.values.find((v) => v.value === n)?.value;
  let n: number | undefined;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'boolean' && spec.values.length === 2 && pick(0) !== undefined && pick(1) !== undefined) n = raw ? 1 : 0;
  else if (typeof raw === 'string') {
    n = numberText(raw);
    if (n === undefined) {
      const byLabel = valueForLabel(spec.values, raw);
      return byLabel ?? issue(issues, key, `${shown(raw)} is not allowed; ${allowed}`);
    }
  }
  if (n === undefined) return issue(issues, key, `${shown(raw)} is not allowed; ${allowed}`);
  return pick(n) ?? issue(issues, key, `${String(n)} is not allowed; ${allowed}`);
}

function flagsAllowed(spec: FlagsSetting): string {
  return `allowed: 0 (None) or a sum of ${allowedList(spec.bits, hex32)}, as a number, a hex string or a list of labels`;
}

function parseFlags(issues: Issues, key: string, raw: unknown, spec: FlagsSetting): number | undefined {
  const known = spec.bits.reduce((m, b) => m | b.value, 0) >>> 0;
  const one = (item: unknown): number | undefined => {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 0 && item <= 0xffffffff) return item >>> 0;
    if (typeof item !== 'string') return undefined;
    const n = numberText(item);
    if (n !== undefined) return n <= 0xffffffff ? n >>> 0 : undefined;
    if (normalizeLabel(item) === 'none') return 0;
    return valueForLabel(spec.bits, item);
  };
  const items: unknown[] = Array.isArray(raw)
    ? raw
    : typeof raw === 'string' && numberText(raw) === undefined
      ? raw.split(',').filter((s) => s.trim() !== '')
      : [raw];
  let value = 0;
  for (const item of items) {
    const v = one(item);
    if (v === undefined) return issue(issues, key, `${shown(item)} is not allowed; ${flagsAllowed(spec)}`);
    value = (value | v) >>> 0;
  }
  const unknown = (value & ~known) >>> 0;
  if (unknown !== 0) return issue(issues, key, `${hex32(value)} sets bits no option has (${hex32(unknown)}); ${flagsAllowed(spec)}`);
  return value;
}

const LIST_ALLOWED: Record<ListSetting['names'], string> = {
  netbios: 'NetBIOS server names (up to 15 characters), with at most one "*" wildcard each',
  host: 'NetBIOS names or FQDNs, with at most one "*" wildcard each',
  'host-or-ip': 'NetBIOS names, FQDNs or IP addresses, with at most one "*" wildcard each',
};

/** NetBIOS computer names are at most 15 characters (the 16th is the suffix byte). */
const NETBIOS_MAX = 15;

function parseList(issues: Issues, key: string, raw: unknown, spec: ListSetting): ServerList | undefined {
  const allowed = `allowed: ${LIST_ALLOWED[spec.names]}`;
  let entries: unknown[];
  if (Array.isArray(raw)) entries = raw;
  // One name per line, as the Group Policy editor takes a REG_MULTI_SZ.
  else if (typeof raw === 'string') entries = raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  else return issue(issues, key, `expected a list of server names, got ${shown(raw)}; ${allowed}`);
  const out: ServerPattern[] = [];
  let ok = true;
  entries.forEach((entry, i) => {
    if (typeof entry !== 'string' && typeof entry !== 'number') {
      ok = issue(issues, key, `entry ${i + 1} (${shown(entry)}) is not a server name; ${allowed}`) ?? false;
      return;
    }
    const text = String(entry);
    const p = parseServerPattern(text);
    if (!isServerPattern(p)) {
      const why =
        p.kind === 'wildcards'
          ? `${shown(text)} has more than one "*"`
          : p.kind === 'empty'
            ? `entry ${i + 1} is empty`
            : p.kind === 'bad-ip'
              ? `${shown(text)} is not an IP address`
              : `${shown(text)} is not a server name (one name per entry)`;
      ok = issue(issues, key, `${why}; ${allowed}`) ?? false;
      return;
    }
    if (spec.names !== 'host-or-ip' && p.kind === 'ip') {
      ok = issue(issues, key, `${shown(text)} is an IP address; ${allowed}`) ?? false;
      return;
    }
    if (spec.names === 'netbios' && (p.text.includes('.') || p.text.replace('*', '').length > NETBIOS_MAX)) {
      // The DC compares the NetBIOS name of the server's secure channel (MS-NRPC ComputerName): a DNS name never matches.
      ok = issue(issues, key, `${shown(text)} is not a NetBIOS name; ${allowed}`) ?? false;
      return;
    }
    out.push(p);
  });
  return ok ? out : undefined;
}

/** Finds `name` among `known` ignoring case; reports an unknown or repeated key. */
function resolveKey<K extends string>(issues: Issues, path: string, name: string, known: readonly K[], seen: Set<K>): K | undefined {
  const key = known.find((k) => k.toLowerCase() === name.toLowerCase());
  const at = path === '' ? name : `${path}.${name}`;
  if (key === undefined) {
    const hint = didYouMean(name, known);
    return issue(issues, at, hint ? `unknown setting; did you mean ${hint}?` : `unknown setting; allowed: ${known.join(', ')}`);
  }
  if (seen.has(key)) return issue(issues, at, `${key} is given more than once`);
  seen.add(key);
  return key;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function parseService(issues: Issues, name: string, raw: unknown): ServicePolicy | undefined {
  const path = `${SERVICES_KEY}.${name}`;
  if (!SERVICE_NAME.test(name)) return issue(issues, path, 'a service name is letters, digits, ".", "_" and "-"');
  if (raw === null || raw === undefined) return DEFAULT_SERVICE_POLICY;
  if (!isRecord(raw)) return issue(issues, path, `expected a mapping; allowed keys: ${SERVICE_SETTING_NAMES.join(', ')}`);
  const before = issues.length;
  const seen = new Set<ServiceSettingName>();
  let block = DEFAULT_SERVICE_POLICY.BlockNTLM;
  let list = DEFAULT_SERVICE_POLICY.BlockNTLMServerExceptionList;
  const configured: ServiceSettingName[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const key = resolveKey(issues, path, k, SERVICE_SETTING_NAMES, seen);
    if (key === undefined || isNotDefined(v)) continue;
    const at = `${path}.${key}`;
    if (key === 'BlockNTLM') {
      const value = parseEnum(issues, at, v, SERVICE_SETTINGS.BlockNTLM);
      if (value !== undefined) block = value;
    } else {
      const entries = parseList(issues, at, v, SERVICE_SETTINGS.BlockNTLMServerExceptionList);
      if (entries !== undefined) list = entries;
    }
    configured.push(key);
  }
  if (issues.length > before) return undefined;
  return { BlockNTLM: block, BlockNTLMServerExceptionList: list, configured };
}

function parseServices(issues: Issues, raw: unknown): Map<string, ServicePolicy> {
  const services = new Map<string, ServicePolicy>();
  if (raw === null || raw === undefined) return services;
  if (!isRecord(raw)) {
    issue(issues, SERVICES_KEY, `expected a mapping of service names to { ${SERVICE_SETTING_NAMES.join(', ')} }`);
    return services;
  }
  for (const [name, v] of Object.entries(raw)) {
    const service = parseService(issues, name, v);
    if (service !== undefined) services.set(name, service);
  }
  return services;
}

/**
 * Builds the effective policy from a configuration object. Throws PolicyConfigError (all
 * problems at once) for unknown keys, values no option has, or exception entries that do not load.
 */
export function loadPolicy(config: unknown, file?: string): NtlmPolicy {
  if (config === null || config === undefined) return DEFAULT_POLICY;
  const issues: Issues = [];
  if (!isRecord(config)) {
    issue(issues, '(policy)', `expected a mapping of registry value names to values, got ${shown(config)}`);
    throw new PolicyConfigError(issues, file);
  }
  const given: Partial<Record<SettingName, unknown>> = {};
  const seen = new Set<SettingName | typeof SERVICES_KEY>();
  let services = new Map<string, ServicePolicy>();
  for (const [k, raw] of Object.entries(config)) {
    const key = resolveKey(issues, '', k, [...SETTING_NAMES, SERVICES_KEY], seen);
    if (key === SERVICES_KEY) services = parseServices(issues, raw);
    else if (key !== undefined && !isNotDefined(raw)) given[key] = raw;
  }
  const configured = SETTING_NAMES.filter((k) => k in given);
  const d = DEFAULT_POLICY;
  const S = SETTINGS;
  const e = <V extends number>(k: SettingName & keyof typeof S, spec: EnumSetting<V>, dflt: V): V =>
    k in given ? (parseEnum(issues, k, given[k], spec) ?? dflt) : dflt;
  const f = (k: 'NTLMMinClientSec' | 'NTLMMinServerSec', dflt: number): number =>
    k in given ? (parseFlags(issues, k, given[k], S[k]) ?? dflt) : dflt;
  const l = (k: 'DCAllowedNTLMServers' | 'ClientAllowedNTLMServers', dflt: ServerList): ServerList =>
    k in given ? (parseList(issues, k, given[k], S[k]) ?? dflt) : dflt;
  const policy: NtlmPolicy = {
    RestrictNTLMInDomain: e('RestrictNTLMInDomain', S.RestrictNTLMInDomain, d.RestrictNTLMInDomain),
    AuditNTLMInDomain: e('AuditNTLMInDomain', S.AuditNTLMInDomain, d.AuditNTLMInDomain),
    DCAllowedNTLMServers: l('DCAllowedNTLMServers', d.DCAllowedNTLMServers),
    RestrictReceivingNTLMTraffic: e('RestrictReceivingNTLMTraffic', S.RestrictReceivingNTLMTraffic, d.RestrictReceivingNTLMTraffic),
    AuditReceivingNTLMTraffic: e('AuditReceivingNTLMTraffic', S.AuditReceivingNTLMTraffic, d.AuditReceivingNTLMTraffic),
    RestrictSendingNTLMTraffic: e('RestrictSendingNTLMTraffic', S.RestrictSendingNTLMTraffic, d.RestrictSendingNTLMTraffic),
    ClientAllowedNTLMServers: l('ClientAllowedNTLMServers', d.ClientAllowedNTLMServers),
    LmCompatibilityLevel: 'LmCompatibilityLevel' in given ? parseEnum(issues, 'LmCompatibilityLevel', given.LmCompatibilityLevel, S.LmCompatibilityLevel) : undefined,
    NTLMMinClientSec: f('NTLMMinClientSec', d.NTLMMinClientSec),
    NTLMMinServerSec: f('NTLMMinServerSec', d.NTLMMinServerSec),
    BlockNtlmv1SSO: e('BlockNtlmv1SSO', S.BlockNtlmv1SSO, d.BlockNtlmv1SSO),
    LogEnhancedAuditEvents: e('LogEnhancedAuditEvents', S.LogEnhancedAuditEvents, d.LogEnhancedAuditEvents),
    EnableEnhancedDomainNtlmLogs: e('EnableEnhancedDomainNtlmLogs', S.EnableEnhancedDomainNtlmLogs, d.EnableEnhancedDomainNtlmLogs),
    services,
    configured,
  };
  if (issues.length > 0) throw new PolicyConfigError(issues, file);
  return policy;
}

/** Parses YAML (or JSON, which YAML 1.2 reads) policy text and loads it; `file` only labels messages. */
export function parsePolicyText(text: string, file?: string): NtlmPolicy {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PolicyConfigError(
      doc.errors.map((e) => ({ key: '(yaml)', message: `YAML: ${e.message.split('\n')[0] ?? e.message}` })),
      file,
    );
  }
  return loadPolicy(doc.toJS() as unknown, file);
}

