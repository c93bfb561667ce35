// The RFC 4120 §5.2 base types (Int32, UInt32, Microseconds, KerberosString,
// KerberosTime, KerberosFlags) and the field plumbing every message shares, over
// src/der. Readers throw DerError or KerberosDecodeError; decode entry points convert
// DerError once (withKerberosErrors).

import * as der from '../../der/index.js';
import type { DerLimits, DerNode } from '../../der/index.js';
import { krbFail } from '../errors.js';

/**
 * Caps for one Kerberos message. 64 KiB is Windows' largest MaxTokenSize (65535); the PAC
 * travels inside encrypted parts as an OCTET STRING, so no message needs many elements.
 */
export const KERBEROS_DER_LIMITS: Readonly<Required<DerLimits>> = Object.freeze({ maxBytes: 65536, maxDepth: 16, maxNodes: 1024 });

/** Parses one complete DER element with the Kerberos caps (DerError on bad input). */
export function parseKerberosDer(input: Uint8Array, limits?: DerLimits): DerNode {
  return der.parseDer(input, { ...KERBEROS_DER_LIMITS, ...limits });
}

/** The fields of `[APPLICATION n] SEQUENCE {…}` (RFC 4120 §5: every message is one). */
export function applicationSequence(node: DerNode, tagNumber: number, what: string): readonly DerNode[] {
  if (!der.hasTag(node, 'application', tagNumber) || !node.constructed) {
    der.derFail('UNEXPECTED_TAG', `${what}: expected [APPLICATION ${tagNumber}], got ${der.describeTag(node)}`);
  }
  const [inner] = node.children;
  if (inner === undefined) der.derFail('BAD_DER', `${what}: empty [APPLICATION ${tagNumber}]`);
  if (node.children.length !== 1) der.derFail('TRAILING_DATA', `${what}: [APPLICATION ${tagNumber}] wraps ${node.children.length} elements`);
  return der.readSequence(inner, what);
}

/** The explicit-tagged fields of a Kerberos SEQUENCE, by tag. */
export class Fields {
  private readonly map: Map<number, DerNode>;

  /**
   * `maxKnownTag`: higher tags are ignored, as RFC 4120 §5.1 asks of receivers (fields an
   * extension added); tags must ascend (DER order).
   */
  constructor(fields: readonly DerNode[], maxKnownTag: number, readonly what: string) {
    this.map = der.readContextFields(fields, { maxKnownTag, extensible: true, what });
  }

  /** A required field; MISSING_FIELD when absent. */
  req(tag: number, name: string): DerNode {
    const n = this.map.get(tag);
    if (n === undefined) krbFail('MISSING_FIELD', `${this.what}: ${name} [${tag}] is missing`);
    return n;
  }

  opt(tag: number): DerNode | undefined {
    return this.map.get(tag);
  }
}

/** pvno / tkt-vno / authenticator-vno: INTEGER (5) (RFC 4120 §5.3, §5.5.1). */
export function requireVno(node: DerNode, what: string): 5 {
  const v = der.readInteger(node, what);
  if (v !== 5) krbFail('BAD_VERSION', `${what} is ${v}, not 5`);
  return 5;
}

/** msg-type, which must be `expected` (RFC 4120 §5.5.1: KRB_AP_ERR_MSG_TYPE otherwise). */
export function requireMsgType(node: DerNode, expected: number, what: string): void {
  const v = der.readInteger(node, what);
  if (v !== expected) krbFail('BAD_MESSAGE_TYPE', `${what} is ${v}, not ${expected}`);
}

/** Int32 (RFC 4120 §5.2.4). */
export function readInt32(node: DerNode, what: string): number {
  const v = der.readInteger(node, what);
  if (v < -0x80000000 || v > 0x7fffffff) der.derFail('OUT_OF_RANGE', `${what}: ${v} is not an Int32`);
  return v;
}

/**
 * UInt32 (RFC 4120 §5.2.4). A negative Int32 is read as its unsigned value: some encoders
 * write kvno and seq-number as signed 32-bit (MIT accepts them the same way).
 */
