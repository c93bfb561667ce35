/**
 * `ntlmgate audit report`: who still uses NTLM, where and why, counted in logon attempts
 * (attempts.ts), never in events. Each row: attempts, how they ended (succeeded, failed by
 * kind, blocked, not recorded), first/last seen, NTLMv1/LM and MIC-less / binding-less
 * attempts. Also singles out NTLMv1/LM users and groups the reasons NTLM was used instead of
 * Kerberos. The store does the counting (one GROUP BY per section).
 */
import { accountName } from '../../policy/names.js';
import { addGroup, countNtlmEvents, type AttemptGroup, type AttemptSource, type GroupColumn } from './groups.js';

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
/** `DOMAIN\user` (policy/names.ts accountName), `(unknown)` for a part the event did not record. */
export const who = (domain: string, user: string): string => accountName(user || '(unknown)', domain, '(unknown)');

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
    let r = out.get(key);
    if (!r) {
      r = { ...EMPTY, firstSeen: g.firstSeen, lastSeen: g.lastSeen, key };
      out.set(key, r);
    }
    addGroup(r, g);
  }
  return [...out.values()].sort((a, b) => b.attempts - a.attempts || a.key.localeCompare(b.key));
}

const WEAK = new Set(['NTLMv1', 'NTLMv1-ESS', 'LM']);

export async function usageReport(source: AttemptSource, opts: { by: ReportDimension; since?: Date }): Promise<UsageReport> {
  const since = opts.since;
  // One scan of the ledger: grouped by every column any section needs, then folded per section here.
  const dims = DIMENSION_COLUMNS[opts.by];
  const by = [...new Set<GroupColumn>([...dims, 'domain', 'user', 'version', 'reason'])];
  const at = (c: GroupColumn): number => by.indexOf(c);
  const pickAll = (v: readonly (string | number | null)[], cs: readonly GroupColumn[]): (string | number | null)[] => cs.map((c) => v[at(c)] ?? null);
  const [groups, events] = await Promise.all([source.attemptGroups({ since, by }), countNtlmEvents(source, since)]);
  const total = rowsOf(groups, () => 'all')[0] ?? { ...EMPTY, key: 'all' };
  return {
    by: opts.by,
    since: since?.toISOString(),
    events,
    attempts: total.attempts,
    rows: rowsOf(groups, (v) => label(opts.by, pickAll(v, dims))),
    weakUsers: rowsOf(groups, (v) => {
      const [d, u, ver] = pickAll(v, ['domain', 'user', 'version']).map(str);
      return WEAK.has(ver ?? '') ? `${who(d ?? '', u ?? '')} (${ver})` : undefined;
    }),
    noMic: total.noMic,
    noChannelBinding: total.noChannelBinding,
    fallbackReasons: rowsOf(groups, (v) => str(v[at('reason')]) || undefined),
    total,
  };
}

const EMPTY: Omit<AttemptGroup, 'values'> = {
  attempts: 0, succeeded: 0, failed: 0, blocked: 0, unknown: 0, wrongPassword: 0, unknownUser: 0, lockedOut: 0, refusedByPolicy: 0,
  otherFailure: 0, weak: 0, noMic: 0, noChannelBinding: 0, firstSeen: '', lastSeen: '',
};
