/**
 * Counting attempts: the one question every report asks of the ledger, "group the attempts
 * first seen in this range by these columns and count them by outcome". The SQL stores answer
 * it with one GROUP BY over their `attempts` table (groupSql); the JSON Lines store and event
 * arrays with the same arithmetic in JavaScript over a MemoryLedger (groupRows).
 */
import type { AuditEvent } from '../../events/event.js';
import { SECURITY_LOGON_EVENT_IDS } from '../../events/catalogue.js';
import { attemptPart, MemoryLedger, recordPart, type AttemptRow } from './attempts.js';

export const GROUP_COLUMNS = ['dir', 'user', 'domain', 'workstation', 'client', 'server', 'service', 'version', 'mic', 'cb', 'reason', 'dc', 'outcome', 'failure'] as const;
export type GroupColumn = (typeof GROUP_COLUMNS)[number];

export interface AttemptQuery {
  /** Attempts first seen at or after this instant. */
  readonly since?: Date;
  readonly by: readonly GroupColumn[];
}

export interface AttemptGroup {
  /** The grouped columns' values, in `by` order (mic/cb: 1, 0 or null; dir: the direction bits). */
  readonly values: readonly (string | number | null)[];
  attempts: number;
  succeeded: number;
  failed: number;
  blocked: number;
  /** Attempts whose events do not say how they ended (Windows' audit events alone). */
  unknown: number;
  wrongPassword: number;
  unknownUser: number;
  lockedOut: number;
  refusedByPolicy: number;
  otherFailure: number;
  /** NTLMv1, NTLMv1-ESS or LM. */
  weak: number;
  noMic: number;
  noChannelBinding: number;
  firstSeen: string;
  lastSeen: string;
}

/** What reports read: the stores, or events in memory (memoryAttempts). */
export interface AttemptSource {
  attemptGroups(q: AttemptQuery): Promise<AttemptGroup[]>;
  /** Events stored, only those of `eventIds` when given. */
  count(filter?: { readonly since?: Date; readonly eventIds?: readonly number[] }): Promise<number>;
}

/**
 * The NTLM events in the range (the reports' header line): what is stored less the Security
 * log's logon events (4624/4625, written for other mechanisms), which are no NTLM traffic.
 */
export async function countNtlmEvents(source: AttemptSource, since: Date | undefined): Promise<number> {
  const [stored, securityLogons] = await Promise.all([source.count({ since }), source.count({ since, eventIds: SECURITY_LOGON_EVENT_IDS })]);
  return stored - securityLogons;
}

/** SQL column of each group column (`user` is reserved in PostgreSQL). */
export const SQL_COLUMN: Readonly<Record<GroupColumn, string>> = {
  dir: 'dir', user: 'user_name', domain: 'domain', workstation: 'workstation', client: 'client', server: 'server', service: 'service',
  version: 'version', mic: 'mic', cb: 'cb', reason: 'reason', dc: 'dc', outcome: 'outcome', failure: 'failure',
};

const WEAK = ['NTLMv1', 'NTLMv1-ESS', 'LM'];
const sumIf = (cond: string): string => `sum(CASE WHEN ${cond} THEN n ELSE 0 END)`;

/**
 * The GROUP BY over `attempts` (each row one attempt), or over `source`: a subquery with the
 * same columns and `n`, the number of attempts a row stands for (SQLite's attempt_totals).
 * `param(n)` spells the n-th parameter (`?` or `$n`).
 */
export function groupSql(q: AttemptQuery, param: (n: number) => string, source?: { sql: string; params: number[] }): { sql: string; params: number[] } {
  const cols = q.by.map((c) => SQL_COLUMN[c]);
  const params: number[] = [];
  let from = '(SELECT *, 1 AS n FROM attempts) AS a';
  if (source) {
    from = `(${source.sql}) AS a`;
    params.push(...source.params);
  } else if (q.since) {
    params.push(q.since.getTime());
    from = `(SELECT *, 1 AS n FROM attempts WHERE first_ms >= ${param(1)}) AS a`;
  }
  const select = [
    ...cols.map((c, i) => `${c} AS g${i}`),
    'coalesce(sum(n), 0) AS attempts',
    `${sumIf("outcome = 'succeeded'")} AS succeeded`,
    `${sumIf("outcome = 'failed'")} AS failed`,
    `${sumIf("outcome = 'blocked'")} AS blocked`,
    `${sumIf("outcome = 'unknown'")} AS unknown`,
    `${sumIf("failure = 'wrong-password'")} AS wrong_password`,
    `${sumIf("failure = 'unknown-user'")} AS unknown_user`,
    `${sumIf("failure = 'locked-out'")} AS locked_out`,
    `${sumIf("failure = 'refused-by-policy'")} AS refused_by_policy`,
    `${sumIf("failure = 'other'")} AS other_failure`,
    `${sumIf(`version IN (${WEAK.map((v) => `'${v}'`).join(', ')})`)} AS weak`,
    `${sumIf('mic = 0')} AS no_mic`,
    `${sumIf('cb = 0')} AS no_cb`,
    'min(first_seen) AS first_seen',
    'max(last_seen) AS last_seen',
  ];
  const group = cols.length > 0 ? ` GROUP BY ${cols.join(', ')}` : '';
  return { sql: `SELECT ${select.join(', ')} FROM ${from}${group}`, params };
}

