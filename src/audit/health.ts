/**
 * Whether the audit store can take writes, as a server needs to know it: a sink wrapper that
 * watches every write, so `/healthz` can say why logons are refused, and that notices by
 * itself when the store is back.
 *
 * A write that fails because the store is unavailable (disk full, database gone, commit
 * refused) marks the store down with the store's own message; the next write that succeeds
 * marks it up. While it is down, `probe` (a tiny write of the store's own, retention.ts) runs
 * every `retryMs`, so the state clears when space returns even if no logon comes to try —
 * a load balancer that stopped sending traffic because of /healthz would otherwise never
 * see it recover. Without a probe (a serve worker's relay), the mark lapses `retryMs` after
 * the last failure and the next write decides.
 *
 * Every successful write is also counted for retention (RetentionRunner.noteWritten).
 */
import type { AuditEvent } from '../events/event.js';
import { AuditStoreError, type AuditSink } from './sink.js';

export interface AuditHealthState {
  readonly ok: boolean;
  /** Why the store cannot write (its own error message), while it cannot. */
  readonly reason?: string;
  /** ISO time of the first failure of this outage. */
  readonly since?: string;
  /** Failed writes in this outage. */
  readonly failures?: number;
}

export interface GuardedSinkOptions {
  /** Resolves when the store can write again (SqliteRetention/PostgresRetention.probe). */
  readonly probe?: () => Promise<void>;
  /** How often to probe while down, and the Retry-After a refused request gets, in ms (default 5 s). */
  readonly retryMs?: number;
  /** Successful writes, for retention. */
  readonly onWritten?: (events: number) => void;
  /** Each change of state (down with its reason, up again), for the server's log. */
  readonly onChange?: (state: AuditHealthState) => void;
  readonly now?: () => number;
}

/**
 * True for failures that mean "the store cannot write now" (and a retry later may work), as
 * opposed to an event the store refuses (`invalid-event`), which is the writer's fault.
 */
export function isStoreUnavailable(e: unknown): e is AuditStoreError {
  return e instanceof AuditStoreError && e.code !== 'invalid-event' && e.code !== 'invalid-filter' && e.code !== 'bad-url';
}

export const DEFAULT_RETRY_MS = 5000;

export class GuardedAuditSink implements AuditSink {
  private down: { reason: string; since: number; failures: number; lastFailure: number } | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  readonly retryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: AuditSink,
    private readonly o: GuardedSinkOptions = {},
  ) {
    this.retryMs = o.retryMs ?? DEFAULT_RETRY_MS;
    this.now = o.now ?? Date.now;
  }

  async write(events: readonly AuditEvent[]): Promise<void> {
    try {
      await this.inner.write(events);
    } catch (e) {
      if (isStoreUnavailable(e)) this.markDown(e.message);
      throw e;
    }
    if (this.down) this.markUp();
    this.o.onWritten?.(events.length);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopProbing();
    await this.inner.close();
  }

  /** The state now; without a probe, a failure older than retryMs no longer counts. */
  health(): AuditHealthState {
    const d = this.down;
    if (!d) return { ok: true };
    if (!this.o.probe && this.now() - d.lastFailure >= this.retryMs) {
      this.markUp();
      return { ok: true };
    }
    return { ok: false, reason: d.reason, since: new Date(d.since).toISOString(), failures: d.failures };
  }

  /** Seconds a client should wait before trying again (for Retry-After). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryMs / 1000));
  }

  private markDown(reason: string): void {
    const t = this.now();
    if (this.down) {
      this.down.failures++;
      this.down.lastFailure = t;
      this.down.reason = reason;
      return;
    }
    this.down = { reason, since: t, failures: 1, lastFailure: t };
    this.o.onChange?.(this.health());
    if (this.o.probe && !this.closed) {
      this.probeTimer = setInterval(() => void this.runProbe(), this.retryMs);
      this.probeTimer.unref();
    }
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = undefined;
    this.stopProbing();
    this.o.onChange?.({ ok: true });
  }

  private stopProbing(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private async runProbe(): Promise<void> {
    if (this.probing || !this.down || !this.o.probe) return;
    this.probing = true;
    try {
      await this.o.probe();
      this.markUp();
    } catch (e) {
      if (this.down) this.down.reason = e instanceof Error ? e.message : String(e);
    } finally {
      this.probing = false;
    }
  }
}
