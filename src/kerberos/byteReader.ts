// A bounds-checked big-endian reader for the MIT file formats (keytab, ccache), whose
// integers are all big-endian in the versions read here. Every overrun is TRUNCATED.

import { krbFail } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length, readonly what = 'input') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.end - this.pos < n) krbFail('TRUNCATED', `${this.what}: ${field} runs past the end (offset ${this.pos})`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  /** `n` bytes as a view into the input. */
  bytesOf(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** UTF-8 text of `n` bytes; invalid UTF-8 is BAD_VALUE (names are compared after decoding). */
  text(n: number, field: string): string {
    const b = this.bytesOf(n, field);
    try {
      return utf8.decode(b);
    } catch {
      return krbFail('BAD_VALUE', `${this.what}: ${field} is not valid UTF-8`);
    }
  }
}

/** A growing big-endian writer for the same formats. */
export class ByteWriter {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    this.parts.push(Buffer.of(v));
    return this;
  }

  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }

  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
