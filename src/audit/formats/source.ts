/**
 * Import input → text chunks. Accepts text, bytes or (async) iterables of either (a Node
 * Readable is one); bytes are decoded by their BOM (UTF-8, UTF-16LE as PowerShell writes
 * it, UTF-16BE), BOM-less UTF-16 is recognised by its zero bytes, everything else is UTF-8
 * (invalid sequences become U+FFFD). Large inputs are cut into pieces so that parsing and
 * progress reports stay incremental.
 */

import { TextDecoder } from 'node:util';

export type ImportSource = string | Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/** Progress: raw bytes read so far, and the total when known. */
export type ProgressCallback = (bytesRead: number, totalBytes: number | undefined) => void;

const PIECE = 1 << 20;

/** Size in bytes of an in-memory source; undefined for streams. */
export function sourceSize(source: ImportSource): number | undefined {
  if (typeof source === 'string') return Buffer.byteLength(source);
  if (source instanceof Uint8Array) return source.byteLength;
  return undefined;
}

function* pieces(source: ImportSource): Iterable<Uint8Array | string> {
  if (typeof source === 'string') {
    for (let i = 0; i < source.length; ) {
      let end = Math.min(i + PIECE, source.length);
      const last = source.charCodeAt(end - 1);
      if (end < source.length && last >= 0xd800 && last <= 0xdbff) end--; // keep surrogate pairs whole
      yield source.slice(i, end);
      i = end;
    }
  } else if (source instanceof Uint8Array) {
    for (let i = 0; i < source.byteLength; i += PIECE) yield source.subarray(i, Math.min(i + PIECE, source.byteLength));
  }
}

function encodingOf(head: Uint8Array): string {
  const [a, b, c] = head;
  if (a === 0xef && b === 0xbb && c === 0xbf) return 'utf-8';
  if (a === 0xff && b === 0xfe) return 'utf-16le';
  if (a === 0xfe && b === 0xff) return 'utf-16be';
  if (a !== undefined && b !== undefined && a !== 0 && b === 0) return 'utf-16le';
  if (a === 0 && b !== undefined && b !== 0) return 'utf-16be';
  return 'utf-8';
}

/** Decoded text of the source, chunk by chunk, reporting raw bytes consumed. */
export async function* decodeSource(
  source: ImportSource,
  onBytes: (bytes: number) => void,
): AsyncGenerator<string, void, undefined> {
  const chunks = typeof source === 'string' || source instanceof Uint8Array ? pieces(source) : source;
  let decoder: TextDecoder | undefined;
  let head: Uint8Array | undefined; // first bytes, held until the encoding is known
  let first = true;
  const emit = (text: string): string => {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) return text.slice(1);
    }
    return text;
  };
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      onBytes(Buffer.byteLength(chunk));
      if (head) {
        decoder ??= new TextDecoder(encodingOf(head));
        const pending = emit(decoder.decode(head));
        head = undefined;
        if (pending) yield pending;
      }
      const text = emit(chunk);
      if (text) yield text;
      continue;
    }
    onBytes(chunk.byteLength);
    let bytes: Uint8Array = chunk;
    if (!decoder) {
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.byteLength < 3) continue;
      decoder = new TextDecoder(encodingOf(head));
      bytes = head;
      head = undefined;
    }
    const text = emit(decoder.decode(bytes, { stream: true }));
    if (text) yield text;
  }
  if (head) {
    decoder ??= new TextDecoder(encodingOf(head));
    const text = emit(decoder.decode(head, { stream: true }));
    if (text) yield text;
  }
  if (decoder) {
    const rest = emit(decoder.decode());
    if (rest) yield rest;
  }
}
