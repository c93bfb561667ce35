/**
 * The embedded default audit store: one SQLite file (through src/sqlite), in WAL mode.
 *
 * Durability depends on `synchronous`:
 * - FULL (the default): the WAL is synced before a batch's writers resolve, so a resolved
 *   write() survives SIGKILL, an OS crash and power loss (on a disk that honours flushes).
 * - NORMAL: the WAL is synced only at checkpoints. A resolved write() survives SIGKILL and a
 *   process crash (the next open replays the WAL), but the last batches may be lost — never
 *   corrupted — on an OS crash or power loss; for hosts that trade that for throughput.
 *
 * The event loop never waits for the disk, although SQLite calls are synchronous and a FULL
 * commit waits for an fsync. By default (`commitOn: 'loop'`) each batch — one
 * `BEGIN IMMEDIATE … COMMIT` over a prepared INSERT — is committed on the loop through a write
 * connection of its own under synchronous=NORMAL, which only write()s the WAL frames; the WAL
 * is then fdatasync'd on libuv's thread pool (walSync.ts) before the batch's writers resolve:
 * FULL's guarantee without the wait on the loop. (The fdatasync also flushes any earlier
 * unsynced frames, the schema's included.) GroupCommit gathers the writes that arrive while a
 * batch commits and syncs into the next batch, so the busier the server, the more logons share
 * one fsync. The write connection has busy_timeout 0: a commit that finds another process
 * holding the write lock is tried again after short pauses (src/sqlite/busy.ts) instead of
 * SQLite sleeping on the loop. `commitOn: 'thread'` commits on a FULL connection in a worker
 * thread instead (sqliteWriter.ts; also used where the file system refuses WAL), `'inline'` on
 * the calling thread (always for `:memory:`, a database per connection); docs/benchmarks.md
 * compares what a commit costs each way.
 *
 * Several processes may write one file (two gateways on one host, `ntlmgate audit import`
 * while a gateway runs; `ntlmgate serve` with `workers` has its primary write for all of
 * them): each commit takes the write lock with BEGIN IMMEDIATE and waits up to busy_timeout
 * for another process's.
 *
 * Reads page through the (time, seq) index in chunks, bounded by the highest seq at the
 * start of the query (SQLite has one writer at a time, even across processes, so seq order
 * is commit order and the bound is a snapshot), and yield to the event loop between chunks
 * so writers keep going.
 */
import { openSqlite, type SqliteDatabase, type SqlValue } from '../../sqlite/driver.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AuditEvent } from '../../events/event.js';
import type { AuditFilter, AuditStore } from '../query.js';
import { AuditStoreError, type BatchOptions } from '../sink.js';
import { BatchedAuditStore } from './batchedStore.js';
import { GroupCommit, errorText } from './groupCommit.js';
import { COLUMNS, eventToRow, parseData, rowToEvent, type RowValues, type SelectedRow } from './row.js';
import { SqliteCommitThread } from './sqliteCommitThread.js';
import { WalSync } from './walSync.js';
import { retryWhileBusy } from '../../sqlite/busy.js';
import { batchInserter, type RowBatch, type SqliteWriterConfig } from './sqliteInsert.js';
import { SQLITE_LEDGER_SCHEMA, SqliteLedger, totalsSource } from './sqliteLedger.js';
import { attemptPart, type AttemptPart } from '../assess/attempts.js';
import { groupFromSql, groupSql, type AttemptGroup, type AttemptQuery } from '../assess/groups.js';
import { normalizeFilter, type NormalFilter } from './validate.js';

export const SQLITE_SCHEMA_VERSION = 2;

/** A batch's rows and each event's part of the attempt ledger (null for an event outside any attempt). */
function rowBatch(events: readonly AuditEvent[], times: readonly number[]): RowBatch {
  const rows: RowValues[] = new Array<RowValues>(events.length);
  const parts: (AttemptPart | null)[] = new Array<AttemptPart | null>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AuditEvent;
    const t = times[i] ?? 0;
    rows[i] = eventToRow(e, t);
    parts[i] = attemptPart(e, t) ?? null;
  }
  return { rows, parts };
}

