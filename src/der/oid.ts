// OBJECT IDENTIFIER contents octets (X.690 §8.19) <-> dotted strings.

import { derFail } from './errors.js';

const HEX = '0123456789abcdef';

// One long sub-identifier (base-128 octets content[start..end)) as a BigInt, in linear
// time: the 7-bit groups are regrouped into hex digits and parsed once.
function bigSubidentifier(content: Uint8Array, start: number, end: number): bigint {
  const digits: string[] = [];
  let bits = (4 - (((end - start) * 7) % 4)) % 4; // leading zero bits to fill the first digit
  let acc = 0;
  for (let i = start; i < end; i++) {
    acc = (acc << 7) | ((content[i] as number) & 0x7f);
    bits += 7;
    while (bits >= 4) {
      bits -= 4;
      digits.push(HEX[(acc >> bits) & 0xf] as string);
    }
    acc &= (1 << bits) - 1;
  }
  return BigInt(`0x${digits.join('')}`);
}

/**
 * The longest sub-identifier accepted: 24 octets (168 bits). The largest arcs in use are
 * 128-bit UUIDs under 2.25 (X.667); a longer one can only be hostile, and turning a
 * multi-kilobyte BigInt into decimal costs quadratic time in V8.
 */
export const MAX_SUBIDENTIFIER_OCTETS = 24;

/**
 * Decodes OBJECT IDENTIFIER contents octets (X.690 §8.19) into dotted form. Strict:
 * non-empty, minimal base-128 sub-identifiers, last octet without continuation bit, at most
 * MAX_SUBIDENTIFIER_OCTETS per sub-identifier (BigInt beyond 2^53).
 * Throws DerError('BAD_OID').
 */
export function decodeOidContent(content: Uint8Array): string {
  if (content.length === 0) derFail('BAD_OID', 'empty OBJECT IDENTIFIER');
  let out = '';
  let start = 0; // first octet of the current sub-identifier
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i] as number;
    if (i === start && b === 0x80) derFail('BAD_OID', 'non-minimal OBJECT IDENTIFIER sub-identifier');
    if (i - start >= MAX_SUBIDENTIFIER_OCTETS) derFail('BAD_OID', `OBJECT IDENTIFIER sub-identifier longer than ${MAX_SUBIDENTIFIER_OCTETS} octets`);
    if ((b & 0x80) !== 0) {
      value = value * 128 + (b & 0x7f);
      continue;
    }
    let arc: number | bigint;
    if (i - start < 7) {
      arc = value * 128 + b; // at most 49 bits: exact as a double
    } else {
      arc = bigSubidentifier(content, start, i + 1);
      if (arc <= BigInt(Number.MAX_SAFE_INTEGER)) arc = Number(arc);
    }
    if (out === '') {
      // §8.19.4: the first sub-identifier is X*40 + Y.
      if (typeof arc === 'bigint') out = `2.${arc - 80n}`;
      else out = arc < 40 ? `0.${arc}` : arc < 80 ? `1.${arc - 40}` : `2.${arc - 80}`;
    } else {
      out += `.${arc}`;
    }
    start = i + 1;
    value = 0;
  }
  if (start !== content.length) derFail('BAD_OID', 'truncated OBJECT IDENTIFIER sub-identifier');
  return out;
}

const OID_RE = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** True when `oid` is a dotted OBJECT IDENTIFIER we can encode (X.660 arcs, safe-integer sized). */
export function isValidOid(oid: string): boolean {
  if (typeof oid !== 'string' || !OID_RE.test(oid)) return false;
  const arcs = oid.split('.').map(Number);
  const [a, b] = arcs as [number, number];
  if (a < 2 && b > 39) return false;
  if (!arcs.every((x) => Number.isSafeInteger(x))) return false;
  return Number.isSafeInteger(a * 40 + b);
}

// Encoded contents by dotted string (a small bounded memo; callers get copies).
const encoded = new Map<string, Uint8Array>();

/**
 * OBJECT IDENTIFIER contents octets (X.690 §8.19) for a dotted string. Throws
 * RangeError unless isValidOid(oid). The result is shared: do not modify it.
 */
export function encodeOidContent(oid: string): Uint8Array {
  const hit = encoded.get(oid);
  if (hit !== undefined) return hit;
  if (!isValidOid(oid)) throw new RangeError(`invalid OBJECT IDENTIFIER: ${JSON.stringify(oid)}`);
  const arcs = oid.split('.').map(Number);
  const subids = [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)];
  const out: number[] = [];
  for (const subid of subids) {
    // §8.19.2: base 128, most significant first, bit 8 set on all but the last octet.
    const start = out.length;
    let v = subid;
    do {
      out.splice(start, 0, (v % 128) | (out.length > start ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
  }
  const bytes = Uint8Array.from(out);
  if (encoded.size >= 1024) encoded.clear();
  encoded.set(oid, bytes);
  return bytes;
}
