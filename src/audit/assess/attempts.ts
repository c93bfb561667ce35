/**
 * Logon attempts: what the reports count. One attempt is one AUTHENTICATE a server received
 * (with whatever the authority, acting as DC, wrote for it) or one NTLM use by a client,
 * however many events recorded it.
 *
 * - Events we write carry `context.attemptId` (random, shared by every event of the attempt),
 *   so they join on it exactly.
 * - Windows events carry no such id (their logon and process ids differ between the member
 *   server and the DC). They are correlated as docs/policy.md "How attempts are counted"
 *   describes: same side (incoming/DC vs outgoing) and same server (short name), user,
 *   domain and workstation equal or missing on one side, first seen within CORRELATION_WINDOW_MS
 *   of each other, and never two events of one kind from one computer in one attempt (two such
 *   events are two attempts, however close in time). Among several candidates the oldest
 *   attempt still lacking that kind of event takes it, so the n-th 8003 and the n-th 4022 of a
 *   burst pair up.
 *
 * The ledger is kept by the stores as events are written (stores/ledger*.ts) through the
 * LedgerView interface below; reports group the ledger's rows (AttemptGroup).
 */
import type { AuditEvent } from '../../events/event.js';
import { NTLM_USAGE_REASONS, SECURITY_CHANNEL } from '../../events/catalogue.js';
import { observedLogon, type LogonVersion, type ObservedLogon } from './logon.js';

export type Outcome = 'succeeded' | 'failed' | 'blocked' | 'unknown';
export type FailureKind = 'wrong-password' | 'unknown-user' | 'locked-out' | 'refused-by-policy' | 'other';
export const FAILURE_KINDS: readonly FailureKind[] = ['wrong-password', 'unknown-user', 'locked-out', 'refused-by-policy', 'other'];

/** How far apart (ms) the events of one imported attempt may be: a DC's clock and a member server's differ a little. */
export const CORRELATION_WINDOW_MS = 2000;

/** Direction bits of an attempt (a member server's logon seen by the server and by the DC has both INCOMING and DOMAIN). */
export const Dir = { incoming: 1, domain: 2, outgoing: 4 } as const;

/** The facts of an attempt that reports group by (the ledger's fact columns). */
export interface AttemptFacts {
  readonly dir: number;
  readonly user: string;
  readonly domain: string;
  readonly workstation: string;
  readonly client: string;
  readonly server: string;
  readonly service: string;
  readonly version: LogonVersion;
  readonly mic: number | null;
  readonly cb: number | null;
  /** The DC that logged a domain event. */
  readonly dc: string;
  readonly outcome: Outcome;
  readonly failure: FailureKind | null;
}

/** What one event tells about its attempt; plain data (it crosses to the SQLite commit thread). */
export interface AttemptPart extends AttemptFacts {
  readonly attemptId?: string;
  /** Correlation key of events without an attempt id: side and short server name. */
  readonly corr: string;
  /** `<event id>@<COMPUTER>`: an attempt holds at most one event of each kind. */
  readonly kind: string;
  readonly ms: number;
  readonly time: string;
  readonly reason: string;
}

/** One row of the ledger. Text fields are '' when unknown; mic/cb 1, 0 or null (not recorded). */
export interface AttemptRow {
  id: number;
  key: string | null;
  corr: string;
  kinds: string;
  firstMs: number;
  lastMs: number;
  firstSeen: string;
  lastSeen: string;
  dir: number;
  user: string;
  domain: string;
  workstation: string;
  client: string;
  server: string;
  service: string;
  version: LogonVersion;
  mic: number | null;
  cb: number | null;
  reason: string;
  dc: string;
  outcome: Outcome;
  failure: FailureKind | null;
  events: number;
}

