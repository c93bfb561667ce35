// A tiny DER encoder: every helper returns the complete encoding of one element as a
// fresh Buffer, with definite minimal lengths (X.690 §8.1.3, §10.1). Inputs are
// trusted (built by our own code); mistakes are TypeError/RangeError.

import type { TagClass } from './decode.js';
import { UniversalTag } from './decode.js';
import { encodeOidContent } from './oid.js';

const CLASS_BITS: Readonly<Record<TagClass, number>> = { universal: 0x00, application: 0x40, context: 0x80, private: 0xc0 };

/**
 * Identifier octets (X.690 §8.1.2): one octet for tag numbers < 31, else the
 * high-tag-number form (§8.1.2.4, base 128, minimal). Tag numbers must be < 2^28.
 */
export function identifier(tagClass: TagClass, constructed: boolean, tagNumber: number): Uint8Array {
  const bits = CLASS_BITS[tagClass];
  if (bits === undefined) throw new RangeError(`invalid tag class: ${String(tagClass)}`);
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber >= 2 ** 28) {
    throw new RangeError(`tag number must be an integer in 0..2^28-1, got ${tagNumber}`);
  }
  const first = bits | (constructed ? 0x20 : 0);
  if (tagNumber < 31) return Uint8Array.of(first | tagNumber);
  const out = [tagNumber & 0x7f];
  for (let v = tagNumber >>> 7; v > 0; v >>>= 7) out.unshift(0x80 | (v & 0x7f));
  return Uint8Array.of(first | 0x1f, ...out);
}

/**
 * One TLV: identifier octets (a single octet as a number, or the output of
 * identifier()), a minimal definite length and the contents (one or more parts,
 * concatenated).
 */
export function tlv(id: number | Uint8Array, content: Uint8Array | readonly Uint8Array[]): Buffer {
  const parts: readonly Uint8Array[] = content instanceof Uint8Array ? [content] : content;
  let length = 0;
  for (const part of parts) {
    if (!(part instanceof Uint8Array)) throw new TypeError('DER contents must be Buffers/Uint8Arrays');
    length += part.length;
  }
  if (typeof id === 'number' && (!Number.isInteger(id) || id < 0 || id > 0xff || (id & 0x1f) === 0x1f)) {
    throw new RangeError(`invalid single identifier octet: ${id}`);
  }
  const idLength = typeof id === 'number' ? 1 : id.length;
  // §8.1.3.4 short form below 128, else §8.1.3.5 long form with the fewest octets.
  if (length > 0xffffffff) throw new RangeError('DER element too large');
  let lengthOctets = 1;
  if (length > 0x7f) for (let v = length; v > 0; v = Math.floor(v / 256)) lengthOctets++;
  const out = Buffer.allocUnsafe(idLength + lengthOctets + length);
  if (typeof id === 'number') out[0] = id;
  else out.set(id, 0);
  let p = idLength;
  if (lengthOctets === 1) {
    out[p++] = length;
  } else {
    out[p++] = 0x80 | (lengthOctets - 1);
    for (let i = lengthOctets - 2; i >= 0; i--) out[p++] = Math.floor(length / 2 ** (8 * i)) & 0xff;
  }
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

// Identifier octet(s) for a constructed context/application tag.
function constructedId(tagClass: TagClass, tagNumber: number): number | Uint8Array {
  if (Number.isInteger(tagNumber) && tagNumber >= 0 && tagNumber < 31) return CLASS_BITS[tagClass] | 0x20 | tagNumber;
  return identifier(tagClass, true, tagNumber);
}

/** SEQUENCE / SEQUENCE OF (X.690 §8.9, §8.10) of already-encoded elements. */
export function sequence(items: readonly Uint8Array[]): Buffer {
  return tlv(0x30, items);
}

/** EXPLICIT context tag [n] around one encoded element (X.690 §8.14.2). */
export function explicit(tagNumber: number, inner: Uint8Array): Buffer {
  return tlv(constructedId('context', tagNumber), inner);
}

/** Constructed [APPLICATION n] holding `items` (an IMPLICIT SEQUENCE body, X.690 §8.14.3). */
export function application(tagNumber: number, items: readonly Uint8Array[]): Buffer {
  return tlv(constructedId('application', tagNumber), items);
}

/** OBJECT IDENTIFIER from a dotted string (X.690 §8.19); RangeError if invalid. */
export function oid(dotted: string): Buffer {
  return tlv(UniversalTag.OBJECT_IDENTIFIER, encodeOidContent(dotted));
}

/** Primitive OCTET STRING (X.690 §8.7). */
export function octetString(bytes: Uint8Array): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('OCTET STRING value must be a Buffer/Uint8Array');
  return tlv(UniversalTag.OCTET_STRING, bytes);
}

/** Primitive BIT STRING (X.690 §8.6): `bytes` holds the bits, the last `unusedBits` of it padding. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('BIT STRING value must be a Buffer/Uint8Array');
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`invalid BIT STRING unused-bits count ${unusedBits}`);
  }
  return tlv(UniversalTag.BIT_STRING, [Uint8Array.of(unusedBits), bytes]);
}

// Minimal two's-complement contents octets of a safe integer (X.690 §8.3.2).
function signedContent(value: number, type: string): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${type} value must be a safe integer`);
  const out: number[] = [];
  let v = value;
  for (;;) {
    const b = ((v % 256) + 256) % 256;
    out.unshift(b);
    v = (v - b) / 256;
    if ((v === 0 && (b & 0x80) === 0) || (v === -1 && (b & 0x80) !== 0)) return Uint8Array.from(out);
  }
}

/** INTEGER (X.690 §8.3) from a safe integer. */
export function integer(value: number): Buffer {
  return tlv(UniversalTag.INTEGER, signedContent(value, 'INTEGER'));
}

/** ENUMERATED (X.690 §8.4) from a safe integer. */
export function enumerated(value: number): Buffer {
  return tlv(UniversalTag.ENUMERATED, signedContent(value, 'ENUMERATED'));
}

/** GeneralString (X.690 §8.23), sent as UTF-8 octets (see readGeneralString). */
export function generalString(value: string): Buffer {
  if (typeof value !== 'string') throw new TypeError('GeneralString value must be a string');
  return tlv(UniversalTag.GENERAL_STRING, Buffer.from(value, 'utf8'));
}
