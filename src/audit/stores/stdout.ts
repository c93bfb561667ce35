/**
 * Standard-output store: one JSON line per event (the jsonLine.ts format), for containers
 * whose runtime collects stdout. "Durable" here means only "handed to the OS": write()
 * resolves when the stream has accepted the batch (its write callback ran), so whatever
 * reads our stdout — journald, a container log driver, a pipe — owns durability from there.
 * It cannot be read back: query(), count() and attemptGroups() reject with `not-queryable`.
 */
import type { AuditEvent } from '../../events/event.js';
import type { AuditStore } from '../query.js';
import type { AttemptGroup } from '../assess/groups.js';
import { AuditStoreError, type BatchOptions } from '../sink.js';
import { BatchedAuditStore } from './batchedStore.js';
import { GroupCommit } from './groupCommit.js';
import { encodeLine } from './jsonLine.js';

export class StdoutAuditStore extends BatchedAuditStore implements AuditStore {
  protected readonly batcher: GroupCommit;
  private failed: Error | undefined;
  /**
   * A stream error (EPIPE when the reader goes away) is also emitted as 'error', which would
   * crash the process with no listener; it is reported through write() rejections instead.
   */
  private readonly onError = (e: Error): void => {
    this.failed ??= e;
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    options: BatchOptions = {},
  ) {
    super();
    out.on('error', this.onError);
    this.batcher = new GroupCommit(
      (events) =>
        new Promise<void>((resolve, reject) => {
          if (this.failed) return reject(this.failed);
          // One write per batch; the callback reports the error of this write, if any.
          out.write(events.map(encodeLine).join(''), (e) => (e ? reject(e) : resolve()));
        }),
      options,
      'stdout audit store',
    );
  }

  /** Does not end the stream: process.stdout belongs to the process. */
  protected release(): Promise<void> {
    this.out.removeListener('error', this.onError);
    return Promise.resolve();
  }

  // eslint-disable-next-line require-yield -- an iterable that fails when iterated
  async *query(): AsyncGenerator<AuditEvent> {
    throw this.notQueryable();
  }

  count(): Promise<number> {
    return Promise.reject(this.notQueryable());
  }

  attemptGroups(): Promise<AttemptGroup[]> {
    return Promise.reject(this.notQueryable());
  }

  private notQueryable(): AuditStoreError {
    return new AuditStoreError('not-queryable', 'the stdout audit store cannot be read back; use sqlite:, postgres:// or jsonl: for reports');
  }
}
