/**
 * Session security after authentication, MS-NLMP §3.4: sign/verify (§3.4.4) and
 * seal/unseal (§3.4.3), with and without extended session security. Each direction has its
 * own sequence number; with ESS each also has its own keys and RC4 handle. Without ESS
 * both directions share one RC4 handle and one counter, as NTLMv1 peers do.
 */
import { crc32 } from 'node:zlib';
import { constantTimeEqual, hmacMd5 } from '../crypto/hash.js';
import { Rc4 } from '../crypto/rc4.js';
import { NtlmIntegrityError } from './errors.js';
import { hasFlag, NegotiateFlags as F } from './flags.js';
import { sealkey, signkey, type Direction } from './keys.js';

export const SIGNATURE_SIZE = 16;

interface Channel {
  signKey: Buffer | undefined;
  sealKey: Buffer;
  handle: Rc4;
  seq: number;
}

export class NtlmSessionSecurity {
  private readonly ess: boolean;
  private readonly keyExch: boolean;
  private readonly out: Channel;
  private readonly in: Channel;

  /** `mode` is the side this object runs on: the client signs with client keys and verifies with server keys. */
  constructor(
    readonly flags: number,
    exportedSessionKey: Uint8Array,
    mode: Direction,
  ) {
    this.ess = hasFlag(flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY);
    this.keyExch = hasFlag(flags, F.NEGOTIATE_KEY_EXCH);
    const peer: Direction = mode === 'client' ? 'server' : 'client';
    const mk = (d: Direction): Channel => {
      const sealKey = sealkey(flags, exportedSessionKey, d);
      return { signKey: signkey(flags, exportedSessionKey, d), sealKey, handle: new Rc4(sealKey), seq: 0 };
    };
    this.out = mk(mode);
    // Without ESS there is one key and, connection-oriented, one shared RC4 state and counter.
    this.in = this.ess ? mk(peer) : this.out;
  }

  /** NTLMSSP_MESSAGE_SIGNATURE for an outgoing message (MAC, §3.4.4). */
  sign(message: Uint8Array): Buffer {
    return this.mac(this.out, message);
  }

  /** Checks an incoming signature in constant time; throws NtlmIntegrityError on mismatch. */
  verify(message: Uint8Array, signature: Uint8Array): void {
    const expected = this.mac(this.in, message);
    if (!constantTimeEqual(expected, signature)) throw new NtlmIntegrityError('NTLM message signature does not verify');
  }

  /** GSS_WrapEx (§3.4.3): encrypt then sign the plaintext, both with the same RC4 stream. */
  seal(message: Uint8Array): { sealed: Buffer; signature: Buffer } {
    const sealed = this.out.handle.update(message);
    return { sealed, signature: this.mac(this.out, message) };
  }

  /** GSS_UnwrapEx: decrypt, then verify the signature over the plaintext. */
  unseal(sealed: Uint8Array, signature: Uint8Array): Buffer {
    const plain = this.in.handle.update(sealed);
    this.verify(plain, signature);
    return plain;
  }

  /**
   * Restarts the RC4 stream of one direction (MS-SPNG §3.3.5.1: after the SPNEGO
   * mechListMIC the NTLM cipher state is reset; sequence numbers carry on).
   */
  resetCipherState(direction: 'out' | 'in'): void {
    const ch = direction === 'out' ? this.out : this.in;
    ch.handle = new Rc4(ch.sealKey);
  }

  private mac(ch: Channel, message: Uint8Array): Buffer {
    const sig = Buffer.alloc(SIGNATURE_SIZE);
    sig.writeUInt32LE(1, 0);
    const seq = ch.seq;
    ch.seq = (ch.seq + 1) >>> 0;
    if (this.ess && ch.signKey) {
      // §3.4.4.2: HMAC_MD5(SigningKey, SeqNum ‖ Message)[0..7], RC4'd when keys were exchanged.
      const seqBuf = Buffer.alloc(4);
      seqBuf.writeUInt32LE(seq);
      let checksum = hmacMd5(ch.signKey, seqBuf, message).subarray(0, 8);
      if (this.keyExch) checksum = ch.handle.update(checksum);
      checksum.copy(sig, 4);
      sig.writeUInt32LE(seq, 12);
      return sig;
    }
    // §3.4.4.1: RC4 over RandomPad(0) ‖ CRC32 ‖ 0, then SeqNum XOR, RandomPad emitted as 0.
    const body = Buffer.alloc(12);
    body.writeUInt32LE(crc32(message) >>> 0, 4);
    const enc = ch.handle.update(body);
    sig.writeUInt32LE(enc.readUInt32LE(4), 8);
    sig.writeUInt32LE((enc.readUInt32LE(8) ^ seq) >>> 0, 12);
    return sig;
  }
}
