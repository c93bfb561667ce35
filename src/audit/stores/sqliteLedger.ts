/**
 * The attempt ledger of the SQLite audit store (assess/attempts.ts): one row per logon attempt
 * in `attempts`, kept in the same transaction as the events it is built from, so a report is a
 * GROUP BY over attempts instead of a pass over every event. `attempt_pointers` remembers,
 * per correlation key, user and kind of event, where the last such imported event was filed.
 * The row shape and conversions are shared with the PostgreSQL store.
 */
import type { SqliteDatabase, SqliteStatement, SqlValue } from '../../sqlite/driver.js';
import { CORRELATION_WINDOW_MS, MemoryLedger, recordPart, type AttemptPart, type AttemptRow, type FailureKind, type Outcome } from '../assess/attempts.js';
import type { LogonVersion } from '../assess/logon.js';

export const SQLITE_LEDGER_SCHEMA = `
CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  attempt_key TEXT,                 -- 'id:' + the events' attemptId; NULL for correlated Windows events
  corr        TEXT    NOT NULL,     -- correlation key of Windows events (side|SERVER)
  kinds       TEXT    NOT NULL,     -- ' <event id>@<COMPUTER> ' of each event filed
  first_ms    INTEGER NOT NULL,
  last_ms     INTEGER NOT NULL,
  first_seen  TEXT    NOT NULL,
  last_seen   TEXT    NOT NULL,
  dir         INTEGER NOT NULL,     -- 1 incoming, 2 domain (DC), 4 outgoing
  user_name   TEXT    NOT NULL,
  domain      TEXT    NOT NULL,
  workstation TEXT    NOT NULL,
  client      TEXT    NOT NULL,
  server      TEXT    NOT NULL,
  service     TEXT    NOT NULL,
  version     TEXT    NOT NULL,
  mic         INTEGER,
  cb          INTEGER,
  reason      TEXT    NOT NULL,
  dc          TEXT    NOT NULL,
  outcome     TEXT    NOT NULL,
  failure     TEXT,
  events      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX attempts_key ON attempts (attempt_key) WHERE attempt_key IS NOT NULL;
CREATE INDEX attempts_corr ON attempts (corr, first_ms) WHERE attempt_key IS NULL;  -- rowid (id) is implicitly the last key
CREATE INDEX attempts_first ON attempts (first_ms);
CREATE TABLE attempt_pointers (
  corr      TEXT    NOT NULL,
  user_name TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  at_ms     INTEGER NOT NULL,
  attempt   INTEGER NOT NULL,
  PRIMARY KEY (corr, user_name, kind)
) STRICT, WITHOUT ROWID;
CREATE TABLE attempt_totals (     -- attempts counted per minute first seen and per fact (mic/cb -1, failure '': not recorded)
  bucket_ms   INTEGER NOT NULL,
  dir         INTEGER NOT NULL,
  user_name   TEXT    NOT NULL,
  domain      TEXT    NOT NULL,
  workstation TEXT    NOT NULL,
  client      TEXT    NOT NULL,
  server      TEXT    NOT NULL,
  service     TEXT    NOT NULL,
  version     TEXT    NOT NULL,
  mic         INTEGER NOT NULL,
  cb          INTEGER NOT NULL,
  reason      TEXT    NOT NULL,
  dc          TEXT    NOT NULL,
  outcome     TEXT    NOT NULL,
  failure     TEXT    NOT NULL,
  n           INTEGER NOT NULL,
  first_seen  TEXT    NOT NULL,
  last_seen   TEXT    NOT NULL,
  PRIMARY KEY (bucket_ms, dir, user_name, domain, workstation, client, server, service, version, mic, cb, reason, dc, outcome, failure)
) STRICT, WITHOUT ROWID;
`;

