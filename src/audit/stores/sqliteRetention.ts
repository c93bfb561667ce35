/**
 * Retention for the SQLite audit store (../retention.ts), on a connection of its own.
 *
 * Size: the cap is compared with the pages in use, (page_count − freelist_count) × page_size
 * (SQLite file format §1.3: the header's page count and the freelist). Deleted rows' pages go
 * to the freelist and later inserts reuse them, so once the store is at its cap the file
 * stops growing: the oldest events are overwritten in effect. Databases created by this
 * ntlmgate have auto_vacuum=INCREMENTAL (sqlite.ts), so free pages beyond the cap (after the
 * cap was lowered) are given back to the file system with `PRAGMA incremental_vacuum(N)`;
 * an older file gets that mode from one `ntlmgate audit prune --vacuum` (a VACUUM). The WAL
 * beside the file adds up to its checkpoint size (about 4 MiB) on top.
 *
 * Never sleeps on the event loop: busy_timeout is 0 and a database locked by another
 * writer (the store's commit, an import) is retried after short pauses (src/sqlite/busy.ts).
 * Each chunk is one short transaction, so the store's writers get the lock between chunks.
 */
import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openSqlite, type SqliteDatabase } from '../../sqlite/driver.js';
import { retryWhileBusy } from '../../sqlite/busy.js';
import type { AuditEvent } from '../../events/event.js';
import type { RetentionTarget, StoreUsage } from '../retention.js';
import { AuditStoreError } from '../sink.js';
import { errorText } from './groupCommit.js';
import { COLUMNS, parseData, rowToEvent, type SelectedRow } from './row.js';
import { TOTALS_BUCKET_MS } from './sqliteLedger.js';

const SELECT_COLUMNS = `seq, ${COLUMNS.filter((c) => c !== 'time').join(', ')}`;
const BUSY_TIMEOUT_MS = 5000;
/** attempt_totals' key (sqliteLedger.ts): what the attempts about to go are subtracted from. */
const FACTS = ['dir', 'user_name', 'domain', 'workstation', 'client', 'server', 'service', 'version', 'mic', 'cb', 'reason', 'dc', 'outcome', 'failure'];
const FACT_VALUE: Readonly<Record<string, string>> = { mic: 'coalesce(mic, -1)', cb: 'coalesce(cb, -1)', failure: "coalesce(failure, '')" };
const SUBTRACT_TOTALS = `UPDATE attempt_totals SET n = attempt_totals.n - d.c FROM (
  SELECT (first_ms / ${TOTALS_BUCKET_MS}) * ${TOTALS_BUCKET_MS} AS bucket_ms, ${FACTS.map((f) => `${FACT_VALUE[f] ?? f} AS ${f}`).join(', ')}, count(*) AS c
  FROM attempts WHERE first_ms < ? AND last_ms < ? GROUP BY ${['bucket_ms', ...FACTS].map((_, i) => i + 1).join(', ')}
) AS d WHERE ${['bucket_ms', ...FACTS].map((f) => `attempt_totals.${f} = d.${f}`).join(' AND ')}`;
/** Pages handed back per incremental_vacuum step (1 MiB of 4 KiB pages). */
const VACUUM_STEP_PAGES = 256;

interface Row extends SelectedRow {
  readonly seq: number;
  readonly data: string;
}

export class SqliteRetention implements RetentionTarget {
  readonly what: string;

  private constructor(
    private readonly db: SqliteDatabase,
    path: string,
    /** The store has the attempt ledger (schema 2). */
    private readonly ledger: boolean,
    /** …and its per-minute totals (attempt_totals). */
    private readonly totals: boolean,
  ) {
    this.what = `sqlite:${path}`;
  }

