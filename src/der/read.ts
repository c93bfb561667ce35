// Readers: strict interpretation of single DerNodes (X.690 §8). `what` names the
// field in error messages. All failures are DerError.

import { UniversalTag } from './decode.js';
import type { DerNode, TagClass } from './decode.js';
import { derFail } from './errors.js';
import { decodeOidContent } from './oid.js';

/** Human-readable tag, e.g. "[0]", "[APPLICATION 0]", "UNIVERSAL 16" (for error messages). */
export function describeTag(node: DerNode): string {
  const c = node.constructed ? ' (constructed)' : '';
  switch (node.tagClass) {
    case 'context': return `[${node.tagNumber}]${c}`;
    case 'universal': return `UNIVERSAL ${node.tagNumber}${c}`;
    default: return `[${node.tagClass.toUpperCase()} ${node.tagNumber}]${c}`;
  }
}

/** True when `node` has the given class and tag number (X.690 §8.1.2). */
export function hasTag(node: DerNode, tagClass: TagClass, tagNumber: number): boolean {
  return node.tagClass === tagClass && node.tagNumber === tagNumber;
}

/** Requires a UNIVERSAL tag; the primitive/constructed form was already checked by the decoder. */
export function expectUniversal(node: DerNode, tagNumber: number, what: string): void {
  if (!hasTag(node, 'universal', tagNumber)) {
    derFail('UNEXPECTED_TAG', `${what}: expected UNIVERSAL ${tagNumber}, got ${describeTag(node)}`);
  }
}

/** Returns the elements of a SEQUENCE / SEQUENCE OF (X.690 §8.9, §8.10). */
export function readSequence(node: DerNode, what: string): readonly DerNode[] {
  expectUniversal(node, UniversalTag.SEQUENCE, what);
  return node.children;
}

/** Unwraps an EXPLICIT context tag [n] (X.690 §8.14.2): constructed, exactly one inner element. */
export function readExplicit(node: DerNode, tagNumber: number, what: string): DerNode {
  if (!hasTag(node, 'context', tagNumber) || !node.constructed) {
    derFail('UNEXPECTED_TAG', `${what}: expected [${tagNumber}] (constructed), got ${describeTag(node)}`);
  }
  const inner = node.children[0];
  if (inner === undefined) derFail('BAD_DER', `${what}: explicit tag [${tagNumber}] is empty`);
  if (node.children.length !== 1) derFail('TRAILING_DATA', `${what}: explicit tag [${tagNumber}] wraps ${node.children.length} elements`);
  return inner;
}

/**
 * Splits the components of a SEQUENCE whose fields are all EXPLICIT context tags
 * (modules with EXPLICIT TAGS: SPNEGO, Kerberos). Tags must be strictly ascending
 * (DER component order, X.690 §10.1 / X.680 SEQUENCE ordering, which also rules out
 * duplicates). Tags ≤ maxKnownTag are returned unwrapped; higher context tags are
 * ignored when `extensible` (they can only be extension additions after the "..."
 * marker, X.680 §25), otherwise rejected.
 */
export function readContextFields(
  fields: readonly DerNode[],
  opts: { maxKnownTag: number; extensible: boolean; what: string },
): Map<number, DerNode> {
  const out = new Map<number, DerNode>();
  let last = -1;
  for (const f of fields) {
    if (f.tagClass !== 'context' || !f.constructed) {
      derFail('UNEXPECTED_TAG', `${opts.what}: unexpected ${describeTag(f)} (fields must be EXPLICIT context tags)`);
    }
    if (f.tagNumber <= last) derFail('UNEXPECTED_TAG', `${opts.what}: field [${f.tagNumber}] out of order or repeated`);
    last = f.tagNumber;
    if (f.tagNumber > opts.maxKnownTag) {
      if (!opts.extensible) derFail('UNEXPECTED_TAG', `${opts.what}: unknown field [${f.tagNumber}]`);
      continue;
    }
    out.set(f.tagNumber, readExplicit(f, f.tagNumber, opts.what));
  }
  return out;
}

/** Reads an OBJECT IDENTIFIER (X.690 §8.19) as a dotted string. */
export function readOid(node: DerNode, what: string): string {
  expectUniversal(node, UniversalTag.OBJECT_IDENTIFIER, what);
  return decodeOidContent(node.content);
}

/** Reads a primitive OCTET STRING (X.690 §8.7, §10.2); returns a view of the input. */
export function readOctetString(node: DerNode, what: string): Uint8Array {
  expectUniversal(node, UniversalTag.OCTET_STRING, what);
  return node.content;
}

/**
 * Reads a BIT STRING (X.690 §8.6): the unused-bits count and a view of the bit octets.
 * §8.6.2 is enforced (initial octet present, 0..7, 0 when there are no bits); the
 * padding bits are returned as sent (DER wants them zero, §11.2.1, but deployed
 * encoders of flag fields disagree, so that is left to the caller).
 */
export function readBitString(node: DerNode, what: string): { unusedBits: number; bytes: Uint8Array } {
  expectUniversal(node, UniversalTag.BIT_STRING, what);
  const c = node.content;
  const unusedBits = c[0];
  if (unusedBits === undefined) derFail('BAD_VALUE', `${what}: BIT STRING without the unused-bits octet`);
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) derFail('BAD_VALUE', `${what}: invalid unused-bits count ${unusedBits}`);
  return { unusedBits, bytes: c.subarray(1) };
}

// Two's-complement value of INTEGER/ENUMERATED contents (X.690 §8.3), minimal form
// required (§8.3.2), at most `maxOctets` octets.
function readSigned(node: DerNode, maxOctets: number, type: string, what: string): number {
  const c = node.content;
  const b0 = c[0];
  if (b0 === undefined) derFail('BAD_DER', `${what}: empty ${type}`);
  if (c.length > 1) {
    const b1 = c[1] as number;
    if ((b0 === 0x00 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0)) {
      derFail('BAD_DER', `${what}: non-minimal ${type}`);
    }
  }
  if (c.length > maxOctets) derFail('OUT_OF_RANGE', `${what}: ${type} value out of range`);
  let v = (b0 & 0x80) !== 0 ? b0 - 256 : b0;
  for (let i = 1; i < c.length; i++) v = v * 256 + (c[i] as number);
  return v;
}

/**
 * Reads an ENUMERATED (X.690 §8.4 → §8.3) as a signed integer of at most 4 octets.
 * Non-minimal encodings are BAD_DER; wider values are OUT_OF_RANGE.
 */
export function readEnumerated(node: DerNode, what: string): number {
  expectUniversal(node, UniversalTag.ENUMERATED, what);
  return readSigned(node, 4, 'ENUMERATED', what);
}

/**
 * Reads an INTEGER (X.690 §8.3) of at most 6 octets (|value| < 2^47, so any Int32 or
 * UInt32). Non-minimal encodings are BAD_DER; wider values are OUT_OF_RANGE.
 */
export function readInteger(node: DerNode, what: string): number {
  expectUniversal(node, UniversalTag.INTEGER, what);
  return readSigned(node, 6, 'INTEGER', what);
}

/**
 * Reads a GeneralString (X.690 §8.23). GeneralString has no fixed character set;
 * in practice (Kerberos, MS-SPNG hints) it carries ASCII or UTF-8, so the octets
 * are decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function readGeneralString(node: DerNode, what: string): string {
  expectUniversal(node, UniversalTag.GENERAL_STRING, what);
  const c = node.content;
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8');
}
