/**
 * Finds the `<Event>` elements in a stream of XML text without building the whole
 * document, so exports of any size import in bounded memory. Between events it only knows
 * markup boundaries (tags with quoted attributes, comments, processing instructions) and
 * the wrapping elements' nesting; each event is parsed in place, in one pass, by
 * parseElement (xmlElement.ts), which also finds where it ends. An event that the text
 * received so far does not complete is parsed again once more text has come, after the
 * text held has at least doubled, so small chunks cost linear, not quadratic, time.
 *
 * Accepted around the events: an XML declaration, comments, whitespace, and any wrapping
 * elements (`<Events>`). Refused: DOCTYPE and entity declarations (fatal: no expansion
 * ever happens), text outside events, records larger than the size cap. After a bad
 * record the splitter resynchronises on the next `<Event` start tag.
 */
import { AuditImportError, asImportError, type AuditImportErrorCode } from './errors.js';
import { parseElement, type XmlElement } from './xmlElement.js';

export type SplitResult<T> =
  | { readonly kind: 'event'; readonly value: T }
  | { readonly kind: 'error'; readonly error: AuditImportError; readonly fatal: boolean };

const EVENT_START = /<(?:[A-Za-z_][\w.-]*:)?Event[\s/>]/g;
const DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/;
/** Characters needed to tell `<!--`, `<![CDATA[`, `<!DOCTYPE` and `<?` apart. */
const LOOKAHEAD = 9;
/**
 * Text is taken in pieces of at most this many characters: the held text plus a piece then
 * stays far below the 128 KiB (64 Ki two-byte characters) past which V8 flattens a concatenated
 * string into its large-object space, each time at a cost above that of parsing the events of
 * a 64 KiB read chunk.
 */
const PIECE = 16_384;
/** Characters of an unfinished event held before it is parsed again (then twice as many as at the last try). */
const FIRST_RETRY = 4096;

function firstNonBlank(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Index of the `>` closing the tag opened at `from`, skipping quoted attribute values; -1 if not yet there. */
function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let i = from + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i;
  }
  return -1;
}

function tagName(s: string, from: number, to: number): string {
  let i = from;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e) break;
  }
  return s.slice(from, i);
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * `map` turns each parsed `<Event>` element into what the caller keeps (an event), at once,
 * so that the element tree is garbage before the next one is parsed; what it throws becomes
 * an error result for that record, in order with the splitter's own.
 */
export class XmlEventSplitter<T> {
  private buf = '';
  private pos = 0;
  /** Line and UTF-8 offset of a known index of `buf` (index 0 after each compaction). */
  private mark = { idx: 0, line: 1, offset: 0 };
  private base = { line: 1, offset: 0 };
  private eventStart = -1;
  private eventAt = { line: 1, offset: 0 };
  /** Characters of the unfinished event at which to parse it again. */
  private retryAt = 0;
  private readonly outer: string[] = [];
  private resync = false;
  private waiting = false;
  private out: SplitResult<T>[] = [];

  constructor(
    private readonly maxRecordSize: number,
    private readonly map: (element: XmlElement) => T,
  ) {}

  push(chunk: string): SplitResult<T>[] {
    for (let i = 0; i < chunk.length; ) {
      let end = Math.min(i + PIECE, chunk.length);
      const last = chunk.charCodeAt(end - 1);
      if (end < chunk.length && last >= 0xd800 && last <= 0xdbff) end--; // keep surrogate pairs whole
      this.pushPiece(end - i === chunk.length ? chunk : chunk.slice(i, end));
      i = end;
    }
    return this.take();
  }

  private pushPiece(piece: string): void {
    this.buf += piece;
    // Waiting for the end of a construct: every construct ends with '>'.
    if (this.waiting && !this.resync && !piece.includes('>')) this.checkSize(false);
    else this.scan(false);
  }

  end(): SplitResult<T>[] {
    this.scan(true);
    if (this.eventStart >= 0) {
      this.error('TRUNCATED', 'the input ends inside an <Event> element', this.eventAt);
      this.eventStart = -1;
    } else if (this.waiting && !this.resync) {
      this.error('TRUNCATED', 'the input ends inside markup', this.where(this.pos));
    } else if (this.outer.length > 0 && !this.resync) {
      this.error('TRUNCATED', `the input ends before </${this.outer[this.outer.length - 1] ?? ''}>`, this.where(this.buf.length));
    }
    this.buf = '';
    return this.take();
  }

