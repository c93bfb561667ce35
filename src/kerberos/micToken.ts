/**
 * RFC 4121 §4.2.6.1 MIC tokens (GSS_GetMIC / GSS_VerifyMIC) of the krb5 mechanism, which
 * SPNEGO's mechListMIC uses (RFC 4178 §5): `04 04`, Flags, five `FF` filler bytes, SND_SEQ
 * as a big-endian 64-bit number, then the enctype's checksum (Kc of the key for the usage)
 * over the message followed by those 16 header bytes (§4.2.4).
 *
 * The key (§2, MS-KILE 3.1.1.2): the acceptor's subkey when the AP-REP carried one (and then
 * AcceptorSubkey is set in every token, both directions), else the initiator's subkey, else
 * the ticket's session key. Usage 23 for tokens the acceptor sends, 25 for the initiator's.
 * rc4-hmac (23) contexts use RFC 4757's own token format instead, which is not provided
 * here: an rc4 context has no MechanismIntegrity (serverContext.ts).
 */
import { constantTimeEqual } from '../crypto/hash.js';
import type { MechanismIntegrity } from '../gss/mechanism.js';
import { encryptionType, KeyUsage } from './crypto/index.js';
import { krbFail } from './errors.js';
import type { EncryptionKey } from './messages/index.js';

/** Flags of RFC 4121 §4.2.2. */
export const MicTokenFlags = {
  SENT_BY_ACCEPTOR: 0x01,
  SEALED: 0x02,
  ACCEPTOR_SUBKEY: 0x04,
} as const;

export const MIC_TOKEN_ID = 0x0404;
const HEADER_LENGTH = 16;

export interface MicToken {
  readonly flags: number;
  /** SND_SEQ (64 bits). */
  readonly seq: bigint;
  readonly checksum: Uint8Array;
  /** The 16 header bytes the checksum covers. */
  readonly header: Uint8Array;
}

function header(flags: number, seq: bigint): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH, 0xff);
  h.writeUInt16BE(MIC_TOKEN_ID, 0);
  h[2] = flags;
  h.writeBigUInt64BE(BigInt.asUintN(64, seq), 8);
  return h;
}

/** Reads a MIC token's framing. Throws KerberosDecodeError. */
export function decodeMicToken(token: Uint8Array): MicToken {
  if (token.length < HEADER_LENGTH) krbFail('TRUNCATED', `MIC token of ${token.length} bytes (header is ${HEADER_LENGTH})`);
  const b = Buffer.from(token.buffer, token.byteOffset, token.byteLength);
  if (b.readUInt16BE(0) !== MIC_TOKEN_ID) krbFail('BAD_MESSAGE_TYPE', `MIC token TOK_ID ${b.readUInt16BE(0).toString(16).padStart(4, '0')} (expected 0404)`);
  for (let i = 3; i < 8; i++) if (b[i] !== 0xff) krbFail('BAD_VALUE', 'MIC token filler is not five FF bytes');
  return { flags: b[2] as number, seq: b.readBigUInt64BE(8), checksum: token.subarray(HEADER_LENGTH), header: token.subarray(0, HEADER_LENGTH) };
}

/** A MIC token over `message` (RFC 4121 §4.2.6.1). `usage` is 23 (acceptor) or 25 (initiator). */
export function encodeMicToken(key: EncryptionKey, usage: number, flags: number, seq: bigint, message: Uint8Array): Buffer {
  const h = header(flags, seq);
  const cksum = encryptionType(key.keytype).checksum(key.keyvalue, usage, Buffer.concat([message, h]));
  return Buffer.concat([h, cksum]);
}

/** Whether `token` is a MIC over `message` under `key` for `usage`. Never throws on the token's bytes. */
export function verifyMicToken(key: EncryptionKey, usage: number, token: Uint8Array, message: Uint8Array): MicToken | undefined {
  let t: MicToken;
  try {
    t = decodeMicToken(token);
  } catch {
    return undefined;
  }
  const e = encryptionType(key.keytype);
  if (t.checksum.length !== e.checksumLength) return undefined;
  const expected = e.checksum(key.keyvalue, usage, Buffer.concat([message, t.header]));
  return constantTimeEqual(expected, t.checksum) ? t : undefined;
}

/**
 * The acceptor's GSS_GetMIC / GSS_VerifyMIC for one established context. Sequence numbers
 * start at the AP-REP's seq-number (ours) and the authenticator's (the initiator's), RFC 4121
 * §4.2.3; each call uses the next one. A verified token must carry the flags this context
 * implies (not SentByAcceptor; AcceptorSubkey exactly when we sent a subkey).
 */
export class KerberosMicIntegrity implements MechanismIntegrity {
  private sendSeq: bigint;

  constructor(
    private readonly key: EncryptionKey,
    private readonly acceptorSubkey: boolean,
    ourSeq: number,
  ) {
    this.sendSeq = BigInt(ourSeq);
  }

  sign(message: Buffer): Buffer {
    const flags = MicTokenFlags.SENT_BY_ACCEPTOR | (this.acceptorSubkey ? MicTokenFlags.ACCEPTOR_SUBKEY : 0);
    const token = encodeMicToken(this.key, KeyUsage.KG_USAGE_ACCEPTOR_SIGN, flags, this.sendSeq, message);
    this.sendSeq = BigInt.asUintN(64, this.sendSeq + 1n);
    return token;
  }

  verify(message: Buffer, mic: Buffer): boolean {
    const t = verifyMicToken(this.key, KeyUsage.KG_USAGE_INITIATOR_SIGN, mic, message);
    if (!t) return false;
    if ((t.flags & MicTokenFlags.SENT_BY_ACCEPTOR) !== 0) return false;
    return ((t.flags & MicTokenFlags.ACCEPTOR_SUBKEY) !== 0) === this.acceptorSubkey;
  }
}