/** Settings whose block is an NTLM block; other blocking settings (security minimums) refuse the logon. */
const REFUSING_SETTINGS = new Set(['LmCompatibilityLevel', 'NTLMMinServerSec', 'NTLMMinClientSec']);
/** Acceptor refusals that a configured requirement made (not the account or the credentials). */
const POLICY_REFUSALS = new Set([
  'anonymous-refused', 'lm-refused', 'ntlmv1-refused', 'mic-missing', 'channel-binding-missing', 'channel-binding-mismatch',
  'target-name-missing', 'target-name-mismatch', 'av-pair-mismatch',
]);
/** Windows block events (4001–4006) and the NTLMv1 SSO block (4025). */
const BLOCK_EVENTS = new Set([4001, 4002, 4003, 4004, 4005, 4006, 4025]);

const STATUS_BY_CODE: Readonly<Record<number, string>> = {
  0x00000000: 'STATUS_SUCCESS',
  0xc0000064: 'STATUS_NO_SUCH_USER',
  0xc000006a: 'STATUS_WRONG_PASSWORD',
  0xc000006d: 'STATUS_LOGON_FAILURE',
  0xc000006e: 'STATUS_ACCOUNT_RESTRICTION',
  0xc0000071: 'STATUS_PASSWORD_EXPIRED',
  0xc0000072: 'STATUS_ACCOUNT_DISABLED',
  0xc0000193: 'STATUS_ACCOUNT_EXPIRED',
  0xc0000234: 'STATUS_ACCOUNT_LOCKED_OUT',
  0xc0000418: 'STATUS_NTLM_BLOCKED',
};

/** `0xc000006a`, `-1073741718` or a STATUS_ name → the STATUS_ name ('' when absent or unknown). */
export function statusName(v: string | undefined): string {
  const t = (v ?? '').trim();
  if (t === '' || t === '-') return '';
  if (/^STATUS_[A-Z_]+$/.test(t)) return t;
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^-?\d+$/.test(t) ? Number(t) >>> 0 : NaN;
  return Number.isNaN(n) ? '' : (STATUS_BY_CODE[n >>> 0] ?? `0x${(n >>> 0).toString(16).padStart(8, '0')}`);
}

function byStatus(status: string): { outcome: Outcome; failure: FailureKind | null } | undefined {
  switch (status) {
    case '':
      return undefined;
    case 'STATUS_SUCCESS':
      return { outcome: 'succeeded', failure: null };
    case 'STATUS_WRONG_PASSWORD':
      return { outcome: 'failed', failure: 'wrong-password' };
    case 'STATUS_NO_SUCH_USER':
      return { outcome: 'failed', failure: 'unknown-user' };
    case 'STATUS_ACCOUNT_LOCKED_OUT':
      return { outcome: 'failed', failure: 'locked-out' };
    case 'STATUS_NTLM_BLOCKED':
      return { outcome: 'blocked', failure: null };
    default:
      // STATUS_LOGON_FAILURE (a member server's view: the DC does not say which), disabled, expired, …
      return { outcome: 'failed', failure: 'other' };
  }
}

/** How the event says its attempt ended, as far as it says. */
export function outcomeOf(e: AuditEvent): { outcome: Outcome; failure: FailureKind | null } {
  const c = e.context;
  if (c.decision === 'block') {
    return REFUSING_SETTINGS.has(c.setting ?? '') ? { outcome: 'failed', failure: 'refused-by-policy' } : { outcome: 'blocked', failure: null };
  }
  if (BLOCK_EVENTS.has(e.eventId) && c.source === 'import') return { outcome: 'blocked', failure: null };
  const status = statusName(c.status ?? e.data['Status']);
  // Events written before `refusal` existed carry it in the reason text only.
  const refusal = c.refusal ?? /; logon refused: ([a-z-]+)/.exec(c.reason ?? '')?.[1];
  if (refusal !== undefined && refusal !== 'logon-failure') {
    return { outcome: 'failed', failure: POLICY_REFUSALS.has(refusal) ? 'refused-by-policy' : 'other' };
  }
  const s = byStatus(status);
  if (s) return s;
  if (refusal === 'logon-failure') return { outcome: 'failed', failure: 'other' };
  return { outcome: 'unknown', failure: null };
}

