export * from './negotiate.js';
export * from './challenge.js';
export * from './authenticate.js';

import { NtlmDecodeError } from '../errors.js';
import { SIGNATURE } from '../fields.js';
import { decodeAuthenticate, type AuthenticateMessage } from './authenticate.js';
import { decodeChallenge, type ChallengeMessage } from './challenge.js';
import { decodeNegotiate, type NegotiateMessage } from './negotiate.js';

export type NtlmMessage =
  | { readonly type: 'NEGOTIATE'; readonly message: NegotiateMessage }
  | { readonly type: 'CHALLENGE'; readonly message: ChallengeMessage }
  | { readonly type: 'AUTHENTICATE'; readonly message: AuthenticateMessage };

export function isNtlmMessage(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.buffer, buf.byteOffset, 8).equals(SIGNATURE);
}

/** Decodes any of the three messages by its MessageType. */
export function decodeMessage(buf: Uint8Array): NtlmMessage {
  if (buf.length < 12) throw new NtlmDecodeError('TOO_SHORT', `message of ${buf.length} bytes is shorter than an NTLM header`);
  const type = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readUInt32LE(8);
  switch (type) {
    case 1:
      return { type: 'NEGOTIATE', message: decodeNegotiate(buf) };
    case 2:
      return { type: 'CHALLENGE', message: decodeChallenge(buf) };
    case 3:
      return { type: 'AUTHENTICATE', message: decodeAuthenticate(buf) };
    default:
      if (!isNtlmMessage(buf)) throw new NtlmDecodeError('BAD_SIGNATURE', 'missing NTLMSSP signature');
      throw new NtlmDecodeError('BAD_MESSAGE_TYPE', `unknown NTLM message type ${type}`);
  }
}
