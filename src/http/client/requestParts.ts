/**
 * The pieces of a dispatched request the handshake needs to vary: headers as flat pairs (any
 * of undici's header shapes in), and whether the body can be sent twice.
 */
import { Blob } from 'node:buffer';
import type { Dispatcher } from 'undici';

export type HeaderPairs = readonly (readonly [string, string])[];

function push(out: [string, string][], name: unknown, value: unknown): void {
  if (value === undefined || value === null) return;
  const k = String(name);
  if (Array.isArray(value)) for (const v of value) push(out, k, v);
  else out.push([k, String(value)]);
}

/** Any undici header shape (object, flat array, iterable of pairs) as [name, value] pairs. */
export function headerPairs(headers: Dispatcher.DispatchOptions['headers']): [string, string][] {
  const out: [string, string][] = [];
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) push(out, headers[i], headers[i + 1]);
    return out;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<unknown>) {
      if (Array.isArray(pair) && pair.length === 2) push(out, pair[0], pair[1]);
    }
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) push(out, k, v);
  return out;
}

export function hasHeader(pairs: HeaderPairs, name: string): boolean {
  const l = name.toLowerCase();
  return pairs.some(([k]) => k.toLowerCase() === l);
}

export function withoutHeaders(pairs: HeaderPairs, names: readonly string[]): [string, string][] {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return pairs.filter(([k]) => !drop.has(k.toLowerCase())).map(([k, v]) => [k, v]);
}

/** Pairs in undici's flat array form. */
export function flat(pairs: HeaderPairs): string[] {
  return pairs.flatMap(([k, v]) => [k, v]);
}

/**
 * `none`: nothing to send; `replayable`: in memory, can be sent on every leg (string, bytes,
 * Blob, FormData); `stream`: a Readable, async iterable or web stream — sent at most once.
 * (`fetch` hands every body over as an async iterable, so fetch bodies are streams here.)
 */
export type BodyKind = 'none' | 'replayable' | 'stream';

export function bodyKind(body: unknown): BodyKind {
  if (body === undefined || body === null) return 'none';
  if (typeof body === 'string') return body.length === 0 ? 'none' : 'replayable';
  if (body instanceof Uint8Array) return body.length === 0 ? 'none' : 'replayable';
  if (ArrayBuffer.isView(body)) return body.byteLength === 0 ? 'none' : 'replayable';
  if (body instanceof ArrayBuffer) return body.byteLength === 0 ? 'none' : 'replayable';
  if (body instanceof Blob) return 'replayable';
  const tag = (body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === 'FormData' || tag === 'Blob' || tag === 'File') return 'replayable';
  return 'stream';
}
