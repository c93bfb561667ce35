/**
 * Our CSV (RFC 4180, CRLF): a header written before any event is seen, so it streams.
 *
 *   time, eventId, level, provider, computer, recordId,
 *   service, clientIp, requestId, decision, setting, reason,   ← fixed leading columns
 *   <one column per Data name of the catalogue, in catalogue order>,
 *   task, channel, ntlmVersion, windows, extraData
 *
 * `extraData` (JSON, last) holds what the fixed columns cannot say: Data names outside
 * the catalogue union, empty values of names outside the event's own template (an empty
 * cell there reads as "absent"), and `null` for template names the event lacks. `windows`
 * (JSON) holds an imported event's extra System fields. Cells starting with = + - @ TAB
 * CR or ' get a leading ' (spreadsheet formula injection; user and host names come from
 * the wire); import removes exactly one leading '. Readers match columns by header name.
 *
 * The reader also recognises Event Viewer's CSV by its header and hands those rows to
 * eventViewerCsv.ts.
 */
import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { CHANNEL, EVENTS } from '../../events/catalogue.js';
import { AuditImportError, asImportError } from './errors.js';
import { eventFromEventViewerRow, isEventViewerHeader } from './eventViewerCsv.js';
import type { FormatReader, ReadContext } from './reader.js';
import {
  CONTEXT_KEYS, assertExportable, checkTime, checkWindowsFields, importedContext, parseUint, setOwn,
  significantWindowsFields, type ContextKey, type PortableAuditEvent,
} from './shape.js';
import { normalizeTime } from './systemTime.js';

export const CSV_LEADING_COLUMNS = [
  'time', 'eventId', 'level', 'provider', 'computer', 'recordId', 'service', 'clientIp', 'requestId', 'decision', 'setting', 'reason',
] as const;

/** Every Data name of the catalogue's NTLM events, first occurrence order (a Security 4624/4625's own names go to extraData). */
export const CSV_DATA_COLUMNS: readonly string[] = [...new Set([...EVENTS.values()].filter((d) => d.channel === undefined).flatMap((d) => d.fields))];

export const CSV_TRAILING_COLUMNS = ['task', 'channel', 'ntlmVersion', 'windows', 'extraData'] as const;

export const CSV_COLUMNS: readonly string[] = [...CSV_LEADING_COLUMNS, ...CSV_DATA_COLUMNS, ...CSV_TRAILING_COLUMNS];

const LEADING_CONTEXT: readonly ContextKey[] = ['service', 'clientIp', 'requestId', 'decision', 'setting', 'reason'];
const FIXED: ReadonlySet<string> = new Set([...CSV_LEADING_COLUMNS, ...CSV_TRAILING_COLUMNS]);
const DATA_COLUMNS: ReadonlySet<string> = new Set(CSV_DATA_COLUMNS);

export interface CsvExportOptions {
  /** Default CRLF (RFC 4180). */
  readonly lineEnding?: '\n' | '\r\n';
}

// ---- export ----

