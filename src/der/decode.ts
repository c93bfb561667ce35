// Strict DER decoding (X.690 §8.1, §10): one iterative pass over the TLV headers that
// validates the encoding and, for parseDer(), builds the DerNode tree.
//
// Enforced: definite, minimal lengths (§8.1.3, §10.1); minimal tag numbers (§8.1.2.4);
// primitive strings and constructed SEQUENCE/SET (§10.2); no end-of-contents or
// reserved UNIVERSAL tags (X.680 §8.4); exactly one outer element; well-formed OBJECT
// IDENTIFIERs (§8.19); the contents rules of a few primitive types (BIT STRING
// unused-bits octet, RELATIVE-OID, BMPString/UniversalString widths, DER UTCTime and
// GeneralizedTime §11.7-11.8); plus resource caps on size, nesting depth and element count.
// Contents of OCTET/BIT STRINGs are never parsed. No recursion, so hostile nesting
// costs one array entry per level up to the depth cap.

import { derFail } from './errors.js';

/** Default cap on the size of an encoding handed to the decoder (64 KiB). */
export const DEFAULT_MAX_BYTES = 64 * 1024;
/** Default cap on nesting of constructed elements. */
export const DEFAULT_MAX_DEPTH = 16;
/** Default cap on the number of TLV elements in one encoding. */
export const DEFAULT_MAX_NODES = 256;

/** Resource limits for parseDer()/scanDer(). */
export interface DerLimits {
  maxBytes?: number;
  maxDepth?: number;
  maxNodes?: number;
}

/** ASN.1 tag class (X.690 §8.1.2.2). */
export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** UNIVERSAL tag numbers (X.680 §8.4, Table 1). */
export const UniversalTag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  ENUMERATED: 10,
  UTF8_STRING: 12,
  RELATIVE_OID: 13,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE_STRING: 19,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  GENERAL_STRING: 27,
  UNIVERSAL_STRING: 28,
  BMP_STRING: 30,
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
const NO_CHILDREN: readonly DerNode[] = Object.freeze([]);

// DerNode with offsets into the input; the views are made on demand.
class Node implements DerNode {
  constructor(
    readonly tagClass: TagClass,
    readonly tagNumber: number,
    readonly constructed: boolean,
    readonly children: readonly DerNode[],
    private readonly buf: Uint8Array,
    private readonly start: number,
    private readonly contentStart: number,
    private readonly end: number,
  ) {}

