/**
 * `ntlmgate audit report`: who still uses NTLM, where and why. Groups observed logons by a
 * dimension with counts and first/last seen; singles out NTLMv1/LM users; flags logons
 * without a MIC or channel binding; groups the reasons NTLM was used instead of Kerberos.
 */
import type { AuditEvent } from '../../events/event.js';
import { NTLM_USAGE_REASONS } from '../../events/catalogue.js';
import { logonsOf, type ObservedLogon } from './logon.js';

export const REPORT_DIMENSIONS = ['server', 'user', 'workstation', 'client', 'version', 'reason', 'service'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export interface UsageRow {
  readonly key: string;
  count: number;
  blocked: number;
  firstSeen: string;
  lastSeen: string;
  /** Logons in this group that were NTLMv1 or LM. */
  weak: number;
  noMic: number;
  noChannelBinding: number;
}

export interface UsageReport {
  readonly by: ReportDimension;
  readonly since?: string;
  readonly events: number;
  readonly logons: number;
  readonly rows: UsageRow[];
  /** `DOMAIN\user` of everyone seen with NTLMv1 or LM, with counts. */
  readonly weakUsers: UsageRow[];
  readonly noMic: number;
  readonly noChannelBinding: number;
  /** Why NTLM was used instead of Kerberos (NtlmUsageId of the enhanced events). */
  readonly fallbackReasons: UsageRow[];
}

const who = (l: ObservedLogon): string => (l.domain ? `${l.domain}\\${l.user}` : l.user) || '(unknown)';

function reasonText(l: ObservedLogon): string {
  if (l.reasonId !== undefined && !Number.isNaN(l.reasonId)) return `${l.reasonId}: ${NTLM_USAGE_REASONS[l.reasonId] ?? l.reason ?? 'unlisted reason'}`;
  return l.reason ?? '(not recorded)';
}

function keyOf(l: ObservedLogon, by: ReportDimension): string {
  switch (by) {
    case 'server':
      return l.server || '(unknown)';
    case 'user':
      return who(l);
    case 'workstation':
      return l.workstation || '(unknown)';
    case 'client':
      return l.client || l.workstation || '(unknown)';
    case 'version':
      return l.version;
    case 'reason':
      return reasonText(l);
    case 'service':
      return l.service || '(none)';
  }
}

function add(map: Map<string, UsageRow>, key: string, l: ObservedLogon): void {
  let r = map.get(key);
  if (!r) {
    r = { key, count: 0, blocked: 0, firstSeen: l.time, lastSeen: l.time, weak: 0, noMic: 0, noChannelBinding: 0 };
    map.set(key, r);
  }
  r.count++;
  if (l.blocked) r.blocked++;
  if (l.time < r.firstSeen) r.firstSeen = l.time;
  if (l.time > r.lastSeen) r.lastSeen = l.time;
  if (l.version === 'NTLMv1' || l.version === 'NTLMv1-ESS' || l.version === 'LM') r.weak++;
  if (l.mic === false) r.noMic++;
  if (l.channelBinding === false) r.noChannelBinding++;
}

const sorted = (m: Map<string, UsageRow>): UsageRow[] => [...m.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

export async function usageReport(
  events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  opts: { by: ReportDimension; since?: Date; onProgress?: (n: number) => void },
): Promise<UsageReport> {
  const rows = new Map<string, UsageRow>();
  const weak = new Map<string, UsageRow>();
  const reasons = new Map<string, UsageRow>();
  let n = 0;
  let logons = 0;
  let noMic = 0;
  let noCb = 0;
  const since = opts.since?.toISOString();
  const tick = (): void => {
    n++;
    if (opts.onProgress && n % 10_000 === 0) opts.onProgress(n);
  };
  for await (const l of logonsOf(events, tick)) {
    if (since && l.time < since) continue;
    logons++;
    add(rows, keyOf(l, opts.by), l);
    if (l.version === 'NTLMv1' || l.version === 'NTLMv1-ESS' || l.version === 'LM') add(weak, `${who(l)} (${l.version})`, l);
    if (l.mic === false) noMic++;
    if (l.channelBinding === false) noCb++;
    if (l.reasonId !== undefined || l.reason) add(reasons, reasonText(l), l);
  }
  return { by: opts.by, since, events: n, logons, rows: sorted(rows), weakUsers: sorted(weak), noMic, noChannelBinding: noCb, fallbackReasons: sorted(reasons) };
}
