// The SPNEGO view of the shared DER codec (src/der/): the same decoder, readers and
// builders, but every decoding failure surfaces as SpnegoDecodeError with the
// corresponding code, plus the one SPNEGO-specific type, ContextFlags (RFC 4178 §4.2.1).
//
// Builders return complete DER encodings (Buffers); toDer() is kept for callers that
// compose them.

import * as der from '../der/index.js';
import type { DerErrorCode, DerLimits, DerNode } from '../der/index.js';
import { SpnegoDecodeError } from './errors.js';
import type { SpnegoErrorCode } from './errors.js';

export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, UniversalTag, describeTag, hasTag, isValidOid } from '../der/index.js';
export type { DerLimits, DerNode, TagClass } from '../der/index.js';

/** An encoded DER element as produced by the *Block() builders. */
export type DerBlock = Buffer;

// DerError code → SpnegoDecodeError code. The only width-limited reader SPNEGO uses
// is ENUMERATED (negState), hence OUT_OF_RANGE → BAD_ENUM.
const CODES: Readonly<Record<DerErrorCode, SpnegoErrorCode>> = {
  TOO_LARGE: 'TOO_LARGE',
  EMPTY: 'EMPTY',
  TRUNCATED: 'TRUNCATED',
  BAD_DER: 'BAD_DER',
  TRAILING_DATA: 'TRAILING_DATA',
  UNEXPECTED_TAG: 'UNEXPECTED_TAG',
  BAD_OID: 'BAD_OID',
  BAD_VALUE: 'BAD_VALUE',
  OUT_OF_RANGE: 'BAD_ENUM',
  TOO_DEEP: 'TOO_DEEP',
};

/** Converts a DerError into the equivalent SpnegoDecodeError; anything else is returned unchanged. */
export function toSpnegoError(e: unknown): unknown {
  return e instanceof der.DerError ? new SpnegoDecodeError(CODES[e.code], e.message, { cause: e }) : e;
}

// ---------------------------------------------------------------------------
// Decoding (X.690 §8.1, §10; see src/der/decode.ts)

