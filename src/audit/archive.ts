/**
 * Archives of removed audit events: gzip'd JSON Lines, the lines `ntlmgate audit export
 * --format jsonl` writes, so `ntlmgate audit import <file>.jsonl.gz` reads them back.
 *
 * Each append is one complete gzip member (RFC 1952 §2.2: a gzip file is a series of
 * members, and gunzip reads them all) followed by fdatasync, and the caller deletes the
 * events from the store only after that: a crash between the two leaves at most one chunk
 * in both places, never an event in neither. The file is created exclusively (0600: the
 * archive holds the same user and workstation names as the store) in a 0700 folder.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import type { AuditEvent } from '../events/event.js';
import { toJsonLine } from './formats/jsonl.js';

const gzipAsync = promisify(gzip);

export class ArchiveWriter {
  private events = 0;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** `<dir>/ntlmgate-audit-<time>.jsonl.gz`, a new file (a second archive in the same millisecond gets a suffix). */
  static async create(dir: string, at: Date): Promise<ArchiveWriter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = at.toISOString().replace(/:/g, '-');
    for (let n = 0; ; n++) {
      const path = join(dir, `ntlmgate-audit-${stamp}${n === 0 ? '' : `-${n}`}.jsonl.gz`);
      try {
        return new ArchiveWriter(path, await open(path, 'wx', 0o600));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw e;
      }
    }
  }

  /** Appends the events as one gzip member and makes it durable. */
  async append(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const text = events.map((e) => `${toJsonLine(e)}\n`).join('');
    // zlib's async gzip runs on the thread pool, not the event loop.
    await this.fh.appendFile(await gzipAsync(text));
    await this.fh.datasync();
    this.events += events.length;
  }

  get count(): number {
    return this.events;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** True when the bytes start with the gzip magic (RFC 1952 §2.3.1: 1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A file's bytes, gunzipped when it is gzip (every member), as it is otherwise. */
export async function openMaybeGzip(path: string): Promise<{ readonly stream: Readable; readonly gzip: boolean }> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path);
  if (!isGzip(head)) return { stream: raw, gzip: false };
  const gunzip = createGunzip();
  // pipeline destroys the gunzip stream with the file's error, so a reader sees it.
  pipeline(raw, gunzip, () => undefined);
  return { stream: gunzip, gzip: true };
}
