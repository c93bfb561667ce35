/**
 * What every format reader shares: the import options, the running statistics and the
 * one rule for bad records (throw, or count and go on with `skipInvalid`).
 */
import type { AuditFormatName, AuditImportError } from './errors.js';
import type { ProgressCallback } from './source.js';

export interface EventViewerCsvOptions {
  /**
   * Field order of "Date and Time" (Event Viewer writes the exporting user's locale).
   * 'auto' (default): a 4-digit first part is year-month-day, `.` separators are
   * day.month.year, `/` is month/day/year unless the first part exceeds 12.
   */
  readonly dateOrder?: 'auto' | 'mdy' | 'dmy' | 'ymd';
  /** Offset of the exporting machine's local time from UTC, in minutes (default 0: the times are UTC). */
  readonly utcOffsetMinutes?: number;
  /** System/Computer of the imported events: the CSV has no such column (default ''). */
  readonly computer?: string;
}

export interface ImportOptions {
  /** Default 'auto': XML if the text starts with `<`, JSON Lines with `{`, else CSV by its header. */
  readonly format?: AuditFormatName | 'auto';
  /** Skip bad records and count them instead of failing on the first one. */
  readonly skipInvalid?: boolean;
  /** Called for each skipped record. */
  readonly onSkip?: (error: AuditImportError) => void;
  readonly onProgress?: ProgressCallback;
  /** Total input size for progress reports, when the source cannot tell (streams). */
  readonly totalBytes?: number;
  /** Largest record accepted, in characters of decoded text (default 1 MiB). */
  readonly maxRecordSize?: number;
  readonly eventViewer?: EventViewerCsvOptions;
}

export interface ImportStats {
  /** The format read (known once the input's start was seen). */
  readonly format: AuditFormatName | undefined;
  readonly events: number;
  readonly skipped: number;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
  /** The errors of the first skipped records (at most 100). */
  readonly errors: readonly AuditImportError[];
}

export type MutableStats = { -readonly [K in keyof ImportStats]: ImportStats[K] } & { errors: AuditImportError[] };

export const DEFAULT_MAX_RECORD_SIZE = 1 << 20;
const KEPT_ERRORS = 100;

export class ReadContext {
  readonly skipInvalid: boolean;
  readonly maxRecordSize: number;

  constructor(
    readonly options: ImportOptions,
    readonly stats: MutableStats,
  ) {
    this.skipInvalid = options.skipInvalid === true;
    this.maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  }

  /** A bad record: thrown, or with `skipInvalid` counted and reported. */
  reject(error: AuditImportError): void {
    if (!this.skipInvalid) throw error;
    this.stats.skipped++;
    if (this.stats.errors.length < KEPT_ERRORS) this.stats.errors.push(error);
    this.options.onSkip?.(error);
  }
}

/** A format reader: decoded text in, imported events out. */
export type FormatReader<E> = (text: AsyncIterable<string>, ctx: ReadContext) => AsyncGenerator<E, void, undefined>;
