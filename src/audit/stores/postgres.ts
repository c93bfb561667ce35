/**
 * PostgreSQL store, for several gateways sharing one audit log. Same logical schema as
 * SQLite (row.ts), with `time` as timestamptz and `data` as jsonb.
 *
 * Writes: each batch is `BEGIN; INSERT … SELECT FROM unnest($1::timestamptz[], …); COMMIT`
 * on a pooled connection — one multi-row statement with 18 array parameters whatever the
 * batch size (no 65,535-parameter limit, one cached plan) — and write() resolves when COMMIT
 * is acknowledged. With synchronous_commit on (forced for our transactions if the server
 * default is off) the commit is flushed to the server's WAL before that acknowledgement.
 *
 * Reconnects: the pool drops connections that fail and opens new ones; a batch whose
 * connection fails *before* COMMIT was sent is retried on a fresh connection (the server
 * rolled it back, so nothing is duplicated). A failure at COMMIT is ambiguous and is
 * reported, never retried.
 *
 * Reads: a server-side cursor inside a REPEATABLE READ READ ONLY transaction, fetched in
 * chunks — one consistent snapshot, constant memory.
 *
 * jsonb normalises key order, so the order of the Data names is kept apart: `data_keys` is
 * NULL when the names are exactly the catalogue template in order (buildEvent's output and
 * Windows' own events, the usual case), otherwise a JSON array of the names in order.
 */
import type pg from 'pg';
import { describePostgresUrl, isConnectionError, openPool } from '../../postgres/pool.js';
import { MIGRATION_LOCK } from '../../postgres/locks.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventDefinition } from '../../events/catalogue.js';
import type { AuditEvent } from '../../events/event.js';
import type { AuditFilter, AuditStore } from '../query.js';
import { AuditStoreError, type BatchOptions } from '../sink.js';
import { BatchedAuditStore } from './batchedStore.js';
import { GroupCommit, errorText } from './groupCommit.js';
import { COLUMNS, eventToRow, rowToEvent, type SelectedRow } from './row.js';
import { normalizeFilter, type NormalFilter } from './validate.js';
import { attemptPart, type AttemptPart } from '../assess/attempts.js';
import { groupFromSql, groupSql, type AttemptGroup, type AttemptQuery } from '../assess/groups.js';
import { fileAttempts, POSTGRES_LEDGER_SCHEMA } from './postgresLedger.js';

/** The attempt parts of the events the INSERT stored (events without a record id always are). */
function newParts(events: readonly AuditEvent[], times: readonly number[], stored: readonly { computer: string; channel: string; record_id: string | null }[]): AttemptPart[] {
  const kept = new Set(stored.filter((r) => r.record_id !== null).map((r) => `${r.computer}\0${r.channel}\0${r.record_id}`));
  const out: AttemptPart[] = [];
  events.forEach((e, i) => {
    if (e.recordId !== undefined && !kept.delete(`${e.computer}\0${e.channel}\0${e.recordId}`)) return;
    const p = attemptPart(e, times[i] ?? 0);
    if (p) out.push(p);
  });
  return out;
}

export const POSTGRES_SCHEMA_VERSION = 2;

export interface PostgresAuditStoreOptions extends BatchOptions {
  /** Pool size (default 4: one batch commits at a time, the rest serve queries). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Refuse (not-found) a database without our schema instead of creating it (readers). */
  readonly mustExist?: boolean;
}

/** One Windows event is stored once, however often its export is imported (EventRecordID is per computer and channel). */
const RECORD_INDEX = 'CREATE UNIQUE INDEX audit_events_record ON audit_events (computer, channel, record_id) WHERE record_id IS NOT NULL;';

