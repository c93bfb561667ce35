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
 * Import parses each `<Event>` cut out by the splitter with fast-xml-parser, entity
 * processing off: only the five predefined entities and character references are
 * decoded, here. Unknown ids and Data names are kept; RenderingInfo is ignored (it is
 * derived text); parts an AuditEvent cannot carry (UserData, BinaryEventData…) are errors.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EVENTS } from '../../events/catalogue.js';
import { AuditImportError, asImportError } from './errors.js';
import type { FormatReader } from './reader.js';
import {
  CONTEXT_KEYS, DEFAULT_KEYWORDS, DEFAULT_OPCODE, DEFAULT_VERSION, assertExportable, catalogueGuid, importedContext,
  parseUint, setOwn, significantWindowsFields, type ContextKey, type PortableAuditEvent, type WindowsSystemFields,
} from './shape.js';
import { formatSystemTime, parseSystemTime, systemTimeOf } from './systemTime.js';
import { XmlEventSplitter, type XmlSegment } from './xmlSplitter.js';

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
  const w: WindowsSystemFields = e.windows ?? {};
  const guid = w.providerGuid ?? catalogueGuid(e.provider);
  let x = `<Event xmlns='${EVENT_NAMESPACE}'><System><Provider Name='${xmlAttr(e.provider)}'`;
  if (guid) x += ` Guid='${xmlAttr(guid)}'`;
  if (w.eventSourceName !== undefined) x += ` EventSourceName='${xmlAttr(w.eventSourceName)}'`;
  x += `/><EventID${w.qualifiers !== undefined ? ` Qualifiers='${w.qualifiers}'` : ''}>${e.eventId}</EventID>`;
  x += `<Version>${w.version ?? DEFAULT_VERSION}</Version><Level>${e.level}</Level><Task>${e.task}</Task>`;
  x += `<Opcode>${w.opcode ?? DEFAULT_OPCODE}</Opcode><Keywords>${xmlText(w.keywords ?? DEFAULT_KEYWORDS)}</Keywords>`;
  x += `<TimeCreated SystemTime='${xmlAttr(systemTimeOf(e.time, w.systemTime))}'/>`;
  if (e.recordId !== undefined) x += `<EventRecordID>${e.recordId}</EventRecordID>`;
  x += '<Correlation';
  if (w.activityId !== undefined) x += ` ActivityID='${xmlAttr(w.activityId)}'`;
  if (w.relatedActivityId !== undefined) x += ` RelatedActivityID='${xmlAttr(w.relatedActivityId)}'`;
  x += `/><Execution ProcessID='${w.processId ?? 0}' ThreadID='${w.threadId ?? 0}'/>`;
  x += `<Channel>${xmlText(e.channel)}</Channel><Computer>${xmlText(e.computer)}</Computer>`;
  x += w.userId !== undefined ? `<Security UserID='${xmlAttr(w.userId)}'/>` : '<Security/>';
  x += '</System><EventData>';
  for (const [name, value] of Object.entries(e.data)) {
    const open = UNNAMED_DATA.test(name) ? '<Data' : `<Data Name='${xmlAttr(name)}'`;
    x += value === '' ? `${open}/>` : `${open}>${xmlText(value)}</Data>`;
  }
  x += '</EventData>';
  const ctx = CONTEXT_KEYS.filter((k) => e.context[k] !== undefined);
  if (ctx.length > 0) {
    x += `<ntlmgate:Context xmlns:ntlmgate='${CONTEXT_NAMESPACE}'`;
    for (const k of ctx) x += ` ${k}='${xmlAttr(e.context[k] ?? '')}'`;
    x += '/>';
  }
  return `${x}</Event>`;
}

export function xmlHeader(options: XmlExportOptions = {}): string {
  const eol = options.lineEnding ?? '\r\n';
  return options.wrap ? `<?xml version="1.0" encoding="UTF-8"?>${eol}<Events>${eol}` : '';
}

export function xmlFooter(options: XmlExportOptions = {}): string {
  return options.wrap ? `</Events>${options.lineEnding ?? '\r\n'}` : '';
}

// ---- import ----

/** fast-xml-parser's ordered output: `{ tag: children, ':@': attributes }` or `{ '#text': … }`. */
type XNode = Record<string, unknown>;

