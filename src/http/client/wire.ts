/**
 * Just enough HTTP/1.1 (RFC 9112) for the exchanges the client runs on a raw socket: the
 * CONNECT handshake with a proxy and the HEAD legs an http.Agent runs before it hands a socket
 * over. Pure: bytes in, a parsed response out. Framing follows RFC 9112 §6.3 (HEAD, 1xx, 204,
 * 304 and a 2xx to CONNECT have no body; chunked; Content-Length; else until the peer closes).
 * Malformed input is an HttpAuthError, never an exception of another kind.
 */
import { HttpAuthError } from './errors.js';

export interface ResponseHead {
  readonly statusCode: number;
  readonly statusMessage: string;
  /** `1.0` or `1.1`. */
  readonly version: string;
  /** Lower-cased names; repeated headers keep every value in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export interface ParsedResponse {
  readonly head: ResponseHead;
  /** Whether the connection may carry another request after this response. */
  readonly keepAlive: boolean;
  /** Bytes after the response (for a CONNECT tunnel: the first bytes from the far side). */
  readonly rest: Buffer;
}

/** One header's values joined the RFC 9110 §5.3 way, or undefined. */
export function headerValue(head: ResponseHead, name: string): string | undefined {
  const v = head.headers.get(name.toLowerCase());
  return v === undefined ? undefined : v.join(', ');
}

/** Header values for the challenge parser (every line kept apart). */
export function headerLines(head: ResponseHead, name: string): readonly string[] | undefined {
  return head.headers.get(name.toLowerCase());
}

const MAX_HEAD = 64 * 1024;
const MAX_HEADERS = 256;
/** Bodies of the responses we skip (401/407 pages) are small; a larger one is not worth the wait. */
const MAX_SKIPPED_BODY = 1024 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function bad(message: string): HttpAuthError {
  return new HttpAuthError('BAD_CHALLENGE', `malformed HTTP response: ${message}`);
}

/** Formats a request head; header values must not contain CR or LF. */
export function formatRequestHead(method: string, target: string, headers: readonly (readonly [string, string])[]): Buffer {
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of headers) {
    if (!TOKEN.test(k) || /[\r\n\0]/.test(v)) throw new HttpAuthError('BAD_OPTION', `invalid request header ${JSON.stringify(k)}`);
    s += `${k}: ${v}\r\n`;
  }
  return Buffer.from(`${s}\r\n`, 'latin1');
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = lines[0] ?? '';
  const m = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(status);
  if (!m) throw bad(`status line ${JSON.stringify(status.slice(0, 64))}`);
  const headers = new Map<string, string[]>();
  if (lines.length - 1 > MAX_HEADERS) throw bad('too many header lines');
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') throw bad('obsolete header line folding');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw bad(`header line ${JSON.stringify(line.slice(0, 64))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const list = headers.get(key);
    if (list) list.push(value);
    else headers.set(key, [value]);
  }
  return { version: m[1] ?? '1.1', statusCode: Number(m[2]), statusMessage: m[3] ?? '', headers };
}

