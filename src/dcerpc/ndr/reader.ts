/**
 * An NDR 2.0 reader (C706 ch. 14, little-endian data representation only): natural alignment of
 * primitives relative to the start of the buffer, conformance and variance counts capped by the
 * bytes left, and pointers whose referents are deferred. C706 §14.3.12.3: the referents of the
 * pointers embedded in a construct follow the whole construct, in the order of the pointers, and
 * a referent's own embedded pointers follow that referent; `construct` and `defer` give exactly
 * that order.
 */
import { ndrFail } from './errors.js';

/** Elements one conformant array may declare before it is refused (the bytes left cap it too). */
export const NDR_MAX_COUNT = 1 << 20;

export interface NdrReaderOptions {
  /** Cap on a single conformance/variance count; NDR_MAX_COUNT unless given. */
  readonly maxCount?: number;
}

export class NdrReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #maxCount: number;
  #pos = 0;
  /** The deferred referents of the construct being read (a stack of FIFO queues). */
  #frames: (() => void)[][] = [];
  readonly #fullPointers = new Set<number>();

  constructor(bytes: Uint8Array, options: NdrReaderOptions = {}) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#maxCount = options.maxCount ?? NDR_MAX_COUNT;
  }

  get offset(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#bytes.length - this.#pos;
  }

  #need(n: number, what: string): number {
    if (n > this.#bytes.length - this.#pos) ndrFail('TRUNCATED', `${what}: ${n} bytes at offset ${this.#pos}, ${this.remaining} left`);
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Skips the padding that aligns the next field to `n` bytes (C706 §14.2.2). */
  align(n: 1 | 2 | 4 | 8): void {
    const pad = (n - (this.#pos % n)) % n;
    this.#need(pad, 'alignment padding');
  }

  u8(what = 'u8'): number {
    return this.#bytes[this.#need(1, what)] as number;
  }

  u16(what = 'u16'): number {
    this.align(2);
    return this.#view.getUint16(this.#need(2, what), true);
  }

  u32(what = 'u32'): number {
    this.align(4);
    return this.#view.getUint32(this.#need(4, what), true);
  }

  i32(what = 'i32'): number {
    this.align(4);
    return this.#view.getInt32(this.#need(4, what), true);
  }

  u64(what = 'u64'): bigint {
    this.align(8);
    return this.#view.getBigUint64(this.#need(8, what), true);
  }

  /** `n` bytes as a view (no alignment: byte arrays are 1-aligned). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    const at = this.#need(n, what);
    return this.#bytes.subarray(at, at + n);
  }

  /** A pointer's referent ID (C706 §14.3.11); 0 is null. */
  pointer(what = 'pointer'): number {
    return this.u32(what);
  }

  /**
   * A full pointer (C706 §14.3.10): the referent ID, and whether its referent is serialized here
   * (false for null and for an ID already seen, whose referent was read at its first occurrence).
   */
  fullPointer(what = 'full pointer'): { readonly referentId: number; readonly follows: boolean } {
    const referentId = this.pointer(what);
    if (referentId === 0 || this.#fullPointers.has(referentId)) return { referentId, follows: false };
    this.#fullPointers.add(referentId);
    return { referentId, follows: true };
  }

  /**
   * A conformance or variance count (u32) for elements of `elementSize` bytes, refused above the
   * reader's cap or above what the remaining bytes could hold, so no count allocates more than
   * the input.
   */
  count(elementSize: number, what = 'count'): number {
    const n = this.u32(what);
    if (n > this.#maxCount) ndrFail('TOO_LARGE', `${what}: ${n} elements, cap ${this.#maxCount}`);
    if (n * elementSize > this.remaining) ndrFail('TRUNCATED', `${what}: ${n} × ${elementSize} bytes, ${this.remaining} left`);
    return n;
  }

  /** Queues the read of a pointer's referent until the enclosing construct is complete. */
  defer(read: () => void): void {
    const frame = this.#frames.at(-1);
    if (frame === undefined) {
      // A pointer outside any construct (a top-level pointer): its referent follows at once.
      this.construct(read);
      return;
    }
    frame.push(read);
  }

  /**
   * Reads one construct (a structure, an array, a top-level referent) with `read`, then the
   * referents it deferred, in order, each of them a construct in turn.
   */
  construct<T>(read: () => T): T {
    const frame: (() => void)[] = [];
    this.#frames.push(frame);
    let value: T;
    try {
      value = read();
    } finally {
      this.#frames.pop();
    }
    for (const next of frame) this.construct(next);
    return value;
  }
}
