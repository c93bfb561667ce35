/**
 * Event Viewer's "Save All Events As… → CSV": a header `Level,Date and Time,Source,Event ID,
 * Task Category` and rows with a sixth, unnamed cell holding the rendered message. The
 * message's field block (the `Label: value` lines after the title) is mapped back onto
 * XML Data names through labels.ts; labels we do not know are kept under their own text.
 *
 * What the CSV does not have stays at its default: computer (option), record id, the
 * Windows System extras; times are the exporter's local time (see EventViewerCsvOptions).
 */
import { CHANNEL, EVENTS, PROVIDERS, TASK_NAMES } from '../../events/catalogue.js';
import { AuditImportError } from './errors.js';
import { fieldForLabel, labelKey } from './labels.js';
import type { EventViewerCsvOptions } from './reader.js';
import { importedContext, parseUint, setOwn, type PortableAuditEvent } from './shape.js';

const HEADER = ['level', 'date and time', 'source', 'event id', 'task category'];

export function isEventViewerHeader(cells: readonly string[]): boolean {
  return HEADER.every((h, i) => labelKey(cells[i] ?? '') === h);
}

const LEVELS: Readonly<Record<string, number>> = { critical: 1, error: 2, warning: 3, information: 4, verbose: 5 };
const TASKS: ReadonlyMap<string, number> = new Map([
  ['none', 0],
  ...Object.entries(TASK_NAMES).filter(([, name]) => name !== '').map(([id, name]): [string, number] => [labelKey(name), Number(id)]),
]);

function levelOf(text: string, fallback: number | undefined): number {
  const key = labelKey(text);
  if (Object.hasOwn(LEVELS, key)) return LEVELS[key] ?? 0;
  if (/^\d{1,3}$/.test(key)) return parseUint(key, 'Level', 0xff);
  return fallback ?? 0;
}

function taskOf(text: string, fallback: number | undefined): number {
  const key = labelKey(text);
  const known = TASKS.get(key);
  if (known !== undefined) return known;
  if (/^\d{1,5}$/.test(key)) return parseUint(key, 'Task Category', 0xffff);
  return fallback ?? 0;
}

/** Event Viewer shows manifest providers without their `Microsoft-Windows-` prefix. */
function providerOf(source: string, fallback: string | undefined): string {
  const s = source.trim();
  if (s === '') return fallback ?? '';
  if (Object.hasOwn(PROVIDERS, s)) return s;
  const full = `Microsoft-Windows-${s}`;
  return Object.hasOwn(PROVIDERS, full) ? full : s;
}

const DATE_TIME = /^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?\s*([AaPp][Mm])?$/;

/** Event Viewer's locale date and time → ISO UTC (ms). */
export function parseEventViewerTime(text: string, options: EventViewerCsvOptions = {}): string {
  const m = DATE_TIME.exec(text.trim());
  if (!m) throw new AuditImportError('INVALID_EVENT', `Date and Time ${JSON.stringify(text.slice(0, 40))} is not a date`);
  const [a, sep, b, c] = [m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? ''];
  let order = options.dateOrder ?? 'auto';
  if (order === 'auto') order = a.length === 4 ? 'ymd' : sep === '.' ? 'dmy' : Number(a) > 12 ? 'dmy' : 'mdy';
  const [y, mo, d] = order === 'ymd' ? [a, b, c] : order === 'dmy' ? [c, b, a] : [c, a, b];
  let hour = Number(m[5]);
  const ampm = m[9]?.toLowerCase();
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) throw new AuditImportError('INVALID_EVENT', `bad 12-hour time in ${JSON.stringify(text)}`);
    hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
  }
  const year = y.length <= 2 ? 2000 + Number(y) : Number(y);
  const ms = Number((m[8] ?? '').padEnd(3, '0').slice(0, 3));
  const minute = Number(m[6]);
  const second = Number(m[7] ?? '0');
  const t = new Date(Date.UTC(year, Number(mo) - 1, Number(d), hour, minute, second, ms));
  if (t.getUTCDate() !== Number(d) || t.getUTCMonth() !== Number(mo) - 1 || hour > 23 || minute > 59 || second > 59) {
    throw new AuditImportError('INVALID_EVENT', `Date and Time ${JSON.stringify(text)} is not a valid date (order ${order})`);
  }
  return new Date(t.getTime() - (options.utcOffsetMinutes ?? 0) * 60_000).toISOString();
}

const LABEL_LINE = /^\s*([^:\r\n]{1,80}?)\s*:[ \t]*(.*?)\s*$/;

/**
 * The `Label: value` block of a rendered message: after the title line (unless the first
 * line already is a known label), up to the first blank or non-label line. Values are
 * trimmed; the first occurrence of a name wins.
 */
export function dataFromMessage(eventId: number, message: string): Record<string, string> {
  const data: Record<string, string> = {};
  const lines = message.split(/\r\n|\r|\n/);
  let i = 0;
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  const first = LABEL_LINE.exec(lines[i] ?? '');
  if (!(first && fieldForLabel(eventId, first[1] ?? '') !== undefined)) i++; // the title
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  for (; i < lines.length; i++) {
    const m = LABEL_LINE.exec(lines[i] ?? '');
    if (!m) break;
    const label = (m[1] ?? '').trim().replace(/\s+/g, ' ');
    const name = fieldForLabel(eventId, label) ?? label;
    if (!Object.hasOwn(data, name)) setOwn(data, name, m[2] ?? '');
  }
  return data;
}

/** One Event Viewer row (Level, Date and Time, Source, Event ID, Task Category, message). */
export function eventFromEventViewerRow(cells: readonly string[], options: EventViewerCsvOptions = {}): PortableAuditEvent {
  if (cells.length < 5 || cells.length > 6) throw new AuditImportError('CSV_MALFORMED', `expected 5 or 6 cells, got ${cells.length}`);
  const eventId = parseUint((cells[3] ?? '').trim(), 'Event ID', 0xffff);
  const def = EVENTS.get(eventId);
  const event = {
    eventId,
    provider: providerOf(cells[2] ?? '', def?.provider),
    channel: CHANNEL,
    level: levelOf(cells[0] ?? '', def?.level),
    task: taskOf(cells[4] ?? '', def?.task),
    time: parseEventViewerTime(cells[1] ?? '', options),
    computer: options.computer ?? '',
    data: dataFromMessage(eventId, cells[5] ?? ''),
    context: importedContext({}),
  };
  return event;
}