  private take(): SplitResult<T>[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private where(idx: number): { line: number; offset: number } {
    let { idx: i, line, offset } = this.mark;
    if (idx < i) ({ idx: i, line, offset } = { idx: 0, ...this.base });
    line += countNewlines(this.buf, i, idx);
    offset += Buffer.byteLength(this.buf.slice(i, idx));
    this.mark = { idx, line, offset };
    return { line, offset };
  }

  private error(code: AuditImportErrorCode, message: string, at: { line: number; offset: number }, fatal = false): void {
    this.out.push({ kind: 'error', error: new AuditImportError(code, message, { format: 'xml', ...at }), fatal });
  }

  /** Records a bad record and skips ahead to the next `<Event`. */
  private fail(code: AuditImportErrorCode, message: string, idx: number): void {
    this.error(code, message, this.eventStart >= 0 ? this.eventAt : this.where(idx));
    this.eventStart = -1;
    this.resync = true;
  }

  private checkSize(final: boolean): void {
    const from = this.eventStart >= 0 ? this.eventStart : this.pos;
    if (this.buf.length - from > this.maxRecordSize) {
      this.fail('RECORD_TOO_LARGE', `a record exceeds ${this.maxRecordSize} characters`, from);
      this.pos = from + 1;
      this.waiting = false;
      this.scan(final);
    } else {
      this.compact();
    }
  }

  private scan(final: boolean): void {
    const s = this.buf;
    this.waiting = false;
    for (;;) {
      if (this.eventStart >= 0) {
        const done = this.event(final);
        if (done === 'fatal') return;
        if (done) continue;
        this.waiting = true;
        break;
      }
      if (this.resync) {
        EVENT_START.lastIndex = this.pos;
        const m = EVENT_START.exec(s);
        if (!m) {
          this.pos = Math.max(this.pos, s.length - 64); // an `<Event` may straddle chunks
          break;
        }
        this.pos = m.index;
        this.resync = false;
      }
      const lt = s.indexOf('<', this.pos);
      const textEnd = lt < 0 ? s.length : lt;
      const junk = firstNonBlank(s, this.pos, textEnd);
      if (junk >= 0) {
        this.fail('XML_MALFORMED', 'text outside an <Event> element', junk);
        this.pos = junk + 1;
        continue;
      }
      if (lt < 0) {
        this.pos = s.length;
        break;
      }
      this.pos = lt;
      if (s.length - lt < LOOKAHEAD && !final) {
        this.waiting = true;
        break;
      }
      const next = this.markup(s, lt);
      if (next === 'wait') {
        this.waiting = true;
        break;
      }
      if (next === 'fatal') return;
      this.pos = next;
    }
    if (this.waiting && !final) this.checkSize(final);
    else this.compact();
  }

  /**
   * Parses the event starting at `eventStart` once enough text is held: true when it is done
   * with (emitted, or failed and skipped), false to wait for more text, 'fatal' after a DOCTYPE.
   */
  private event(final: boolean): boolean | 'fatal' {
    const held = this.buf.length - this.eventStart;
    if (!final && held < this.retryAt && held <= this.maxRecordSize) return false;
    const limit = Math.min(this.buf.length, this.eventStart + this.maxRecordSize);
    let parsed;
    try {
      parsed = parseElement(this.buf, this.eventStart, limit);
    } catch (err) {
      if (!(err instanceof AuditImportError)) throw err;
      if (err.code === 'XML_DOCTYPE') {
        this.error(err.code, err.message, this.eventAt, true);
        this.eventStart = -1;
        return 'fatal';
      }
      const start = this.eventStart;
      this.fail(err.code, err.message, start);
      this.pos = start + 1;
      return true;
    }
    if (parsed === undefined) {
      if (limit < this.buf.length) {
        const start = this.eventStart;
        this.fail('RECORD_TOO_LARGE', `a record exceeds ${this.maxRecordSize} characters`, start);
        this.pos = start + 1;
        return true;
      }
      this.retryAt = Math.max(FIRST_RETRY, 2 * held);
      return false;
    }
    try {
      this.out.push({ kind: 'event', value: this.map(parsed.element) });
    } catch (err) {
      this.out.push({ kind: 'error', error: asImportError(err, 'XML_MALFORMED', { format: 'xml', ...this.eventAt }), fatal: false });
    }
    this.eventStart = -1;
    this.retryAt = 0;
    this.pos = parsed.end;
    return true;
  }

  /** Handles the construct at `lt` between events; returns the index after it, 'wait' if incomplete, 'fatal' after a fatal error. */
  private markup(s: string, lt: number): number | 'wait' | 'fatal' {
    const endOf = (close: string, from: number): number | 'wait' => {
      const i = s.indexOf(close, from);
      return i < 0 ? 'wait' : i + close.length;
    };
    if (s.startsWith('<!--', lt)) return endOf('-->', lt + 4);
    if (s.startsWith('<![CDATA[', lt)) return this.bad('CDATA outside an <Event> element', lt);
    if (s.startsWith('<!', lt)) {
      if (DECLARATION.test(s.slice(lt, lt + LOOKAHEAD + 1))) {
        this.error('XML_DOCTYPE', 'DOCTYPE and entity declarations are refused (no entity expansion)', this.where(lt), true);
        return 'fatal';
      }
      return this.bad('unknown markup declaration', lt);
    }
    if (s.startsWith('<?', lt)) return endOf('?>', lt + 2);
    const gt = tagEnd(s, lt);
    if (gt < 0) return 'wait';
    if (s.charCodeAt(lt + 1) === 0x2f) {
      const name = tagName(s, lt + 2, gt);
      if (this.outer.pop() !== name) return this.bad(`unexpected </${name}>`, lt);
      return gt + 1;
    }
    const name = tagName(s, lt + 1, gt);
    if (name === '') return this.bad("'<' not followed by a name", lt);
    if (localName(name) === 'Event') {
      // parsed from its `<` by event(), on the next turn of scan()
      this.eventStart = lt;
      this.eventAt = this.where(lt);
      this.retryAt = 0;
      return lt;
    }
    if (s.charCodeAt(gt - 1) !== 0x2f) this.outer.push(name);
    return gt + 1;
  }

  private bad(message: string, idx: number): number {
    this.fail('XML_MALFORMED', message, idx);
    return idx + 1;
  }

  /** Drops what is scanned and no longer needed, keeping line/offset bookkeeping. */
  private compact(): void {
    const keep = Math.min(this.pos, this.eventStart >= 0 ? this.eventStart : Infinity);
    if (keep <= 0) return;
    const at = this.where(keep);
    this.buf = this.buf.slice(keep);
    this.base = at;
    this.mark = { idx: 0, ...at };
    this.pos -= keep;
    if (this.eventStart >= 0) this.eventStart -= keep;
  }
}
