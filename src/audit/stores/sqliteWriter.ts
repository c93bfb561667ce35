/**
 * The SQLite audit store's commit thread (a worker_threads worker, one per store; started by
 * sqliteCommitThread.ts — this file is only ever a worker's entry point). It owns the store's
 * write connection and runs each group-committed batch as one `BEGIN IMMEDIATE … COMMIT`
 * (with synchronous=FULL the COMMIT fsyncs the WAL), then acknowledges it. The main thread's
 * event loop therefore never waits for the disk; the writers of a batch still wait for the
 * acknowledgement before the responses that depend on it go out.
 *
 * Protocol (structured-clone messages on parentPort, see sqliteInsert.ts):
 *   main → worker  { id, rows, parts }  commit these rows (RowValues[]) and their attempt parts in one transaction
 *                  { id, close }    close the connection, then acknowledge
 *   worker → main  { id }           done (committed / closed)
 *                  { id, error }    the transaction was rolled back (or the open failed)
 *
 * The connection is opened by the first message, so an open failure is reported on the
 * commit that needed it (as write-failed) rather than as an uncaught error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite, type SqliteDatabase } from '../../sqlite/driver.js';
import { batchInserter, type RowBatch, type SqliteWriterConfig, type WriterReply, type WriterRequest } from './sqliteInsert.js';

/** Opens the write connection with the store's pragmas; the schema exists (the main thread migrated it). */
function openWriter(c: SqliteWriterConfig): { db: SqliteDatabase; commit: (batch: RowBatch) => void } {
  const db = openSqlite(c.path, { engine: c.engine });
  try {
    db.exec(`PRAGMA busy_timeout = ${c.busyTimeoutMs}`);
    db.exec(`PRAGMA synchronous = ${c.synchronous}`);
    return { db, commit: batchInserter(db) };
  } catch (e) {
    db.close();
    throw e;
  }
}

const port = parentPort;
if (port) {
  const config = workerData as SqliteWriterConfig;
  let writer: ReturnType<typeof openWriter> | undefined;
  port.on('message', (m: WriterRequest) => {
    try {
      if ('close' in m) {
        writer?.db.close();
        writer = undefined;
        port.postMessage({ id: m.id } satisfies WriterReply);
        port.close();
        return;
      }
      writer ??= openWriter(config);
      writer.commit(m);
      port.postMessage({ id: m.id } satisfies WriterReply);
    } catch (e) {
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies WriterReply);
    }
  });
}
