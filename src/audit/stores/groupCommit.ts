/**
 * Group commit, shared by every store: write() queues its events and returns a promise that
 * settles when the batch holding them has been committed by the store's `commit` function.
 *
 * A batch closes when it holds `maxBatchEvents` events or its first event has waited
 * `maxDelayMs` (0 = the end of the current event-loop turn). While a commit is in flight
 * nothing else is committed; what arrives meanwhile forms the next batch. Commits are always
 * started from a macrotask (setImmediate/setTimeout), never from a promise continuation, so
 * a synchronous store (better-sqlite3) cannot starve the event loop when writers re-write
 * as soon as their previous write resolves.
 */
import type { AuditEvent } from '../../events/event.js';
import { AuditStoreError, type BatchOptions } from '../sink.js';
import { checkEvents } from './validate.js';

/** Commits one batch durably, or throws (the whole batch is then reported as failed). */
export type CommitBatch = (events: readonly AuditEvent[], timesMs: readonly number[]) => void | Promise<void>;

interface Job {
  readonly events: readonly AuditEvent[];
  readonly times: readonly number[];
  /** performance.now() at write(): the oldest queued job sets the maxDelayMs deadline. */
  readonly at: number;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export const DEFAULT_MAX_BATCH_EVENTS = 1000;

export class GroupCommit {
  private readonly maxBatchEvents: number;
  private readonly maxDelayMs: number;
  private queue: Job[] = [];
  private queuedEvents = 0;
  private inFlight = false;
  private timer: { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout } | undefined;
  /** > 0 while flush()/close() wait: commit at once instead of waiting for maxDelayMs. */
  private urgent = 0;
  private closed = false;
  private readonly outstanding = new Set<Job>();

  constructor(
    private readonly commit: CommitBatch,
    options: BatchOptions = {},
    private readonly what = 'audit store',
  ) {
    this.maxBatchEvents = Math.max(1, Math.floor(options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS));
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 0);
  }

  write(events: readonly AuditEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new AuditStoreError('closed', `${this.what} is closed`));
    let times: number[];
    try {
      times = checkEvents(events);
    } catch (e) {
      return Promise.reject(e);
    }
    if (events.length === 0) return Promise.resolve();
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A copy: the caller may reuse its array while the batch waits.
    const job: Job = { events: events.slice(), times, at: performance.now(), promise, resolve, reject };
    this.queue.push(job);
    this.queuedEvents += events.length;
    this.outstanding.add(job);
    this.kick();
    return promise;
  }

  /** Settles once every write submitted before it has settled; rejects if one of them failed. */
  async flush(): Promise<void> {
    const failure = await this.settleOutstanding();
    if (failure !== undefined) {
      throw new AuditStoreError('write-failed', `a write submitted before flush() failed: ${errorText(failure)}`, { cause: failure });
    }
  }

  /** Refuses further writes and waits for the queued ones (their writers see any failure). */
  async close(): Promise<void> {
    this.closed = true;
    await this.settleOutstanding();
  }

  private async settleOutstanding(): Promise<unknown> {
    const jobs = [...this.outstanding];
    if (jobs.length === 0) return undefined;
    this.urgent++;
    this.kick();
    try {
      const results = await Promise.allSettled(jobs.map((j) => j.promise));
      for (const r of results) if (r.status === 'rejected') return r.reason as unknown;
      return undefined;
    } finally {
      this.urgent--;
    }
  }

  /** Arms the timer for the next batch, if there is one to commit and none in flight. */
  private kick(): void {
    const oldest = this.queue[0];
    if (this.inFlight || !oldest) return;
    const full = this.queuedEvents >= this.maxBatchEvents || this.urgent > 0;
    const wait = full ? 0 : this.maxDelayMs - (performance.now() - oldest.at);
    if (wait <= 0) {
      if (this.timer?.kind === 'immediate') return;
      this.clearTimer();
      this.timer = { kind: 'immediate', handle: setImmediate(() => this.fire()) };
    } else if (!this.timer) {
      this.timer = { kind: 'timeout', handle: setTimeout(() => this.fire(), wait) };
    }
  }

  private clearTimer(): void {
    if (this.timer?.kind === 'immediate') clearImmediate(this.timer.handle);
    else if (this.timer?.kind === 'timeout') clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.inFlight || this.queue.length === 0) return;
    // Whole jobs only: one write() is never split, so a store with transactions commits it atomically.
    let n = 0;
    let take = 0;
    for (const job of this.queue) {
      if (take > 0 && n + job.events.length > this.maxBatchEvents) break;
      n += job.events.length;
      take++;
    }
    const batch = this.queue.splice(0, take);
    this.queuedEvents -= n;
    this.inFlight = true;
    void this.run(batch);
  }

  private async run(batch: Job[]): Promise<void> {
    const only = batch.length === 1 ? batch[0] : undefined;
    const events = only ? only.events : batch.flatMap((j) => j.events);
    const times = only ? only.times : batch.flatMap((j) => j.times);
    let failure: AuditStoreError | undefined;
    try {
      await this.commit(events, times);
    } catch (e) {
      failure =
        e instanceof AuditStoreError ? e : new AuditStoreError('write-failed', `${this.what}: commit of ${events.length} events failed: ${errorText(e)}`, { cause: e });
    }
    for (const job of batch) {
      this.outstanding.delete(job);
      if (failure) job.reject(failure);
      else job.resolve();
    }
    this.inFlight = false;
    this.kick();
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
