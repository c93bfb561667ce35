/**
 * fdatasync of a SQLite database's write-ahead log, on libuv's thread pool.
 *
 * With journal_mode=WAL, a COMMIT under synchronous=NORMAL write()s its frames to the WAL and
 * returns without waiting for the disk; synchronous=FULL adds exactly one thing, an fsync of
 * the WAL before COMMIT returns (https://sqlite.org/pragma.html#pragma_synchronous). Doing that
 * fsync ourselves after COMMIT gives the same guarantee — the batch is on disk before its
 * writers are told — while the event loop runs on (the thread pool waits for the disk, not
 * the loop). The WAL keeps its inode while any connection is open (SQLite rewrites it from the
 * start after a checkpoint, and deletes it only when the last connection closes), so one handle
 * opened on first use serves the store's life.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class WalSync {
  private handle: Promise<FileHandle> | undefined;

  constructor(private readonly dbPath: string) {}

  /** Flushes every frame written to the WAL so far (the ones of the COMMIT that just returned included). */
  async sync(): Promise<void> {
    // 'r': fdatasync needs no write access; the file exists once the connection has written.
    this.handle ??= open(`${this.dbPath}-wal`, 'r');
    let h: FileHandle;
    try {
      h = await this.handle;
    } catch (e) {
      this.handle = undefined; // not there yet, or gone: try again next time
      throw e;
    }
    await h.datasync();
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }
}