/** NetBIOS-style short name of a host; an IP address stays whole. */
const short = (name: string): string => (/^[\d.]+$|:/.test(name) ? name : (name.split('.')[0] ?? name)).toUpperCase();

function dirOf(l: ObservedLogon): number {
  return l.direction === 'incoming' ? Dir.incoming : l.direction === 'domain' ? Dir.domain : Dir.outgoing;
}

/**
 * The part an event plays in its attempt, or undefined for events that record no NTLM logon
 * (4010/4011 without an attempt id, unknown ids, and the Security log's 4624/4625, which
 * record logons by the other mechanisms: no NTLM attempt, whatever attempt id they carry).
 */
export function attemptPart(e: AuditEvent, ms: number): AttemptPart | undefined {
  if (e.channel === SECURITY_CHANNEL) return undefined;
  const l = observedLogon(e);
  const attemptId = e.context.attemptId || undefined;
  if (!l && !attemptId) return undefined;
  const ended = outcomeOf(e);
  const dir = l ? dirOf(l) : 0;
  const server = l?.server ?? '';
  return {
    attemptId,
    corr: `${dir === Dir.outgoing ? 'out' : 'in'}|${short(server)}`,
    kind: `${e.eventId}@${e.computer.toUpperCase()}`,
    ms,
    time: e.time,
    dir,
    user: l?.user ?? '',
    domain: l?.domain ?? '',
    workstation: l?.workstation ?? '',
    client: l?.client ?? e.context.clientIp ?? '',
    server,
    service: l?.service ?? e.context.service ?? '',
    version: l?.version ?? 'unknown',
    mic: l?.mic === undefined ? null : l.mic ? 1 : 0,
    cb: l?.channelBinding === undefined ? null : l.channelBinding ? 1 : 0,
    reason: l ? reasonLabel(l) : '',
    dc: l?.direction === 'domain' ? e.computer : '',
    outcome: ended.outcome,
    failure: ended.failure,
  };
}

function reasonLabel(l: ObservedLogon): string {
  if (l.reasonId !== undefined && !Number.isNaN(l.reasonId)) return `${l.reasonId}: ${NTLM_USAGE_REASONS[l.reasonId] ?? l.reason ?? 'unlisted reason'}`;
  return l.reason ?? '';
}

const OUTCOME_RANK: Readonly<Record<Outcome, number>> = { unknown: 0, succeeded: 1, failed: 2, blocked: 3 };

export function newRow(p: AttemptPart, key: string | null): AttemptRow {
  return {
    id: 0,
    key,
    corr: key === null ? p.corr : '',
    kinds: ` ${p.kind} `,
    firstMs: p.ms,
    lastMs: p.ms,
    firstSeen: p.time,
    lastSeen: p.time,
    dir: p.dir,
    user: p.user,
    domain: p.domain,
    workstation: p.workstation,
    client: p.client,
    server: p.server,
    service: p.service,
    version: p.version,
    mic: p.mic,
    cb: p.cb,
    reason: p.reason,
    dc: p.dc,
    outcome: p.outcome,
    failure: p.failure,
    events: 1,
  };
}

/** Adds what one more event says to its attempt (in place). */
export function mergeInto(r: AttemptRow, p: AttemptPart): void {
  if (p.ms < r.firstMs) {
    r.firstMs = p.ms;
    r.firstSeen = p.time;
  }
  if (p.ms > r.lastMs) {
    r.lastMs = p.ms;
    r.lastSeen = p.time;
  }
  // The server that took the logon names it best; a DC's SChannelName fills in otherwise.
  if (p.server && (!r.server || (p.dir === Dir.incoming && (r.dir & Dir.incoming) === 0))) r.server = p.server;
  r.dir |= p.dir;
  r.kinds += `${p.kind} `;
  r.user ||= p.user;
  r.domain ||= p.domain;
  r.workstation ||= p.workstation;
  r.client ||= p.client;
  r.service ||= p.service;
  if (r.version === 'unknown') r.version = p.version;
  r.mic ??= p.mic;
  r.cb ??= p.cb;
  r.reason ||= p.reason;
  r.dc ||= p.dc;
  if (OUTCOME_RANK[p.outcome] > OUTCOME_RANK[r.outcome]) {
    r.outcome = p.outcome;
    r.failure = p.failure;
  } else if (p.outcome === r.outcome && p.failure !== null && (r.failure === null || r.failure === 'other')) {
    r.failure = p.failure;
  }
  r.events++;
}

