/**
 * The attempt ledger of the SQLite audit store (assess/attempts.ts): one row per logon attempt
 * in `attempts`, kept in the same transaction as the events it is built from, so a report is a
 * GROUP BY over attempts instead of a pass over every event. `attempt_pointers` remembers,
 * per correlation key, user and kind of event, where the last such imported event was filed.
 */
import type { SqliteDatabase, SqliteStatement, SqlValue } from '../../sqlite/driver.js';
import type { AttemptRow, FailureKind, LedgerPosition, LedgerView, Outcome } from '../assess/attempts.js';
import type { LogonVersion } from '../assess/logon.js';

export const SQLITE_LEDGER_SCHEMA = `
CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  attempt_key TEXT UNIQUE,          -- 'id:' + the events' attemptId; NULL for correlated Windows events
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
CREATE INDEX attempts_corr ON attempts (corr, first_ms, id) WHERE attempt_key IS NULL;
CREATE INDEX attempts_first ON attempts (first_ms);
CREATE TABLE attempt_pointers (
  corr      TEXT    NOT NULL,
  user_name TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  at_ms     INTEGER NOT NULL,
  attempt   INTEGER NOT NULL,
  PRIMARY KEY (corr, user_name, kind)
) STRICT, WITHOUT ROWID;
`;

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

export class SqliteLedger implements LedgerView {
  private readonly selectKey: SqliteStatement<AttemptDbRow>;
  private readonly sameMs: SqliteStatement<AttemptDbRow>;
  private readonly laterMs: SqliteStatement<AttemptDbRow>;
  private readonly selectPointer: SqliteStatement<{ at_ms: number; attempt: number }>;
  private readonly upsertPointer: SqliteStatement<unknown>;
  private readonly insertRow: SqliteStatement<unknown>;
  private readonly updateRow: SqliteStatement<unknown>;

  constructor(db: SqliteDatabase) {
    this.selectKey = db.prepare('SELECT * FROM attempts WHERE attempt_key = ?');
    // Two seeks instead of one row-value comparison, which SQLite turns into a first_ms range
    // scan: with many attempts in one millisecond that would read them all for every event.
    this.sameMs = db.prepare('SELECT * FROM attempts INDEXED BY attempts_corr WHERE attempt_key IS NULL AND corr = ? AND first_ms = ? AND id > ? ORDER BY id LIMIT ?');
    this.laterMs = db.prepare(
      'SELECT * FROM attempts INDEXED BY attempts_corr WHERE attempt_key IS NULL AND corr = ? AND first_ms > ? AND first_ms <= ? ORDER BY first_ms, id LIMIT ?',
    );
    this.selectPointer = db.prepare('SELECT at_ms, attempt FROM attempt_pointers WHERE corr = ? AND user_name = ? AND kind = ?');
    this.upsertPointer = db.prepare(
      'INSERT INTO attempt_pointers (corr, user_name, kind, at_ms, attempt) VALUES (?, ?, ?, ?, ?) ON CONFLICT (corr, user_name, kind) DO UPDATE SET at_ms = excluded.at_ms, attempt = excluded.attempt',
    );
    this.insertRow = db.prepare(`INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${ATTEMPT_COLUMNS.map(() => '?').join(', ')})`);
    this.updateRow = db.prepare(`UPDATE attempts SET ${ATTEMPT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  }

  byKey(key: string): AttemptRow | undefined {
    const r = this.selectKey.get(key);
    return r && fromDb(r);
  }

  candidates(corr: string, from: LedgerPosition, toMs: number, limit: number): AttemptRow[] {
    const rows = from.ms <= toMs ? this.sameMs.all(corr, from.ms, from.id, limit) : [];
    if (rows.length < limit) rows.push(...this.laterMs.all(corr, from.ms, toMs, limit - rows.length));
    return rows.map(fromDb);
  }

  pointer(corr: string, user: string, kind: string): LedgerPosition | undefined {
    const r = this.selectPointer.get(corr, user, kind);
    return r && { ms: r.at_ms, id: r.attempt };
  }

  setPointer(corr: string, user: string, kind: string, at: LedgerPosition): void {
    this.upsertPointer.run(corr, user, kind, at.ms, at.id);
  }

  insert(r: AttemptRow): number {
    const id = Number(this.insertRow.run(...(toDb(r) as SqlValue[])).lastInsertRowid);
    r.id = id;
    return id;
  }

  update(r: AttemptRow): void {
    this.updateRow.run(...(toDb(r) as SqlValue[]), r.id);
  }
}
