/**
 * Windows event XML, in the shape `wevtutil qe Microsoft-Windows-NTLM/Operational /f:xml`
 * prints: one `<Event xmlns='…/events/event'>` per event, single-quoted attributes, no
 * root element (optionally `<Events>`, as Event Viewer's "Save as XML" writes).
 *
 * Our own context (service, client IP, request id, decision, setting, reason, NTLM
 * version) travels in one `<ntlmgate:Context xmlns:ntlmgate='urn:ntlmgate:audit' …/>`
 * element after EventData: the Event schema admits elements of other namespaces there
 * (`xs:any namespace="##other"`), so Windows tools and SIEM parsers that read
 * System/EventData see a plain Windows event, and nothing is mixed into EventData.
 *
 * Import: the splitter (xmlSplitter.ts) finds each `<Event>` in the stream and parses it in
 * one pass (xmlElement.ts: well-formedness checked, only the five predefined entities and
 * character references decoded, no DTD ever read); this file turns the element into an
 * event. Unknown ids and Data names are kept; RenderingInfo is ignored (it is derived
 * text); parts an AuditEvent cannot carry (UserData, BinaryEventData…) are errors.
 */
import { EVENTS } from '../../events/catalogue.js';
import { AuditImportError } from './errors.js';
import type { FormatReader } from './reader.js';
import {
  CONTEXT_KEYS, DEFAULT_KEYWORDS, DEFAULT_OPCODE, DEFAULT_VERSION, assertExportable, catalogueGuid, importedContext,
  parseUint, setOwn, significantWindowsFields, type ContextKey, type PortableAuditEvent, type WindowsSystemFields,
} from './shape.js';
import { parseSystemTime, systemTimeOf, systemTimeOfNormal } from './systemTime.js';
import { parseElement, type XmlElement } from './xmlElement.js';
import { XmlEventSplitter } from './xmlSplitter.js';

export { decodeXml } from './xmlElement.js';

export const EVENT_NAMESPACE = 'http://schemas.microsoft.com/win/2004/08/events/event';
export const CONTEXT_NAMESPACE = 'urn:ntlmgate:audit';

export interface XmlExportOptions {
  /** Wrap the events in `<Events>` (with an XML declaration), making one well-formed document. */
  readonly wrap?: boolean;
  /** After each event; default CRLF. */
  readonly lineEnding?: '\n' | '\r\n';
}

// ---- export ----

// XML 1.0 cannot carry these even as references; they are written as U+FFFD.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES, "'": '&apos;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;',
};

function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

