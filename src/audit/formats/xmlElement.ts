/**
 * One XML element (an `<Event>` and what it holds) parsed from a string in a single pass,
 * for import. It checks well-formedness as XML 1.0 §2–3 states it for elements: names,
 * quoted attribute values without `<`, no attribute twice, every start tag closed by an end
 * tag of the same name; comments, CDATA sections and processing instructions may appear in
 * content. Entity references are decoded here and only the five predefined entities and
 * character references exist (decodeXml): nothing is ever expanded from a DTD, and a
 * DOCTYPE or other markup declaration inside an element is refused.
 *
 * The parse is iterative (an explicit stack, capped at MAX_DEPTH levels), so deep nesting
 * costs a typed error, not the call stack. When the string ends before the element does,
 * the result is `undefined`: the caller feeds more text or reports truncation.
 */
import { AuditImportError } from './errors.js';

export interface XmlElement {
  /** Qualified name as written (`e:Data`). */
  readonly name: string;
  /** Name without its prefix (`Data`). */
  readonly local: string;
  /** Attribute values with references decoded, as own properties (`__proto__` too). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Character data (references decoded) and CDATA (verbatim) directly inside, in order. */
  readonly text: string;
}

interface OpenElement {
  readonly name: string;
  readonly local: string;
  attrs: Record<string, string>;
  children: OpenElement[];
  text: string;
}

export interface ParsedElement {
  readonly element: XmlElement;
  /** Index just after the element's end tag. */
  readonly end: number;
}

/** Nesting levels below the outer element; an Event needs 3 (Event/EventData/Data). */
export const MAX_DEPTH = 32;

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/;

function malformed(message: string): never {
  throw new AuditImportError('XML_MALFORMED', message);
}

/** Decodes the predefined entities and character references; any other entity is an error. */
export function decodeXml(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  for (; amp >= 0; amp = raw.indexOf('&', from)) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 40) malformed("'&' does not start a reference");
    out += raw.slice(from, amp) + resolveReference(raw.slice(amp + 1, semi));
    from = semi + 1;
  }
  return out + raw.slice(from);
}

function resolveReference(ref: string): string {
  if (Object.hasOwn(PREDEFINED, ref)) return PREDEFINED[ref] as string;
  let cp: number;
  if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) cp = parseInt(ref.slice(2), 16);
  else if (/^#[0-9]{1,7}$/.test(ref)) cp = Number(ref.slice(1));
  else if (/^[A-Za-z_:][\w.:-]*$/.test(ref)) throw new AuditImportError('XML_ENTITY', `entity &${ref}; is not defined (DTD entities are never read)`);
  else malformed(`bad reference &${ref.slice(0, 20)};`);
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) malformed(`&${ref}; is not a character`);
  return String.fromCodePoint(cp);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** XML 1.0 NameStartChar, with every non-ASCII character admitted (as names are only compared, never resolved). */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/** End index of the name starting at `i` (`limit` when it may go on past it); throws unless `s[i]` is a NameStartChar. */
function nameEnd(s: string, i: number, limit: number): number {
  if (i >= limit) return limit;
  if (!isNameStart(s.charCodeAt(i))) malformed(`a name cannot start with ${JSON.stringify(s.charAt(i))}`);
  let j = i + 1;
  while (j < limit && isNameChar(s.charCodeAt(j))) j++;
  return j;
}