function guard(cell: string): string {
  return /^[=+\-@\t\r']/.test(cell) ? `'${cell}` : cell;
}

function unguard(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

function record(cells: readonly string[], options: CsvExportOptions): string {
  return stringify([cells.map(guard)], { record_delimiter: options.lineEnding ?? '\r\n', eof: true });
}

export function csvHeader(options: CsvExportOptions = {}): string {
  return record(CSV_COLUMNS, options);
}

function templateOf(eventId: number): ReadonlySet<string> {
  return new Set(EVENTS.get(eventId)?.fields ?? []);
}

/** One event as a CSV record, line ending included. */
export function toCsvRecord(e: PortableAuditEvent, options: CsvExportOptions = {}): string {
  assertExportable(e);
  const template = templateOf(e.eventId);
  const has = (k: string): boolean => Object.hasOwn(e.data, k);
  const extra: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(e.data)) {
    if (!DATA_COLUMNS.has(k) || (v === '' && !template.has(k))) setOwn(extra, k, v);
  }
  for (const k of template) if (!has(k)) extra[k] = null;
  const windows = e.windows === undefined ? undefined : significantWindowsFields(e.windows, e.provider);
  const cells = [
    normalizeTime(e.time) ?? e.time,
    String(e.eventId),
    String(e.level),
    e.provider,
    e.computer,
    e.recordId === undefined ? '' : String(e.recordId),
    ...LEADING_CONTEXT.map((k) => e.context[k] ?? ''),
    ...CSV_DATA_COLUMNS.map((k) => (has(k) ? (e.data[k] ?? '') : '')),
    String(e.task),
    e.channel,
    e.context.ntlmVersion ?? '',
    windows === undefined ? '' : JSON.stringify(windows),
    Object.keys(extra).length === 0 ? '' : JSON.stringify(extra),
  ];
  return record(cells, options);
}

// ---- import ----

interface Row {
  readonly record: string[];
  readonly info: { readonly lines: number; readonly bytes: number };
}

function csvError(err: CsvError | Error | undefined, line: number | undefined, offset: number | undefined): AuditImportError {
  const e = err as (CsvError & { lines?: number }) | undefined;
  return new AuditImportError('CSV_MALFORMED', e?.message ?? 'bad CSV record', { format: 'csv', line: e?.lines ?? line, offset, cause: err });
}

function cellsToEvent(header: readonly string[], cells: readonly string[]): PortableAuditEvent {
  if (cells.length !== header.length) throw new AuditImportError('CSV_MALFORMED', `expected ${header.length} cells, got ${cells.length}`);
  const row = new Map<string, string>();
  header.forEach((name, i) => row.set(name, unguard(cells[i] ?? '')));
  const cell = (name: string): string => row.get(name) ?? '';

  const eventId = parseUint(cell('eventId'), 'eventId', 0xffff);
  const def = EVENTS.get(eventId);
  const number = (name: string, max: number, fallback: number): number => (cell(name) === '' ? fallback : parseUint(cell(name), name, max));

  const data: Record<string, string> = {};
  for (const f of def?.fields ?? []) if (row.has(f)) setOwn(data, f, cell(f));
  for (const name of header) {
    if (FIXED.has(name) || Object.hasOwn(data, name) || cell(name) === '') continue;
    setOwn(data, name, cell(name));
  }
  if (cell('extraData') !== '') {
    const extra = json(cell('extraData'), 'extraData');
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new AuditImportError('INVALID_EVENT', 'extraData must be a JSON object');
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) delete data[k];
      else if (typeof v === 'string') setOwn(data, k, v);
      else throw new AuditImportError('INVALID_EVENT', `extraData.${k} must be a string or null`);
    }
  }

  const provider = cell('provider');
  const context: Partial<Record<ContextKey, string>> = {};
  for (const k of CONTEXT_KEYS) context[k] = cell(k);
  const event: Record<string, unknown> = {
    eventId,
    provider,
    channel: row.has('channel') ? cell('channel') : CHANNEL,
    level: number('level', 0xff, def?.level ?? 0),
    task: number('task', 0xffff, def?.task ?? 0),
    time: checkTime(cell('time')),
    computer: cell('computer'),
  };
  if (cell('recordId') !== '') event.recordId = parseUint(cell('recordId'), 'recordId', Number.MAX_SAFE_INTEGER);
  event.data = data;
  event.context = importedContext(context);
  if (cell('windows') !== '') {
    const windows = significantWindowsFields(checkWindowsFields(json(cell('windows'), 'windows')), provider);
    if (windows !== undefined) event.windows = windows;
  }
  return event as unknown as PortableAuditEvent;
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AuditImportError('INVALID_EVENT', `${what} is not JSON`);
  }
}

/** Whether a header row is ours (it has `time` and `eventId` columns). */
export function isOurCsvHeader(cells: readonly string[]): boolean {
  const names = cells.map((c) => c.trim());
  return names.includes('time') && names.includes('eventId');
}

type RowReader = (cells: readonly string[]) => PortableAuditEvent;

function rowReader(header: readonly string[], ctx: ReadContext): { kind: 'csv' | 'event-viewer-csv'; read: RowReader } {
  const forced = ctx.options.format;
  if (isOurCsvHeader(header) && forced !== 'event-viewer-csv') {
    const names = header.map((h) => h.trim());
    if (new Set(names).size !== names.length) throw new AuditImportError('CSV_MALFORMED', 'duplicate column names in the header', { format: 'csv', line: 1, offset: 0 });
    return { kind: 'csv', read: (cells) => cellsToEvent(names, cells) };
  }
  if (isEventViewerHeader(header) && forced !== 'csv') {
    const opts = ctx.options.eventViewer ?? {};
    return { kind: 'event-viewer-csv', read: (cells) => eventFromEventViewerRow(cells, opts) };
  }
  throw new AuditImportError('UNKNOWN_FORMAT', 'CSV header is neither ours (time,eventId,…) nor Event Viewer\'s (Level,Date and Time,Source,Event ID,Task Category)', {
    format: forced === 'event-viewer-csv' ? 'event-viewer-csv' : 'csv',
    line: 1,
    offset: 0,
  });
}

/** Reads our CSV or Event Viewer's, told apart by the header row. */
export const readCsvEvents: FormatReader<PortableAuditEvent> = async function* (text, ctx) {
  let lastBytes = 0;
  let lastLine = 0;
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: ctx.maxRecordSize,
    skip_records_with_error: ctx.skipInvalid,
    on_skip: (err) => {
      ctx.reject(csvError(err, lastLine + 1, lastBytes));
      return undefined;
    },
  });
  const input = Readable.from(text, { objectMode: false });
  pipeline(input, parser, () => undefined); // errors surface through the iteration below

  let reader: { kind: 'csv' | 'event-viewer-csv'; read: RowReader } | undefined;
  try {
    for await (const row of parser as AsyncIterable<Row>) {
      const line = lastLine + 1;
      const offset = lastBytes;
      lastLine = row.info.lines;
      lastBytes = row.info.bytes;
      if (!reader) {
        reader = rowReader(row.record, ctx);
        ctx.stats.format = reader.kind;
        continue;
      }
      let event: PortableAuditEvent | undefined;
      try {
        event = reader.read(row.record);
      } catch (err) {
        ctx.reject(asImportError(err, 'INVALID_EVENT', { format: reader.kind, line, offset }));
      }
      if (event) yield event;
    }
  } catch (err) {
    if (err instanceof AuditImportError) throw err;
    throw csvError(err as Error, lastLine + 1, lastBytes);
  } finally {
    parser.destroy();
  }
};
