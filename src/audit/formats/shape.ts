/**
 * The event as our formats carry it: AuditEvent plus the Windows System fields it has no
 * slot for (`windows`, only on imported events and only where they differ from what we
 * would write anyway), a stable key order for serialisation, and the strict checks that
 * turn parsed JSON back into an event.
 */
import type { AuditContext, AuditEvent } from '../../events/event.js';
import { PROVIDERS } from '../../events/catalogue.js';
import { AuditImportError } from './errors.js';
import { normalizeTime, parseSystemTime } from './systemTime.js';

/** System fields of a Windows event beyond AuditEvent's; absent = our default. */
export interface WindowsSystemFields {
  /** TimeCreated/@SystemTime verbatim, when finer than (or written unlike) our rendering. */
  readonly systemTime?: string;
  /** Provider/@Guid when not the catalogue's ('' = the event had no Guid attribute). */
  readonly providerGuid?: string;
  readonly eventSourceName?: string;
  /** EventID/@Qualifiers (classic event-log providers). */
  readonly qualifiers?: number;
  /** Default 0. */
  readonly version?: number;
  /** Default 0. */
  readonly opcode?: number;
  /** Default 0x8000000000000000 (the Operational channel bit). */
  readonly keywords?: string;
  readonly activityId?: string;
  readonly relatedActivityId?: string;
  /** Execution/@ProcessID, @ThreadID; default 0. */
  readonly processId?: number;
  readonly threadId?: number;
  /** Security/@UserID (a SID string). */
  readonly userId?: string;
}

/** An AuditEvent that may carry Windows System fields; every export accepts it. */
export type PortableAuditEvent = AuditEvent & { readonly windows?: WindowsSystemFields };

export const DEFAULT_VERSION = 0;
export const DEFAULT_OPCODE = 0;
export const DEFAULT_KEYWORDS = '0x8000000000000000';

/** Context keys in serialisation order (`source` is never serialised: imports set it). */
export const CONTEXT_KEYS = ['service', 'clientIp', 'requestId', 'decision', 'setting', 'reason', 'ntlmVersion', 'attemptId', 'refusal', 'status'] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

const WINDOWS_STRING_KEYS = ['systemTime', 'providerGuid', 'eventSourceName', 'keywords', 'activityId', 'relatedActivityId', 'userId'] as const;
const WINDOWS_NUMBER_KEYS = ['qualifiers', 'version', 'opcode', 'processId', 'threadId'] as const;
/** Key order of `windows` when serialised. */
const WINDOWS_KEYS = [
  'systemTime', 'providerGuid', 'eventSourceName', 'qualifiers', 'version', 'opcode', 'keywords',
  'activityId', 'relatedActivityId', 'processId', 'threadId', 'userId',
] as const;

const DECISIONS: ReadonlySet<string> = new Set(['allow', 'audit', 'block']);

/** Sets an own enumerable property, also for names such as `__proto__`. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key !== '__proto__') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function catalogueGuid(provider: string): string | undefined {
  return Object.hasOwn(PROVIDERS, provider) ? PROVIDERS[provider as keyof typeof PROVIDERS] : undefined;
}

/** Drops the fields equal to what an export writes anyway; undefined when nothing is left. */
export function significantWindowsFields(fields: WindowsSystemFields, provider: string): WindowsSystemFields | undefined {
  const out: Record<string, string | number> = {};
  for (const key of WINDOWS_KEYS) {
    const v = fields[key];
    if (v === undefined) continue;
    if (key === 'version' && v === DEFAULT_VERSION) continue;
    if (key === 'opcode' && v === DEFAULT_OPCODE) continue;
    if (key === 'keywords' && v === DEFAULT_KEYWORDS) continue;
    if ((key === 'processId' || key === 'threadId') && v === 0) continue;
    if (key === 'providerGuid' && v === catalogueGuid(provider)) continue;
    if (key === 'providerGuid' && v === '' && catalogueGuid(provider) === undefined) continue;
    out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The context of an imported event: `source: 'import'` and the non-empty fields given. */
export function importedContext(fields: Partial<Record<ContextKey, string | undefined>>): AuditContext {
  const ctx: Record<string, string> = { source: 'import' };
  for (const key of CONTEXT_KEYS) {
    const v = fields[key];
    if (v === undefined || v === '') continue;
    if (key === 'decision' && !DECISIONS.has(v)) throw new AuditImportError('INVALID_EVENT', `decision must be allow, audit or block, not ${JSON.stringify(v)}`);
    ctx[key] = v;
  }
  return ctx as unknown as AuditContext;
}

/** Serialisable copy with a fixed key order; undefined members dropped. */
export function canonicalEvent(e: PortableAuditEvent): Record<string, unknown> {
  const ctx: Record<string, string> = { source: e.context.source };
  for (const key of CONTEXT_KEYS) {
    const v = e.context[key];
    if (v !== undefined) ctx[key] = v;
  }
  const out: Record<string, unknown> = {
    time: normalizeTime(e.time) ?? e.time,
    eventId: e.eventId,
    provider: e.provider,
    channel: e.channel,
    level: e.level,
    task: e.task,
    computer: e.computer,
  };
  if (e.recordId !== undefined) out.recordId = e.recordId;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.data)) setOwn(data, k, v);
  out.data = data;
  out.context = ctx;
  const windows = e.windows === undefined ? undefined : significantWindowsFields(e.windows, e.provider);
  if (windows !== undefined) out.windows = windows;
  return out;
}