/** A result row of groupSql (numbers may come back as strings or bigints from PostgreSQL). */
export type GroupSqlRow = Record<string, unknown>;

export function groupFromSql(r: GroupSqlRow, width: number): AttemptGroup {
  const n = (k: string): number => Number(r[k] ?? 0);
  const values: (string | number | null)[] = [];
  for (let i = 0; i < width; i++) {
    const v = r[`g${i}`];
    values.push(v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : Number(v));
  }
  return {
    values,
    attempts: n('attempts'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    blocked: n('blocked'),
    unknown: n('unknown'),
    wrongPassword: n('wrong_password'),
    unknownUser: n('unknown_user'),
    lockedOut: n('locked_out'),
    refusedByPolicy: n('refused_by_policy'),
    otherFailure: n('other_failure'),
    weak: n('weak'),
    noMic: n('no_mic'),
    noChannelBinding: n('no_cb'),
    firstSeen: String(r['first_seen'] ?? ''),
    lastSeen: String(r['last_seen'] ?? ''),
  };
}

function emptyGroup(values: readonly (string | number | null)[], r: AttemptRow): AttemptGroup {
  return {
    values, attempts: 0, succeeded: 0, failed: 0, blocked: 0, unknown: 0, wrongPassword: 0, unknownUser: 0, lockedOut: 0,
    refusedByPolicy: 0, otherFailure: 0, weak: 0, noMic: 0, noChannelBinding: 0, firstSeen: r.firstSeen, lastSeen: r.lastSeen,
  };
}

/** groupSql's arithmetic in JavaScript. */
export function groupRows(rows: Iterable<AttemptRow>, q: AttemptQuery): AttemptGroup[] {
  const since = q.since?.getTime();
  const groups = new Map<string, AttemptGroup>();
  for (const r of rows) {
    if (since !== undefined && r.firstMs < since) continue;
    const values = q.by.map((c) => value(r, c));
    const k = JSON.stringify(values);
    let g = groups.get(k);
    if (!g) {
      g = emptyGroup(values, r);
      groups.set(k, g);
    }
    g.attempts++;
    g[r.outcome]++;
    if (r.failure === 'wrong-password') g.wrongPassword++;
    else if (r.failure === 'unknown-user') g.unknownUser++;
    else if (r.failure === 'locked-out') g.lockedOut++;
    else if (r.failure === 'refused-by-policy') g.refusedByPolicy++;
    else if (r.failure === 'other') g.otherFailure++;
    if (WEAK.includes(r.version)) g.weak++;
    if (r.mic === 0) g.noMic++;
    if (r.cb === 0) g.noChannelBinding++;
    if (r.firstSeen < g.firstSeen) g.firstSeen = r.firstSeen;
    if (r.lastSeen > g.lastSeen) g.lastSeen = r.lastSeen;
  }
  return [...groups.values()];
}

function value(r: AttemptRow, c: GroupColumn): string | number | null {
  switch (c) {
    case 'dir':
      return r.dir;
    case 'mic':
      return r.mic;
    case 'cb':
      return r.cb;
    default:
      return r[c];
  }
}

/** Adds b's counts into a (same grouping key after relabelling). */
export function addGroup(a: Omit<AttemptGroup, 'values'>, b: Omit<AttemptGroup, 'values'>): void {
  for (const k of ['attempts', 'succeeded', 'failed', 'blocked', 'unknown', 'wrongPassword', 'unknownUser', 'lockedOut', 'refusedByPolicy', 'otherFailure', 'weak', 'noMic', 'noChannelBinding'] as const) {
    a[k] += b[k];
  }
  if (b.firstSeen < a.firstSeen) a.firstSeen = b.firstSeen;
  if (b.lastSeen > a.lastSeen) a.lastSeen = b.lastSeen;
}

/** The attempts in a stream of events, ledgered in memory (JSON Lines store, tests). */
export async function memoryLedger(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>, onEvent?: () => void): Promise<{ ledger: MemoryLedger; events: number }> {
  const ledger = new MemoryLedger();
  // As the SQL stores' unique index does: a Windows event imported twice counts once.
  const seen = new Set<string>();
  let n = 0;
  for await (const e of events) {
    n++;
    onEvent?.();
    if (e.recordId !== undefined) {
      const k = `${e.computer}\0${e.channel}\0${e.recordId}`;
      if (seen.has(k)) continue;
      seen.add(k);
    }
    const p = attemptPart(e, Date.parse(e.time));
    if (p) recordPart(ledger, p);
  }
  return { ledger, events: n };
}

/** An AttemptSource over events held in memory. */
export async function memoryAttempts(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>): Promise<AttemptSource> {
  const seen: { readonly ms: number; readonly eventId: number }[] = [];
  const { ledger } = await memoryLedger(
    (async function* () {
      for await (const e of events) {
        seen.push({ ms: Date.parse(e.time), eventId: e.eventId });
        yield e;
      }
    })(),
  );
  return {
    attemptGroups: async (q) => groupRows(ledger.rows, q),
    count: async (f) => {
      const since = f?.since?.getTime() ?? -Infinity;
      const ids = f?.eventIds === undefined ? undefined : new Set(f.eventIds);
      return seen.filter((s) => s.ms >= since && (ids === undefined || ids.has(s.eventId))).length;
    },
  };
}
