// A thin, hardened DER layer over asn1js for the SPNEGO token codecs.
//
// Decoding is done in two passes:
//   1. scanDer(): a fast, iterative (no recursion) walk over every TLV header that
//      enforces the DER rules we rely on (X.690 §10: definite, minimal lengths;
//      §10.2 primitive strings; SEQUENCE/SET constructed) and the resource limits
//      (total size, nesting depth, element count). Nothing reaches asn1js unless it
//      passed this scan, so asn1js never sees deep nesting or absurd lengths.
//   2. asn1js.fromBER() builds the element tree (embedded parsing of OCTET/BIT
//      STRING contents is switched off, so opaque mechanism tokens are never parsed),
//      and the tree is converted into small immutable DerNode objects.
// Anything asn1js reports or throws is turned into a SpnegoDecodeError.
//
// The read*() helpers interpret single DerNodes strictly; the *Block() helpers build
// asn1js blocks for encoding, and toDer() serialises them (asn1js always emits
// definite, minimal lengths, i.e. DER for the types used here).

import * as asn1js from 'asn1js';
import { SpnegoDecodeError } from './errors.js';
import type { SpnegoErrorCode } from './errors.js';

/** Default cap on the size of a token handed to the decoder (64 KiB). */
export const DEFAULT_MAX_BYTES = 64 * 1024;
/** Default cap on nesting of constructed elements (a framed NegTokenInit2 needs 6). */
export const DEFAULT_MAX_DEPTH = 16;
/**
 * Default cap on the number of TLV elements in one token. A realistic token has
 * well under 50 (framing, a handful of fields, one OID per mechanism); the cap
 * bounds the CPU an attacker can make asn1js spend on one token.
 */
export const DEFAULT_MAX_NODES = 256;

/** Resource limits for parseDer()/scanDer(). */
export interface DerLimits {
  maxBytes?: number;
  maxDepth?: number;
  maxNodes?: number;
}

/** ASN.1 tag class (X.690 §8.1.2.2). */
export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** UNIVERSAL tag numbers used by SPNEGO (X.680 §8.4). */
export const UniversalTag = {
  BIT_STRING: 3,
  OCTET_STRING: 4,
  OBJECT_IDENTIFIER: 6,
  ENUMERATED: 10,
  SEQUENCE: 16,
  SET: 17,
  GENERAL_STRING: 27,
} as const;

/** One decoded TLV. `raw` and `content` are views into the caller's input buffer. */
export interface DerNode {
  readonly tagClass: TagClass;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The complete encoding (identifier, length and contents octets). */
  readonly raw: Uint8Array;
  /** The contents octets only. */
  readonly content: Uint8Array;
  /** Child elements when constructed; empty for primitives. */
  readonly children: readonly DerNode[];
}

const CLASSES: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

// Throws a SpnegoDecodeError (errors.ts).
function fail(code: SpnegoErrorCode, message: string): never {
  throw new SpnegoDecodeError(code, message);
}

