/**
 * Importing an export file into an audit store, as `ntlmgate audit import` does: the file is
 * read and decoded in chunks, parsed one record at a time (formats/), gathered into batches,
 * and each batch is handed to the store while the next one is parsed. At most one batch is
 * being written while another fills, so memory stays bounded by two batches whatever the
 * file's size, and the store's commit (and its fsync) overlaps parsing instead of adding to it.
 */
import { stat } from 'node:fs/promises';
import type { AuditEvent } from '../events/event.js';
import { readAuditFile, type ImportOptions, type ImportStats } from './formats/index.js';
import type { AuditSink } from './sink.js';

/** Events per store write: one transaction each, large enough that commits cost little per event. */
export const DEFAULT_IMPORT_BATCH = 1000;

/** Where an import stands; `totalBytes` is the file's size. */
export interface ImportProgress {
  readonly events: number;
  readonly skipped: number;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
  /** Since the import began. */
  readonly elapsedMs: number;
}

export interface ImportIntoStoreOptions extends Omit<ImportOptions, 'onProgress' | 'totalBytes'> {
  /** Events per store write (default DEFAULT_IMPORT_BATCH). */
  readonly batchSize?: number;
  /** Called as the file is read (each chunk) and once at the end. */
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportSummary extends ImportStats {
  /** Wall-clock time of the whole import, store commits included. */
  readonly elapsedMs: number;
}

/**
 * Imports one file into `store`; resolves once every event is committed. Bad records throw
 * AuditImportError (or are counted with `skipInvalid`), store failures AuditStoreError, and
 * a file that cannot be read the file system's error; what was committed before stays.
 */
export async function importFileIntoStore(store: AuditSink, path: string, options: ImportIntoStoreOptions = {}): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_IMPORT_BATCH));
  const totalBytes = (await stat(path)).size;
  const { onProgress } = options;
  const reader = readAuditFile(path, {
    format: options.format,
    skipInvalid: options.skipInvalid,
    onSkip: options.onSkip,
    maxRecordSize: options.maxRecordSize,
    eventViewer: options.eventViewer,
    totalBytes,
    onProgress: onProgress && ((bytesRead) => onProgress(progressOf(reader.stats, bytesRead, started))),
  });
  let batch: AuditEvent[] = [];
  let writing: Promise<void> | undefined;
  const hand = async (events: AuditEvent[]): Promise<void> => {
    await writing; // one write in flight: the next batch fills meanwhile
    writing = store.write(events);
  };
  try {
    for await (const event of reader) {
      batch.push(event);
      if (batch.length >= batchSize) {
        await hand(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await hand(batch);
    await writing;
  } catch (e) {
    await writing?.catch(() => undefined); // settle it: the first failure is the one reported
    throw e;
  }
  const stats = reader.stats;
  onProgress?.(progressOf(stats, stats.bytesRead, started));
  return { ...stats, errors: [...stats.errors], elapsedMs: performance.now() - started };
}

function progressOf(stats: ImportStats, bytesRead: number, started: number): ImportProgress {
  return { events: stats.events, skipped: stats.skipped, bytesRead, totalBytes: stats.totalBytes, elapsedMs: performance.now() - started };
}