  get raw(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  get content(): Uint8Array {
    return this.buf.subarray(this.contentStart, this.end);
  }
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

// Result of readHeader(); one scratch object, the decoder is synchronous.
const hdr = { cls: 0, constructed: false, tagNumber: 0, contentStart: 0, end: 0 };

// Reads one identifier + length (X.690 §8.1.2, §8.1.3 with the DER restrictions of
// §10.1) at `pos`; the element must end at or before `limit`.
function readHeader(buf: Uint8Array, pos: number, limit: number, maxBytes: number): void {
  if (pos >= limit) derFail('TRUNCATED', `missing identifier octet at offset ${pos}`);
  const first = buf[pos] as number;
  let tagNumber = first & 0x1f;
  let p = pos + 1;
  if (tagNumber === 0x1f) {
    // §8.1.2.4 high-tag-number form: base-128, at most 4 octets (tag numbers < 2^28).
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit) derFail('TRUNCATED', `truncated tag number at offset ${pos}`);
      if (i === 4) derFail('BAD_DER', `tag number too long at offset ${pos}`);
      const b = buf[p++] as number;
      if (i === 0 && b === 0x80) derFail('BAD_DER', `non-minimal tag number at offset ${pos}`);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tagNumber < 31) derFail('BAD_DER', `high-tag-number form used for tag ${tagNumber} at offset ${pos}`);
  }
  if (p >= limit) derFail('TRUNCATED', `missing length octet at offset ${pos}`);
  const lb = buf[p++] as number;
  let length: number;
  if (lb < 0x80) {
    length = lb;
  } else if (lb === 0x80) {
    derFail('BAD_DER', `indefinite length at offset ${pos} (not allowed in DER)`);
  } else if (lb === 0xff) {
    derFail('BAD_DER', `reserved length octet 0xff at offset ${pos}`);
  } else {
    const n = lb & 0x7f;
    if (n > 4) derFail('TOO_LARGE', `length field of ${n} octets at offset ${pos}`);
    if (p + n > limit) derFail('TRUNCATED', `truncated length at offset ${pos}`);
    if (buf[p] === 0) derFail('BAD_DER', `non-minimal length at offset ${pos}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[p++] as number);
    if (length < 0x80) derFail('BAD_DER', `long-form length ${length} at offset ${pos}`);
  }
  if (length > limit - p) {
    if (length > maxBytes) derFail('TOO_LARGE', `declared length ${length} at offset ${pos} exceeds the ${maxBytes}-byte limit`);
    derFail('TRUNCATED', `element at offset ${pos} declares ${length} content octets but only ${limit - p} remain`);
  }
  hdr.cls = first >> 6;
  hdr.constructed = (first & 0x20) !== 0;
  hdr.tagNumber = tagNumber;
  hdr.contentStart = p;
  hdr.end = p + length;
}

// X.690 §8.19.2: non-empty, every sub-identifier minimal (no leading 0x80), last octet
// without the continuation bit.
function checkOidContent(buf: Uint8Array, start: number, end: number, pos: number): void {
  if (end === start) derFail('BAD_OID', `empty OBJECT IDENTIFIER at offset ${pos}`);
  if (((buf[end - 1] as number) & 0x80) !== 0) derFail('BAD_OID', `truncated OBJECT IDENTIFIER at offset ${pos}`);
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x80 && (i === start || ((buf[i - 1] as number) & 0x80) === 0)) {
      derFail('BAD_OID', `non-minimal OBJECT IDENTIFIER sub-identifier at offset ${pos}`);
    }
  }
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

// UTCTime in DER (X.690 §11.8): YYMMDDHHMMSSZ.
function isDerUtcTime(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 13 || buf[e - 1] !== 0x5a) return false;
  for (let i = s; i < e - 1; i++) if (!isDigit(buf[i])) return false;
  return true;
}

// GeneralizedTime in DER (X.690 §11.7): YYYYMMDDHHMMSS[.f*]Z, fraction without trailing zeros.
function isDerGeneralizedTime(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s < 15 || buf[e - 1] !== 0x5a) return false;
  for (let i = s; i < s + 14; i++) if (!isDigit(buf[i])) return false;
  if (e - s === 15) return true;
  if (buf[s + 14] !== 0x2e || e - s < 17 || buf[e - 2] === 0x30) return false;
  for (let i = s + 15; i < e - 1; i++) if (!isDigit(buf[i])) return false;
  return true;
}

// Type-specific checks on the contents of a primitive UNIVERSAL element; returns the
// problem or undefined. Reported only after the whole structure passed (parse order).
function contentProblem(tagNumber: number, buf: Uint8Array, s: number, e: number): string | undefined {
  switch (tagNumber) {
    case UniversalTag.BIT_STRING: // §8.6.2.2
      return e > s && (buf[s] as number) > 7 ? 'BIT STRING unused-bits octet above 7' : undefined;
    case UniversalTag.RELATIVE_OID: // §8.20.2
      return e > s && ((buf[e - 1] as number) & 0x80) !== 0 ? 'truncated RELATIVE-OID' : undefined;
    case 15:
      return 'UNIVERSAL 15 is reserved';
    case UniversalTag.UTC_TIME:
      return isDerUtcTime(buf, s, e) ? undefined : 'UTCTime not in the DER form YYMMDDHHMMSSZ';
    case UniversalTag.GENERALIZED_TIME:
      return isDerGeneralizedTime(buf, s, e) ? undefined : 'GeneralizedTime not in the DER form YYYYMMDDHHMMSS[.f]Z';
    case UniversalTag.UNIVERSAL_STRING: // X.680 §41: 4 octets per character
      return (e - s) % 4 !== 0 ? 'UniversalString length not a multiple of 4' : undefined;
    case UniversalTag.BMP_STRING: // X.680 §41: 2 octets per character
      return (e - s) % 2 !== 0 ? 'BMPString length not a multiple of 2' : undefined;
    default:
      return tagNumber >= 37 ? `UNIVERSAL ${tagNumber} is reserved` : undefined;
  }
}

// The single pass behind scanDer() and parseDer(). Structural errors are thrown where
// found; the first content problem (contentProblem) is held back until the whole
// structure passed, so structural errors take precedence (as in the former
// pre-scan-then-parse decoder).
function walk(input: Uint8Array, limits: DerLimits | undefined, build: boolean): DerNode | undefined {
  const { maxBytes, maxDepth, maxNodes } = resolveLimits(limits);
  if (input.length === 0) derFail('EMPTY', 'empty input');
  if (input.length > maxBytes) derFail('TOO_LARGE', `input of ${input.length} bytes exceeds the ${maxBytes}-byte limit`);
  const ends: number[] = []; // end offsets of the open constructed elements
  const open: DerNode[][] = []; // their child lists (when building)
  let root: DerNode | undefined;
  let problem: string | undefined;
  let pos = 0;
  let nodes = 0;
  for (;;) {
    while (ends.length > 0 && pos === ends[ends.length - 1]) {
      ends.pop();
      open.pop();
    }
    if (ends.length === 0 && pos > 0) {
      if (pos < input.length) derFail('TRAILING_DATA', `${input.length - pos} bytes after the outer element`);
      break;
    }
    const limit = ends.length > 0 ? (ends[ends.length - 1] as number) : input.length;
    readHeader(input, pos, limit, maxBytes);
    const { cls, constructed, tagNumber, contentStart, end } = hdr;
    if (++nodes > maxNodes) derFail('TOO_LARGE', `more than ${maxNodes} elements`);
    if (cls === 0) {
      if (tagNumber === 0) derFail('BAD_DER', `end-of-contents / tag 0 at offset ${pos}`);
      // §10.2: strings are primitive; SEQUENCE/SET are constructed. The other
      // constructed UNIVERSAL types (EXTERNAL, EMBEDDED PDV, CHARACTER STRING) are
      // rejected as well.
      const mustBeConstructed = tagNumber === UniversalTag.SEQUENCE || tagNumber === UniversalTag.SET;
      if (constructed !== mustBeConstructed) {
        derFail('BAD_DER', `UNIVERSAL ${tagNumber} at offset ${pos} must use the ${mustBeConstructed ? 'constructed' : 'primitive'} encoding`);
      }
      if (tagNumber === UniversalTag.OBJECT_IDENTIFIER) checkOidContent(input, contentStart, end, pos);
      else if (!constructed && problem === undefined) {
        const p = contentProblem(tagNumber, input, contentStart, end);
        if (p !== undefined) problem = `${p} at offset ${pos}`;
      }
    }
    const nested = constructed && end > contentStart;
    let children = NO_CHILDREN;
    if (build) {
      if (constructed) children = [];
      const node = new Node(CLASSES[cls] as TagClass, tagNumber, constructed, children, input, pos, contentStart, end);
      const parent = open[open.length - 1];
      if (parent !== undefined) parent.push(node);
      else root = node;
    }
    if (nested) {
      if (ends.length + 1 > maxDepth) derFail('TOO_DEEP', `nesting deeper than ${maxDepth} at offset ${pos}`);
      ends.push(end);
      open.push(children as DerNode[]);
      pos = contentStart;
    } else {
      pos = end;
    }
  }
  if (problem !== undefined) derFail('BAD_DER', problem);
  return root;
}

// Plain Uint8Array view of the input (no copy), so returned views never carry
// Buffer (or other subclass) behaviour.
function asView(input: Uint8Array): Uint8Array {
  if (!(input instanceof Uint8Array)) throw new TypeError('DER input must be a Buffer/Uint8Array');
  return Object.getPrototypeOf(input) === Uint8Array.prototype
    ? input
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Validates a complete DER encoding without building a tree: exactly one outer
 * element spanning the whole buffer, definite minimal lengths inside bounds,
 * nesting ≤ maxDepth, element count ≤ maxNodes, well-formed OBJECT IDENTIFIERs.
 * Throws DerError.
 */
export function scanDer(input: Uint8Array, limits?: DerLimits): void {
  walk(asView(input), limits, false);
}

/**
 * Parses exactly one complete DER element (X.690 §10) into a DerNode tree, with the
 * checks of scanDer(). Throws DerError. Returned views alias `input`.
 */
export function parseDer(input: Uint8Array, limits?: DerLimits): DerNode {
  return walk(asView(input), limits, true) as DerNode;
}

/** One element's identifier and length, read without its contents (readElementHeader). */
export interface DerElementHeader {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the first contents octet. */
  readonly contentStart: number;
  /** Offset just past the element. */
  readonly end: number;
}

/**
 * Reads the identifier and length of the element at `pos` (X.690 §8.1.2–3, the DER rules of
 * §10.1), which must end within `input`, without decoding its contents: for framings whose
 * body is not DER, such as the GSS-API InitialContextToken (RFC 2743 §3.1), whose
 * innerContextToken belongs to the mechanism. Throws DerError.
 */
export function readElementHeader(input: Uint8Array, pos = 0, limits?: DerLimits): DerElementHeader {
  const buf = asView(input);
  readHeader(buf, pos, buf.length, resolveLimits(limits).maxBytes);
  return { tagClass: CLASSES[hdr.cls] as TagClass, constructed: hdr.constructed, tagNumber: hdr.tagNumber, contentStart: hdr.contentStart, end: hdr.end };
}
