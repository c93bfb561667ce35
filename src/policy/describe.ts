/**
 * The effective policy as rows a person (or `policy show --json`) reads: Windows names,
 * registry location, value, label and whether it came from the configuration or a default.
 */
import { bitLabels, hex32, labelOf } from './labels.js';
import { acceptorLmLevel, clientLmLevel } from './lmCompatibility.js';
import type { NtlmPolicy, ServerList, ServicePolicy } from './policy.js';
import { LM_COMPATIBILITY_LEVEL, SERVICE_SETTINGS, SETTING_NAMES, SETTINGS, type SettingScope, type SettingSpec } from './settings.js';

export interface SettingView {
  /** Registry value name; `services.<name>.<value name>` for per-service settings. */
  readonly name: string;
  /** Group Policy display name. */
  readonly policy: string;
  /** Registry key (HKLM\…) Windows keeps it under. */
  readonly key: string;
  readonly scope: SettingScope;
  /** The number, the list entries, or null when not defined (LmCompatibilityLevel). */
  readonly value: number | readonly string[] | null;
  /** Option label(s) of the value; entries for a list. */
  readonly labels: readonly string[];
  /** One line: `1 (Deny all domain accounts)`, `0x20080000 (Require NTLMv2 session security, Require 128-bit encryption)`. */
  readonly text: string;
  readonly source: 'configured' | 'default';
  /** LmCompatibilityLevel only: the level each side applies. */
  readonly effective?: { readonly acceptor: number; readonly client: number };
}

export interface ServiceView {
  readonly service: string;
  readonly settings: readonly SettingView[];
}

export interface PolicyView {
  readonly settings: readonly SettingView[];
  readonly services: readonly ServiceView[];
}

function view(spec: SettingSpec, name: string, value: number | ServerList | undefined, configured: boolean): SettingView {
  const base = { name, policy: spec.policy, key: spec.key, scope: spec.scope, source: configured ? ('configured' as const) : ('default' as const) };
  if (spec.kind === 'list') {
    const entries = typeof value === 'object' ? value.map((p) => p.text) : [];
    return { ...base, value: entries, labels: entries, text: entries.length > 0 ? entries.join(', ') : '(none)' };
  }
  if (typeof value !== 'number') return { ...base, value: null, labels: [], text: 'not defined' };
  if (spec.kind === 'flags') {
    const labels = value === 0 ? ['None'] : bitLabels(spec.bits, value);
    return { ...base, value, labels, text: `${hex32(value)} (${labels.join(', ')})` };
  }
  const label = labelOf(spec.values, value);
  return { ...base, value, labels: [label], text: `${value} (${label})` };
}

function serviceViews(name: string, service: ServicePolicy): ServiceView {
  const at = (k: keyof typeof SERVICE_SETTINGS) => `services.${name}.${k}`;
  return {
    service: name,
    settings: [
      view(SERVICE_SETTINGS.BlockNTLM, at('BlockNTLM'), service.BlockNTLM, service.configured.includes('BlockNTLM')),
      view(SERVICE_SETTINGS.BlockNTLMServerExceptionList, at('BlockNTLMServerExceptionList'), service.BlockNTLMServerExceptionList, service.configured.includes('BlockNTLMServerExceptionList')),
    ],
  };
}

export function describePolicy(policy: NtlmPolicy): PolicyView {
  const settings = SETTING_NAMES.map((name) => {
    const v = view(SETTINGS[name], name, policy[name], policy.configured.includes(name));
    if (name !== 'LmCompatibilityLevel') return v;
    const acceptor = acceptorLmLevel(policy);
    const client = clientLmLevel(policy);
    const text =
      policy.LmCompatibilityLevel === undefined
        ? `not defined: acceptor ${acceptor} (${labelOf(LM_COMPATIBILITY_LEVEL, acceptor)}), client ${client} (${labelOf(LM_COMPATIBILITY_LEVEL, client)})`
        : v.text;
    return { ...v, text, effective: { acceptor, client } };
  });
  const services = [...policy.services].map(([name, service]) => serviceViews(name, service));
  return { settings, services };
}
