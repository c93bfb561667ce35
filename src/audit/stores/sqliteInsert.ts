/**
 * The SQLite audit store's write path, shared by the commit thread (sqliteWriter.ts) and the
 * inline mode (`:memory:`): a prepared single-row INSERT per row inside one BEGIN IMMEDIATE
 * transaction per batch. (Measured faster here than multi-row VALUES: 4.2 vs 5.3–6.5 µs/row
 * for 4–64 rows per statement; spreading 18×n arguments costs more than the calls it saves.)
 */
import type { SqliteDatabase, SqlValue } from '../../sqlite/driver.js';
import { COLUMNS, type RowValues } from './row.js';

/** What the commit thread needs to open its own connection to the store's file. */
export interface SqliteWriterConfig {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
  readonly engine: SqliteDatabase['engine'];
}

export type WriterRequest = { readonly id: number; readonly rows: readonly RowValues[] } | { readonly id: number; readonly close: true };
export interface WriterReply {
  readonly id: number;
  readonly error?: string;
}

/** Commits a batch of rows atomically on `db` (the driver's transactions are BEGIN IMMEDIATE: the write lock up front). */
export function batchInserter(db: SqliteDatabase): (rows: readonly RowValues[]) => void {
  const insert = db.prepare(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const tx = db.transaction((rows: readonly RowValues[]) => {
    for (const r of rows) insert.run(...(r as unknown as SqlValue[]));
  });
  return (rows) => tx(rows);
}
