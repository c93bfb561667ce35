/**
 * The relational shape of an event, shared by the SQLite and PostgreSQL stores: the System
 * part and our context as columns (so reports can filter and group in SQL), `data` as JSON.
 * `time` is the sortable instant (SQLite: ms since the epoch; PostgreSQL: timestamptz) and
 * `time_text` the string exactly as given, so imported events with 100 ns Windows
 * timestamps read back unchanged.
 */
import type { AuditContext, AuditEvent } from '../../events/event.js';
import { AuditStoreError } from '../sink.js';

/** Column order of inserts; `seq` (write order, the tie-breaker after time) is assigned by the database. */
export const COLUMNS = [
  'time', 'time_text', 'event_id', 'provider', 'channel', 'level', 'task', 'computer', 'record_id',
  'source', 'service', 'client_ip', 'request_id', 'decision', 'setting', 'reason', 'ntlm_version', 'attempt_id', 'refusal',
  'status', 'data',
] as const;

export type RowValues = [
  time: number, timeText: string, eventId: number, provider: string, channel: string, level: number, task: number,
  computer: string, recordId: number | null, source: string, service: string | null, clientIp: string | null,
  requestId: string | null, decision: string | null, setting: string | null, reason: string | null,
  ntlmVersion: string | null, attemptId: string | null, refusal: string | null, status: string | null, data: string,
];

/** What a SELECT of the columns returns (data still in the driver's form). */
export interface SelectedRow {
  readonly time_text: string;
  readonly event_id: number;
  readonly provider: string;
  readonly channel: string;
  readonly level: number;
  readonly task: number;
  readonly computer: string;
  readonly record_id: number | string | null;
  readonly source: string;
  readonly service: string | null;
  readonly client_ip: string | null;
  readonly request_id: string | null;
  readonly decision: string | null;
  readonly setting: string | null;
  readonly reason: string | null;
  readonly ntlm_version: string | null;
  readonly attempt_id: string | null;
  readonly refusal: string | null;
  readonly status: string | null;
}

export function eventToRow(e: AuditEvent, timeMs: number): RowValues {
  const c = e.context;
  return [
    timeMs, e.time, e.eventId, e.provider, e.channel, e.level, e.task, e.computer, e.recordId ?? null,
    c.source, c.service ?? null, c.clientIp ?? null, c.requestId ?? null, c.decision ?? null, c.setting ?? null,
    c.reason ?? null, c.ntlmVersion ?? null, c.attemptId ?? null, c.refusal ?? null, c.status ?? null, JSON.stringify(e.data),
  ];
}

/** Rebuilds the event; absent optional fields stay absent (not `undefined`), as they were written. */
export function rowToEvent(r: SelectedRow, data: Record<string, string>): AuditEvent {
  if (r.source !== 'ntlmgate' && r.source !== 'import') throw new AuditStoreError('corrupt', `row has source ${JSON.stringify(r.source)}`);
  const context: { -readonly [K in keyof AuditContext]: AuditContext[K] } = { source: r.source };
  if (r.service !== null) context.service = r.service;
  if (r.client_ip !== null) context.clientIp = r.client_ip;
  if (r.request_id !== null) context.requestId = r.request_id;
  if (r.decision !== null) context.decision = r.decision as AuditContext['decision'];
  if (r.setting !== null) context.setting = r.setting;
  if (r.reason !== null) context.reason = r.reason;
  if (r.ntlm_version !== null) context.ntlmVersion = r.ntlm_version;
  if (r.attempt_id !== null) context.attemptId = r.attempt_id;
  if (r.refusal !== null) context.refusal = r.refusal;
  if (r.status !== null) context.status = r.status;
  const base = {
    eventId: r.event_id,
    provider: r.provider,
    channel: r.channel,
    level: r.level,
    task: r.task,
    time: r.time_text,
    computer: r.computer,
  };
  return r.record_id === null
    ? { ...base, data, context }
    : { ...base, recordId: Number(r.record_id), data, context };
}

export function parseData(text: string): Record<string, string> {
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch (e) {
    throw new AuditStoreError('corrupt', `stored data is not JSON: ${text.slice(0, 80)}`, { cause: e });
  }
}
