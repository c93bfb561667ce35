// The GSS-API krb5 authenticator checksum, cksumtype 0x8003 (RFC 4121 §4.1.1): not a
// checksum at all but the initiator's context flags, the MD5 of its channel bindings
// (§4.1.1.2), an optional KRB-CRED for delegation and extensions. Integers are
// little-endian except the extensions' type and length (big-endian, §4.1.1).

import { channelBindingsHash } from '../gss/channelBindings.js';
import type { ChannelBindings } from '../gss/channelBindings.js';
import { krbFail } from './errors.js';
import type { Checksum } from './messages/basicTypes.js';

/** cksumtype of the GSS-API checksum (RFC 4121 §4.1.1). */
export const GSS_CHECKSUM_TYPE = 0x8003;
/** Lgth: the length of Bnd, always 16 (RFC 4121 §4.1.1). */
export const BND_LENGTH = 16;
/** Extensions accepted in one checksum. */
export const MAX_CHECKSUM_EXTENSIONS = 16;

/** Context flags in the Flags field (RFC 4121 §4.1.1.1, RFC 2744 §3.9; MS-KILE §3.2.5.2 for DCE_STYLE…). */
export const GssFlags = {
  DELEG: 0x1,
  MUTUAL: 0x2,
  REPLAY: 0x4,
  SEQUENCE: 0x8,
  CONF: 0x10,
  INTEG: 0x20,
  ANON: 0x40,
  DCE_STYLE: 0x1000,
  IDENTIFY: 0x2000,
  EXTENDED_ERROR: 0x4000,
} as const;

export interface ChecksumExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface AuthenticatorChecksum {
  /** Bnd: MD5 of the channel bindings struct, or 16 zero bytes for none. */
  readonly bnd: Uint8Array;
  /** GssFlags bits (unsigned). */
  readonly flags: number;
  /** The KRB-CRED of a delegated ticket (DlgOpt 1), when DELEG is set. */
  readonly delegation?: Uint8Array;
  readonly extensions: readonly ChecksumExtension[];
}

const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * Reads the 0x8003 checksum of an Authenticator. BAD_VALUE for another cksumtype, a Lgth
 * other than 16, a DlgOpt other than 1; TRUNCATED when a field runs past the end. Byte
 * fields are views into the input.
 */
export function decodeAuthenticatorChecksum(cksum: Checksum | Uint8Array): AuthenticatorChecksum {
  let data: Uint8Array;
  if (cksum instanceof Uint8Array) {
    data = cksum;
  } else {
    if (cksum.cksumtype !== GSS_CHECKSUM_TYPE) krbFail('BAD_VALUE', `authenticator checksum type ${cksum.cksumtype} is not 0x8003`);
    data = cksum.checksum;
  }
  const b = view(data);
  if (b.length < 24) krbFail('TRUNCATED', `0x8003 checksum of ${b.length} bytes (at least 24)`);
  const lgth = b.readUInt32LE(0);
  if (lgth !== BND_LENGTH) krbFail('BAD_VALUE', `0x8003 checksum Lgth ${lgth} (must be 16)`);
  const bnd = data.subarray(4, 20);
  const flags = b.readUInt32LE(20);
  let p = 24;
  let delegation: Uint8Array | undefined;
  if ((flags & GssFlags.DELEG) !== 0) {
    if (b.length < p + 4) krbFail('TRUNCATED', '0x8003 checksum: DELEG set but no DlgOpt/Dlgth');
    const dlgOpt = b.readUInt16LE(p);
    const dlgth = b.readUInt16LE(p + 2);
    if (dlgOpt !== 1) krbFail('BAD_VALUE', `0x8003 checksum DlgOpt ${dlgOpt} (must be 1)`);
    p += 4;
    if (b.length < p + dlgth) krbFail('TRUNCATED', `0x8003 checksum: Dlgth ${dlgth} runs past the end`);
    delegation = data.subarray(p, p + dlgth);
    p += dlgth;
  }
  const extensions: ChecksumExtension[] = [];
  while (p < b.length) {
    if (extensions.length === MAX_CHECKSUM_EXTENSIONS) krbFail('TOO_LARGE', `0x8003 checksum: more than ${MAX_CHECKSUM_EXTENSIONS} extensions`);
    if (b.length < p + 8) krbFail('TRUNCATED', '0x8003 checksum: truncated extension header');
    const type = b.readUInt32BE(p);
    const len = b.readUInt32BE(p + 4);
    p += 8;
    if (b.length - p < len) krbFail('TRUNCATED', `0x8003 checksum: extension ${type} of ${len} bytes runs past the end`);
    extensions.push({ type, data: data.subarray(p, p + len) });
    p += len;
  }
  return { bnd, flags: flags >>> 0, ...(delegation === undefined ? {} : { delegation }), extensions };
}

/**
 * Bnd for the given channel bindings: MD5 of the struct (RFC 4121 §4.1.1.2), or 16 zero
 * bytes when there are none. A 16-byte Uint8Array is taken as an already computed hash.
 */
export function bndFor(bindings: ChannelBindings | Uint8Array | undefined): Buffer {
  if (bindings === undefined) return Buffer.alloc(BND_LENGTH);
  if (bindings instanceof Uint8Array) {
    if (bindings.length !== BND_LENGTH) throw new RangeError(`a Bnd hash is ${BND_LENGTH} bytes, got ${bindings.length}`);
    return Buffer.from(bindings);
  }
  return channelBindingsHash(bindings);
}

/** Builds the 0x8003 Checksum for an Authenticator. DELEG is set exactly when `delegation` is given. */
export function encodeAuthenticatorChecksum(c: {
  readonly bindings?: ChannelBindings | Uint8Array;
  readonly flags: number;
  readonly delegation?: Uint8Array;
  readonly extensions?: readonly ChecksumExtension[];
}): Checksum {
  if (!Number.isInteger(c.flags) || c.flags < 0 || c.flags > 0xffffffff) throw new RangeError(`invalid GSS flags ${c.flags}`);
  const flags = c.delegation === undefined ? c.flags & ~GssFlags.DELEG : c.flags | GssFlags.DELEG;
  const head = Buffer.alloc(24);
  head.writeUInt32LE(BND_LENGTH, 0);
  bndFor(c.bindings).copy(head, 4);
  head.writeUInt32LE(flags >>> 0, 20);
  const parts: Buffer[] = [head];
  if (c.delegation !== undefined) {
    if (c.delegation.length > 0xffff) throw new RangeError('delegation KRB-CRED longer than 65535 bytes');
    const d = Buffer.alloc(4);
    d.writeUInt16LE(1, 0);
    d.writeUInt16LE(c.delegation.length, 2);
    parts.push(d, Buffer.from(c.delegation));
  }
  for (const e of c.extensions ?? []) {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(e.type, 0);
    h.writeUInt32BE(e.data.length, 4);
    parts.push(h, Buffer.from(e.data));
  }
  return { cksumtype: GSS_CHECKSUM_TYPE, checksum: Buffer.concat(parts) };
}