function xmlAttr(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r'"\t\n]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

const UNNAMED_DATA = /^#\d+$/;

/** One event as a single-line `<Event>` element (no line ending). */
export function toEventXml(e: PortableAuditEvent): string {
  assertExportable(e);
  const windows: WindowsSystemFields = e.windows ?? {};
  const guid = windows.providerGuid ?? catalogueGuid(e.provider);
  let xml = `<Event xmlns='${EVENT_NAMESPACE}'><System><Provider Name='${xmlAttr(e.provider)}'`;
  if (guid) xml += ` Guid='${xmlAttr(guid)}'`;
  if (windows.eventSourceName !== undefined) xml += ` EventSourceName='${xmlAttr(windows.eventSourceName)}'`;
  xml += `/><EventID${windows.qualifiers !== undefined ? ` Qualifiers='${windows.qualifiers}'` : ''}>${e.eventId}</EventID>`;
  xml += `<Version>${windows.version ?? DEFAULT_VERSION}</Version><Level>${e.level}</Level><Task>${e.task}</Task>`;
  xml += `<Opcode>${windows.opcode ?? DEFAULT_OPCODE}</Opcode><Keywords>${xmlText(windows.keywords ?? DEFAULT_KEYWORDS)}</Keywords>`;
  xml += `<TimeCreated SystemTime='${xmlAttr(systemTimeOf(e.time, windows.systemTime))}'/>`;
  if (e.recordId !== undefined) xml += `<EventRecordID>${e.recordId}</EventRecordID>`;
  xml += '<Correlation';
  if (windows.activityId !== undefined) xml += ` ActivityID='${xmlAttr(windows.activityId)}'`;
  if (windows.relatedActivityId !== undefined) xml += ` RelatedActivityID='${xmlAttr(windows.relatedActivityId)}'`;
  xml += `/><Execution ProcessID='${windows.processId ?? 0}' ThreadID='${windows.threadId ?? 0}'/>`;
  xml += `<Channel>${xmlText(e.channel)}</Channel><Computer>${xmlText(e.computer)}</Computer>`;
  xml += windows.userId !== undefined ? `<Security UserID='${xmlAttr(windows.userId)}'/>` : '<Security/>';
  xml += '</System><EventData>';
  for (const [name, value] of Object.entries(e.data)) {
    const open = UNNAMED_DATA.test(name) ? '<Data' : `<Data Name='${xmlAttr(name)}'`;
    xml += value === '' ? `${open}/>` : `${open}>${xmlText(value)}</Data>`;
  }
  xml += '</EventData>';
  const ctx = CONTEXT_KEYS.filter((k) => e.context[k] !== undefined);
  if (ctx.length > 0) {
    xml += `<ntlmgate:Context xmlns:ntlmgate='${CONTEXT_NAMESPACE}'`;
    for (const k of ctx) xml += ` ${k}='${xmlAttr(e.context[k] ?? '')}'`;
    xml += '/>';
  }
  return `${xml}</Event>`;
}

export function xmlHeader(options: XmlExportOptions = {}): string {
  const eol = options.lineEnding ?? '\r\n';
  return options.wrap ? `<?xml version="1.0" encoding="UTF-8"?>${eol}<Events>${eol}` : '';
}

export function xmlFooter(options: XmlExportOptions = {}): string {
  return options.wrap ? `</Events>${options.lineEnding ?? '\r\n'}` : '';
}

// ---- import ----

const UNSUPPORTED_PARTS = new Set(['UserData', 'DebugData', 'BinaryEventData', 'ProcessingErrorData']);

function invalid(message: string): never {
  throw new AuditImportError('INVALID_EVENT', message);
}

/** Text content: nested elements are refused where text is expected. */
function textOf(el: XmlElement): string {
  if (el.children.length > 0) throw new AuditImportError('XML_UNSUPPORTED', `<${el.name}> has child elements where text is expected`);
  return el.text;
}

function number(el: XmlElement | undefined, what: string, max: number): number | undefined {
  return el === undefined ? undefined : parseUint(textOf(el).trim(), what, max);
}

function attrNumber(el: XmlElement | undefined, attr: string, what: string, max: number): number | undefined {
  const v = el?.attrs[attr];
  return v === undefined ? undefined : parseUint(v.trim(), what, max);
}

/** One `<Event>` element as text (nothing else but blanks around it) to an imported event. */
export function eventFromXml(text: string): PortableAuditEvent {
  const start = text.indexOf('<');
  const parsed = start < 0 ? undefined : parseElement(text, start);
  if (!parsed) throw new AuditImportError('TRUNCATED', 'the text ends inside an element');
  if (/\S/.test(text.slice(parsed.end))) throw new AuditImportError('XML_MALFORMED', 'text after the element');
  return eventFromElement(parsed.element);
}

const SYSTEM_FIELDS = [
  'Provider', 'EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'TimeCreated', 'EventRecordID',
  'Correlation', 'Execution', 'Channel', 'Computer', 'Security',
] as const;
type SystemFields = Partial<Record<(typeof SYSTEM_FIELDS)[number], XmlElement>>;
const SYSTEM_FIELD_SET: ReadonlySet<string> = new Set(SYSTEM_FIELDS);

/** The System fields we read, the first of each name (Windows never repeats one); others are ignored. */
function systemFields(system: XmlElement): SystemFields {
  const sys: Record<string, XmlElement> = {};
  for (const el of system.children) if (SYSTEM_FIELD_SET.has(el.local)) sys[el.local] ??= el;
  return sys;
}

/** A parsed `<Event>` element to an imported event. */
export function eventFromElement(root: XmlElement): PortableAuditEvent {
  if (root.local !== 'Event') invalid('no <Event> element');
  const parts = root.children;
  let system: XmlElement | undefined;
  let eventDataEl: XmlElement | undefined;
  let unsupported: XmlElement | undefined;
  for (const p of parts) {
    if (p.local === 'System') system ??= p;
    else if (p.local === 'EventData') eventDataEl ??= p;
    else if (UNSUPPORTED_PARTS.has(p.local)) unsupported ??= p;
  }
  if (!system) invalid('<Event> has no <System>');
  if (unsupported) throw new AuditImportError('XML_UNSUPPORTED', `<${unsupported.local}> cannot be imported (only EventData)`);

  const sys = systemFields(system);
  const idEl = sys.EventID;
  if (!idEl) invalid('<System> has no <EventID>');
  const eventId = parseUint(textOf(idEl).trim(), 'EventID', 0xffff);
  const def = EVENTS.get(eventId);
  const providerEl = sys.Provider;
  const provider = providerEl?.attrs.Name ?? def?.provider ?? '';
  const systemTime = sys.TimeCreated?.attrs.SystemTime;
  if (systemTime === undefined) invalid('<System> has no TimeCreated/@SystemTime');
  const original = systemTime.trim();
  const time = parseSystemTime(original);
  if (time === undefined) invalid(`SystemTime ${JSON.stringify(systemTime.slice(0, 40))} is not an ISO 8601 time`);

  const guid = providerEl?.attrs.Guid;
  const correlation = sys.Correlation;
  const execution = sys.Execution;
  const keywords = sys.Keywords;
  const windows = significantWindowsFields(
    {
      // kept only where our own rendering of `time` would differ from it
      systemTime: original === systemTimeOfNormal(time) ? undefined : original,
      providerGuid: guid ?? '',
      eventSourceName: providerEl?.attrs.EventSourceName,
      qualifiers: attrNumber(idEl, 'Qualifiers', 'EventID/@Qualifiers', 0xffff),
      version: number(sys.Version, 'Version', 0xff),
      opcode: number(sys.Opcode, 'Opcode', 0xff),
      keywords: keywords === undefined ? undefined : textOf(keywords).trim(),
      activityId: correlation?.attrs.ActivityID,
      relatedActivityId: correlation?.attrs.RelatedActivityID,
      processId: attrNumber(execution, 'ProcessID', 'Execution/@ProcessID', 0xffff_ffff),
      threadId: attrNumber(execution, 'ThreadID', 'Execution/@ThreadID', 0xffff_ffff),
      userId: sys.Security?.attrs.UserID,
    },
    provider,
  );

  const channelEl = sys.Channel;
  const computerEl = sys.Computer;
  const event: Record<string, unknown> = {
    eventId,
    provider,
    channel: channelEl ? textOf(channelEl) : '',
    level: number(sys.Level, 'Level', 0xff) ?? def?.level ?? 0,
    task: number(sys.Task, 'Task', 0xffff) ?? def?.task ?? 0,
    time,
    computer: computerEl ? textOf(computerEl) : '',
  };
  const recordId = number(sys.EventRecordID, 'EventRecordID', Number.MAX_SAFE_INTEGER);
  if (recordId !== undefined) event.recordId = recordId;
  event.data = eventData(eventDataEl);
  event.context = importedContext(ourContext(root, parts));
  if (windows !== undefined) event.windows = windows;
  return event as unknown as PortableAuditEvent;
}

function eventData(el: XmlElement | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  if (!el) return data;
  let position = 0;
  for (const item of el.children) {
    if (item.local !== 'Data') throw new AuditImportError('XML_UNSUPPORTED', `<EventData> holds <${item.local}>; only <Data> is supported`);
    position++;
    const name = item.attrs.Name ?? `#${position}`;
    if (Object.hasOwn(data, name)) invalid(`Data ${JSON.stringify(name)} appears twice`);
    setOwn(data, name, textOf(item));
  }
  return data;
}

/** Attributes of our `<ntlmgate:Context>` element, found by namespace, not by prefix. */
function ourContext(root: XmlElement, parts: readonly XmlElement[]): Partial<Record<ContextKey, string>> {
  for (const p of parts) {
    if (p.local !== 'Context') continue;
    const prefix = p.name.includes(':') ? p.name.slice(0, p.name.indexOf(':')) : '';
    const xmlns = prefix ? `xmlns:${prefix}` : 'xmlns';
    if ((p.attrs[xmlns] ?? root.attrs[xmlns]) !== CONTEXT_NAMESPACE) continue;
    const out: Partial<Record<ContextKey, string>> = {};
    for (const k of CONTEXT_KEYS) if (p.attrs[k] !== undefined) out[k] = p.attrs[k];
    return out;
  }
  return {};
}

/** Reads events one `<Event>` at a time. */
export const readXmlEvents: FormatReader<PortableAuditEvent> = async function* (text, ctx) {
  const splitter = new XmlEventSplitter(ctx.maxRecordSize, eventFromElement);
  const drain = function* (chunk: string | undefined): Generator<PortableAuditEvent> {
    for (const r of chunk === undefined ? splitter.end() : splitter.push(chunk)) {
      if (r.kind === 'event') yield r.value;
      else if (r.fatal) throw r.error;
      else ctx.reject(r.error);
    }
  };
  for await (const chunk of text) yield* drain(chunk);
  yield* drain(undefined);
};
