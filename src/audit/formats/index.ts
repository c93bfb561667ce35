/**
 * Audit event export and import: JSON Lines, our CSV and Windows event XML out; the same
 * three plus Event Viewer CSV in. Export is per event (header / record / footer strings),
 * import is streaming (`readAuditEvents` is an async iterable with live statistics).
 */
import { stat } from 'node:fs/promises';
import { openMaybeGzip } from '../archive.js';
import { csvHeader, readCsvEvents, toCsvRecord } from './csv.js';
import { AuditImportError, type AuditFormatName } from './errors.js';
import { readJsonLines, toJsonLine } from './jsonl.js';
import { ReadContext, type FormatReader, type ImportOptions, type ImportStats, type MutableStats } from './reader.js';
import type { PortableAuditEvent } from './shape.js';
import { decodeSource, sourceSize, type ImportSource } from './source.js';
import { readXmlEvents, toEventXml, xmlFooter, xmlHeader } from './xml.js';

export { AuditImportError, type AuditFormatName, type AuditImportErrorCode } from './errors.js';
export type { EventViewerCsvOptions, ImportOptions, ImportStats } from './reader.js';
export type { ImportSource, ProgressCallback } from './source.js';
export type { PortableAuditEvent, WindowsSystemFields } from './shape.js';
export { CSV_COLUMNS, CSV_DATA_COLUMNS, CSV_LEADING_COLUMNS, CSV_TRAILING_COLUMNS, csvHeader, toCsvRecord, type CsvExportOptions } from './csv.js';
export { toJsonLine } from './jsonl.js';
export { CONTEXT_NAMESPACE, EVENT_NAMESPACE, toEventXml, xmlFooter, xmlHeader, type XmlExportOptions } from './xml.js';
export { EVENT_LABELS, fieldForLabel, type LabelTable } from './labels.js';
export { dataFromMessage, parseEventViewerTime } from './eventViewerCsv.js';
export { formatSystemTime, parseSystemTime } from './systemTime.js';

// ---- export ----

export type ExportFormat = 'jsonl' | 'csv' | 'xml';

export interface ExportOptions {
  /** XML only: wrap in `<Events>` (default false, as wevtutil). */
  readonly wrap?: boolean;
  /** Default: LF for JSON Lines, CRLF for CSV and XML. */
  readonly lineEnding?: '\n' | '\r\n';
}

/** Writes one format: `header()` once, `encode()` per event (line ending included), `footer()` once. */
export interface EventEncoder {
  header(): string;
  encode(event: PortableAuditEvent): string;
  footer(): string;
}

export function createEncoder(format: ExportFormat, options: ExportOptions = {}): EventEncoder {
  switch (format) {
    case 'jsonl': {
      const eol = options.lineEnding ?? '\n';
      return { header: () => '', encode: (e) => `${toJsonLine(e)}${eol}`, footer: () => '' };
    }
    case 'csv':
      return { header: () => csvHeader(options), encode: (e) => toCsvRecord(e, options), footer: () => '' };
    case 'xml': {
      const eol = options.lineEnding ?? '\r\n';
      return { header: () => xmlHeader(options), encode: (e) => `${toEventXml(e)}${eol}`, footer: () => xmlFooter(options) };
    }
    default:
      throw new RangeError(`unknown export format ${JSON.stringify(format)}`);
  }
}

/**
 * Streams events out through `write` (awaited, so a stream's backpressure can be honoured);
 * returns the number of events written.
 */
export async function exportEvents(
  events: Iterable<PortableAuditEvent> | AsyncIterable<PortableAuditEvent>,
  format: ExportFormat,
  write: (chunk: string) => void | Promise<void>,
  options: ExportOptions = {},
): Promise<number> {
  const encoder = createEncoder(format, options);
  const header = encoder.header();
  if (header) await write(header);
  let n = 0;
  for await (const event of events) {
    await write(encoder.encode(event));
    n++;
  }
  const footer = encoder.footer();
  if (footer) await write(footer);
  return n;
}

// ---- import ----

export interface AuditEventReader extends AsyncIterable<PortableAuditEvent> {
  /** Live counters; final once iteration has ended. */
  readonly stats: ImportStats;
}