interface Element {
  readonly name: string;
  readonly local: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XNode[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  cdataPropName: '#cdata',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  maxNestedTags: 32,
});

function toElement(node: XNode): Element | undefined {
  for (const key of Object.keys(node)) {
    if (key === ':@' || key === '#text' || key === '#cdata') continue;
    const children = node[key];
    const attrs: Record<string, string> = {};
    const raw = node[':@'];
    if (typeof raw === 'object' && raw !== null) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') setOwn(attrs, k, decodeXml(v));
    }
    return { name: key, local: key.slice(key.indexOf(':') + 1), attrs, children: Array.isArray(children) ? (children as XNode[]) : [] };
  }
  return undefined;
}

function elements(children: readonly XNode[]): Element[] {
  return children.map(toElement).filter((e): e is Element => e !== undefined);
}

/** Text content: references decoded, CDATA verbatim; nested elements are refused. */
function textOf(el: Element): string {
  let out = '';
  for (const node of el.children) {
    if (typeof node['#text'] === 'string') out += decodeXml(node['#text']);
    else if (Array.isArray(node['#cdata'])) {
      for (const c of node['#cdata'] as XNode[]) if (typeof c['#text'] === 'string') out += c['#text'];
    } else throw new AuditImportError('XML_UNSUPPORTED', `<${el.name}> has child elements where text is expected`);
  }
  return out;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** Decodes the predefined entities and character references; any other entity is an error. */
export function decodeXml(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  for (; amp >= 0; amp = raw.indexOf('&', from)) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 40) throw new AuditImportError('XML_MALFORMED', "'&' does not start a reference");
    const ref = raw.slice(amp + 1, semi);
    out += raw.slice(from, amp) + resolveReference(ref);
    from = semi + 1;
  }
  return out + raw.slice(from);
}

function resolveReference(ref: string): string {
  const named = PREDEFINED[ref];
  if (named !== undefined && Object.hasOwn(PREDEFINED, ref)) return named;
  let cp: number;
  if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) cp = parseInt(ref.slice(2), 16);
  else if (/^#[0-9]{1,7}$/.test(ref)) cp = Number(ref.slice(1));
  else if (/^[A-Za-z_:][\w.:-]*$/.test(ref)) throw new AuditImportError('XML_ENTITY', `entity &${ref}; is not defined (DTD entities are never read)`);
  else throw new AuditImportError('XML_MALFORMED', `bad reference &${ref.slice(0, 20)};`);
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new AuditImportError('XML_MALFORMED', `&${ref}; is not a character`);
  return String.fromCodePoint(cp);
}

const UNSUPPORTED_PARTS = new Set(['UserData', 'DebugData', 'BinaryEventData', 'ProcessingErrorData']);

function invalid(message: string): never {
  throw new AuditImportError('INVALID_EVENT', message);
}

function number(el: Element | undefined, what: string, max: number): number | undefined {
  return el === undefined ? undefined : parseUint(textOf(el).trim(), what, max);
}

function attrNumber(el: Element | undefined, attr: string, what: string, max: number): number | undefined {
  const v = el?.attrs[attr];
  return v === undefined ? undefined : parseUint(v.trim(), what, max);
}

