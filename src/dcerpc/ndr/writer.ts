/**
 * The NDR 2.0 writer that mirrors NdrReader (little-endian, natural alignment, deferred
 * referents after their construct, C706 §14.3.12.3). Referent IDs count up from 0x00020000 by 4,
 * as Windows and Samba write them.
 */

const FIRST_REFERENT_ID = 0x00020000;

export class NdrWriter {
  #chunks: Buffer[] = [];
  #length = 0;
  #nextReferentId = FIRST_REFERENT_ID;
  #frames: (() => void)[][] = [];

  get offset(): number {
    return this.#length;
  }

  #push(b: Buffer): void {
    this.#chunks.push(b);
    this.#length += b.length;
  }

  /** Zero padding up to an `n`-byte boundary. */
  align(n: 1 | 2 | 4 | 8): void {
    const pad = (n - (this.#length % n)) % n;
    if (pad > 0) this.#push(Buffer.alloc(pad));
  }

  u8(v: number): void {
    this.#push(Buffer.from([v & 0xff]));
  }

  u16(v: number): void {
    this.align(2);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.#push(b);
  }

  u32(v: number): void {
    this.align(4);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.#push(b);
  }

  u64(v: bigint): void {
    this.align(8);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    this.#push(b);
  }

  bytes(b: Uint8Array): void {
    this.#push(Buffer.from(b));
  }

  /**
   * A unique pointer: a fresh referent ID and `write` deferred to after the enclosing construct,
   * or 0 when `write` is undefined (null).
   */
  pointer(write: (() => void) | undefined): void {
    if (write === undefined) {
      this.u32(0);
      return;
    }
    this.u32(this.#nextReferentId);
    this.#nextReferentId += 4;
    const frame = this.#frames.at(-1);
    if (frame === undefined) this.construct(write);
    else frame.push(write);
  }

  /** Writes one construct, then the referents its pointers deferred, each a construct in turn. */
  construct(write: () => void): void {
    const frame: (() => void)[] = [];
    this.#frames.push(frame);
    try {
      write();
    } finally {
      this.#frames.pop();
    }
    for (const next of frame) this.construct(next);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}