const eq = (a: string, b: string): boolean => a === '' || b === '' || a.toUpperCase() === b.toUpperCase();

/** Whether an imported event may belong to this attempt (see the file comment). */
function fits(r: AttemptRow, p: AttemptPart): boolean {
  return (
    !r.kinds.includes(` ${p.kind} `) &&
    eq(r.user, p.user) &&
    eq(r.domain, p.domain) &&
    eq(r.workstation, p.workstation) &&
    p.ms >= r.firstMs - CORRELATION_WINDOW_MS &&
    p.ms <= r.lastMs + CORRELATION_WINDOW_MS
  );
}

/** A position in (first seen, id) order: where the last event of a kind was filed. */
export interface LedgerPosition {
  readonly ms: number;
  readonly id: number;
}

const after = (a: LedgerPosition, b: LedgerPosition): boolean => a.ms > b.ms || (a.ms === b.ms && a.id > b.id);

/** Where the ledger lives (SQLite statements, PostgreSQL rows loaded for a batch, memory). */
export interface LedgerView {
  byKey(key: string): AttemptRow | undefined;
  /**
   * Attempts without an attempt id with this correlation key, after `from` in (first seen, id)
   * order and first seen at or before `toMs`, in that order, at most `limit`.
   */
  candidates(corr: string, from: LedgerPosition, toMs: number, limit: number): AttemptRow[];
  /** Where the last event of `kind` for (corr, user) was filed. */
  pointer(corr: string, user: string, kind: string): LedgerPosition | undefined;
  setPointer(corr: string, user: string, kind: string, at: LedgerPosition): void;
  /** Stores a new row and returns its id. */
  insert(r: AttemptRow): number;
  update(r: AttemptRow): void;
}

const PAGE = 64;
/** How many candidates one imported event looks at before it starts an attempt of its own. */
const MAX_SCAN = 1024;

/** Files one newly stored event into the ledger. */
export function recordPart(v: LedgerView, p: AttemptPart): void {
  if (p.attemptId !== undefined) {
    const key = `id:${p.attemptId}`;
    const r = v.byKey(key);
    if (r) {
      mergeInto(r, p);
      v.update(r);
    } else {
      v.insert(newRow(p, key));
    }
    return;
  }
  const who = p.user.toUpperCase() || '*';
  // Start at the window's edge, or past the attempt that took the last event of this kind if later.
  let from: LedgerPosition = { ms: p.ms - 2 * CORRELATION_WINDOW_MS, id: 0 };
  const ptr = v.pointer(p.corr, who, p.kind);
  if (ptr && after(ptr, from)) from = ptr;
  let found: AttemptRow | undefined;
  let fallback: AttemptRow | undefined;
  for (let scanned = 0; scanned < MAX_SCAN && !found; ) {
    const page = v.candidates(p.corr, from, p.ms + CORRELATION_WINDOW_MS, PAGE);
    for (const r of page) {
      if (!fits(r, p)) continue;
      // An attempt that names this user beats one that names none yet (a lone 8002).
      if (r.user !== '' || p.user === '') {
        found = r;
        break;
      }
      fallback ??= r;
    }
    scanned += page.length;
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    from = { ms: last.firstMs, id: last.id };
  }
  const r = found ?? fallback;
  if (r) {
    const at = { ms: r.firstMs, id: r.id };
    mergeInto(r, p);
    v.update(r);
    v.setPointer(p.corr, who, p.kind, at);
  } else {
    const row = newRow(p, null);
    const id = v.insert(row);
    v.setPointer(p.corr, who, p.kind, { ms: row.firstMs, id });
  }
}

const byPosition = (a: AttemptRow, b: AttemptRow): number => a.firstMs - b.firstMs || a.id - b.id;

