/**
 * Retention for the PostgreSQL audit store (../retention.ts), on a pool of one connection.
 *
 * Size: PostgreSQL does not hand the space of deleted rows back to the file system (plain
 * VACUUM marks it reusable; only VACUUM FULL, which locks the table, shrinks it), so the
 * table's size on disk cannot tell how much the events take. The cap is compared with an
 * estimate of the live events instead: the number of events × the mean size of the newest
 * 1,000 rows (pg_column_size, plus the 4-byte line pointer) × the ratio of the table's total
 * size (indexes and TOAST included) to its heap. After a prune the table is VACUUMed, so new
 * events reuse the freed space and the table stops growing near the cap.
 *
 * Deletes run in chunks, each `DELETE … WHERE seq IN (SELECT … ORDER BY time, seq LIMIT n
 * FOR UPDATE SKIP LOCKED) RETURNING …` in a transaction that commits only after the archive
 * (if any) holds the rows: two gateways pruning at once take different rows.
 */
import type pg from 'pg';
import { describePostgresUrl, openPool } from '../../postgres/pool.js';
import type { AuditEvent } from '../../events/event.js';
import type { RetentionTarget, StoreUsage } from '../retention.js';
import { AuditStoreError } from '../sink.js';
import { errorText } from './groupCommit.js';
import { orderData } from './postgres.js';
import { LEDGER_LOCK } from '../../postgres/locks.js';
import { COLUMNS, rowToEvent, type SelectedRow } from './row.js';

const RETURNING = ['seq', 'time', ...COLUMNS.filter((c) => c !== 'time'), 'data_keys'].join(', ');

interface Row extends SelectedRow {
  readonly seq: string;
  readonly time: Date;
  readonly data: Record<string, string>;
  readonly data_keys: string[] | null;
}

export class PostgresRetention implements RetentionTarget {
  readonly what: string;
  private removedSinceVacuum = 0;

  private constructor(
    private readonly pool: pg.Pool,
    where: string,
    /** The store has the attempt ledger (postgresLedger.ts). */
    private readonly ledger: boolean,
  ) {
    this.what = where;
  }

  static async open(url: string): Promise<PostgresRetention> {
    const where = describePostgresUrl(url);
    const pool = openPool(url, { applicationName: 'ntlmgate-audit-retention', maxConnections: 1 });
    try {
      const r = await pool.query<{ t: string | null; a: string | null }>("SELECT to_regclass('audit_events')::text AS t, to_regclass('attempts')::text AS a");
      if (r.rows[0]?.t == null) throw new Error('no audit_events table (not an ntlmgate audit store)');
      return new PostgresRetention(pool, where, r.rows[0]?.a != null);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new AuditStoreError('open-failed', `cannot open PostgreSQL audit store ${where} for retention: ${errorText(e)}`, { cause: e });
    }
  }

  async usage(): Promise<StoreUsage> {
    const r = await this.query<{ events: string; total: string; heap: string; row_bytes: number | null; oldest: string | null }>(
      'usage',
      `SELECT (SELECT count(*) FROM audit_events) AS events,
              pg_total_relation_size('audit_events') AS total,
              pg_relation_size('audit_events') AS heap,
              (SELECT avg(pg_column_size(t.*)) FROM (SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1000) t)::float8 AS row_bytes,
              (SELECT time_text FROM audit_events ORDER BY time, seq LIMIT 1) AS oldest`,
    );
    const row = r.rows[0];
    const events = Number(row?.events ?? 0);
    const total = Number(row?.total ?? 0);
    const heap = Number(row?.heap ?? 0);
    const perRow = (row?.row_bytes ?? 0) + 4;
    const bytes = events === 0 ? 0 : Math.round(events * perRow * (heap > 0 ? total / heap : 1));
    return { bytes, fileBytes: total, events, ...(row?.oldest ? { oldest: row.oldest } : {}) };
  }

  async removeOldest(request: { readonly beforeMs?: number; readonly limit: number; readonly keep?: (events: readonly AuditEvent[]) => Promise<void> }): Promise<number> {
    const params: unknown[] = request.beforeMs === undefined ? [request.limit] : [request.limit, new Date(request.beforeMs).toISOString()];
    const where = request.beforeMs === undefined ? 'true' : 'time < $2::timestamptz';
    const sql = `DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE ${where} ORDER BY time, seq LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING ${request.keep ? RETURNING : 'seq'}`;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new AuditStoreError('unreachable', `PostgreSQL audit store ${this.what}: ${errorText(e)}`, { cause: e });
    }
    try {
      await client.query('BEGIN');
      const r = await client.query<Row>(sql, params);
      if (request.keep && r.rows.length > 0) {
        const rows = [...r.rows].sort((a, b) => a.time.getTime() - b.time.getTime() || Number(BigInt(a.seq) - BigInt(b.seq)));
        await request.keep(rows.map((x) => rowToEvent(x, orderData(x.event_id, x.data, x.data_keys))));
      }
      if (this.ledger && r.rows.length > 0) await dropEndedAttempts(client);
      await client.query('COMMIT');
      this.removedSinceVacuum += r.rows.length;
      client.release();
      return r.rows.length;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      if (e instanceof AuditStoreError) throw e;
      throw new AuditStoreError('write-failed', `PostgreSQL audit store ${this.what}: delete: ${errorText(e)}`, { cause: e });
    }
  }

  async compact(request: { readonly maxBytes?: number; readonly full?: boolean }): Promise<void> {
    if (request.full) {
      await this.query('VACUUM FULL', 'VACUUM FULL audit_events');
      this.removedSinceVacuum = 0;
      return;
    }
    if (this.removedSinceVacuum === 0) return;
    // Makes the freed space reusable now rather than when autovacuum comes by; a role that
    // may not VACUUM the table leaves that to autovacuum.
    await this.pool.query('VACUUM audit_events').catch(() => undefined);
    this.removedSinceVacuum = 0;
  }

  async probe(): Promise<void> {
    await this.query('probe', "INSERT INTO meta (key, value) VALUES ('write_probe', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [new Date().toISOString()]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw new AuditStoreError('write-failed', `PostgreSQL audit store ${this.what}: ${what}: ${errorText(e)}`, { cause: e });
    }
  }
}

/**
 * In the transaction that deleted events, under the ledger's lock: the attempts that ended
 * before the oldest event left (all of their events are gone) go too, so the reports, which
 * count the ledger, shrink with the events.
 */
async function dropEndedAttempts(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
  const r = await client.query<{ t: string | null }>('SELECT (extract(epoch FROM min(time)) * 1000)::bigint AS t FROM audit_events');
  const left = r.rows[0]?.t ?? null;
  if (left === null) {
    await client.query('DELETE FROM attempts');
    await client.query('DELETE FROM attempt_pointers');
    return;
  }
  await client.query('DELETE FROM attempts WHERE first_ms < $1 AND last_ms < $1', [left]);
  await client.query('DELETE FROM attempt_pointers WHERE at_ms < $1', [left]);
}
