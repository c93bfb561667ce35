/**
 * Renders the generated parts of docs/policy.md: the settings reference (from
 * src/policy/settings.ts) and the decision table (from decisionTable.ts). Used by
 * scripts/gen-policy-doc.mjs to write the file and by policyDoc.test.ts to catch a stale one.
 * Everything between a pair of markers is replaced; the prose around them is left alone.
 */
import { eventDefinition } from '../../src/events/index.js';
import {
  ACCEPTOR_DEFAULT_LM_LEVEL,
  CLIENT_DEFAULT_LM_LEVEL,
  SERVICE_SETTINGS,
  SETTING_NAMES,
  SETTINGS,
  type SettingSpec,
  type ValueLabel,
} from '../../src/policy/settings.js';
import { hex32 } from '../../src/policy/labels.js';
import { DECISION_TABLE, type DecisionCase, type ExpectedEvent } from './decisionTable.js';

export const SECTIONS = ['settings', 'decision-table'] as const;
export type Section = (typeof SECTIONS)[number];

export function startMarker(s: Section): string {
  return `<!-- generated:${s}:start (scripts/gen-policy-doc.mjs; do not edit by hand) -->`;
}
export function endMarker(s: Section): string {
  return `<!-- generated:${s}:end -->`;
}

/** Escapes what Markdown would read as table structure or emphasis inside a cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/_/g, '\\_').replace(/</g, '&lt;');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

// ---------------------------------------------------------------------------
// Settings reference.

function valuesCell(values: readonly ValueLabel[], format: (v: number) => string = String): string {
  return values
    .map((v) => `${format(v.value)} = ${cell(v.label)}${v.aliases && v.aliases.length > 0 ? ` (also ${v.aliases.map(cell).join(', ')})` : ''}`)
    .join('<br>');
}

function settingRow(spec: SettingSpec, name: string): string {
  let values: string;
  let ours: string;
  let windows: string;
  if (spec.kind === 'enum') {
    values = valuesCell(spec.values);
    ours = spec.default === null ? `not defined: ${ACCEPTOR_DEFAULT_LM_LEVEL} on the acceptor, ${CLIENT_DEFAULT_LM_LEVEL} on the client` : String(spec.default);
    windows = String(spec.windowsDefault);
  } else if (spec.kind === 'flags') {
    values = `0 = None<br>${valuesCell(spec.bits, hex32)}<br>or their sum`;
    ours = hex32(spec.default);
    windows = hex32(spec.windowsDefault);
  } else {
    values = { netbios: 'NetBIOS names', host: 'NetBIOS names, FQDNs', 'host-or-ip': 'NetBIOS names, FQDNs, IP addresses' }[spec.names] + '; one `*` each';
    ours = 'empty';
    windows = 'empty';
  }
  const type = spec.kind === 'list' ? 'REG_MULTI_SZ' : 'REG_DWORD';
  return row([`\`${name}\``, cell(spec.policy), `${cell(spec.key)}<br>${type}`, values, ours, windows, cell(spec.source)]);
}

export function renderSettings(): string {
  const head = [row(['Value name (config key)', 'Policy', 'Registry key, type', 'Values', 'ntlmgate default', 'Windows default', 'Source']), row(Array(7).fill('---'))];
  const rows = SETTING_NAMES.map((n) => settingRow(SETTINGS[n], n));
  const svc = (Object.keys(SERVICE_SETTINGS) as (keyof typeof SERVICE_SETTINGS)[]).map((n) => settingRow(SERVICE_SETTINGS[n], `services.<name>.${n}`));
  return [...head, ...rows, ...svc].join('\n');
}

// ---------------------------------------------------------------------------
// Decision table.

function showValue(key: string, v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number') return key === 'flags' ? hex32(v) : String(v);
  if (typeof v === 'object' && v !== null && 'netbiosComputerName' in v && 'netbiosDomainName' in v) {
    return `${String(v.netbiosComputerName)} (domain ${String(v.netbiosDomainName)})`;
  }
  return JSON.stringify(v);
}

function showConfigValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]`;
  return JSON.stringify(v);
}

function showPolicy(policy: Readonly<Record<string, unknown>>): string[] {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(policy)) {
    if (k === 'services' && typeof v === 'object' && v !== null) {
      for (const [name, s] of Object.entries(v)) {
        for (const [sk, sv] of Object.entries(s as Record<string, unknown>)) parts.push(`services.${name}.${sk}=${showConfigValue(sv)}`);
      }
    } else parts.push(`${k}=${showConfigValue(v)}`);
  }
  return parts.length === 0 ? ['(defaults)'] : parts;
}

function showSituation(c: DecisionCase): string {
  const changed = Object.entries(c.input).map(([k, v]) => `${k}=${showValue(k, v)}`);
  const parts = [...(changed.length > 0 ? [changed.join(', ')] : ['(base)']), ...(c.note ? [`— ${c.note}`] : [])];
  return parts.join(' ');
}

/** The fields that tell one occurrence of an event from another, shown in the table. */
const KEY_FIELDS: Readonly<Record<number, readonly string[]>> = {
  8001: ['TargetName'],
  4001: ['TargetName'],
  8003: ['UserName', 'DomainName'],
  4003: ['UserName', 'DomainName'],
  8004: ['SChannelName', 'SChannelType'],
  8005: ['SChannelName', 'SChannelType'],
  4004: ['SChannelName', 'SChannelType'],
  4005: ['SChannelName', 'SChannelType'],
  4010: ['NegotiatedSecurity', 'RequiredSecurity'],
  4011: ['NegotiatedSecurity', 'RequiredSecurity'],
  4020: ['NtlmUsageId', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus'],
  4021: ['NtlmUsageId', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus'],
  4022: ['NtlmUsageId', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus'],
  4023: ['NtlmUsageId', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus'],
  4024: ['NtlmVersion'],
  4025: ['NtlmVersion'],
  4030: ['Hostname', 'NtlmVersion', 'Status'],
  4031: ['Hostname', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus', 'Status'],
  4032: ['Hostname', 'NtlmVersion', 'Status'],
  4033: ['Hostname', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus', 'Status'],
};

function showEvent(e: ExpectedEvent): string {
  const keys = KEY_FIELDS[e.eventId] ?? [];
  const shown = keys.flatMap((k) => (e.data[k] === undefined ? [] : [`${k} ${String(e.data[k])}`]));
  return shown.length > 0 ? `${e.eventId} (${shown.join(', ')})` : String(e.eventId);
}

function showFields(data: ExpectedEvent['data']): string {
  return Object.entries(data)
    .flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v === '' ? '""' : String(v)}`]))
    .join(', ');
}

export function renderDecisionTable(): string {
  const out: string[] = [];
  const total = DECISION_TABLE.reduce((n, g) => n + g.cases.length, 0);
  out.push(`${total} cases in ${DECISION_TABLE.length} groups. Each row is checked by test/policy/decisionTable.test.ts, field values included.`);
  for (const g of DECISION_TABLE) {
    out.push('', `#### ${g.title}`, '', cell(g.about), '');
    out.push(row(['#', 'Policy', 'Situation (changes to the base request)', 'Action', 'Setting', 'Reason', 'Events']));
    out.push(row(Array(7).fill('---')));
    for (const c of g.cases) {
      out.push(
        row([
          c.id,
          showPolicy(c.policy).map(cell).join('<br>'),
          cell(showSituation(c)),
          `**${c.expect.action}**`,
          cell(c.expect.setting),
          cell(c.expect.reason),
          c.expect.events.length === 0 ? '—' : c.expect.events.map((e) => cell(showEvent(e))).join('<br>'),
        ]),
      );
    }
  }
  // Every field of each event, as first expected in the table.
  const first = new Map<number, { id: string; event: ExpectedEvent }>();
  for (const g of DECISION_TABLE) for (const c of g.cases) for (const e of c.expect.events) if (!first.has(e.eventId)) first.set(e.eventId, { id: c.id, event: e });
  out.push('', '#### All fields, by event', '', 'Each event as first expected in the table (fields left out are written empty).', '');
  out.push(row(['Event', 'Title', 'Case', 'Fields']), row(Array(4).fill('---')));
  for (const [id, { id: caseId, event }] of [...first].sort((a, b) => a[0] - b[0])) {
    out.push(row([String(id), cell(eventDefinition(id)?.title ?? ''), caseId, cell(showFields(event.data))]));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------

export function renderSection(s: Section): string {
  return s === 'settings' ? renderSettings() : renderDecisionTable();
}

/** docs/policy.md with every generated section brought up to date; throws when a marker is missing. */
export function updatePolicyDoc(markdown: string): string {
  let md = markdown;
  for (const s of SECTIONS) {
    const start = md.indexOf(startMarker(s));
    const end = md.indexOf(endMarker(s));
    if (start < 0 || end < start) throw new Error(`docs/policy.md has no ${s} markers (${startMarker(s)} … ${endMarker(s)})`);
    md = `${md.slice(0, start + startMarker(s).length)}\n${renderSection(s)}\n${md.slice(end)}`;
  }
  return md;
}