export interface SqliteAuditStoreOptions extends BatchOptions {
  /** See the file comment: 'full' survives power loss, 'normal' survives process death only. */
  readonly synchronous?: 'full' | 'normal';
  /** How long to wait for another process holding the write lock (default 5 s). */
  readonly busyTimeoutMs?: number;
  /**
   * How commits reach the disk (see the file comment): 'loop' (the default for files) commits on
   * the event loop and fdatasyncs the WAL on the thread pool; 'thread' commits on a worker
   * thread; 'inline' commits and syncs on the calling thread (the only choice for `:memory:`).
   */
  readonly commitOn?: 'loop' | 'thread' | 'inline';
}

/** Where a store's commits run (see the file comment). */
type CommitMode = { readonly kind: 'inline' } | { readonly kind: 'thread' } | { readonly kind: 'loop'; readonly writer: SqliteDatabase };

/** One Windows event is stored once, however often its export is imported (EventRecordID is per computer and channel). */
const RECORD_INDEX = 'CREATE UNIQUE INDEX audit_events_record ON audit_events (computer, channel, record_id) WHERE record_id IS NOT NULL;';

const SCHEMA = `
CREATE TABLE audit_events (
  seq          INTEGER PRIMARY KEY,
  time         INTEGER NOT NULL,  -- ms since the epoch, for ordering and filters
  time_text    TEXT    NOT NULL,  -- as given (ISO 8601)
  event_id     INTEGER NOT NULL,
  provider     TEXT    NOT NULL,
  channel      TEXT    NOT NULL,
  level        INTEGER NOT NULL,
  task         INTEGER NOT NULL,
  computer     TEXT    NOT NULL,
  record_id    INTEGER,
  source       TEXT    NOT NULL,
  service      TEXT,
  client_ip    TEXT,
  request_id   TEXT,
  decision     TEXT,
  setting      TEXT,
  reason       TEXT,
  ntlm_version TEXT,
  attempt_id   TEXT,
  refusal      TEXT,
  status       TEXT,
  data         TEXT    NOT NULL   -- JSON object, Data names in template order
) STRICT;
CREATE INDEX audit_events_time ON audit_events (time);          -- rowid (seq) is implicitly the last key
CREATE INDEX audit_events_event_id ON audit_events (event_id, time);
${RECORD_INDEX}
${SQLITE_LEDGER_SCHEMA}`;

const SELECT_COLUMNS = `seq, time, ${COLUMNS.filter((c) => c !== 'time').join(', ')}`;
const CHUNK = 1000;

interface Row extends SelectedRow {
  readonly seq: number;
  readonly time: number;
  readonly data: string;
}

/** WHERE terms for a filter; event ids are validated integers, so they are inlined. */
function whereOf(f: NormalFilter): { sql: string; params: number[] } {
  const terms: string[] = [];
  const params: number[] = [];
  if (f.sinceMs !== undefined) {
    terms.push('time >= ?');
    params.push(f.sinceMs);
  }
  if (f.untilMs !== undefined) {
    terms.push('time < ?');
    params.push(f.untilMs);
  }
  if (f.eventIds !== undefined) terms.push(f.eventIds.length === 0 ? '0' : `event_id IN (${f.eventIds.join(',')})`);
  return { sql: terms.length ? terms.join(' AND ') : '1', params };
}

