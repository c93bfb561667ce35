/**
 * Reading a JSON Lines audit file in time order without holding the events in memory.
 *
 * Appends are roughly but not strictly in time order (concurrent requests, imported events),
 * so a query makes two passes: the first parses every line, keeps an index entry
 * (time, offset, length: 20 bytes) for each match and notes whether the matches are already
 * sorted; the second sorts the index if needed and reads the lines back by offset. A sorted
 * file is read sequentially both times. Only `\n`-terminated lines before the size seen at
 * the start count: an unterminated tail is an append in progress (or torn by a crash, and
 * therefore never acknowledged).
 */
import type { FileHandle } from 'node:fs/promises';
import type { AuditEvent } from '../../events/event.js';
import { AuditStoreError } from '../sink.js';
import { decodeLine } from './jsonLine.js';
import { matches, type NormalFilter } from './validate.js';

const BLOCK = 1 << 20;
/** Read size when the index is out of file order: small, as the next line is rarely nearby. */
const RANDOM_BLOCK = 16 << 10;
const NL = 0x0a;

/** Calls `onLine` for every complete, non-empty line in [0, size). */
export async function scanLines(
  fh: FileHandle,
  size: number,
  onLine: (text: string, offset: number, length: number, lineNo: number) => void,
): Promise<void> {
  const buf = Buffer.allocUnsafe(BLOCK);
  let carry: Buffer | undefined;
  let carryOffset = 0;
  let lineNo = 0;
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(BLOCK, size - pos), pos);
    if (bytesRead === 0) break;
    const view = buf.subarray(0, bytesRead);
    let start = 0;
    for (let nl = view.indexOf(NL); nl !== -1; nl = view.indexOf(NL, start)) {
      lineNo++;
      if (carry) {
        const whole = Buffer.concat([carry, view.subarray(0, nl)]);
        if (whole.length > 0) onLine(whole.toString('utf8'), carryOffset, whole.length, lineNo);
        carry = undefined;
      } else if (nl > start) {
        onLine(view.toString('utf8', start, nl), pos + start, nl - start, lineNo);
      }
      start = nl + 1;
    }
    if (start < bytesRead) {
      if (!carry) carryOffset = pos + start;
      carry = carry ? Buffer.concat([carry, view.subarray(start)]) : Buffer.from(view.subarray(start));
    }
    pos += bytesRead;
  }
}

/** Growable columns of (time, offset, length) for the lines a filter matched. */
class LineIndex {
  times = new Float64Array(1024);
  offsets = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  n = 0;
  sorted = true;

  push(time: number, offset: number, length: number): void {
    if (this.n === this.times.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.times = grow(this.times, (k) => new Float64Array(k));
      this.offsets = grow(this.offsets, (k) => new Float64Array(k));
      this.lengths = grow(this.lengths, (k) => new Uint32Array(k));
    }
    if (this.n > 0 && time < (this.times[this.n - 1] ?? -Infinity)) this.sorted = false;
    this.times[this.n] = time;
    this.offsets[this.n] = offset;
    this.lengths[this.n] = length;
    this.n++;
  }

  /** Positions in time order, ties in file order; undefined when the file order already is. */
  order(): Uint32Array | undefined {
    if (this.sorted) return undefined;
    const { times } = this;
    const idx = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) idx[i] = i;
    return idx.sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
  }
}

/** Pass 1: the index of matching lines. */
async function indexOf(fh: FileHandle, size: number, f: NormalFilter, name: string): Promise<LineIndex> {
  const index = new LineIndex();
  await scanLines(fh, size, (text, offset, length, lineNo) => {
    const { event, timeMs } = decodeLine(text, `${name}:${lineNo}`);
    if (matches(f, event.eventId, timeMs)) index.push(timeMs, offset, length);
  });
  return index;
}

export async function countMatching(fh: FileHandle, size: number, f: NormalFilter, name: string): Promise<number> {
  let n = 0;
  await scanLines(fh, size, (text, _offset, _length, lineNo) => {
    const { event, timeMs } = decodeLine(text, `${name}:${lineNo}`);
    if (matches(f, event.eventId, timeMs)) n++;
  });
  return Math.min(n, f.limit ?? Infinity);
}

/** Pass 2: the matching events in time order, read back by offset through a block cache. */
export async function* readInOrder(fh: FileHandle, size: number, f: NormalFilter, name: string): AsyncGenerator<AuditEvent> {
  const index = await indexOf(fh, size, f, name);
  const order = index.order();
  const total = Math.min(index.n, f.limit ?? Infinity);
  let buf = Buffer.allocUnsafe(order ? RANDOM_BLOCK : BLOCK);
  let bufStart = 0;
  let bufLen = 0;
  for (let k = 0; k < total; k++) {
    const i = order ? (order[k] ?? 0) : k;
    const off = index.offsets[i] ?? 0;
    const len = index.lengths[i] ?? 0;
    if (off < bufStart || off + len > bufStart + bufLen) {
      if (len > buf.length) buf = Buffer.allocUnsafe(len);
      bufStart = off;
      bufLen = (await fh.read(buf, 0, Math.min(buf.length, size - off), off)).bytesRead;
      if (bufLen < len) throw new AuditStoreError('read-failed', `${name} shrank while it was being read`);
    }
    yield decodeLine(buf.toString('utf8', off - bufStart, off - bufStart + len), `${name} @${off}`).event;
  }
}