// Applies the defaults to DerLimits and validates caller-supplied values.
function resolveLimits(limits: DerLimits | undefined): Required<DerLimits> {
  const maxBytes = limits?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxNodes = limits?.maxNodes ?? DEFAULT_MAX_NODES;
  for (const [name, v] of [['maxBytes', maxBytes], ['maxDepth', maxDepth], ['maxNodes', maxNodes]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  return { maxBytes, maxDepth, maxNodes };
}

interface Header {
  cls: number;
  constructed: boolean;
  tagNumber: number;
  contentStart: number;
  end: number;
}

// Reads one identifier + length (X.690 §8.1.2, §8.1.3 with the DER restrictions of
// §10.1) starting at `pos`; the element must end at or before `limit`.
function readHeader(buf: Uint8Array, pos: number, limit: number, maxBytes: number): Header {
  if (pos >= limit) fail('TRUNCATED', `missing identifier octet at offset ${pos}`);
  const first = buf[pos] as number;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  let p = pos + 1;
  if (tagNumber === 0x1f) {
    // High-tag-number form: base-128, at most 4 octets (tag numbers < 2^28).
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit) fail('TRUNCATED', `truncated tag number at offset ${pos}`);
      if (i === 4) fail('BAD_DER', `tag number too long at offset ${pos}`);
      const b = buf[p++] as number;
      if (i === 0 && b === 0x80) fail('BAD_DER', `non-minimal tag number at offset ${pos}`);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tagNumber < 31) fail('BAD_DER', `high-tag-number form used for tag ${tagNumber} at offset ${pos}`);
  }
  if (p >= limit) fail('TRUNCATED', `missing length octet at offset ${pos}`);
  const lb = buf[p++] as number;
  let length: number;
  if (lb < 0x80) {
    length = lb;
  } else if (lb === 0x80) {
    fail('BAD_DER', `indefinite length at offset ${pos} (not allowed in DER)`);
  } else if (lb === 0xff) {
    fail('BAD_DER', `reserved length octet 0xff at offset ${pos}`);
  } else {
    const n = lb & 0x7f;
    if (n > 4) fail('TOO_LARGE', `length field of ${n} octets at offset ${pos}`);
    if (p + n > limit) fail('TRUNCATED', `truncated length at offset ${pos}`);
    if (buf[p] === 0) fail('BAD_DER', `non-minimal length at offset ${pos}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[p++] as number);
    if (length < 0x80) fail('BAD_DER', `long-form length ${length} at offset ${pos}`);
  }
  if (length > limit - p) {
    if (length > maxBytes) fail('TOO_LARGE', `declared length ${length} at offset ${pos} exceeds the ${maxBytes}-byte limit`);
    fail('TRUNCATED', `element at offset ${pos} declares ${length} content octets but only ${limit - p} remain`);
  }
  return { cls, constructed, tagNumber, contentStart: p, end: p + length };
}

// X.690 §8.19.2: non-empty, every sub-identifier minimal (no leading 0x80), last octet
// without the continuation bit. Checked here so asn1js never sees a malformed OID.
function checkOidContent(buf: Uint8Array, start: number, end: number, pos: number): void {
  if (end === start) fail('BAD_OID', `empty OBJECT IDENTIFIER at offset ${pos}`);
  if (((buf[end - 1] as number) & 0x80) !== 0) fail('BAD_OID', `truncated OBJECT IDENTIFIER at offset ${pos}`);
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x80 && (i === start || ((buf[i - 1] as number) & 0x80) === 0)) {
      fail('BAD_OID', `non-minimal OBJECT IDENTIFIER sub-identifier at offset ${pos}`);
    }
  }
}

/**
 * Iterative pre-check of a complete DER encoding (X.690 §10): exactly one outer
 * element spanning the whole buffer, definite minimal lengths inside bounds,
 * nesting ≤ maxDepth, element count ≤ maxNodes, well-formed OBJECT IDENTIFIERs.
 * Throws SpnegoDecodeError.
 */
export function scanDer(input: Uint8Array, limits?: DerLimits): void {
  const { maxBytes, maxDepth, maxNodes } = resolveLimits(limits);
  if (input.length === 0) fail('EMPTY', 'empty input');
  if (input.length > maxBytes) fail('TOO_LARGE', `input of ${input.length} bytes exceeds the ${maxBytes}-byte limit`);
  const ends: number[] = []; // end offsets of the open constructed elements
  let pos = 0;
  let nodes = 0;
  for (;;) {
    while (ends.length > 0 && pos === ends[ends.length - 1]) ends.pop();
    if (ends.length === 0 && pos > 0) {
      if (pos < input.length) fail('TRAILING_DATA', `${input.length - pos} bytes after the outer element`);
      return;
    }
    const limit = ends.length > 0 ? (ends[ends.length - 1] as number) : input.length;
    const h = readHeader(input, pos, limit, maxBytes);
    if (++nodes > maxNodes) fail('TOO_LARGE', `more than ${maxNodes} elements`);
    if (h.cls === 0) {
      if (h.tagNumber === 0) fail('BAD_DER', `end-of-contents / tag 0 at offset ${pos}`);
      // DER: strings are primitive (X.690 §10.2), SEQUENCE/SET constructed. The other
      // constructed universal types (EXTERNAL, EMBEDDED PDV, CHARACTER STRING) never
      // occur in SPNEGO and are rejected as well.
      const mustBeConstructed = h.tagNumber === UniversalTag.SEQUENCE || h.tagNumber === UniversalTag.SET;
      if (h.constructed !== mustBeConstructed) {
        fail('BAD_DER', `UNIVERSAL ${h.tagNumber} at offset ${pos} must use the ${mustBeConstructed ? 'constructed' : 'primitive'} encoding`);
      }
    }
    if (h.cls === 0 && h.tagNumber === UniversalTag.OBJECT_IDENTIFIER) checkOidContent(input, h.contentStart, h.end, pos);
    if (h.constructed && h.end > h.contentStart) {
      if (ends.length + 1 > maxDepth) fail('TOO_DEEP', `nesting deeper than ${maxDepth} at offset ${pos}`);
      ends.push(h.end);
      pos = h.contentStart;
    } else {
      pos = h.end;
    }
  }
}

// Plain Uint8Array view of the input (no copy).
function asView(input: Uint8Array): Uint8Array {
  // asn1js takes a fast path only for plain Uint8Array; a Buffer is a subclass.
  return Object.getPrototypeOf(input) === Uint8Array.prototype
    ? input
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

// Converts an asn1js block into a DerNode, cross-checking lengths against X.690 §8.1.
function toNode(block: asn1js.BaseBlock): DerNode {
  if (block.error) fail('BAD_DER', `ASN.1 parser: ${block.error}`);
  const id = block.idBlock;
  const len = block.lenBlock;
  if (id.isHexOnly || id.tagClass < 1 || id.tagClass > 4) fail('BAD_DER', 'unsupported identifier');
  if (len.isIndefiniteForm) fail('BAD_DER', 'indefinite length');
  const raw = block.valueBeforeDecodeView;
  const headerLength = id.blockLength + len.blockLength;
  if (raw.length !== headerLength + len.length) fail('BAD_DER', 'inconsistent element length');
  const content = raw.subarray(headerLength);
  let children: DerNode[] = [];
  if (id.isConstructed) {
    if (!(block instanceof asn1js.Constructed)) fail('BAD_DER', 'constructed encoding for a primitive type');
    children = block.valueBlock.value.map(toNode);
    let total = 0;
    for (const c of children) total += c.raw.length;
    if (total !== content.length) fail('BAD_DER', 'constructed contents do not add up');
  }
  return {
    tagClass: CLASSES[id.tagClass - 1] as TagClass,
    tagNumber: id.tagNumber,
    constructed: id.isConstructed,
    raw,
    content,
    children,
  };
}

/**
 * Parses exactly one complete DER element (X.690 §10) with asn1js after scanDer()
 * has vetted it. All failures, including anything asn1js throws, surface as
 * SpnegoDecodeError. Returned views alias `input`.
 */
export function parseDer(input: Uint8Array, limits?: DerLimits): DerNode {
  const resolved = resolveLimits(limits);
  const view = asView(input);
  scanDer(view, resolved);
  try {
    const result = asn1js.fromBER(view, {
      maxDepth: resolved.maxDepth + 1,
      maxNodes: resolved.maxNodes + 1,
      maxContentLength: resolved.maxBytes,
      parseEmbedded: false,
      copyInput: false,
    });
    if (result.offset === -1) fail('BAD_DER', `ASN.1 parser: ${result.result.error || 'decode failed'}`);
    if (result.offset !== view.length) fail('TRAILING_DATA', `${view.length - result.offset} bytes after the outer element`);
    return toNode(result.result);
  } catch (e) {
    if (e instanceof SpnegoDecodeError) throw e;
    throw new SpnegoDecodeError('BAD_DER', `ASN.1 parser failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------
// Reading helpers

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

/** Requires a UNIVERSAL tag; primitive/constructed form was already checked by scanDer. */
export function expectUniversal(node: DerNode, tagNumber: number, what: string): void {
  if (!hasTag(node, 'universal', tagNumber)) {
    fail('UNEXPECTED_TAG', `${what}: expected UNIVERSAL ${tagNumber}, got ${describeTag(node)}`);
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
    fail('UNEXPECTED_TAG', `${what}: expected [${tagNumber}] (constructed), got ${describeTag(node)}`);
  }
  const inner = node.children[0];
  if (inner === undefined) fail('BAD_DER', `${what}: explicit tag [${tagNumber}] is empty`);
  if (node.children.length !== 1) fail('TRAILING_DATA', `${what}: explicit tag [${tagNumber}] wraps ${node.children.length} elements`);
  return inner;
}

/**
 * Splits the components of a SEQUENCE whose fields are all EXPLICIT context tags
 * (the SPNEGO module uses EXPLICIT TAGS). Tags must be strictly ascending (DER
 * component order, X.690 §10.1 / X.680 SEQUENCE ordering, which also rules out
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
      fail('UNEXPECTED_TAG', `${opts.what}: unexpected ${describeTag(f)} (fields must be EXPLICIT context tags)`);
    }
    if (f.tagNumber <= last) fail('UNEXPECTED_TAG', `${opts.what}: field [${f.tagNumber}] out of order or repeated`);
    last = f.tagNumber;
    if (f.tagNumber > opts.maxKnownTag) {
      if (!opts.extensible) fail('UNEXPECTED_TAG', `${opts.what}: unknown field [${f.tagNumber}]`);
      continue;
    }
    out.set(f.tagNumber, readExplicit(f, f.tagNumber, opts.what));
  }
  return out;
}

/**
 * Decodes OBJECT IDENTIFIER contents octets (X.690 §8.19) into dotted form. Strict:
 * non-empty, minimal base-128 sub-identifiers, last octet without continuation bit.
 * Arcs of any size are supported (BigInt). Throws SpnegoDecodeError('BAD_OID').
 */
export function decodeOidContent(content: Uint8Array): string {
  if (content.length === 0) fail('BAD_OID', 'empty OBJECT IDENTIFIER');
  const subids: bigint[] = [];
  let value = 0n;
  let started = false;
  for (const b of content) {
    if (!started && b === 0x80) fail('BAD_OID', 'non-minimal OBJECT IDENTIFIER sub-identifier');
    started = true;
    value = (value << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      subids.push(value);
      value = 0n;
      started = false;
    }
  }
  if (started) fail('BAD_OID', 'truncated OBJECT IDENTIFIER sub-identifier');
  const first = subids[0] as bigint;
  const arcs: bigint[] = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  for (let i = 1; i < subids.length; i++) arcs.push(subids[i] as bigint);
  return arcs.join('.');
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
 * Reads RFC 4178 §4.2.1 ContextFlags (BIT STRING, X.690 §8.6) into a bit mask where
 * ASN.1 bit n (n = 0 is the most significant bit of the first octet) has the value 2 ** n (unsigned).
 * Lenient by design, because deployed encoders disagree (MIT: 7 bits, others the
 * full SIZE(32), some set bits in the "unused" area): any 0..4 value octets are
 * accepted and every bit present in them is read; only a structurally invalid
 * unused-bits octet is rejected.
 */
export function readContextFlags(node: DerNode, what: string): number {
  expectUniversal(node, UniversalTag.BIT_STRING, what);
  const c = node.content;
  const unused = c[0];
  if (unused === undefined) fail('BAD_VALUE', `${what}: BIT STRING without the unused-bits octet`);
  if (unused > 7 || (c.length === 1 && unused !== 0)) fail('BAD_VALUE', `${what}: invalid unused-bits count ${unused}`);
  if (c.length > 5) fail('BAD_VALUE', `${what}: ContextFlags longer than 32 bits`);
  let flags = 0;
  for (let i = 1; i < c.length; i++) {
    const octet = c[i] as number;
    for (let bit = 0; bit < 8; bit++) {
      if (octet & (0x80 >> bit)) flags |= 1 << ((i - 1) * 8 + bit);
    }
  }
  return flags >>> 0;
}

/**
 * Reads an ENUMERATED (X.690 §8.4 → §8.3) as a signed integer of at most 4 octets.
 * Non-minimal encodings are BAD_DER; wider values are BAD_ENUM (no SPNEGO
 * enumeration comes close).
 */
export function readEnumerated(node: DerNode, what: string): number {
  expectUniversal(node, UniversalTag.ENUMERATED, what);
  const c = node.content;
  const b0 = c[0];
  if (b0 === undefined) fail('BAD_DER', `${what}: empty ENUMERATED`);
  if (c.length > 1) {
    const b1 = c[1] as number;
    if ((b0 === 0x00 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0)) {
      fail('BAD_DER', `${what}: non-minimal ENUMERATED`);
    }
  }
  if (c.length > 4) fail('BAD_ENUM', `${what}: ENUMERATED value out of range`);
  let v = (b0 & 0x80) !== 0 ? -1 : 0;
  for (const b of c) v = (v << 8) | b;
  return v;
}

/**
 * Reads a GeneralString (X.690 §8.23). GeneralString has no fixed character set;
 * in practice (Kerberos, MS-SPNG hints) it carries ASCII or UTF-8, so the octets
 * are decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function readGeneralString(node: DerNode, what: string): string {
  expectUniversal(node, UniversalTag.GENERAL_STRING, what);
  return Buffer.from(node.content.buffer, node.content.byteOffset, node.content.byteLength).toString('utf8');
}

// ---------------------------------------------------------------------------
// Building helpers (encoders; inputs are trusted, errors are TypeError/RangeError)

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

// OIDs whose asn1js encoding has already been checked (a small bounded memo).
const verifiedOids = new Set<string>();

/** OBJECT IDENTIFIER block (X.690 §8.19); the asn1js output is verified against decodeOidContent. */
export function oidBlock(oid: string): asn1js.ObjectIdentifier {
  if (!isValidOid(oid)) throw new RangeError(`invalid OBJECT IDENTIFIER: ${JSON.stringify(oid)}`);
  const block = new asn1js.ObjectIdentifier({ value: oid });
  if (!verifiedOids.has(oid)) {
    const content = new Uint8Array(block.valueBlock.toBER(false));
    let ok = false;
    try {
      ok = content.length > 0 && decodeOidContent(content) === oid;
    } catch {
      ok = false;
    }
    if (!ok) throw new RangeError(`OBJECT IDENTIFIER cannot be encoded: ${oid}`);
    if (verifiedOids.size >= 1024) verifiedOids.clear();
    verifiedOids.add(oid);
  }
  return block;
}


/** Primitive OCTET STRING block (X.690 §8.7). */
export function octetStringBlock(bytes: Uint8Array): asn1js.OctetString {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('OCTET STRING value must be a Buffer/Uint8Array');
  return new asn1js.OctetString({ valueHex: bytes });
}

/**
 * ContextFlags block (RFC 4178 §4.2.1) from a readContextFlags()-style mask. Masks
 * within the seven named bits (0..0x7f) are always sent as 7 bits (`03 02 01 xx`) —
 * the one shape MIT krb5's acceptor accepts. Wider masks (bits 7..31 have no meaning
 * but round-trip) use the shortest length covering the highest set bit.
 */
export function contextFlagsBlock(flags: number): asn1js.BitString {
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
  return new asn1js.BitString({ valueHex: octets, unusedBits: octets.length * 8 - bits });
}

/** ENUMERATED block (X.690 §8.4). */
export function enumeratedBlock(value: number): asn1js.Enumerated {
  if (!Number.isSafeInteger(value)) throw new RangeError('ENUMERATED value must be an integer');
  return new asn1js.Enumerated({ value });
}

/** GeneralString block (X.690 §8.23); the string is sent as UTF-8 octets (see readGeneralString). */
export function generalStringBlock(value: string): asn1js.GeneralString {
  if (typeof value !== 'string') throw new TypeError('GeneralString value must be a string');
  return new asn1js.GeneralString({ valueHex: Buffer.from(value, 'utf8') });
}

/** SEQUENCE / SEQUENCE OF block (X.690 §8.9, §8.10). */
export function sequenceBlock(items: asn1js.BaseBlock[]): asn1js.Sequence {
  return new asn1js.Sequence({ value: items });
}

/** EXPLICIT context tag [n] around one element (X.690 §8.14.2). */
export function explicitBlock(tagNumber: number, inner: asn1js.BaseBlock): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [inner] });
}

/** Constructed [APPLICATION n] holding `items` (IMPLICIT SEQUENCE body, X.690 §8.14.3). */
export function applicationBlock(tagNumber: number, items: asn1js.BaseBlock[]): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 2, tagNumber }, value: items });
}

/** Serialises a block built with the helpers above (definite minimal lengths = DER). */
export function toDer(block: asn1js.BaseBlock): Buffer {
  const out = block.toBER(false);
  if (out.byteLength === 0) throw new RangeError('DER encoding failed');
  return Buffer.from(out);
}