export class SqliteAuditStore extends BatchedAuditStore implements AuditStore {
  protected readonly batcher: GroupCommit;
  private readonly thread: SqliteCommitThread | undefined;
  private readonly wal: WalSync | undefined;
  private readonly loopWriter: SqliteDatabase | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly name: string,
    options: SqliteAuditStoreOptions,
    writer: SqliteWriterConfig,
    mode: CommitMode,
  ) {
    super();
    let commitRows: (batch: RowBatch) => void | Promise<void>;
    if (mode.kind === 'inline') {
      commitRows = batchInserter(db);
    } else if (mode.kind === 'loop') {
      this.loopWriter = mode.writer;
      const insert = batchInserter(mode.writer);
      const wal = writer.synchronous === 'FULL' ? new WalSync(writer.path) : undefined;
      this.wal = wal;
      // Another process holding the write lock (an `audit import`, a second gateway) must not
      // freeze the event loop: SQLITE_BUSY is retried after pauses, for up to busy_timeout.
      commitRows = async (batch) => {
        await retryWhileBusy(() => insert(batch), writer.busyTimeoutMs);
        await wal?.sync();
      };
    } else {
      const thread = new SqliteCommitThread(writer);
      this.thread = thread;
      commitRows = (batch) => thread.commit(batch);
    }
    this.batcher = new GroupCommit((events, times) => commitRows(rowBatch(events, times)), options, `SQLite audit store ${name}`);
  }

  static open(path: string, options: SqliteAuditStoreOptions = {}): SqliteAuditStore {
    let db: SqliteDatabase | undefined;
    let loopWriter: SqliteDatabase | undefined;
    try {
      db = openSqlite(path);
      const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
      const synchronous = options.synchronous === 'normal' ? 'NORMAL' : 'FULL';
      db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      // WAL lets reports read while gateways write. If the file system cannot do WAL, SQLite
      // keeps its rollback journal, which with synchronous=FULL is just as durable (only slower).
      // A new file only (it must precede journal_mode=WAL and the first table): retention can then
      // hand free pages beyond its cap back with incremental_vacuum (stores/sqliteRetention.ts).
      db.exec('PRAGMA auto_vacuum = INCREMENTAL');
      const walMode = db.prepare<{ journal_mode: string }>('PRAGMA journal_mode = WAL').get()?.journal_mode === 'wal';
      // This connection writes the schema, the events when inline, and serves the queries; the
      // commit thread's connection gets the same setting.
      db.exec(`PRAGMA synchronous = ${synchronous}`);
      migrate(db, path);
      const memory = path === ':memory:' || path === '';
      // 'loop' needs the WAL (its fsync is ours to do); without it the commit thread keeps FULL.
      const kind = memory || options.commitOn === 'inline' ? 'inline' : options.commitOn === 'thread' || !walMode ? 'thread' : 'loop';
      let mode: CommitMode;
      if (kind === 'loop') {
        // Its own connection: COMMIT only writes the WAL (WalSync does the fsync), and a locked
        // database fails at once (retryWhileBusy waits, off the loop) instead of sleeping in SQLite.
        loopWriter = openSqlite(path, { engine: db.engine });
        loopWriter.exec('PRAGMA busy_timeout = 0');
        loopWriter.exec('PRAGMA synchronous = NORMAL');
        mode = { kind, writer: loopWriter };
      } else {
        mode = { kind };
      }
      return new SqliteAuditStore(db, path, options, { path, synchronous, busyTimeoutMs, engine: db.engine }, mode);
    } catch (e) {
      loopWriter?.close();
      db?.close();
      if (e instanceof AuditStoreError) throw e;
      throw new AuditStoreError('open-failed', `cannot open SQLite audit store ${path}: ${errorText(e)}`, { cause: e });
    }
  }

  protected async release(): Promise<void> {
    await this.thread?.close();
    await this.wal?.close();
    this.loopWriter?.close();
    this.db.close(); // the last connection checkpoints the WAL into the main file
  }

  async *query(filter?: AuditFilter): AsyncGenerator<AuditEvent> {
    this.assertOpen();
    const f = normalizeFilter(filter);
    const where = whereOf(f);
    let left = f.limit ?? Infinity;
    const snapshot = this.read(() => this.db.prepare<{ m: number | null }>('SELECT max(seq) AS m FROM audit_events').get()?.m ?? 0);
    // INDEXED BY: pages must walk the time index; via the event_id index SQLite would sort
    // every remaining match again for each page.
    const page = this.db.prepare<Row>(
      `SELECT ${SELECT_COLUMNS} FROM audit_events INDEXED BY audit_events_time WHERE seq <= ? AND (time, seq) > (?, ?) AND ${where.sql} ORDER BY time, seq LIMIT ?`,
    );
    let after: [number, number] = [Number.MIN_SAFE_INTEGER, 0];
    while (left > 0) {
      this.assertOpen();
      const rows = this.read(() => page.all(snapshot, ...after, ...(where.params as SqlValue[]), Math.min(CHUNK, left)));
      for (const r of rows) yield rowToEvent(r, parseData(r.data));
      const last = rows[rows.length - 1];
      if (!last || rows.length < Math.min(CHUNK, left)) return;
      left -= rows.length;
      after = [last.time, last.seq];
      await nextTurn(); // let queued writes commit between pages
    }
  }

  async count(filter?: AuditFilter): Promise<number> {
    this.assertOpen();
    const f = normalizeFilter(filter);
    const where = whereOf(f);
    const n = this.read(() => this.db.prepare<{ n: number }>(`SELECT count(*) AS n FROM audit_events WHERE ${where.sql}`).get(...(where.params as SqlValue[]))?.n ?? 0);
    return Math.min(n, f.limit ?? Infinity);
  }

  /** Attempts grouped and counted by SQLite (assess/groups.ts). */
  async attemptGroups(q: AttemptQuery): Promise<AttemptGroup[]> {
    this.assertOpen();
    const { sql, params } = groupSql(q, () => '?', totalsSource(q.since));
    return this.read(() => this.db.prepare<Record<string, unknown>>(sql).all(...params).map((r) => groupFromSql(r, q.by.length)));
  }

  private assertOpen(): void {
    if (this.isClosed) throw new AuditStoreError('closed', `SQLite audit store ${this.name} is closed`);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new AuditStoreError('read-failed', `SQLite audit store ${this.name}: ${errorText(e)}`, { cause: e });
    }
  }
}