const SCHEMA = `
CREATE TABLE audit_events (
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time         timestamptz NOT NULL,
  time_text    text        NOT NULL,
  event_id     integer     NOT NULL,
  provider     text        NOT NULL,
  channel      text        NOT NULL,
  level        integer     NOT NULL,
  task         integer     NOT NULL,
  computer     text        NOT NULL,
  record_id    bigint,
  source       text        NOT NULL,
  service      text,
  client_ip    text,
  request_id   text,
  decision     text,
  setting      text,
  reason       text,
  ntlm_version text,
  attempt_id   text,
  refusal      text,
  status       text,
  data         jsonb       NOT NULL,
  data_keys    jsonb       -- Data names in order, when not exactly the template's (see above)
);
CREATE INDEX audit_events_time ON audit_events (time, seq);
CREATE INDEX audit_events_event_id ON audit_events (event_id, time);
${RECORD_INDEX}
${POSTGRES_LEDGER_SCHEMA}`;

/** Array types of the unnest() parameters, in COLUMNS order. */
const ARRAY_TYPES = [
  'timestamptz', 'text', 'int', 'text', 'text', 'int', 'int', 'text', 'bigint',
  'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'jsonb', 'jsonb',
] as const;
const INSERT = {
  name: 'ntlmgate-audit-insert',
  // An event already stored (same computer, channel, EventRecordID) is skipped; the ones stored come back.
  text: `INSERT INTO audit_events (${COLUMNS.join(', ')}, data_keys) SELECT * FROM unnest(${ARRAY_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
    ON CONFLICT DO NOTHING RETURNING computer, channel, record_id`,
};
const SELECT_COLUMNS = [...COLUMNS.filter((c) => c !== 'time'), 'data_keys'].join(', ');
const FETCH = 1000;


interface Row extends SelectedRow {
  readonly data: Record<string, string>;
  readonly data_keys: string[] | null;
}

/** The names to keep beside the jsonb, as JSON; null when they are exactly the template in order. */
function dataKeys(eventId: number, data: Readonly<Record<string, string>>): string | null {
  const keys = Object.keys(data);
  const fields = eventDefinition(eventId)?.fields;
  if (fields && keys.length === fields.length && keys.every((k, i) => k === fields[i])) return null;
  return JSON.stringify(keys);
}

/** The Data names back in their written order (used by retention's archive too). */
export function orderData(eventId: number, data: Record<string, string>, keys: readonly string[] | null): Record<string, string> {
  const order = keys ?? eventDefinition(eventId)?.fields ?? [];
  const out: Record<string, string> = {};
  for (const k of order) if (k in data) out[k] = data[k] ?? '';
  for (const [k, v] of Object.entries(data)) if (!(k in out)) out[k] = v; // only if data_keys was edited by hand
  return out;
}

function whereOf(f: NormalFilter): { sql: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown): void => {
    params.push(value);
    terms.push(sql(params.length));
  };
  if (f.sinceMs !== undefined) add((n) => `time >= $${n}::timestamptz`, new Date(f.sinceMs).toISOString());
  if (f.untilMs !== undefined) add((n) => `time < $${n}::timestamptz`, new Date(f.untilMs).toISOString());
  if (f.eventIds !== undefined) add((n) => `event_id = ANY($${n}::int[])`, f.eventIds);
  return { sql: terms.length ? terms.join(' AND ') : 'true', params };
}

