/** AUTHENTICATE_MESSAGE, MS-NLMP §2.2.1.3. */
import { NtlmDecodeError } from '../errors.js';
import { checkHeader, decodeString, encodeString, fieldBytes, MessageBuilder, readFieldRef } from '../fields.js';
import { hasFlag, NegotiateFlags } from '../flags.js';
import { decodeVersion, encodeVersion, type Version } from '../version.js';

export interface AuthenticateMessage {
  readonly flags: number;
  readonly lmChallengeResponse: Buffer;
  readonly ntChallengeResponse: Buffer;
  readonly domainName: string;
  readonly userName: string;
  readonly workstation: string;
  readonly encryptedRandomSessionKey: Buffer;
  readonly version?: Version;
  /** The 16 bytes at offset 72 when the layout has room for them (payload at ≥ 88). */
  readonly mic?: Buffer;
  /** Offset of the MIC in `raw`, for recomputing it over the message with the MIC zeroed. */
  readonly micOffset?: number;
  /** The message exactly as received. */
  readonly raw: Buffer;
}

const MIN_SIZE = 64;
const VERSION_AT = 64;
export const MIC_OFFSET = 72;
const HEADER_WITH_MIC = 88;

export function decodeAuthenticate(buf: Uint8Array): AuthenticateMessage {
  const b = checkHeader(buf, 3, MIN_SIZE);
  const lmRef = readFieldRef(b, 12, 'LmChallengeResponseFields');
  const ntRef = readFieldRef(b, 20, 'NtChallengeResponseFields');
  const domRef = readFieldRef(b, 28, 'DomainNameFields');
  const userRef = readFieldRef(b, 36, 'UserNameFields');
  const wsRef = readFieldRef(b, 44, 'WorkstationFields');
  const keyRef = readFieldRef(b, 52, 'EncryptedRandomSessionKeyFields');
  const flags = b.readUInt32LE(60);
  const refs = [lmRef, ntRef, domRef, userRef, wsRef, keyRef];

  // Which optional header parts exist is told by where the payload starts (pyspnego's and
  // Samba's approach): ≥ 72 means Version, ≥ 88 means Version + MIC (§2.2.1.3).
  // With every field empty, the (in-bounds) offsets still tell where the payload would start.
  const used = refs.filter((r) => r.length > 0);
  const located = used.length > 0 ? used : refs.filter((r) => r.offset >= MIN_SIZE && r.offset <= b.length);
  const payloadStart = located.length > 0 ? Math.min(...located.map((r) => r.offset)) : b.length;
  if (payloadStart < MIN_SIZE) {
    throw new NtlmDecodeError('FIELD_OUT_OF_BOUNDS', `payload offset ${payloadStart} overlaps the AUTHENTICATE header`);
  }
  const unicode = hasFlag(flags, NegotiateFlags.NEGOTIATE_UNICODE);
  const version =
    hasFlag(flags, NegotiateFlags.NEGOTIATE_VERSION) && payloadStart >= MIC_OFFSET ? decodeVersion(b, VERSION_AT) : undefined;
  const hasMicRoom = payloadStart >= HEADER_WITH_MIC && b.length >= HEADER_WITH_MIC;
  const keyLen = keyRef.length;
  if (keyLen !== 0 && keyLen !== 16) {
    throw new NtlmDecodeError('BAD_RESPONSE', `EncryptedRandomSessionKey must be 16 bytes, got ${keyLen}`);
  }
  return {
    flags,
    lmChallengeResponse: fieldBytes(b, lmRef),
    ntChallengeResponse: fieldBytes(b, ntRef),
    domainName: decodeString(fieldBytes(b, domRef), unicode, 'DomainName'),
    userName: decodeString(fieldBytes(b, userRef), unicode, 'UserName'),
    workstation: decodeString(fieldBytes(b, wsRef), unicode, 'Workstation'),
    encryptedRandomSessionKey: fieldBytes(b, keyRef),
    version,
    mic: hasMicRoom ? Buffer.from(b.subarray(MIC_OFFSET, MIC_OFFSET + 16)) : undefined,
    micOffset: hasMicRoom ? MIC_OFFSET : undefined,
    raw: Buffer.from(b),
  };
}

export interface AuthenticateInput {
  readonly flags: number;
  readonly lmChallengeResponse: Uint8Array;
  readonly ntChallengeResponse: Uint8Array;
  readonly domainName: string;
  readonly userName: string;
  readonly workstation: string;
  readonly encryptedRandomSessionKey: Uint8Array;
  readonly version?: Version;
  /** When given (zeros allowed, filled in later), the 88-byte Windows layout is used. */
  readonly mic?: Uint8Array;
}

/**
 * Layout: 88-byte header (Version + MIC) when a MIC slot is asked for, else 72 (Version) when
 * NEGOTIATE_VERSION is set, else 64. Payload order is Windows': domain, user, workstation,
 * LM, NT, session key.
 */
export function encodeAuthenticate(m: AuthenticateInput): Buffer {
  const unicode = hasFlag(m.flags, NegotiateFlags.NEGOTIATE_UNICODE);
  const withVersion = hasFlag(m.flags, NegotiateFlags.NEGOTIATE_VERSION);
  const headerSize = m.mic ? HEADER_WITH_MIC : withVersion ? MIC_OFFSET : MIN_SIZE;
  const mb = new MessageBuilder(headerSize, 3, 'cursor');
  mb.field(28, encodeString(m.domainName, unicode));
  mb.field(36, encodeString(m.userName, unicode));
  mb.field(44, encodeString(m.workstation, unicode));
  mb.field(12, m.lmChallengeResponse);
  mb.field(20, m.ntChallengeResponse);
  mb.field(52, m.encryptedRandomSessionKey);
  mb.u32(60, m.flags);
  if (headerSize >= MIC_OFFSET) mb.bytes(VERSION_AT, m.version ? encodeVersion(m.version) : Buffer.alloc(8));
  if (m.mic) {
    if (m.mic.length !== 16) throw new RangeError('MIC must be 16 bytes');
    mb.bytes(MIC_OFFSET, m.mic);
  }
  return mb.build();
}

/** Returns a copy of an encoded AUTHENTICATE with the MIC field replaced. */
export function withMic(raw: Buffer, mic: Uint8Array, offset = MIC_OFFSET): Buffer {
  const out = Buffer.from(raw);
  out.set(mic, offset);
  return out;
}
