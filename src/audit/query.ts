/**
 * The read side of the audit log, used by reports: the AuditStore every store implements
 * (stores/), opened from a URL by openAuditStore.ts.
 */
import type { AuditEvent } from '../events/event.js';
import type { AttemptGroup, AttemptQuery } from './assess/groups.js';
import type { AuditSink } from './sink.js';

export interface AuditFilter {
  /** Events at or after this instant (inclusive). */
  readonly since?: Date;
  /** Events before this instant (exclusive), so consecutive ranges never overlap. */
  readonly until?: Date;
  /** Only these event ids; an empty list matches nothing. */
  readonly eventIds?: readonly number[];
  /** At most this many events (after ordering). */
  readonly limit?: number;
}

export interface AuditStore extends AuditSink {
  /**
   * Events matching the filter in time order (ties in write order), streamed: reports may
   * read millions of rows, so no store loads the whole result into memory. Stop early with
   * `break`; the store releases its cursor then.
   */
  query(filter?: AuditFilter): AsyncIterable<AuditEvent>;
  count(filter?: AuditFilter): Promise<number>;
  /**
   * Logon attempts (not events) first seen in the range, grouped and counted by outcome
   * (assess/groups.ts). The SQL stores answer from the ledger they keep as events are written.
   */
  attemptGroups(q: AttemptQuery): Promise<AttemptGroup[]>;
}
