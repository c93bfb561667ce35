/**
 * `ntlmgate audit import FILE…`: each file through the import pipeline (audit/import.ts)
 * into one store, with a progress line (events, rate, ETA) on stderr when it is a terminal
 * and one summary line per file on stdout.
 */
import { basename } from 'node:path';
import type { AuditFormatName } from '../../audit/formats/index.js';
import { AuditImportError } from '../../audit/formats/index.js';
import { importFileIntoStore } from '../../audit/import.js';
import type { OpenAuditStoreOptions } from '../../audit/openAuditStore.js';
import type { AuditSink } from '../../audit/sink.js';
import { CliError } from '../errors.js';
import { importProgress, type ProgressStream } from '../progress.js';

export const IMPORT_FORMATS = ['auto', 'xml', 'event-viewer-csv', 'csv', 'jsonl'] as const;

/**
 * How `audit import` opens its store: a SQLite store commits on its writer thread, so that
 * the inserts (and the attempt ledger filed with them) run on a second core while this
 * thread parses the next batch; and without an fsync per batch (synchronous=NORMAL: the WAL
 * is synced at checkpoints and on close). A killed import loses nothing it committed (the WAL
 * frames are written); only a power cut can lose its last batches, and running the import
 * again skips the Windows events already stored (by computer, channel and EventRecordID).
 */
export const IMPORT_STORE_OPTIONS: OpenAuditStoreOptions = { commitOn: 'thread', synchronous: 'normal' };

export interface ImportCommandOptions {
  readonly format: string;
  readonly skipInvalid?: boolean;
  /** The store's URL, for the summary lines. */
  readonly store: string;
  /** Where the progress line goes (default stderr, drawn only on a terminal). */
  readonly progressTo?: ProgressStream;
}

function formatOf(text: string): AuditFormatName | 'auto' {
  if (!(IMPORT_FORMATS as readonly string[]).includes(text)) throw new CliError(`--format must be one of ${IMPORT_FORMATS.join(', ')}`, 2);
  return text as AuditFormatName | 'auto';
}

/**
 * Imports the files in order, handing each one's summary line to `report` as it is done. A
 * bad record stops the import (what was committed before stays) with its file, line and code.
 */
export async function importFiles(store: AuditSink, files: readonly string[], options: ImportCommandOptions, report: (line: string) => void): Promise<void> {
  const format = formatOf(options.format);
  for (const file of files) {
    const bar = importProgress(basename(file), options.progressTo);
    let s;
    try {
      s = await importFileIntoStore(store, file, { format, skipInvalid: options.skipInvalid, onProgress: (p) => bar.update(p) });
    } catch (e) {
      if (e instanceof AuditImportError) throw new CliError(`${file}: ${e.message} [${e.code}]`);
      throw e;
    } finally {
      bar.finish();
    }
    const skipped = s.skipped > 0 ? `, skipped ${s.skipped} invalid records` : '';
    report(`${file}: imported ${s.events} events (${s.format ?? 'unknown format'})${skipped} into ${options.store}`);
  }
}