/** Validates a complete DER encoding without building a tree. Throws SpnegoDecodeError. */
export function scanDer(input: Uint8Array, limits?: DerLimits): void {
  try {
    der.scanDer(input, limits);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** Parses exactly one complete DER element. Throws SpnegoDecodeError; views alias `input`. */
export function parseDer(input: Uint8Array, limits?: DerLimits): DerNode {
  try {
    return der.parseDer(input, limits);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

// ---------------------------------------------------------------------------
// Readers (src/der/read.ts), throwing SpnegoDecodeError

/** See der.expectUniversal. */
export function expectUniversal(node: DerNode, tagNumber: number, what: string): void {
  try {
    der.expectUniversal(node, tagNumber, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** SEQUENCE / SEQUENCE OF elements (X.690 §8.9, §8.10). */
export function readSequence(node: DerNode, what: string): readonly DerNode[] {
  try {
    return der.readSequence(node, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** Unwraps an EXPLICIT context tag [n] (X.690 §8.14.2). */
export function readExplicit(node: DerNode, tagNumber: number, what: string): DerNode {
  try {
    return der.readExplicit(node, tagNumber, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** EXPLICIT context fields of a SEQUENCE, in ascending order (see der.readContextFields). */
export function readContextFields(
  fields: readonly DerNode[],
  opts: { maxKnownTag: number; extensible: boolean; what: string },
): Map<number, DerNode> {
  try {
    return der.readContextFields(fields, opts);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** OBJECT IDENTIFIER contents (X.690 §8.19) to dotted form; BAD_OID when malformed. */
export function decodeOidContent(content: Uint8Array): string {
  try {
    return der.decodeOidContent(content);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** OBJECT IDENTIFIER (X.690 §8.19) as a dotted string. */
export function readOid(node: DerNode, what: string): string {
  try {
    return der.readOid(node, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** Primitive OCTET STRING (X.690 §8.7); a view of the input. */
export function readOctetString(node: DerNode, what: string): Uint8Array {
  try {
    return der.readOctetString(node, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** ENUMERATED (X.690 §8.4) of at most 4 octets; non-minimal is BAD_DER, wider is BAD_ENUM. */
export function readEnumerated(node: DerNode, what: string): number {
  try {
    return der.readEnumerated(node, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/** GeneralString (X.690 §8.23), decoded as UTF-8. */
export function readGeneralString(node: DerNode, what: string): string {
  try {
    return der.readGeneralString(node, what);
  } catch (e) {
    throw toSpnegoError(e);
  }
}

/**
 * Reads RFC 4178 §4.2.1 ContextFlags (BIT STRING, X.690 §8.6) into a bit mask where
 * ASN.1 bit n (n = 0 is the most significant bit of the first octet) has the value 2 ** n (unsigned).
 * Lenient by design, because deployed encoders disagree (MIT: 7 bits, others the
 * full SIZE(32), some set bits in the "unused" area): any 0..4 value octets are
 * accepted and every bit present in them is read; only a structurally invalid
 * unused-bits octet is rejected.
 */
export function readContextFlags(node: DerNode, what: string): number {
  let bytes: Uint8Array;
  try {
    bytes = der.readBitString(node, what).bytes;
  } catch (e) {
    throw toSpnegoError(e);
  }
  if (bytes.length > 4) throw new SpnegoDecodeError('BAD_VALUE', `${what}: ContextFlags longer than 32 bits`);
  let flags = 0;
  for (let i = 0; i < bytes.length; i++) {
    const octet = bytes[i] as number;
    for (let bit = 0; bit < 8; bit++) {
      if (octet & (0x80 >> bit)) flags |= 1 << (i * 8 + bit);
    }
  }
  return flags >>> 0;
}

// ---------------------------------------------------------------------------
// Builders (src/der/encode.ts; inputs are trusted, errors are TypeError/RangeError)

/** OBJECT IDENTIFIER (X.690 §8.19) from a dotted string; RangeError unless isValidOid(). */
export const oidBlock: (oid: string) => DerBlock = der.oid;
/** Primitive OCTET STRING (X.690 §8.7). */
export const octetStringBlock: (bytes: Uint8Array) => DerBlock = der.octetString;
/** ENUMERATED (X.690 §8.4). */
export const enumeratedBlock: (value: number) => DerBlock = der.enumerated;
/** GeneralString (X.690 §8.23), sent as UTF-8 octets (see readGeneralString). */
export const generalStringBlock: (value: string) => DerBlock = der.generalString;
/** SEQUENCE / SEQUENCE OF (X.690 §8.9, §8.10). */
export const sequenceBlock: (items: readonly Uint8Array[]) => DerBlock = der.sequence;
/** EXPLICIT context tag [n] around one element (X.690 §8.14.2). */
export const explicitBlock: (tagNumber: number, inner: Uint8Array) => DerBlock = der.explicit;
/** Constructed [APPLICATION n] holding `items` (IMPLICIT SEQUENCE body, X.690 §8.14.3). */
export const applicationBlock: (tagNumber: number, items: readonly Uint8Array[]) => DerBlock = der.application;

/**
 * ContextFlags (RFC 4178 §4.2.1) from a readContextFlags()-style mask. Masks
 * within the seven named bits (0..0x7f) are always sent as 7 bits (`03 02 01 xx`) —
 * the one shape MIT krb5's acceptor accepts. Wider masks (bits 7..31 have no meaning
 * but round-trip) use the shortest length covering the highest set bit.
 */
export function contextFlagsBlock(flags: number): DerBlock {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    throw new RangeError('reqFlags must be an integer bit mask in 0..0xffffffff');
  }
  let bits = 7;
  for (let bit = 31; bit >= 7; bit--) {
    if (Math.floor(flags / 2 ** bit) % 2 === 1) {
      bits = bit + 1;
      break;
    }
  }
  const octets = new Uint8Array(Math.ceil(bits / 8));
  for (let bit = 0; bit < bits; bit++) {
    if (Math.floor(flags / 2 ** bit) % 2 === 1) octets[bit >> 3] = (octets[bit >> 3] as number) | (0x80 >> (bit & 7));
  }
  return der.bitString(octets, octets.length * 8 - bits);
}

/** The encoding of a block built with the helpers above, as a Buffer (no copy when it already is one). */
export function toDer(block: Uint8Array): Buffer {
  return Buffer.isBuffer(block) ? block : Buffer.from(block);
}