export class PostgresAuditStore extends BatchedAuditStore implements AuditStore {
  protected readonly batcher: GroupCommit;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    /** The server default is synchronous_commit=off: turn it on for our transactions. */
    private readonly forceSyncCommit: boolean,
    options: BatchOptions,
  ) {
    super();
    this.batcher = new GroupCommit((events, times) => this.insert(events, times), options, `PostgreSQL audit store ${where}`);
  }

  static async open(url: string, options: PostgresAuditStoreOptions = {}): Promise<PostgresAuditStore> {
    const where = describePostgresUrl(url);
    const pool = openPool(url, { applicationName: 'ntlmgate-audit', ...options });
    try {
      const client = await connect(pool, where);
      try {
        await migrate(client, where, options.mustExist);
        const sync = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
        return new PostgresAuditStore(pool, where, sync.rows[0]?.synchronous_commit === 'off', options);
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof AuditStoreError) throw e;
      throw new AuditStoreError('open-failed', `cannot open PostgreSQL audit store ${where}: ${errorText(e)}`, { cause: e });
    }
  }

  private async insert(events: readonly AuditEvent[], times: readonly number[]): Promise<void> {
    const columns: unknown[][] = ARRAY_TYPES.map(() => new Array<unknown>(events.length));
    events.forEach((e, i) => {
      const row = eventToRow(e, times[i] ?? 0);
      for (let c = 0; c < row.length; c++) (columns[c] as unknown[])[i] = row[c];
      (columns[0] as unknown[])[i] = new Date(times[i] ?? 0).toISOString();
      (columns[COLUMNS.length] as unknown[])[i] = dataKeys(e.eventId, e.data);
    });
    for (let attempt = 1; ; attempt++) {
      const client = await connect(this.pool, this.where);
      let committing = false;
      try {
        await client.query('BEGIN');
        if (this.forceSyncCommit) await client.query('SET LOCAL synchronous_commit = on');
        const stored = await client.query<{ computer: string; channel: string; record_id: string | null }>({ ...INSERT, values: columns });
        await fileAttempts(client, newParts(events, times, stored.rows));
        committing = true;
        await client.query('COMMIT');
        client.release();
        return;
      } catch (e) {
        const broken = isConnectionError(e);
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        client.release(broken ? (e as Error) : undefined);
        if (broken && !committing && attempt < 3) continue; // rolled back by the server: safe to retry
        throw new AuditStoreError(
          'write-failed',
          `PostgreSQL audit store ${this.where}: ${committing ? 'COMMIT failed, the batch may or may not be stored' : 'insert failed'}: ${errorText(e)}`,
          { cause: e },
        );
      }
    }
  }

  protected async release(): Promise<void> {
    await this.pool.end();
  }

  async *query(filter?: AuditFilter): AsyncGenerator<AuditEvent> {
    this.assertOpen();
    const f = normalizeFilter(filter);
    const clause = whereOf(f);
    const limit = f.limit === undefined ? '' : ` LIMIT ${f.limit}`;
    const client = await connect(this.pool, this.where);
    let failure: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(
        `DECLARE ntlmgate_audit NO SCROLL CURSOR FOR SELECT ${SELECT_COLUMNS} FROM audit_events WHERE ${clause.sql} ORDER BY time, seq${limit}`,
        clause.params,
      );
      for (;;) {
        const { rows } = await client.query<Row>(`FETCH ${FETCH} FROM ntlmgate_audit`);
        for (const r of rows) yield rowToEvent(r, orderData(r.event_id, r.data, r.data_keys));
        if (rows.length < FETCH) break;
      }
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
      throw e instanceof AuditStoreError ? e : new AuditStoreError('read-failed', `PostgreSQL audit store ${this.where}: ${errorText(e)}`, { cause: e });
    } finally {
      // Also reached when the consumer stops early (break): end the snapshot, free the cursor.
      if (failure && isConnectionError(failure)) client.release(failure);
      else await client.query('ROLLBACK').then(() => client.release(), (e: Error) => client.release(e));
    }
  }

  async count(filter?: AuditFilter): Promise<number> {
    this.assertOpen();
    const f = normalizeFilter(filter);
    const clause = whereOf(f);
    try {
      const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE ${clause.sql}`, clause.params);
      return Math.min(Number(r.rows[0]?.n ?? 0), f.limit ?? Infinity);
    } catch (e) {
      throw new AuditStoreError(isConnectionError(e) ? 'unreachable' : 'read-failed', `PostgreSQL audit store ${this.where}: ${errorText(e)}`, { cause: e });
    }
  }

  /** Attempts grouped and counted by PostgreSQL (assess/groups.ts). */
  async attemptGroups(q: AttemptQuery): Promise<AttemptGroup[]> {
    this.assertOpen();
    const { sql, params } = groupSql(q, (n) => `$${n}::bigint`);
    try {
      const r = await this.pool.query<Record<string, unknown>>(sql, params);
      return r.rows.map((row) => groupFromSql(row, q.by.length));
    } catch (e) {
      throw new AuditStoreError(isConnectionError(e) ? 'unreachable' : 'read-failed', `PostgreSQL audit store ${this.where}: ${errorText(e)}`, { cause: e });
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new AuditStoreError('closed', `PostgreSQL audit store ${this.where} is closed`);
  }
}

/**
 * A pooled connection. A server that cannot be reached gets a few quick retries, then
 * `unreachable`; a server that refuses us (authentication, unknown database) is `open-failed`.
 */
async function connect(pool: pg.Pool, where: string): Promise<pg.PoolClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pool.connect();
    } catch (e) {
      if (!isConnectionError(e)) throw new AuditStoreError('open-failed', `cannot connect to PostgreSQL audit server ${where}: ${errorText(e)}`, { cause: e });
      if (attempt >= 3) {
        throw new AuditStoreError('unreachable', `PostgreSQL audit server ${where} is unreachable: ${errorText(e)} (is it running, and is the URL right?)`, {
          cause: e,
        });
      }
      await sleep(100 * attempt);
    }
  }
}

/** Creates the schema on first open (under an advisory lock); refuses a newer schema. */
async function migrate(client: pg.PoolClient, where: string, mustExist = false): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (mustExist && (await client.query<{ t: string | null }>("SELECT to_regclass('meta')::text AS t")).rows[0]?.t == null) {
      throw new AuditStoreError('not-found', `there is no audit store in ${where} (no ntlmgate audit schema)`);
    }
    await client.query('CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)');
    const r = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
    const version = r.rows[0]?.value;
    if (version === undefined && mustExist) throw new AuditStoreError('not-found', `there is no audit store in ${where} (no ntlmgate audit schema)`);
    if (version === '1') {
      await upgradeFromV1(client);
    } else if (version === undefined) {
      await client.query(SCHEMA);
      await client.query("INSERT INTO meta (key, value) VALUES ('schema_version', $1)", [String(POSTGRES_SCHEMA_VERSION)]);
    } else if (version !== String(POSTGRES_SCHEMA_VERSION)) {
      throw new AuditStoreError(
        'schema-version',
        `${where} has audit schema version ${version}; this ntlmgate reads version ${POSTGRES_SCHEMA_VERSION} (upgrade ntlmgate, or use another database)`,
      );
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Version 1 had no attempt columns, ledger or record-id index (see the SQLite store's upgradeFromV1). */
async function upgradeFromV1(client: pg.PoolClient): Promise<void> {
  await client.query('ALTER TABLE audit_events ADD COLUMN attempt_id text, ADD COLUMN refusal text, ADD COLUMN status text');
  await client.query(
    'DELETE FROM audit_events a USING audit_events b WHERE a.record_id IS NOT NULL AND a.computer = b.computer AND a.channel = b.channel AND a.record_id = b.record_id AND a.seq > b.seq',
  );
  await client.query(RECORD_INDEX);
  await client.query(POSTGRES_LEDGER_SCHEMA);
  for (let after = 0; ; ) {
    const { rows } = await client.query<Row & { seq: string; ms: string }>(
      `SELECT seq, (extract(epoch FROM time) * 1000)::bigint AS ms, ${SELECT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT ${FETCH}`,
      [after],
    );
    const parts: AttemptPart[] = [];
    for (const r of rows) {
      const p = attemptPart(rowToEvent(r, orderData(r.event_id, r.data, r.data_keys)), Number(r.ms));
      if (p) parts.push(p);
    }
    await fileAttempts(client, parts);
    const last = rows[rows.length - 1];
    if (!last || rows.length < FETCH) break;
    after = Number(last.seq);
  }
  await client.query("UPDATE meta SET value = $1 WHERE key = 'schema_version'", [String(POSTGRES_SCHEMA_VERSION)]);
}
