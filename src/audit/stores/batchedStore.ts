/**
 * What every writing audit store shares: events go through its GroupCommit batcher (write and
 * flush resolve once the batch holding them is durable), and close() commits what was
 * accepted, then releases the store's own resources, once, however often it is called.
 */
import type { AuditEvent } from '../../events/event.js';
import type { GroupCommit } from './groupCommit.js';

export abstract class BatchedAuditStore {
  protected abstract readonly batcher: GroupCommit;
  private closing: Promise<void> | undefined;

  write(events: readonly AuditEvent[]): Promise<void> {
    return this.batcher.write(events);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.batcher.close();
      } finally {
        await this.release();
      }
    })();
    return this.closing;
  }

  /** True once close() was called: reads then fail with `closed`. */
  protected get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** Frees the file, pool, thread or listener the store holds; runs once, after the last commit. */
  protected abstract release(): Promise<void>;
}