// ---- strict checks of parsed JSON (JSON Lines records, CSV JSON cells) ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
  throw new AuditImportError('INVALID_EVENT', message);
}

export function checkUint(v: unknown, what: string, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) bad(`${what} must be an integer 0..${max}`);
  return v;
}

/** A decimal integer in text (CSV cells, XML text), 0..max. */
export function parseUint(text: string, what: string, max: number): number {
  if (!/^\d{1,20}$/.test(text)) bad(`${what} must be a decimal integer, not ${JSON.stringify(text.slice(0, 40))}`);
  return checkUint(Number(text), what, max);
}

function checkString(v: unknown, what: string): string {
  if (typeof v !== 'string') bad(`${what} must be a string`);
  return v;
}

/** An ISO time as our exports write it (strictly ISO 8601 with a zone), normalised to ms. */
export function checkTime(v: unknown, what = 'time'): string {
  const t = parseSystemTime(checkString(v, what));
  if (t === undefined) bad(`${what} must be an ISO 8601 UTC time, not ${JSON.stringify(String(v).slice(0, 40))}`);
  return t;
}

/** EventData as name → string, own properties only. */
export function checkData(v: unknown, what = 'data'): Record<string, string> {
  if (!isObject(v)) bad(`${what} must be an object`);
  const data: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) setOwn(data, k, checkString(val, `${what}.${k}`));
  return data;
}

export function checkWindowsFields(v: unknown): WindowsSystemFields {
  if (!isObject(v)) bad('windows must be an object');
  const out: Record<string, string | number> = {};
  for (const key of WINDOWS_STRING_KEYS) if (v[key] !== undefined) out[key] = checkString(v[key], `windows.${key}`);
  for (const key of WINDOWS_NUMBER_KEYS) if (v[key] !== undefined) out[key] = checkUint(v[key], `windows.${key}`, 0xffff_ffff);
  if (typeof out.systemTime === 'string' && parseSystemTime(out.systemTime) === undefined) bad('windows.systemTime is not a SystemTime');
  return out;
}

/** A JSON Lines record (our export) back to an imported event. */
export function eventFromJson(v: unknown): PortableAuditEvent {
  if (!isObject(v)) bad('a record must be a JSON object');
  const provider = checkString(v.provider, 'provider');
  const ctxIn = v.context === undefined ? {} : v.context;
  if (!isObject(ctxIn)) bad('context must be an object');
  const ctxFields: Partial<Record<ContextKey, string>> = {};
  for (const key of CONTEXT_KEYS) if (ctxIn[key] !== undefined) ctxFields[key] = checkString(ctxIn[key], `context.${key}`);
  const event: Record<string, unknown> = {
    eventId: checkUint(v.eventId, 'eventId', 0xffff),
    provider,
    channel: checkString(v.channel, 'channel'),
    level: checkUint(v.level, 'level', 0xff),
    task: checkUint(v.task, 'task', 0xffff),
    time: checkTime(v.time),
    computer: checkString(v.computer, 'computer'),
  };
  if (v.recordId !== undefined) event.recordId = checkUint(v.recordId, 'recordId', Number.MAX_SAFE_INTEGER);
  event.data = checkData(v.data);
  event.context = importedContext(ctxFields);
  if (v.windows !== undefined) {
    const windows = significantWindowsFields(checkWindowsFields(v.windows), provider);
    if (windows !== undefined) event.windows = windows;
  }
  return event as unknown as PortableAuditEvent;
}

/** Checks an event handed to an exporter (a programming error if it fails). */
export function assertExportable(e: AuditEvent): void {
  if (!Number.isInteger(e.eventId) || e.eventId < 0 || e.eventId > 0xffff) throw new RangeError(`eventId ${e.eventId} is not 0..65535`);
  if (normalizeTime(e.time) === undefined) throw new RangeError(`event ${e.eventId} has no valid time: ${JSON.stringify(e.time)}`);
}
