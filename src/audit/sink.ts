/**
 * The write side of the audit log: where policy and the HTTP layer send events.
 *
 * Contract, for every implementation:
 * - `write(events)` resolves only once the events are durable in the store's own sense
 *   (SQLite: committed with the WAL fsync'd; PostgreSQL: COMMIT acknowledged; JSON Lines:
 *   appended and fdatasync'd; stdout: handed to the OS). A response whose meaning depends on
 *   the audit record (e.g. "blocked, and logged") may therefore be sent after it resolves.
 * - Writes from many concurrent callers are group-committed: a batch closes after
 *   `maxBatchEvents` events or `maxDelayMs`, and events arriving while a commit is in flight
 *   go into the next one. The events of one `write()` call are never split across batches.
 * - Failures reject the promise with an {@link AuditStoreError}; nothing is swallowed or
 *   retried behind the caller's back in a way that could duplicate a committed event.
 * - `flush()` waits until every write submitted before it has settled (and rejects if one of
 *   them failed); `close()` refuses new writes, commits what is queued, then releases the
 *   store. Writes after `close()` reject with code `closed`.
 */
import type { AuditEvent } from '../events/event.js';

export interface AuditSink {
  write(events: readonly AuditEvent[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Group-commit tuning, accepted by every store. */
export interface BatchOptions {
  /** A batch closes once it holds this many events (default 1000). */
  readonly maxBatchEvents?: number;
  /**
   * How long the first event of a batch may wait for company, in ms. 0 (the default) means
   * "until the current event-loop turn is over" (setImmediate): callers that write in the
   * same turn share a commit without adding latency.
   */
  readonly maxDelayMs?: number;
}

export type AuditStoreErrorCode =
  /** write() or query() after close() */
  | 'closed'
  /** an event that cannot be stored (bad time, non-string data value, …) */
  | 'invalid-event'
  /** a query filter that makes no sense (invalid Date, negative limit, …) */
  | 'invalid-filter'
  /** openAuditStore() got a URL it cannot use */
  | 'bad-url'
  /** the database server cannot be reached */
  | 'unreachable'
  /** the store was written by a newer (or unknown) schema version */
  | 'schema-version'
  /** opening or preparing the store failed */
  | 'open-failed'
  /** a commit failed: the events of the rejected write() are not durable */
  | 'write-failed'
  /** reading back failed */
  | 'read-failed'
  /** the stored data cannot be parsed */
  | 'corrupt'
  /** the store cannot be read back (stdout) */
  | 'not-queryable'
  /** a reader asked for a store that does not exist (OpenAuditStoreOptions.mustExist) */
  | 'not-found';

export class AuditStoreError extends Error {
  override readonly name = 'AuditStoreError';
  constructor(
    readonly code: AuditStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
