/** CHALLENGE_MESSAGE, MS-NLMP §2.2.1.2. */
import { decodeAvPairs, encodeAvPairs, type AvPair } from '../avPairs.js';
import { NtlmDecodeError } from '../errors.js';
import { checkHeader, decodeString, encodeString, fieldBytes, MessageBuilder, readFieldRef } from '../fields.js';
import { hasFlag, NegotiateFlags } from '../flags.js';
import { decodeVersion, encodeVersion, type Version } from '../version.js';

export interface ChallengeMessage {
  readonly flags: number;
  readonly targetName: string;
  readonly serverChallenge: Buffer;
  /** Empty when NEGOTIATE_TARGET_INFO is not set. */
  readonly targetInfo: readonly AvPair[];
  /** The TargetInfo bytes exactly as sent (the NTLMv2 response embeds them). */
  readonly targetInfoRaw: Buffer;
  readonly version?: Version;
}

/** Pre-Version layouts end the fixed part at 48; the current one at 56. */
const MIN_SIZE = 48;
const HEADER = 56;

export function decodeChallenge(buf: Uint8Array): ChallengeMessage {
  const b = checkHeader(buf, 2, MIN_SIZE);
  const nameRef = readFieldRef(b, 12, 'TargetNameFields');
  const flags = b.readUInt32LE(20);
  const serverChallenge = Buffer.from(b.subarray(24, 32));
  const infoRef = readFieldRef(b, 40, 'TargetInfoFields');
  const unicode = hasFlag(flags, NegotiateFlags.NEGOTIATE_UNICODE);
  const targetName = decodeString(fieldBytes(b, nameRef), unicode, 'TargetName');
  const targetInfoRaw = hasFlag(flags, NegotiateFlags.NEGOTIATE_TARGET_INFO) ? fieldBytes(b, infoRef) : Buffer.alloc(0);
  const targetInfo = targetInfoRaw.length > 0 ? decodeAvPairs(targetInfoRaw) : [];
  const payloadStart = Math.min(...[nameRef, infoRef].filter((r) => r.length > 0).map((r) => r.offset), b.length);
  if (payloadStart < MIN_SIZE) throw new NtlmDecodeError('FIELD_OUT_OF_BOUNDS', 'a CHALLENGE field overlaps its header');
  const version =
    hasFlag(flags, NegotiateFlags.NEGOTIATE_VERSION) && payloadStart >= HEADER && b.length >= HEADER
      ? decodeVersion(b, 48)
      : undefined;
  return { flags, targetName, serverChallenge, targetInfo, targetInfoRaw, version };
}

export interface ChallengeInput {
  readonly flags: number;
  readonly targetName: string;
  readonly serverChallenge: Uint8Array;
  readonly targetInfo: readonly AvPair[];
  readonly version?: Version;
}

export function encodeChallenge(m: ChallengeInput): Buffer {
  if (m.serverChallenge.length !== 8) throw new RangeError('ServerChallenge must be 8 bytes');
  const unicode = hasFlag(m.flags, NegotiateFlags.NEGOTIATE_UNICODE);
  const withInfo = hasFlag(m.flags, NegotiateFlags.NEGOTIATE_TARGET_INFO);
  // Empty fields carry offset 0, as in the MS-NLMP §4.2 examples.
  const mb = new MessageBuilder(HEADER, 2, 'zero');
  mb.field(12, encodeString(m.targetName, unicode));
  mb.u32(20, m.flags);
  mb.bytes(24, m.serverChallenge);
  mb.field(40, withInfo ? encodeAvPairs(m.targetInfo) : Buffer.alloc(0));
  if (m.version && hasFlag(m.flags, NegotiateFlags.NEGOTIATE_VERSION)) mb.bytes(48, encodeVersion(m.version));
  return mb.build();
}
