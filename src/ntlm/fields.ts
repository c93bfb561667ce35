/**
 * Bounds-checked access to the (Len, MaxLen, BufferOffset) field descriptors that every
 * NTLM message uses (MS-NLMP §2.2.1), plus a builder that lays out payloads.
 */
import { NtlmDecodeError } from './errors.js';
import { MAX_MESSAGE_SIZE } from './limits.js';

export const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export interface FieldRef {
  readonly length: number;
  readonly offset: number;
}

/** Checks signature, message type and size cap; returns the buffer for further reads. */
export function checkHeader(buf: Uint8Array, messageType: 1 | 2 | 3, minSize: number): Buffer {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length > MAX_MESSAGE_SIZE) {
    throw new NtlmDecodeError('TOO_LARGE', `message of ${b.length} bytes exceeds the ${MAX_MESSAGE_SIZE}-byte cap`);
  }
  if (b.length < 12) throw new NtlmDecodeError('TOO_SHORT', `message of ${b.length} bytes is shorter than an NTLM header`);
  if (!b.subarray(0, 8).equals(SIGNATURE)) throw new NtlmDecodeError('BAD_SIGNATURE', 'missing NTLMSSP signature');
  const type = b.readUInt32LE(8);
  if (type !== messageType) {
    throw new NtlmDecodeError('BAD_MESSAGE_TYPE', `expected message type ${messageType}, got ${type}`);
  }
  if (b.length < minSize) {
    throw new NtlmDecodeError('TOO_SHORT', `type ${messageType} message of ${b.length} bytes is shorter than ${minSize}`);
  }
  return b;
}

/** Reads the 8-byte field descriptor at `at`; empty fields never reference the payload. */
export function readFieldRef(b: Buffer, at: number, name: string): FieldRef {
  if (at + 8 > b.length) throw new NtlmDecodeError('TOO_SHORT', `${name} descriptor is past the end of the message`);
  const length = b.readUInt16LE(at);
  const offset = b.readUInt32LE(at + 4);
  if (length > 0 && (offset > b.length || offset + length > b.length)) {
    throw new NtlmDecodeError(
      'FIELD_OUT_OF_BOUNDS',
      `${name} (offset ${offset}, length ${length}) is outside the ${b.length}-byte message`,
    );
  }
  return { length, offset };
}

/** Copies the field's bytes (a copy, so callers never alias the peer's buffer). */
export function fieldBytes(b: Buffer, ref: FieldRef): Buffer {
  return ref.length === 0 ? Buffer.alloc(0) : Buffer.from(b.subarray(ref.offset, ref.offset + ref.length));
}

/** Decodes a string field: UTF-16LE when Unicode was negotiated, OEM (treated as latin1) otherwise. */
export function decodeString(bytes: Buffer, unicode: boolean, name: string): string {
  if (!unicode) return bytes.toString('latin1');
  if (bytes.length % 2 !== 0) throw new NtlmDecodeError('BAD_STRING', `${name} has an odd length for UTF-16`);
  return bytes.toString('utf16le');
}

export function encodeString(s: string, unicode: boolean): Buffer {
  return Buffer.from(s, unicode ? 'utf16le' : 'latin1');
}

/**
 * Lays out a message: a fixed header followed by payload fields in the order they are
 * added. `emptyOffset` says what an empty field's BufferOffset holds: 0 (as in the
 * MS-NLMP §4.2 CHALLENGE examples) or the current payload position (as Windows does).
 */
export class MessageBuilder {
  private readonly header: Buffer;
  private readonly payload: Buffer[] = [];
  private cursor: number;

  constructor(
    headerSize: number,
    messageType: 1 | 2 | 3,
    private readonly emptyOffset: 'zero' | 'cursor' = 'cursor',
  ) {
    this.header = Buffer.alloc(headerSize);
    SIGNATURE.copy(this.header, 0);
    this.header.writeUInt32LE(messageType, 8);
    this.cursor = headerSize;
  }

  u32(at: number, v: number): this {
    this.header.writeUInt32LE(v >>> 0, at);
    return this;
  }

  bytes(at: number, v: Uint8Array): this {
    this.header.set(v, at);
    return this;
  }

  /** Writes the descriptor at `at` and appends `data` to the payload. */
  field(at: number, data: Uint8Array): this {
    if (data.length > 0xffff) throw new RangeError(`NTLM field of ${data.length} bytes exceeds 65535`);
    this.header.writeUInt16LE(data.length, at);
    this.header.writeUInt16LE(data.length, at + 2);
    const offset = data.length === 0 && this.emptyOffset === 'zero' ? 0 : this.cursor;
    this.header.writeUInt32LE(offset, at + 4);
    if (data.length > 0) {
      this.payload.push(Buffer.from(data));
      this.cursor += data.length;
    }
    return this;
  }

  /** Offset the next payload field will get (for callers that need it in advance). */
  get position(): number {
    return this.cursor;
  }

  build(): Buffer {
    return Buffer.concat([this.header, ...this.payload]);
  }
}
