/**
 * `ntlmgate audit report`: who still uses NTLM, where and why, counted in logon attempts
 * (attempts.ts), never in events. Each row: attempts, how they ended (succeeded, failed by
 * kind, blocked, not recorded), first/last seen, NTLMv1/LM and MIC-less / binding-less
 * attempts. Also singles out NTLMv1/LM users and groups the reasons NTLM was used instead of
 * Kerberos. The store does the counting (one GROUP BY per section).
 */
import { addGroup, type AttemptGroup, type AttemptSource, type GroupColumn } from './groups.js';

export const REPORT_DIMENSIONS = ['server', 'user', 'workstation', 'client', 'version', 'reason', 'service'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export type UsageRow = Omit<AttemptGroup, 'values'> & { readonly key: string };

export interface UsageReport {
  readonly by: ReportDimension;
  readonly since?: string;
  /** Events stored in the range (each attempt wrote one or more). */
  readonly events: number;
  readonly attempts: number;
  readonly rows: UsageRow[];
  /** `DOMAIN\user (version)` of everyone seen with NTLMv1 or LM. */
  readonly weakUsers: UsageRow[];
  readonly noMic: number;
  readonly noChannelBinding: number;
  /** Why NTLM was used instead of Kerberos (NtlmUsageId of the enhanced events). */
  readonly fallbackReasons: UsageRow[];
  /** All attempts in one row (the totals). */
  readonly total: UsageRow;
}

const str = (v: string | number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
export const who = (domain: string, user: string): string => (domain ? `${domain}\\${user || '(unknown)'}` : user) || '(unknown)';

const DIMENSION_COLUMNS: Readonly<Record<ReportDimension, readonly GroupColumn[]>> = {
  server: ['server'],
  user: ['domain', 'user'],
  workstation: ['workstation'],
  client: ['client', 'workstation'],
  version: ['version'],
  reason: ['reason'],
  service: ['service'],
};

function label(by: ReportDimension, v: readonly (string | number | null)[]): string {
  const [a, b] = [str(v[0]), str(v[1])];
  switch (by) {
    case 'user':
      return who(a, b);
    case 'client':
      return a || b || '(unknown)';
    case 'reason':
      return a || '(not recorded)';
    case 'service':
      return a || '(none)';
    default:
      return a || '(unknown)';
  }
}

/** Relabels groups and merges those that end up with one label (e.g. client = IP or else workstation). */
function rowsOf(groups: readonly AttemptGroup[], labelOf: (v: readonly (string | number | null)[]) => string | undefined): UsageRow[] {
  const out = new Map<string, UsageRow>();
  for (const g of groups) {
    const key = labelOf(g.values);
    if (key === undefined) continue;
    const r = out.get(key);
    if (r) addGroup(r, g);
    else out.set(key, { ...EMPTY, firstSeen: g.firstSeen, lastSeen: g.lastSeen, key });
    if (!r) addGroup(out.get(key) as UsageRow, { ...g, firstSeen: g.firstSeen, lastSeen: g.lastSeen });
  }
  return [...out.values()].sort((a, b) => b.attempts - a.attempts || a.key.localeCompare(b.key));
}

const WEAK = new Set(['NTLMv1', 'NTLMv1-ESS', 'LM']);

export async function usageReport(source: AttemptSource, opts: { by: ReportDimension; since?: Date }): Promise<UsageReport> {
  const since = opts.since;
  const [main, weak, reasons, totals, events] = await Promise.all([
    source.attemptGroups({ since, by: DIMENSION_COLUMNS[opts.by] }),
    source.attemptGroups({ since, by: ['domain', 'user', 'version'] }),
    source.attemptGroups({ since, by: ['reason'] }),
    source.attemptGroups({ since, by: [] }),
    source.count({ since }),
  ]);
  const total = rowsOf(totals, () => 'all')[0] ?? rowsOf([{ ...EMPTY, values: [] }], () => 'all')[0];
  return {
    by: opts.by,
    since: since?.toISOString(),
    events,
    attempts: total?.attempts ?? 0,
    rows: rowsOf(main, (v) => label(opts.by, v)),
    weakUsers: rowsOf(weak, (v) => (WEAK.has(str(v[2])) ? `${who(str(v[0]), str(v[1]))} (${str(v[2])})` : undefined)),
    noMic: total?.noMic ?? 0,
    noChannelBinding: total?.noChannelBinding ?? 0,
    fallbackReasons: rowsOf(reasons, (v) => str(v[0]) || undefined),
    total: total as UsageRow,
  };
}

const EMPTY: Omit<AttemptGroup, 'values'> = {
  attempts: 0, succeeded: 0, failed: 0, blocked: 0, unknown: 0, wrongPassword: 0, unknownUser: 0, lockedOut: 0, refusedByPolicy: 0,
  otherFailure: 0, weak: 0, noMic: 0, noChannelBinding: 0, firstSeen: '', lastSeen: '',
};