/** attempt_totals' granularity: reports with --since read the attempts of the minute it falls in one by one. */
export const TOTALS_BUCKET_MS = 60_000;
const TOTALS_KEY = ['bucket_ms', 'dir', 'user_name', 'domain', 'workstation', 'client', 'server', 'service', 'version', 'mic', 'cb', 'reason', 'dc', 'outcome', 'failure'] as const;
const FACTS = TOTALS_KEY.slice(1).join(', ');

function totalsKey(r: AttemptRow): (string | number)[] {
  return [
    Math.floor(r.firstMs / TOTALS_BUCKET_MS) * TOTALS_BUCKET_MS, r.dir, r.user, r.domain, r.workstation, r.client, r.server, r.service,
    r.version, r.mic ?? -1, r.cb ?? -1, r.reason, r.dc, r.outcome, r.failure ?? '',
  ];
}

/**
 * What the report's GROUP BY reads (assess/groups.ts groupSql's `source`): attempt_totals, and
 * with --since the attempts of the minute it falls in, one by one, so the boundary is exact.
 */
export function totalsSource(since?: Date): { sql: string; params: number[] } {
  const totals = `SELECT dir, user_name, domain, workstation, client, server, service, version, nullif(mic, -1) AS mic, nullif(cb, -1) AS cb, reason, dc, outcome, nullif(failure, '') AS failure, n, first_seen, last_seen FROM attempt_totals`;
  if (!since) return { sql: totals, params: [] };
  const ms = since.getTime();
  const cut = Math.ceil(ms / TOTALS_BUCKET_MS) * TOTALS_BUCKET_MS;
  return {
    sql: `${totals} WHERE bucket_ms >= ? UNION ALL SELECT ${FACTS}, 1 AS n, first_seen, last_seen FROM attempts WHERE first_ms >= ? AND first_ms < ?`,
    params: [cut, ms, cut],
  };
}

export const ATTEMPT_COLUMNS = [
  'attempt_key', 'corr', 'kinds', 'first_ms', 'last_ms', 'first_seen', 'last_seen', 'dir', 'user_name', 'domain', 'workstation',
  'client', 'server', 'service', 'version', 'mic', 'cb', 'reason', 'dc', 'outcome', 'failure', 'events',
] as const;

export interface AttemptDbRow {
  readonly id: number | string;
  readonly attempt_key: string | null;
  readonly corr: string;
  readonly kinds: string;
  readonly first_ms: number | string;
  readonly last_ms: number | string;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly dir: number;
  readonly user_name: string;
  readonly domain: string;
  readonly workstation: string;
  readonly client: string;
  readonly server: string;
  readonly service: string;
  readonly version: string;
  readonly mic: number | null;
  readonly cb: number | null;
  readonly reason: string;
  readonly dc: string;
  readonly outcome: string;
  readonly failure: string | null;
  readonly events: number;
}

export function fromDb(r: AttemptDbRow): AttemptRow {
  return {
    id: Number(r.id),
    key: r.attempt_key,
    corr: r.corr,
    kinds: r.kinds,
    firstMs: Number(r.first_ms),
    lastMs: Number(r.last_ms),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    dir: r.dir,
    user: r.user_name,
    domain: r.domain,
    workstation: r.workstation,
    client: r.client,
    server: r.server,
    service: r.service,
    version: r.version as LogonVersion,
    mic: r.mic,
    cb: r.cb,
    reason: r.reason,
    dc: r.dc,
    outcome: r.outcome as Outcome,
    failure: r.failure as FailureKind | null,
    events: r.events,
  };
}

/** Values in ATTEMPT_COLUMNS order. */
export function toDb(r: AttemptRow): (string | number | null)[] {
  return [
    r.key, r.corr, r.kinds, r.firstMs, r.lastMs, r.firstSeen, r.lastSeen, r.dir, r.user, r.domain, r.workstation, r.client, r.server,
    r.service, r.version, r.mic, r.cb, r.reason, r.dc, r.outcome, r.failure, r.events,
  ];
}

