// The SPNEGO view of the shared DER codec (src/der/): its decoder, readers and builders,
// the DerError → SpnegoDecodeError conversion, and the one SPNEGO-specific type,
// ContextFlags (RFC 4178 §4.2.1).
//
// Builders return complete DER encodings (Buffers); toDer() is kept for callers that
// compose them.

import * as der from '../der/index.js';
import type { DerNode } from '../der/index.js';
import { SpnegoDecodeError } from './errors.js';

export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, UniversalTag, describeTag, hasTag, isValidOid } from '../der/index.js';
export type { DerLimits, DerNode, TagClass } from '../der/index.js';

/** An encoded DER element as produced by the *Block() builders. */
export type DerBlock = Buffer;

/**
 * Converts a DerError into the equivalent SpnegoDecodeError; anything else is returned unchanged.
 * The only width-limited reader SPNEGO uses is ENUMERATED (negState), hence OUT_OF_RANGE → BAD_ENUM.
 */
export function toSpnegoError(e: unknown): unknown {
  return der.fromDerError(e, SpnegoDecodeError, (code) => (code === 'OUT_OF_RANGE' ? 'BAD_ENUM' : code));
}

// ---------------------------------------------------------------------------
// Decoding (src/der/decode.ts) and readers (src/der/read.ts). They throw DerError: the decoders'
// entry point (decodeNegotiationToken in tokens.ts) converts it once, with toSpnegoError.

export { parseDer, readContextFields, readEnumerated, readExplicit, readGeneralString, readOctetString, readOid, readSequence } from '../der/index.js';

/**
 * Reads RFC 4178 §4.2.1 ContextFlags (BIT STRING, X.690 §8.6) into a bit mask where
 * ASN.1 bit n (n = 0 is the most significant bit of the first octet) has the value 2 ** n (unsigned).
 * Lenient by design, because deployed encoders disagree (MIT: 7 bits, others the
 * full SIZE(32), some set bits in the "unused" area): any 0..4 value octets are
 * accepted and every bit present in them is read; only a structurally invalid
 * unused-bits octet is rejected.
 */
export function readContextFlags(node: DerNode, what: string): number {
  const bytes = der.readBitString(node, what).bytes;
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
