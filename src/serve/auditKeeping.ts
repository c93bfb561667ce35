/**
 * What `serve` wraps around its audit sink: retention in the background (audit/retention.ts)
 * and the write health that turns a store that cannot write into 503s with a reason on
 * /healthz, and back into 200s by itself once it can (audit/health.ts).
 *
 * The process that holds the store (a single-process server, or a cluster's primary) opens
 * the store's retention side, which also serves as the health probe. A cluster worker's
 * relay has neither: its health follows its own writes (GuardedAuditSink's lapse rule).
 */
import { GuardedAuditSink, type AuditHealthState } from '../audit/health.js';
import { openRetentionTarget } from '../audit/openRetentionTarget.js';
import { RetentionRunner, type RetentionPolicy, type RetentionTarget } from '../audit/retention.js';
import type { AuditSink } from '../audit/sink.js';
import type { ServeLogger } from './logger.js';

export interface AuditRetentionStatus {
  readonly maxBytes?: number;
  readonly maxAgeMs?: number;
  readonly mode: RetentionPolicy['mode'];
  /** The last run: when, what it removed and what is left, or its error. */
  readonly lastRun?: { readonly at: string; readonly removed?: number; readonly bytes?: number; readonly events?: number; readonly archive?: string; readonly error?: string };
}

export interface KeptAudit {
  /** The sink to hand to the authority and the IWA handler; close() also stops retention. */
  readonly sink: AuditSink;
  health(): AuditHealthState & { readonly retention?: AuditRetentionStatus };
}

/** An AuditSink whose close() first stops what keeps it. */
class KeptSink implements AuditSink {
  constructor(
    private readonly guarded: GuardedAuditSink,
    private readonly stop: () => Promise<void>,
  ) {}

  write(events: Parameters<AuditSink['write']>[0]): Promise<void> {
    return this.guarded.write(events);
  }

  flush(): Promise<void> {
    return this.guarded.flush();
  }

  async close(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await this.guarded.close();
    }
  }
}

export async function keepAudit(store: AuditSink, o: { readonly url?: string; readonly retention?: RetentionPolicy; readonly logger: ServeLogger }): Promise<KeptAudit> {
  const log = o.logger.child({ component: 'audit' });
  let target: RetentionTarget | undefined;
  if (o.url !== undefined) {
    try {
      target = await openRetentionTarget(o.url);
    } catch (e) {
      // The store itself opened: serve without retention rather than not at all, and say so.
      log.warn({ err: e instanceof Error ? e.message : String(e) }, 'audit retention is not running');
    }
  }
  const runner =
    target && o.retention
      ? new RetentionRunner(target, o.retention, (level, msg, fields) => (level === 'warn' ? log.warn(fields, msg) : log.info(fields, msg))).start()
      : undefined;
  const guarded = new GuardedAuditSink(store, {
    probe: target ? () => (target as RetentionTarget).probe() : undefined,
    onWritten: runner ? (n) => runner.noteWritten(n) : undefined,
    onChange: (s) => (s.ok ? log.info({}, 'audit store writes again; logons are answered') : log.error({ reason: s.reason }, 'audit store cannot write; logons get 503 until it can')),
  });
  const sink = new KeptSink(guarded, async () => {
    if (runner) await runner.close();
    else await target?.close();
  });
  const policy = o.retention;
  return {
    sink,
    health: () => {
      const h = guarded.health();
      if (!runner || !policy) return h;
      const last = runner.last;
      const r = last?.result;
      const retention: AuditRetentionStatus = {
        ...(policy.maxBytes !== undefined ? { maxBytes: policy.maxBytes } : {}),
        ...(policy.maxAgeMs !== undefined ? { maxAgeMs: policy.maxAgeMs } : {}),
        mode: policy.mode,
        ...(last
          ? {
              lastRun: r
                ? { at: last.at, removed: r.removedByAge + r.removedBySize, bytes: r.after.bytes, events: r.after.events, ...(r.archiveFile ? { archive: r.archiveFile } : {}) }
                : { at: last.at, ...(last.error !== undefined ? { error: last.error } : {}) },
            }
          : {}),
      };
      return { ...h, retention };
    },
  };
}