function skipSpace(s: string, i: number, limit: number): number {
  while (i < limit && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Most elements have no attributes or no children: they share these (never written to) until
 * their first one, two allocations less per element.
 */
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_CHILDREN: OpenElement[] = Object.freeze([]) as unknown as OpenElement[];

function open(name: string): OpenElement {
  const colon = name.indexOf(':');
  return { name, local: colon < 0 ? name : name.slice(colon + 1), attrs: NO_ATTRS, children: NO_CHILDREN, text: '' };
}

/**
 * Recently seen names, by a hash of their length and three characters: an export repeats the
 * same few dozen element and attribute names for every event, and reusing the string saves
 * an allocation per name. Only short names are kept, so the table stays small.
 */
const NAMES: (string | undefined)[] = new Array<string | undefined>(1024);
const SHORT_NAME = 64;

function nameAt(s: string, from: number, to: number): string {
  const len = to - from;
  if (len > SHORT_NAME) return s.slice(from, to);
  const h = (len * 977 + s.charCodeAt(from) * 31 + s.charCodeAt(from + (len >> 1)) * 7 + s.charCodeAt(to - 1)) & 1023;
  const known = NAMES[h];
  if (known !== undefined && known.length === len && s.startsWith(known, from)) return known;
  const name = s.slice(from, to);
  NAMES[h] = name;
  return name;
}

/** Index just after `close` found at or after `from`, or -1 when it is not within `limit`. */
function after(s: string, close: string, from: number, limit: number): number {
  const i = s.indexOf(close, from);
  return i < 0 || i + close.length > limit ? -1 : i + close.length;
}

/**
 * Parses the element whose start tag begins at `s[from]` (a `<`), reading no further than
 * `limit` (default: the end of `s`). Returns undefined when the element does not end
 * before `limit`; throws AuditImportError on anything not well-formed.
 */
export function parseElement(s: string, from: number, limit: number = s.length): ParsedElement | undefined {
  const stack: OpenElement[] = [];
  let top: OpenElement | undefined;
  let i = from;
  while (i < limit) {
    if (s.charCodeAt(i) !== 0x3c) {
      // Character data up to the next '<' (the element has begun: `from` holds a '<').
      const lt = s.indexOf('<', i);
      if (lt < 0 || lt >= limit) return undefined;
      if (top) top.text += decodeXml(s.slice(i, lt));
      else if (/\S/.test(s.slice(i, lt))) malformed('text before the element');
      i = lt;
      continue;
    }
    if (i + 1 >= limit) return undefined;
    const c = s.charCodeAt(i + 1);
    if (c === 0x2f) {
      // End tag: `</name S? >`, the name the one of the innermost open element.
      if (!top) malformed('an end tag before any start tag');
      const end = nameEnd(s, i + 2, limit);
      const gt = skipSpace(s, end, limit);
      if (gt >= limit) return undefined;
      if (s.charCodeAt(gt) !== 0x3e) malformed(`bad character ${JSON.stringify(s.charAt(gt))} in an end tag`);
      if (end - (i + 2) !== top.name.length || !s.startsWith(top.name, i + 2)) {
        malformed(`</${s.slice(i + 2, Math.min(end, i + 42))}> where </${top.name}> was expected`);
      }
      const closed = top;
      stack.pop();
      top = stack[stack.length - 1];
      i = gt + 1;
      if (!top) return { element: closed, end: i };
      continue;
    }
    if (c === 0x21) {
      // `<!--…-->`, `<![CDATA[…]]>`, or a declaration (refused).
      if (i + 9 > limit) return undefined; // too few characters to tell which (an element cannot end in fewer anyway)
      if (s.startsWith('<!--', i)) {
        const next = after(s, '-->', i + 4, limit);
        if (next < 0) return undefined;
        i = next;
        continue;
      }
      if (s.startsWith('<![CDATA[', i)) {
        const next = after(s, ']]>', i + 9, limit);
        if (next < 0) return undefined;
        if (top) top.text += s.slice(i + 9, next - 3);
        i = next;
        continue;
      }
      if (DECLARATION.test(s.slice(i, i + 10))) throw new AuditImportError('XML_DOCTYPE', 'DOCTYPE and entity declarations are refused (no entity expansion)');
      malformed('unknown markup declaration');
    }
    if (c === 0x3f) {
      const next = after(s, '?>', i + 2, limit);
      if (next < 0) return undefined;
      i = next;
      continue;
    }
    // Start tag: `<name (S attr S? = S? quoted)* S? /?>`.
    const nameStop = nameEnd(s, i + 1, limit);
    if (nameStop >= limit) return undefined;
    const el = open(nameAt(s, i + 1, nameStop));
    let j = nameStop;
    let selfClosing = false;
    for (;;) {
      const k = skipSpace(s, j, limit);
      if (k >= limit) return undefined;
      const ch = s.charCodeAt(k);
      if (ch === 0x3e) {
        j = k + 1;
        break;
      }
      if (ch === 0x2f) {
        if (k + 1 >= limit) return undefined;
        if (s.charCodeAt(k + 1) !== 0x3e) malformed(`'/' not followed by '>' in <${el.name}>`);
        j = k + 2;
        selfClosing = true;
        break;
      }
      if (k === j) malformed(`bad character ${JSON.stringify(s.charAt(k))} in <${el.name}>`);
      const attrEnd = nameEnd(s, k, limit);
      let eq = skipSpace(s, attrEnd, limit);
      if (eq >= limit) return undefined;
      if (s.charCodeAt(eq) !== 0x3d) malformed(`attribute without '=' in <${el.name}>`);
      eq = skipSpace(s, eq + 1, limit);
      if (eq >= limit) return undefined;
      const quote = s.charCodeAt(eq);
      if (quote !== 0x22 && quote !== 0x27) malformed(`unquoted attribute value in <${el.name}>`);
      const close = s.indexOf(quote === 0x22 ? '"' : "'", eq + 1);
      if (close < 0 || close >= limit) return undefined;
      const raw = s.slice(eq + 1, close);
      if (raw.includes('<')) malformed(`'<' in an attribute value of <${el.name}>`);
      const attr = nameAt(s, k, attrEnd);
      if (el.attrs === NO_ATTRS) el.attrs = {};
      else if (Object.hasOwn(el.attrs, attr)) malformed(`attribute ${attr.slice(0, 40)} appears twice in <${el.name}>`);
      if (attr === '__proto__') Object.defineProperty(el.attrs, attr, { value: decodeXml(raw), enumerable: true, writable: true, configurable: true });
      else el.attrs[attr] = decodeXml(raw);
      j = close + 1;
    }
    if (top) {
      if (top.children === NO_CHILDREN) top.children = [el];
      else top.children.push(el);
    }
    i = j;
    if (selfClosing) {
      if (!top) return { element: el, end: i };
      continue;
    }
    if (stack.length > MAX_DEPTH) malformed(`elements nested deeper than ${MAX_DEPTH} levels`);
    stack.push(el);
    top = el;
  }
  return undefined;
}