export interface ImportResult {
  readonly events: PortableAuditEvent[];
  readonly stats: ImportStats;
}

const READERS: Readonly<Record<AuditFormatName, FormatReader<PortableAuditEvent>>> = {
  xml: readXmlEvents,
  jsonl: readJsonLines,
  csv: readCsvEvents,
  'event-viewer-csv': readCsvEvents,
};

/** The text's first chunks, held back until its first non-blank character is known. */
async function sniff(text: AsyncIterator<string>): Promise<{ head: string; first: string | undefined }> {
  let head = '';
  for (;;) {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
    const m = /\S/.exec(head);
    if (m) return { head, first: m[0] };
  }
  return { head, first: undefined };
}

function detect(first: string): AuditFormatName {
  return first === '<' ? 'xml' : first === '{' ? 'jsonl' : 'csv';
}

function expected(format: AuditFormatName, first: string): boolean {
  const found = detect(first);
  return format === found || (found === 'csv' && format === 'event-viewer-csv');
}

async function* prepend(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (head) yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Reads audit events from XML (wevtutil / Event Viewer), JSON Lines, our CSV or Event
 * Viewer CSV. A string source is the text itself, not a path (see readAuditFile). Bad
 * records throw AuditImportError, or with `skipInvalid` are counted in `stats.skipped`;
 * a DOCTYPE or an unrecognisable input always throws.
 */
export function readAuditEvents(source: ImportSource, options: ImportOptions = {}): AuditEventReader {
  const stats: MutableStats = {
    format: undefined,
    events: 0,
    skipped: 0,
    bytesRead: 0,
    totalBytes: options.totalBytes ?? sourceSize(source),
    errors: [],
  };
  const ctx = new ReadContext(options, stats);
  const onBytes = (n: number): void => {
    stats.bytesRead += n;
    options.onProgress?.(stats.bytesRead, stats.totalBytes);
  };
  async function* run(): AsyncGenerator<PortableAuditEvent> {
    const text = decodeSource(source, onBytes)[Symbol.asyncIterator]();
    try {
      const { head, first } = await sniff(text);
      if (first === undefined) return; // empty or blank input: no events
      const forced = options.format ?? 'auto';
      if (forced !== 'auto' && !expected(forced, first)) {
        throw new AuditImportError('UNKNOWN_FORMAT', `the input does not look like ${forced}`, { format: forced, line: 1, offset: 0 });
      }
      const format = forced === 'auto' ? detect(first) : forced;
      stats.format = format;
      for await (const event of READERS[format](prepend(head, text), ctx)) {
        stats.events++;
        yield event;
      }
    } finally {
      await text.return?.();
    }
  }
  return { stats, [Symbol.asyncIterator]: () => run() };
}

/** Reads a file (gunzipped when it is gzip), with its size as the progress total. */
export function readAuditFile(path: string, options: ImportOptions = {}): AuditEventReader {
  let inner: AuditEventReader | undefined;
  const pending: ImportStats = { format: undefined, events: 0, skipped: 0, bytesRead: 0, totalBytes: options.totalBytes, errors: [] };
  return {
    get stats(): ImportStats {
      return inner?.stats ?? pending;
    },
    async *[Symbol.asyncIterator]() {
      const size = options.totalBytes ?? (await stat(path)).size;
      // Retention's archives are gzip'd JSON Lines: read through gunzip (the total is then unknown).
      const { stream, gzip } = await openMaybeGzip(path);
      inner = readAuditEvents(stream, { ...options, totalBytes: gzip ? undefined : size });
      yield* inner;
    },
  };
}

async function collect(reader: AuditEventReader): Promise<ImportResult> {
  const events: PortableAuditEvent[] = [];
  for await (const e of reader) events.push(e);
  return { events, stats: reader.stats };
}

/** All events of a source in memory (small inputs, tests); see readAuditEvents. */
export function importAuditEvents(source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  return collect(readAuditEvents(source, options));
}

/** All events of a file in memory; see readAuditEvents. */
export function importAuditFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  return collect(readAuditFile(path, options));
}
