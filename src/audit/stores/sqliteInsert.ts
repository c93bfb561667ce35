/**
 * The SQLite audit store's write path, shared by the commit thread (sqliteWriter.ts), the loop
 * writer and the inline mode (`:memory:`): a prepared single-row INSERT per row inside one
 * BEGIN IMMEDIATE transaction per batch, rather than multi-row VALUES (spreading the arguments
 * of many rows costs more than the calls it saves). An event already stored (same
 * computer, channel and EventRecordID: the same export imported again) is skipped by the unique
 * index; each newly stored event is filed into the attempt ledger in the same transaction.
 */
import type { AttemptPart } from '../assess/attempts.js';
import type { SqliteDatabase, SqlValue } from '../../sqlite/driver.js';
import { COLUMNS, type RowValues } from './row.js';
import { SqliteLedger } from './sqliteLedger.js';

/** What the commit thread needs to open its own connection to the store's file. */
export interface SqliteWriterConfig {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
  readonly engine: SqliteDatabase['engine'];
}

/** Rows to insert and, for each, its part in an attempt (null: the event records none). */
export interface RowBatch {
  readonly rows: readonly RowValues[];
  readonly parts: readonly (AttemptPart | null)[];
}

export type WriterRequest = ({ readonly id: number } & RowBatch) | { readonly id: number; readonly close: true };
export interface WriterReply {
  readonly id: number;
  readonly error?: string;
}

/** Commits a batch of rows atomically on `db` (the driver's transactions are BEGIN IMMEDIATE: the write lock up front). */
export function batchInserter(db: SqliteDatabase): (batch: RowBatch) => void {
  const insert = db.prepare(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
  const ledger = new SqliteLedger(db);
  const tx = db.transaction((b: RowBatch) => {
    const parts: AttemptPart[] = [];
    for (let i = 0; i < b.rows.length; i++) {
      const stored = Number(insert.run(...(b.rows[i] as unknown as SqlValue[])).changes) > 0;
      const part = b.parts[i];
      if (stored && part) parts.push(part);
    }
    ledger.file(parts);
  });
  return (b) => tx(b);
}