  /** Opens a connection to an existing store (the store itself creates the schema). */
  static open(path: string): SqliteRetention {
    let db: SqliteDatabase | undefined;
    try {
      // Opening would create an empty file: a store that is not there is an error naming it.
      if (!existsSync(path)) throw new Error('no such file');
      db = openSqlite(path);
      db.exec('PRAGMA busy_timeout = 0');
      // A delete lost to a power cut only brings old events back (to be removed again), so its
      // commits need not wait for an fsync on the event loop; WAL keeps the file consistent.
      db.exec('PRAGMA synchronous = NORMAL');
      const has = (table: string): boolean =>
        (db?.prepare<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)?.n ?? 0) > 0;
      if (!has('audit_events')) throw new Error('no audit_events table (not an ntlmgate audit store)');
      return new SqliteRetention(db, path, has('attempts'), has('attempt_totals'));
    } catch (e) {
      db?.close();
      throw new AuditStoreError('open-failed', `cannot open SQLite audit store ${path} for retention: ${errorText(e)}`, { cause: e });
    }
  }

  usage(exact = false): Promise<StoreUsage> {
    return this.guard('usage', () => {
      const pages = this.pragma('page_count');
      const free = this.pragma('freelist_count');
      const pageSize = this.pragma('page_size');
      // Three one-row lookups at the ends of B-trees (min and max in one SELECT would scan the table).
      const lo = this.db.prepare<{ s: number }>('SELECT seq AS s FROM audit_events ORDER BY seq LIMIT 1').get()?.s;
      const hi = this.db.prepare<{ s: number }>('SELECT seq AS s FROM audit_events ORDER BY seq DESC LIMIT 1').get()?.s;
      const oldest = this.db.prepare<{ t: string }>('SELECT time_text AS t FROM audit_events INDEXED BY audit_events_time ORDER BY time, seq LIMIT 1').get()?.t;
      const ends = { lo, hi, oldest };
      // The seq span is an upper bound (gaps where events were removed out of seq order), got
      // from the two ends of the rowid B-tree; count(*) reads a whole index, so only on request.
      const events = exact
        ? (this.db.prepare<{ n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n ?? 0)
        : ends.lo === undefined || ends.hi === undefined ? 0 : ends.hi - ends.lo + 1;
      return {
        bytes: (pages - free) * pageSize,
        fileBytes: pages * pageSize,
        events,
        ...(ends.oldest !== undefined ? { oldest: ends.oldest } : {}),
      };
    });
  }

  async removeOldest(request: { readonly beforeMs?: number; readonly limit: number; readonly keep?: (events: readonly AuditEvent[]) => Promise<void> }): Promise<number> {
    const where = request.beforeMs === undefined ? '1' : 'time < ?';
    const params = request.beforeMs === undefined ? [] : [request.beforeMs];
    const oldest = `FROM audit_events INDEXED BY audit_events_time WHERE ${where} ORDER BY time, seq LIMIT ?`;
    if (!request.keep) {
      const sql = `DELETE FROM audit_events WHERE seq IN (SELECT seq ${oldest})`;
      return this.write('delete', () => this.removing(() => Number(this.db.prepare(sql).run(...params, request.limit).changes)));
    }
    const rows = await this.guard('read', () => this.db.prepare<Row>(`SELECT ${SELECT_COLUMNS} ${oldest}`).all(...params, request.limit));
    if (rows.length === 0) return 0;
    await request.keep(rows.map((r) => rowToEvent(r, parseData(r.data))));
    const seqs = JSON.stringify(rows.map((r) => r.seq));
    await this.write('delete', () => this.removing(() => this.db.prepare('DELETE FROM audit_events WHERE seq IN (SELECT value FROM json_each(?))').run(seqs)));
    return rows.length;
  }

  /**
   * Runs a delete of events in one transaction with the matching delete from the attempt
   * ledger (sqliteLedger.ts): an attempt goes once all of its events are gone, i.e. when it
   * ended before the oldest event left. Reports count the ledger, so both shrink together.
   */
  private removing<T>(deleteEvents: () => T): T {
    return this.db.transaction(() => {
      const out = deleteEvents();
      if (this.ledger) {
        const left = this.db.prepare<{ t: number | null }>('SELECT min(time) AS t FROM audit_events').get()?.t ?? null;
        if (left === null) {
          this.db.exec(`DELETE FROM attempts; DELETE FROM attempt_pointers${this.totals ? '; DELETE FROM attempt_totals' : ''}`);
        } else {
          // The per-minute totals the report reads lose what the attempts lose (first_seen /
          // last_seen of a bucket are kept: they stay within its minute).
          if (this.totals) {
            this.db.prepare(SUBTRACT_TOTALS).run(left, left);
            this.db.prepare('DELETE FROM attempt_totals WHERE bucket_ms <= ? AND n <= 0').run(left);
          }
          // first_ms ≤ last_ms: the first_ms bound lets the attempts_first index find them.
          this.db.prepare('DELETE FROM attempts WHERE first_ms < ? AND last_ms < ?').run(left, left);
          this.db.prepare('DELETE FROM attempt_pointers WHERE at_ms < ?').run(left);
        }
      }
      return out;
    })();
  }

  async compact(request: { readonly maxBytes?: number; readonly full?: boolean }): Promise<void> {
    if (request.full) {
      // Takes effect with the VACUUM: an older file becomes incremental, so later prunes can give space back.
      this.db.exec('PRAGMA auto_vacuum = INCREMENTAL');
      await this.write('VACUUM', () => this.db.exec('VACUUM'));
      return;
    }
    if (request.maxBytes === undefined || this.pragma('auto_vacuum') !== 2) return;
    const pageSize = this.pragma('page_size');
    const over = this.pragma('page_count') * pageSize - request.maxBytes;
    const free = this.pragma('freelist_count');
    // In steps, as the deletes are: moving pages is synchronous work on the event loop.
    for (let left = Math.min(free, Math.ceil(over / pageSize)); left > 0; left -= VACUUM_STEP_PAGES) {
      const n = Math.min(left, VACUUM_STEP_PAGES);
      await this.write('incremental_vacuum', () => this.db.exec(`PRAGMA incremental_vacuum(${n})`));
      await nextTurn();
    }
  }

  async probe(): Promise<void> {
    await this.write('probe', () =>
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(new Date().toISOString()),
    );
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  private pragma(name: string): number {
    const row = this.db.prepare<Record<string, number>>(`PRAGMA ${name}`).get();
    return Number(row ? Object.values(row)[0] : 0);
  }

  private guard<T>(what: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(new AuditStoreError('read-failed', `SQLite audit store ${this.what}: ${what}: ${errorText(e)}`, { cause: e }));
    }
  }

  private async write<T>(what: string, fn: () => T): Promise<T> {
    try {
      return await retryWhileBusy(fn, BUSY_TIMEOUT_MS);
    } catch (e) {
      throw new AuditStoreError('write-failed', `SQLite audit store ${this.what}: ${what}: ${errorText(e)}`, { cause: e });
    }
  }
}