type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * Incremental reader for one response to a request of `method`. `push` each chunk the socket
 * gives; it returns the response once head and body are complete. `end()` reports the peer
 * closing (completes an until-close body, fails anything else).
 */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private head: ResponseHead | undefined;
  private framing: Framing | undefined;
  private skipped = 0;
  // Chunked state: 'size' (reading a size line), 'data' (n bytes left), 'crlf' (after data), 'trailer'.
  private chunk: { state: 'size' | 'data' | 'crlf' | 'trailer'; left: number } = { state: 'size', left: 0 };

  constructor(private readonly method: string) {}

  push(data: Buffer): ParsedResponse | undefined {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    for (;;) {
      if (this.head === undefined) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) throw bad(`no end of headers in ${MAX_HEAD} bytes`);
          return undefined;
        }
        if (end > MAX_HEAD) throw bad(`headers longer than ${MAX_HEAD} bytes`);
        const head = parseHead(this.buf.subarray(0, end).toString('latin1'));
        this.buf = this.buf.subarray(end + 4);
        // 1xx interim responses (100 Continue, 103 Early Hints) precede the real one (RFC 9110 §15.2).
        if (head.statusCode < 200 && head.statusCode !== 101) continue;
        this.head = head;
        this.framing = this.framingOf(head);
      }
      return this.body();
    }
  }

  /** The peer closed. Completes an until-close body; anything else was cut short. */
  end(): ParsedResponse {
    if (this.head && this.framing?.kind === 'close') return { head: this.head, keepAlive: false, rest: Buffer.alloc(0) };
    throw new HttpAuthError('HANDSHAKE_FAILED', this.head ? 'the connection closed in the middle of a response body' : 'the connection closed before a response');
  }

  private framingOf(head: ResponseHead): Framing {
    const status = head.statusCode;
    if (this.method === 'HEAD' || status === 204 || status === 304 || status === 101 || (this.method === 'CONNECT' && status >= 200 && status < 300)) return { kind: 'none' };
    const transferEncoding = headerValue(head, 'transfer-encoding');
    if (transferEncoding !== undefined) {
      const codings = transferEncoding.toLowerCase().split(',').map((x) => x.trim());
      if (codings[codings.length - 1] !== 'chunked') return { kind: 'close' };
      return { kind: 'chunked' };
    }
    const contentLength = head.headers.get('content-length');
    if (contentLength !== undefined) {
      const values = new Set(contentLength.flatMap((v) => v.split(',').map((x) => x.trim())));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) throw bad('invalid Content-Length');
      return { kind: 'length', left: Number(only) };
    }
    return { kind: 'close' };
  }

  private keepAlive(head: ResponseHead): boolean {
    const tokens = (headerValue(head, 'connection') ?? '')
      .concat(',', headerValue(head, 'proxy-connection') ?? '')
      .toLowerCase()
      .split(',')
      .map((x) => x.trim());
    if (tokens.includes('close')) return false;
    if (head.version === '1.0') return tokens.includes('keep-alive');
    return this.framing?.kind !== 'close';
  }

  private skip(n: number): void {
    this.skipped += n;
    if (this.skipped > MAX_SKIPPED_BODY) throw new HttpAuthError('HANDSHAKE_FAILED', `a response body longer than ${MAX_SKIPPED_BODY} bytes during the handshake`);
  }

  private done(): ParsedResponse {
    const head = this.head;
    if (head === undefined) throw bad('no head');
    return { head, keepAlive: this.keepAlive(head), rest: this.buf };
  }

  private body(): ParsedResponse | undefined {
    const framing = this.framing;
    if (framing === undefined || framing.kind === 'none') return this.done();
    if (framing.kind === 'close') {
      this.skip(this.buf.length);
      this.buf = Buffer.alloc(0);
      return undefined;
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.left, this.buf.length);
      this.skip(take);
      framing.left -= take;
      this.buf = this.buf.subarray(take);
      return framing.left === 0 ? this.done() : undefined;
    }
    // chunked (RFC 9112 §7.1)
    for (;;) {
      const chunk = this.chunk;
      if (chunk.state === 'data') {
        const take = Math.min(chunk.left, this.buf.length);
        this.skip(take);
        chunk.left -= take;
        this.buf = this.buf.subarray(take);
        if (chunk.left > 0) return undefined;
        chunk.state = 'crlf';
      }
      if (chunk.state === 'crlf') {
        if (this.buf.length < 2) return undefined;
        if (this.buf[0] !== 0x0d || this.buf[1] !== 0x0a) throw bad('chunk not followed by CRLF');
        this.buf = this.buf.subarray(2);
        chunk.state = 'size';
      }
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) {
        if (this.buf.length > 4096) throw bad('chunk size line too long');
        return undefined;
      }
      const line = this.buf.subarray(0, eol).toString('latin1');
      this.buf = this.buf.subarray(eol + 2);
      if (chunk.state === 'trailer') {
        if (line === '') return this.done();
        continue;
      }
      const sizeLine = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line);
      if (!sizeLine || sizeLine[1] === undefined) throw bad('invalid chunk size');
      const size = parseInt(sizeLine[1], 16);
      if (size === 0) chunk.state = 'trailer';
      else {
        chunk.state = 'data';
        chunk.left = size;
      }
    }
  }
}