/** Creates the schema on first open; refuses a database written by a newer ntlmgate. */
function migrate(db: SqliteDatabase, name: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    const row = db.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (row === undefined) {
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SQLITE_SCHEMA_VERSION));
      return;
    }
    if (row.value === '1') {
      upgradeFromV1(db);
      return;
    }
    if (row.value !== String(SQLITE_SCHEMA_VERSION)) {
      throw new AuditStoreError(
        'schema-version',
        `${name} has audit schema version ${row.value}; this ntlmgate reads version ${SQLITE_SCHEMA_VERSION} (upgrade ntlmgate, or use another file)`,
      );
    }
  })();
}

/**
 * Version 1 had no attempt columns, no ledger and no record-id index: add them, drop copies of
 * Windows events imported more than once (the first stored stays), and file every event into
 * the ledger in write order.
 */
function upgradeFromV1(db: SqliteDatabase): void {
  for (const c of ['attempt_id', 'refusal', 'status']) db.exec(`ALTER TABLE audit_events ADD COLUMN ${c} TEXT`);
  db.exec(
    'DELETE FROM audit_events WHERE record_id IS NOT NULL AND seq NOT IN (SELECT min(seq) FROM audit_events WHERE record_id IS NOT NULL GROUP BY computer, channel, record_id)',
  );
  db.exec(RECORD_INDEX);
  db.exec(SQLITE_LEDGER_SCHEMA);
  const ledger = new SqliteLedger(db);
  // Pages, not an open iterator: better-sqlite3 refuses other statements while one is iterating.
  const page = db.prepare<Row>(`SELECT ${SELECT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ${CHUNK}`);
  for (let after = 0; ; ) {
    const rows = page.all(after);
    const parts: AttemptPart[] = [];
    for (const r of rows) {
      const part = attemptPart(rowToEvent(r, parseData(r.data)), r.time);
      if (part) parts.push(part);
    }
    ledger.file(parts);
    const last = rows[rows.length - 1];
    if (!last) break;
    after = last.seq;
  }
  db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SQLITE_SCHEMA_VERSION));
}