/** One cut-out `<Event>` element to an imported event. */
export function eventFromXml(text: string): PortableAuditEvent {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new AuditImportError('XML_MALFORMED', `${valid.err.msg} (line ${valid.err.line} of the record)`);
  }
  const root = elements(parser.parse(text) as XNode[]).find((e) => e.local === 'Event');
  if (!root) invalid('no <Event> element');
  const parts = elements(root.children);
  const system = parts.find((p) => p.local === 'System');
  if (!system) invalid('<Event> has no <System>');
  const unsupported = parts.find((p) => UNSUPPORTED_PARTS.has(p.local));
  if (unsupported) throw new AuditImportError('XML_UNSUPPORTED', `<${unsupported.local}> cannot be imported (only EventData)`);

  const sys = new Map<string, Element>();
  for (const el of elements(system.children)) if (!sys.has(el.local)) sys.set(el.local, el);
  const idEl = sys.get('EventID');
  if (!idEl) invalid('<System> has no <EventID>');
  const eventId = parseUint(textOf(idEl).trim(), 'EventID', 0xffff);
  const def = EVENTS.get(eventId);
  const providerEl = sys.get('Provider');
  const provider = providerEl?.attrs.Name ?? def?.provider ?? '';
  const systemTime = sys.get('TimeCreated')?.attrs.SystemTime;
  if (systemTime === undefined) invalid('<System> has no TimeCreated/@SystemTime');
  const time = parseSystemTime(systemTime.trim());
  if (time === undefined) invalid(`SystemTime ${JSON.stringify(systemTime.slice(0, 40))} is not an ISO 8601 time`);

  const original = systemTime.trim();
  const guid = providerEl?.attrs.Guid;
  const correlation = sys.get('Correlation');
  const execution = sys.get('Execution');
  const keywords = sys.get('Keywords');
  const windows = significantWindowsFields(
    {
      // kept only where our own rendering of `time` would differ from it
      systemTime: original === formatSystemTime(time) ? undefined : original,
      providerGuid: guid ?? '',
      eventSourceName: providerEl?.attrs.EventSourceName,
      qualifiers: attrNumber(idEl, 'Qualifiers', 'EventID/@Qualifiers', 0xffff),
      version: number(sys.get('Version'), 'Version', 0xff),
      opcode: number(sys.get('Opcode'), 'Opcode', 0xff),
      keywords: keywords === undefined ? undefined : textOf(keywords).trim(),
      activityId: correlation?.attrs.ActivityID,
      relatedActivityId: correlation?.attrs.RelatedActivityID,
      processId: attrNumber(execution, 'ProcessID', 'Execution/@ProcessID', 0xffff_ffff),
      threadId: attrNumber(execution, 'ThreadID', 'Execution/@ThreadID', 0xffff_ffff),
      userId: sys.get('Security')?.attrs.UserID,
    },
    provider,
  );

  const channelEl = sys.get('Channel');
  const computerEl = sys.get('Computer');
  const event: Record<string, unknown> = {
    eventId,
    provider,
    channel: channelEl ? textOf(channelEl) : '',
    level: number(sys.get('Level'), 'Level', 0xff) ?? def?.level ?? 0,
    task: number(sys.get('Task'), 'Task', 0xffff) ?? def?.task ?? 0,
    time,
    computer: computerEl ? textOf(computerEl) : '',
  };
  const recordId = number(sys.get('EventRecordID'), 'EventRecordID', Number.MAX_SAFE_INTEGER);
  if (recordId !== undefined) event.recordId = recordId;
  event.data = eventData(parts.find((p) => p.local === 'EventData'));
  event.context = importedContext(ourContext(root, parts));
  if (windows !== undefined) event.windows = windows;
  return event as unknown as PortableAuditEvent;
}

function eventData(el: Element | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  if (!el) return data;
  let position = 0;
  for (const item of elements(el.children)) {
    if (item.local !== 'Data') throw new AuditImportError('XML_UNSUPPORTED', `<EventData> holds <${item.local}>; only <Data> is supported`);
    position++;
    const name = item.attrs.Name ?? `#${position}`;
    if (Object.hasOwn(data, name)) invalid(`Data ${JSON.stringify(name)} appears twice`);
    setOwn(data, name, textOf(item));
  }
  return data;
}

/** Attributes of our `<ntlmgate:Context>` element, found by namespace, not by prefix. */
function ourContext(root: Element, parts: readonly Element[]): Partial<Record<ContextKey, string>> {
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
  const splitter = new XmlEventSplitter(ctx.maxRecordSize);
  const convert = (segment: XmlSegment): PortableAuditEvent | undefined => {
    try {
      return eventFromXml(segment.text);
    } catch (err) {
      ctx.reject(asImportError(err, 'XML_MALFORMED', { format: 'xml', line: segment.line, offset: segment.offset }));
      return undefined;
    }
  };
  const results = (chunk: string | undefined) => (chunk === undefined ? splitter.end() : splitter.push(chunk));
  const drain = function* (chunk: string | undefined): Generator<PortableAuditEvent> {
    for (const r of results(chunk)) {
      if (r.kind === 'error') {
        if (r.fatal) throw r.error;
        ctx.reject(r.error);
        continue;
      }
      const event = convert(r.segment);
      if (event) yield event;
    }
  };
  for await (const chunk of text) yield* drain(chunk);
  yield* drain(undefined);
};
