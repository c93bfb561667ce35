/**
 * JSON Lines file store: one event per line (see jsonLine.ts), for log shippers and SIEMs
 * that tail files. One writer process per file.
 *
 * Durability: each batch is one append (O_APPEND, looped until complete) followed by
 * fdatasync, and write() resolves after both — the batch survives SIGKILL, an OS crash and
 * power loss. Creating the file also fsyncs its directory, so the file itself survives.
 *
 * A crash can leave a torn last line (never acknowledged, since acknowledgement follows
 * the fdatasync). Opening for writing cuts it off, so the next append starts on a line of
 * its own; readers ignore an unterminated tail. If an append or fdatasync fails, the file's
 * tail is unknown (and after a failed fsync Linux may have dropped the dirty pages), so the
 * store refuses further writes until it is reopened.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEvent } from '../../events/event.js';
import type { AuditFilter, AuditStore } from '../query.js';
import { AuditStoreError, type BatchOptions } from '../sink.js';
import { BatchedAuditStore } from './batchedStore.js';
import { GroupCommit, errorText } from './groupCommit.js';
import { decodeLine, encodeLine } from './jsonLine.js';
import { countMatching, readInOrder } from './jsonlRead.js';
import { normalizeFilter } from './validate.js';
import { groupRows, memoryLedger, type AttemptGroup, type AttemptQuery } from '../assess/groups.js';

/** Cuts an unterminated last line off (a torn append); returns the new size. */
async function cutTornTail(fh: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buf.length);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) {
      const keep = start + nl + 1;
      if (keep < size) await fh.truncate(keep);
      return keep;
    }
    end = start;
  }
  await fh.truncate(0);
  return 0;
}

/** Refuses a file whose first line is a newer format (before we append older lines to it). */
async function checkFirstLine(fh: FileHandle, path: string): Promise<void> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
  const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
  if (nl > 0) decodeLine(buf.toString('utf8', 0, nl), `${path}:1`);
}

export class JsonlAuditStore extends BatchedAuditStore implements AuditStore {
  protected readonly batcher: GroupCommit;
  private failed: unknown;

  private constructor(
    private readonly path: string,
    private readonly fh: FileHandle,
    options: BatchOptions,
  ) {
    super();
    this.batcher = new GroupCommit((events) => this.append(events), options, `JSON Lines audit store ${path}`);
  }

  static async open(path: string, options: BatchOptions = {}): Promise<JsonlAuditStore> {
    let fh: FileHandle | undefined;
    try {
      const existed = await stat(path).then(() => true, () => false);
      fh = await open(path, 'a+');
      const size = (await fh.stat()).size;
      await checkFirstLine(fh, path);
      if ((await cutTornTail(fh, size)) !== size) await fh.datasync();
      if (!existed) {
        const dir = await open(dirname(path), 'r');
        await dir.sync().finally(() => dir.close());
      }
      return new JsonlAuditStore(path, fh, options);
    } catch (e) {
      await fh?.close();
      if (e instanceof AuditStoreError) throw e;
      throw new AuditStoreError('open-failed', `cannot open JSON Lines audit store ${path}: ${errorText(e)}`, { cause: e });
    }
  }

  private async append(events: readonly AuditEvent[]): Promise<void> {
    if (this.failed !== undefined) {
      throw new AuditStoreError('write-failed', `an earlier append to ${this.path} failed (${errorText(this.failed)}); reopen the store`, {
        cause: this.failed,
      });
    }
    try {
      await this.fh.appendFile(events.map(encodeLine).join(''));
      await this.fh.datasync();
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  protected async release(): Promise<void> {
    await this.fh.close();
  }

  async *query(filter?: AuditFilter): AsyncGenerator<AuditEvent> {
    const f = normalizeFilter(filter);
    const fh = await this.reader();
    try {
      yield* readInOrder(fh, (await fh.stat()).size, f, this.path);
    } catch (e) {
      throw this.readError(e);
    } finally {
      await fh.close();
    }
  }

  async count(filter?: AuditFilter): Promise<number> {
    const f = normalizeFilter(filter);
    const fh = await this.reader();
    try {
      return await countMatching(fh, (await fh.stat()).size, f, this.path);
    } catch (e) {
      throw this.readError(e);
    } finally {
      await fh.close();
    }
  }

  /** No index to keep a ledger in: the attempts are ledgered in memory from one read of the file. */
  async attemptGroups(q: AttemptQuery): Promise<AttemptGroup[]> {
    const { ledger } = await memoryLedger(this.query());
    return groupRows(ledger.rows, q);
  }

  private readError(e: unknown): AuditStoreError {
    return e instanceof AuditStoreError ? e : new AuditStoreError('read-failed', `cannot read ${this.path}: ${errorText(e)}`, { cause: e });
  }

  /** A separate read-only handle per query, so positional reads never disturb appends. */
  private async reader(): Promise<FileHandle> {
    if (this.isClosed) throw new AuditStoreError('closed', `JSON Lines audit store ${this.path} is closed`);
    try {
      return await open(this.path, 'r');
    } catch (e) {
      throw this.readError(e);
    }
  }
}