/**
 * Files a batch's newly stored events into the ledger, inside the caller's transaction (which
 * holds the write lock, so ids and rows cannot change under it). The rows the batch may touch
 * are loaded with a few statements per batch — by attempt id, and per correlation key from the
 * earliest position its events look at — the events are filed in memory (MemoryLedger), and only
 * the rows and pointers that changed are written back: per event there is no lookup at all.
 */
export class SqliteLedger {
  private readonly byKeys: SqliteStatement<AttemptDbRow>;
  private readonly pointers: SqliteStatement<{ corr: string; user_name: string; kind: string; at_ms: number; attempt: number }>;
  private readonly sameMs: SqliteStatement<AttemptDbRow>;
  private readonly laterMs: SqliteStatement<AttemptDbRow>;
  private readonly maxId: SqliteStatement<{ n: number | null }>;
  private readonly upsertPointer: SqliteStatement<unknown>;
  private readonly insertRow: SqliteStatement<unknown>;
  private readonly updateRow: SqliteStatement<unknown>;
  private readonly addTotal: SqliteStatement<unknown>;
  private readonly dropTotal: SqliteStatement<unknown>;

  constructor(db: SqliteDatabase) {
    this.addTotal = db.prepare(
      `INSERT INTO attempt_totals (${TOTALS_KEY.join(', ')}, n, first_seen, last_seen) VALUES (${TOTALS_KEY.map(() => '?').join(', ')}, ?, ?, ?)
       ON CONFLICT (${TOTALS_KEY.join(', ')}) DO UPDATE SET n = n + excluded.n, first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`,
    );
    this.dropTotal = db.prepare(`DELETE FROM attempt_totals WHERE ${TOTALS_KEY.map((c) => `${c} = ?`).join(' AND ')} AND n <= 0`);
    this.byKeys = db.prepare('SELECT * FROM attempts WHERE attempt_key IS NOT NULL AND attempt_key IN (SELECT value FROM json_each(?))');
    this.pointers = db.prepare(
      "SELECT p.* FROM json_each(?) AS k JOIN attempt_pointers p ON p.corr = json_extract(k.value, '$[0]') AND p.user_name = json_extract(k.value, '$[1]') AND p.kind = json_extract(k.value, '$[2]')",
    );
    // Two seeks rather than one row-value comparison (which SQLite plans as a first_ms range).
    this.sameMs = db.prepare('SELECT * FROM attempts INDEXED BY attempts_corr WHERE attempt_key IS NULL AND corr = ? AND first_ms = ? AND id > ? ORDER BY id');
    this.laterMs = db.prepare('SELECT * FROM attempts INDEXED BY attempts_corr WHERE attempt_key IS NULL AND corr = ? AND first_ms > ? AND first_ms <= ? ORDER BY first_ms, id');
    this.maxId = db.prepare('SELECT max(id) AS n FROM attempts');
    this.upsertPointer = db.prepare(
      'INSERT INTO attempt_pointers (corr, user_name, kind, at_ms, attempt) VALUES (?, ?, ?, ?, ?) ON CONFLICT (corr, user_name, kind) DO UPDATE SET at_ms = excluded.at_ms, attempt = excluded.attempt',
    );
    this.insertRow = db.prepare(`INSERT INTO attempts (id, ${ATTEMPT_COLUMNS.join(', ')}) VALUES (?, ${ATTEMPT_COLUMNS.map(() => '?').join(', ')})`);
    this.updateRow = db.prepare(`UPDATE attempts SET ${ATTEMPT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  }

  file(parts: readonly AttemptPart[]): void {
    if (parts.length === 0) return;
    const firstId = (this.maxId.get()?.n ?? 0) + 1;
    const ledger = new MemoryLedger(firstId);
    const keys = [...new Set(parts.filter((p) => p.attemptId !== undefined).map((p) => `id:${p.attemptId}`))];
    if (keys.length > 0) for (const r of this.byKeys.all(JSON.stringify(keys))) ledger.load(fromDb(r));
    const windows = parts.filter((p) => p.attemptId === undefined);
    if (windows.length > 0) {
      const triples = [...new Set(windows.map((p) => JSON.stringify([p.corr, p.user.toUpperCase() || '*', p.kind])))];
      for (const p of this.pointers.all(`[${triples.join(',')}]`)) ledger.loadPointer(p.corr, p.user_name, p.kind, { ms: Number(p.at_ms), id: Number(p.attempt) });
      for (const [corr, r] of loadRanges(ledger, windows)) {
        for (const row of this.sameMs.all(corr, r.ms, r.id)) ledger.load(fromDb(row));
        for (const row of this.laterMs.all(corr, r.ms, r.to)) ledger.load(fromDb(row));
      }
    }
    // The totals key of every loaded row before this batch changes it.
    const before = new Map<AttemptRow, (string | number)[]>();
    for (const r of ledger.rows) before.set(r, totalsKey(r));
    for (const p of parts) recordPart(ledger, p);
    const deltas = new Map<string, { key: (string | number)[]; n: number; first: string; last: string }>();
    const delta = (key: (string | number)[], n: number, first: string, last: string): void => {
      const k = JSON.stringify(key);
      const d = deltas.get(k) ?? { key, n: 0, first, last };
      d.n += n;
      if (first < d.first) d.first = first;
      if (last > d.last) d.last = last;
      deltas.set(k, d);
    };
    for (const r of ledger.changed) {
      if (r.id >= firstId) this.insertRow.run(r.id, ...(toDb(r) as SqlValue[]));
      else this.updateRow.run(...(toDb(r) as SqlValue[]), r.id);
      const old = before.get(r);
      // A move out of a group leaves its first/last seen as they were (they only ever widen).
      if (old) delta(old, -1, '\uffff', '');
      delta(totalsKey(r), 1, r.firstSeen, r.lastSeen);
    }
    for (const d of deltas.values()) {
      this.addTotal.run(...(d.key as SqlValue[]), d.n, d.first, d.last);
      if (d.n < 0) this.dropTotal.run(...(d.key as SqlValue[]));
    }
    for (const [corr, user, kind, at] of ledger.pointerEntries()) this.upsertPointer.run(corr, user, kind, at.ms, at.id);
  }
}

/**
 * The rows to load for a batch's imported events: per correlation key, clusters of events close
 * in time, each from the earliest position one of its events starts looking at (the window's
 * edge, or the pointer of its kind when later) to the latest window end. Never one range from the
 * batch's first event to its last: that would load every attempt in between.
 */
export function loadRanges(ledger: MemoryLedger, windows: readonly AttemptPart[]): [string, { ms: number; id: number; to: number }][] {
  const starts = windows.map((p) => {
    const ptr = ledger.pointer(p.corr, p.user.toUpperCase() || '*', p.kind);
    const edge = p.ms - 2 * CORRELATION_WINDOW_MS;
    const from = ptr && (ptr.ms > edge || (ptr.ms === edge && ptr.id > 0)) ? ptr : { ms: edge, id: 0 };
    return { corr: p.corr, ms: from.ms, id: from.id, to: p.ms + CORRELATION_WINDOW_MS };
  });
  starts.sort((a, b) => (a.corr < b.corr ? -1 : a.corr > b.corr ? 1 : a.ms - b.ms || a.id - b.id));
  const out: [string, { ms: number; id: number; to: number }][] = [];
  let cur: [string, { ms: number; id: number; to: number }] | undefined;
  for (const s of starts) {
    if (cur && cur[0] === s.corr && s.ms <= cur[1].to) {
      cur[1].to = Math.max(cur[1].to, s.to);
      continue;
    }
    cur = [s.corr, { ms: s.ms, id: s.id, to: s.to }];
    out.push(cur);
  }
  return out;
}