/** A ledger in memory: for stores that cannot query one (JSON Lines), for PostgreSQL batches, and for tests. */
export class MemoryLedger implements LedgerView {
  readonly rows: AttemptRow[] = [];
  private readonly keys = new Map<string, AttemptRow>();
  private readonly byCorr = new Map<string, { rows: AttemptRow[]; sorted: boolean }>();
  private readonly pointers = new Map<string, LedgerPosition>();
  private readonly ids = new Set<number>();
  private readonly firstMs = new WeakMap<AttemptRow, number>();
  /** Rows inserted or changed, and pointers set, since construction (what a PostgreSQL batch writes back). */
  readonly changed = new Set<AttemptRow>();
  readonly changedPointers = new Set<string>();
  private nextId: number;

  constructor(firstId = 1) {
    this.nextId = firstId;
  }

  /** Adds a row loaded from elsewhere (PostgreSQL), keeping its id. */
  load(r: AttemptRow): void {
    if (this.ids.has(r.id)) return;
    this.ids.add(r.id);
    this.rows.push(r);
    if (r.key !== null) {
      this.keys.set(r.key, r);
      return;
    }
    let l = this.byCorr.get(r.corr);
    if (!l) {
      l = { rows: [], sorted: true };
      this.byCorr.set(r.corr, l);
    }
    const rows = l.rows;
    this.firstMs.set(r, r.firstMs);
    const last = rows[rows.length - 1];
    if (!last || byPosition(last, r) <= 0 || !l.sorted) {
      rows.push(r);
      if (last && byPosition(last, r) > 0) l.sorted = false;
      return;
    }
    // Keep the list in (first seen, id) order: candidates() would otherwise sort it again.
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byPosition(rows[mid] as AttemptRow, r) <= 0) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, r);
  }

  loadPointer(corr: string, user: string, kind: string, at: LedgerPosition): void {
    this.pointers.set(`${corr}\0${user}\0${kind}`, at);
  }

  byKey(key: string): AttemptRow | undefined {
    return this.keys.get(key);
  }

  candidates(corr: string, from: LedgerPosition, toMs: number, limit: number): AttemptRow[] {
    const l = this.byCorr.get(corr);
    if (!l) return [];
    if (!l.sorted) {
      l.rows.sort(byPosition);
      l.sorted = true;
    }
    const rows = l.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = rows[mid] as AttemptRow;
      if (after({ ms: r.firstMs, id: r.id }, from)) hi = mid;
      else lo = mid + 1;
    }
    const out: AttemptRow[] = [];
    for (let i = lo; i < rows.length && out.length < limit; i++) {
      const r = rows[i] as AttemptRow;
      if (r.firstMs > toMs) break;
      out.push(r);
    }
    return out;
  }

  pointer(corr: string, user: string, kind: string): LedgerPosition | undefined {
    return this.pointers.get(`${corr}\0${user}\0${kind}`);
  }

  setPointer(corr: string, user: string, kind: string, at: LedgerPosition): void {
    const k = `${corr}\0${user}\0${kind}`;
    this.pointers.set(k, at);
    this.changedPointers.add(k);
  }

  insert(r: AttemptRow): number {
    r.id = this.nextId++;
    this.load(r);
    this.changed.add(r);
    return r.id;
  }

  update(r: AttemptRow): void {
    this.changed.add(r);
    // A merge may have moved the row's first-seen time earlier: its list needs sorting again.
    if (r.key === null && this.firstMs.get(r) !== r.firstMs) {
      this.firstMs.set(r, r.firstMs);
      const l = this.byCorr.get(r.corr);
      if (l) l.sorted = false;
    }
  }

  /** Pointers set since construction, as [corr, user, kind, position]. */
  pointerEntries(): [string, string, string, LedgerPosition][] {
    return [...this.changedPointers].map((k) => {
      const [corr = '', user = '', kind = ''] = k.split('\0');
      return [corr, user, kind, this.pointers.get(k) ?? { ms: 0, id: 0 }];
    });
  }
}