export function readUInt32(node: DerNode, what: string): number {
  const v = der.readInteger(node, what);
  if (v < -0x80000000 || v > 0xffffffff) der.derFail('OUT_OF_RANGE', `${what}: ${v} is not a UInt32`);
  return v >>> 0;
}

/** Microseconds ::= INTEGER (0..999999) (RFC 4120 §5.2.4). */
export function readMicroseconds(node: DerNode, what: string): number {
  const v = der.readInteger(node, what);
  if (v < 0 || v > 999999) der.derFail('BAD_VALUE', `${what}: ${v} is not in 0..999999`);
  return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * KerberosString (RFC 4120 §5.2.1): GeneralString, in practice ASCII or (Windows) UTF-8.
 * Invalid UTF-8 is refused rather than replaced, so two different names can never
 * compare equal after decoding.
 */
export function readKerberosString(node: DerNode, what: string): string {
  der.expectUniversal(node, der.UniversalTag.GENERAL_STRING, what);
  try {
    return utf8.decode(node.content);
  } catch {
    return krbFail('BAD_VALUE', `${what}: KerberosString is not valid UTF-8`);
  }
}

/** KerberosTime (RFC 4120 §5.2.3): GeneralizedTime without a fraction, as a Date. */
export function readKerberosTime(node: DerNode, what: string): Date {
  const d = der.readGeneralizedTime(node, what);
  if (!der.isWholeSecondsGeneralizedTime(node)) der.derFail('BAD_VALUE', `${what}: KerberosTime must not carry a fraction`);
  return d;
}

/**
 * KerberosFlags (RFC 4120 §5.2.8) as an unsigned 32-bit number whose most significant
 * bit is ASN.1 bit 0 (the convention of MIT's TKT_FLG_* and AP_OPTS_*). RFC 4120 sends
 * at least 32 bits; shorter strings are zero-extended and bits past 32 ignored, as
 * deployed decoders do.
 */
export function readKerberosFlags(node: DerNode, what: string): number {
  const { bytes } = der.readBitString(node, what);
  let v = 0;
  for (let i = 0; i < 4; i++) v = v * 256 + (bytes[i] ?? 0);
  return v;
}

/** A SEQUENCE OF, at most `max` elements. */
export function readSequenceOf(node: DerNode, max: number, what: string): readonly DerNode[] {
  const items = der.readSequence(node, what);
  if (items.length > max) der.derFail('TOO_LARGE', `${what}: ${items.length} elements (at most ${max})`);
  return items;
}

// ---------------------------------------------------------------------------
// Encoders. Inputs come from our own code: mistakes are TypeError/RangeError.

export function int32(v: number): Buffer {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`not an Int32: ${v}`);
  return der.integer(v);
}

export function uint32(v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`not a UInt32: ${v}`);
  return der.integer(v);
}

export function microseconds(v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 999999) throw new RangeError(`not a Microseconds value: ${v}`);
  return der.integer(v);
}

export function kerberosString(s: string): Buffer {
  return der.generalString(s);
}

export function kerberosTime(d: Date): Buffer {
  return der.generalizedTime(d);
}

/** KerberosFlags as 32 bits (RFC 4120 §5.2.8: "at least 32 bits"). */
export function kerberosFlags(v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`not a 32-bit flag set: ${v}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return der.bitString(b);
}

/** SEQUENCE of explicit-tagged fields; `undefined` entries (absent OPTIONAL fields) are left out. */
export function fieldSequence(fields: readonly (readonly [number, Uint8Array | undefined])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [tag, value] of fields) if (value !== undefined) parts.push(der.explicit(tag, value));
  return der.sequence(parts);
}

/** `[APPLICATION n] SEQUENCE {…}` of explicit-tagged fields. */
export function applicationFields(tagNumber: number, fields: readonly (readonly [number, Uint8Array | undefined])[]): Buffer {
  return der.application(tagNumber, [fieldSequence(fields)]);
}
