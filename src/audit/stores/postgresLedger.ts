/**
 * The attempt ledger of the PostgreSQL audit store (assess/attempts.ts), kept in the same
 * transaction as the batch of events it is built from. Per batch, under an advisory lock (so
 * gateways sharing the database file their events one batch at a time): the rows the batch's
 * events may join are loaded (by attempt id; for Windows events, per correlation key from the
 * earliest place a pointer or the time window allows), the events are filed in memory, and
 * the changed rows and pointers are written back with one statement each.
 */
import type pg from 'pg';
import { LEDGER_LOCK } from '../../postgres/locks.js';
import { MemoryLedger, recordPart, type AttemptPart } from '../assess/attempts.js';
import { ATTEMPT_COLUMNS, fromDb, loadRanges, toDb, type AttemptDbRow } from './sqliteLedger.js';

export const POSTGRES_LEDGER_SCHEMA = `
CREATE TABLE attempts (
  id          bigint PRIMARY KEY,
  attempt_key text,
  corr        text     NOT NULL,
  kinds       text     NOT NULL,
  first_ms    bigint   NOT NULL,
  last_ms     bigint   NOT NULL,
  first_seen  text     NOT NULL,
  last_seen   text     NOT NULL,
  dir         integer  NOT NULL,
  user_name   text     NOT NULL,
  domain      text     NOT NULL,
  workstation text     NOT NULL,
  client      text     NOT NULL,
  server      text     NOT NULL,
  service     text     NOT NULL,
  version     text     NOT NULL,
  mic         integer,
  cb          integer,
  reason      text     NOT NULL,
  dc          text     NOT NULL,
  outcome     text     NOT NULL,
  failure     text,
  events      integer  NOT NULL
);
CREATE UNIQUE INDEX attempts_key ON attempts (attempt_key) WHERE attempt_key IS NOT NULL;
CREATE INDEX attempts_corr ON attempts (corr, first_ms, id) WHERE attempt_key IS NULL;
CREATE INDEX attempts_first ON attempts (first_ms);
CREATE TABLE attempt_pointers (
  corr      text   NOT NULL,
  user_name text   NOT NULL,
  kind      text   NOT NULL,
  at_ms     bigint NOT NULL,
  attempt   bigint NOT NULL,
  PRIMARY KEY (corr, user_name, kind)
);
`;


const TYPES = ['text', 'text', 'text', 'bigint', 'bigint', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int', 'int', 'text', 'text', 'text', 'text', 'int'] as const;
const UPSERT = `INSERT INTO attempts (id, ${ATTEMPT_COLUMNS.join(', ')}) SELECT * FROM unnest($1::bigint[], ${TYPES.map((t, i) => `$${i + 2}::${t}[]`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${ATTEMPT_COLUMNS.filter((c) => c !== 'attempt_key' && c !== 'corr').map((c) => `${c} = excluded.${c}`).join(', ')}`;
const UPSERT_POINTERS = `INSERT INTO attempt_pointers (corr, user_name, kind, at_ms, attempt) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
  ON CONFLICT (corr, user_name, kind) DO UPDATE SET at_ms = excluded.at_ms, attempt = excluded.attempt`;

/** Files the parts of the batch's newly stored events into the ledger, inside the caller's transaction. */
export async function fileAttempts(client: pg.PoolClient, parts: readonly AttemptPart[]): Promise<void> {
  if (parts.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
  const next = await client.query<{ n: string }>('SELECT coalesce(max(id), 0) + 1 AS n FROM attempts');
  const ledger = new MemoryLedger(Number(next.rows[0]?.n ?? 1));
  const keys = [...new Set(parts.filter((p) => p.attemptId !== undefined).map((p) => `id:${p.attemptId}`))];
  if (keys.length > 0) {
    const r = await client.query<AttemptDbRow>('SELECT * FROM attempts WHERE attempt_key IS NOT NULL AND attempt_key = ANY($1::text[])', [keys]);
    for (const row of r.rows) ledger.load(fromDb(row));
  }
  const windows = parts.filter((p) => p.attemptId === undefined);
  if (windows.length > 0) {
    const ptrKeys = [...new Set(windows.map((p) => JSON.stringify([p.corr, p.user.toUpperCase() || '*', p.kind])))].map((k) => JSON.parse(k) as [string, string, string]);
    const ptrs = await client.query<{ corr: string; user_name: string; kind: string; at_ms: string; attempt: string }>(
      'SELECT p.* FROM attempt_pointers p JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(corr, user_name, kind) USING (corr, user_name, kind)',
      [ptrKeys.map((k) => k[0]), ptrKeys.map((k) => k[1]), ptrKeys.map((k) => k[2])],
    );
    for (const p of ptrs.rows) ledger.loadPointer(p.corr, p.user_name, p.kind, { ms: Number(p.at_ms), id: Number(p.attempt) });
    const ranges = loadRanges(ledger, windows);
    const rows = await client.query<AttemptDbRow>(
      `SELECT DISTINCT a.* FROM attempts a JOIN unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS k(corr, lo_ms, lo_id, hi)
         ON a.corr = k.corr AND a.attempt_key IS NULL AND (a.first_ms, a.id) > (k.lo_ms, k.lo_id) AND a.first_ms <= k.hi`,
      [ranges.map((r) => r[0]), ranges.map((r) => Math.floor(r[1].ms)), ranges.map((r) => r[1].id), ranges.map((r) => Math.ceil(r[1].to))],
    );
    for (const row of rows.rows) ledger.load(fromDb(row));
  }
  for (const p of parts) recordPart(ledger, p);
  const changed = [...ledger.changed];
  if (changed.length > 0) {
    const cols: unknown[][] = [changed.map((r) => r.id), ...ATTEMPT_COLUMNS.map(() => [] as unknown[])];
    for (const r of changed) toDb(r).forEach((v, i) => (cols[i + 1] as unknown[]).push(v));
    await client.query(UPSERT, cols);
  }
  const ptrs = ledger.pointerEntries();
  if (ptrs.length > 0) {
    await client.query(UPSERT_POINTERS, [ptrs.map((p) => p[0]), ptrs.map((p) => p[1]), ptrs.map((p) => p[2]), ptrs.map((p) => p[3].ms), ptrs.map((p) => p[3].id)]);
  }
}
