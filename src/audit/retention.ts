/**
 * Retention of the audit log, as Windows' event log has it (Maximum log size, "Overwrite
 * events as needed (oldest events first)" or "Archive the log when full"): a store keeps
 * events for at most `maxAgeMs` and in at most `maxBytes`, and what falls out is deleted or,
 * in `archive` mode, first appended to a gzip'd JSON Lines file (archive.ts) that
 * `ntlmgate audit import` reads back.
 *
 * Cheap on the hot path: writers only bump a counter (noteWritten); a check runs after every
 * `checkEveryEvents` events or `checkIntervalMs`, whichever comes first, never two at once.
 * A check that finds the store within its limits costs one size query and one oldest-time
 * query. Over the cap, the oldest events are removed down to LOW_WATER of the cap — a
 * burst now and then, not a delete per event — in chunks of PRUNE_CHUNK, each its own
 * transaction, yielding to the event loop between chunks so logons keep committing.
 *
 * Each store measures its own size (sqliteRetention.ts, postgresRetention.ts); what "bytes"
 * means for each is documented there and in docs/configuration.md.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AuditEvent } from '../events/event.js';
import { ArchiveWriter } from './archive.js';

export type RetentionMode = 'overwrite' | 'archive';

export interface RetentionPolicy {
  /** Size cap in bytes (see the store's usage()); undefined = none. */
  readonly maxBytes?: number;
  /** Events older than this are removed; undefined = kept whatever their age. */
  readonly maxAgeMs?: number;
  readonly mode: RetentionMode;
  /** `archive` mode: the folder the .jsonl.gz files go to. */
  readonly archiveDir?: string;
  /** Check after this many events written (default 10,000). */
  readonly checkEveryEvents: number;
  /** …and at least this often, in ms (default 60 s). */
  readonly checkIntervalMs: number;
}

const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;

/** On by default: 1 GiB or 90 days, whichever is reached first; the oldest events are overwritten. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  maxBytes: GIB,
  maxAgeMs: 90 * DAY_MS,
  mode: 'overwrite',
  checkEveryEvents: 10_000,
  checkIntervalMs: 60_000,
};

/** Over the cap, prune down to this fraction of it, so the next prune is many events away. */
export const LOW_WATER = 0.9;
/** Events per delete transaction. */
export const PRUNE_CHUNK = 500;

export interface StoreUsage {
  /** What the cap is compared with: the bytes the events (and their indexes) occupy. */
  readonly bytes: number;
  /** The store's footprint on disk, free space included. */
  readonly fileBytes: number;
  readonly events: number;
  /** ISO time of the oldest event, when there is one. */
  readonly oldest?: string;
}

/** What retention needs from a store; one per store, on a connection of its own. */
export interface RetentionTarget {
  /** `sqlite:/path` or the PostgreSQL server without its password, for messages. */
  readonly what: string;
  /** `exact`: count the events (SQLite estimates from the seq span otherwise, to stay cheap). */
  usage(exact?: boolean): Promise<StoreUsage>;
  /**
   * Removes up to `limit` of the oldest events (time order, then write order), only those
   * before `beforeMs` when given; `keep` runs on them first and the delete only happens once
   * it resolved. Returns how many were removed.
   */
  removeOldest(request: { readonly beforeMs?: number; readonly limit: number; readonly keep?: (events: readonly AuditEvent[]) => Promise<void> }): Promise<number>;
  /** Gives space back beyond the cap (SQLite: incremental_vacuum; full: VACUUM). */
  compact(request: { readonly maxBytes?: number; readonly full?: boolean }): Promise<void>;
  /** Resolves when the store can take a write again (a tiny write of its own), rejects otherwise. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

export interface PruneResult {
  readonly before: StoreUsage;
  readonly after: StoreUsage;
  readonly removedByAge: number;
  readonly removedBySize: number;
  /** The archive written to (archive mode, when something was removed). */
  readonly archiveFile?: string;
}

export interface PruneOptions {
  readonly maxBytes?: number;
  readonly maxAgeMs?: number;
  /** Archive what is removed into this folder first. */
  readonly archiveDir?: string;
  /** Remove everything before this instant, whatever the age limit (the CLI's --before). */
  readonly beforeMs?: number;
  /** Give free space back (SQLite: VACUUM) after removing. */
  readonly vacuum?: boolean;
  readonly now?: number;
}

/** Applies the limits once: age first, then size; then gives space beyond the cap back. */
export async function prune(target: RetentionTarget, options: PruneOptions): Promise<PruneResult> {
  const now = options.now ?? Date.now();
  const before = await target.usage();
  let archive: ArchiveWriter | undefined;
  const keep =
    options.archiveDir === undefined
      ? undefined
      : async (events: readonly AuditEvent[]): Promise<void> => {
          archive ??= await ArchiveWriter.create(options.archiveDir ?? '.', new Date(now));
          await archive.append(events);
        };
  const removeAll = async (beforeMs: number | undefined, max: number): Promise<number> => {
    let removed = 0;
    while (removed < max) {
      const n = await target.removeOldest({ beforeMs, limit: Math.min(PRUNE_CHUNK, max - removed), keep });
      removed += n;
      if (n === 0) break;
      await nextTurn();
    }
    return removed;
  };
  try {
    let cutoff = options.maxAgeMs === undefined ? undefined : now - options.maxAgeMs;
    if (options.beforeMs !== undefined) cutoff = cutoff === undefined ? options.beforeMs : Math.max(cutoff, options.beforeMs);
    const removedByAge = cutoff === undefined ? 0 : await removeAll(cutoff, Infinity);
    let removedBySize = 0;
    if (options.maxBytes !== undefined) {
      const low = Math.floor(options.maxBytes * LOW_WATER);
      let usage = await target.usage();
      // Each round estimates the events to remove from the mean event size, then measures again:
      // removing rows does not free pages one for one (an index page empties only when all of its rows go).
      for (let round = 0; usage.bytes > options.maxBytes || (round > 0 && usage.bytes > low); round++) {
        if (usage.events === 0 || round >= 64) break;
        const perEvent = usage.bytes / usage.events;
        const n = Math.max(1, Math.min(usage.events, Math.ceil((usage.bytes - low) / perEvent)));
        const removed = await removeAll(undefined, n);
        removedBySize += removed;
        if (removed === 0) break;
        usage = await target.usage();
      }
    }
    await target.compact({ maxBytes: options.maxBytes, full: options.vacuum });
    const after = await target.usage();
    return { before, after, removedByAge, removedBySize, ...(archive ? { archiveFile: archive.path } : {}) };
  } finally {
    await archive?.close();
  }
}

/** What a prune run reports to the server's log. */
export type RetentionLog = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;

/**
 * Runs prune() in the background of a server: after every `checkEveryEvents` events written
 * and every `checkIntervalMs`. Never throws: a failed run is logged and tried again at the
 * next trigger. The timer is unref'd (an idle store never keeps a process alive).
 */
export class RetentionRunner {
  private written = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last run's outcome, for /healthz. */
  last: { readonly at: string; readonly result?: PruneResult; readonly error?: string } | undefined;

  constructor(
    private readonly target: RetentionTarget,
    private readonly policy: RetentionPolicy,
    private readonly log: RetentionLog = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the periodic checks, and one now (a store may be over its limits from before). */
  start(): this {
    this.timer = setInterval(() => this.kick(), this.policy.checkIntervalMs);
    this.timer.unref();
    this.kick();
    return this;
  }

  /** Called by the writing side: one addition per write, nothing else on the hot path. */
  noteWritten(events: number): void {
    this.written += events;
    if (this.written >= this.policy.checkEveryEvents) this.kick();
  }

  /** Starts a run unless one is going; a trigger during a run starts another when it ends. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.written = 0;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Waits for the run in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    await this.target.close();
  }

  private async run(): Promise<void> {
    const p = this.policy;
    try {
      const result = await prune(this.target, {
        maxBytes: p.maxBytes,
        maxAgeMs: p.maxAgeMs,
        archiveDir: p.mode === 'archive' ? p.archiveDir : undefined,
        now: this.now(),
      });
      this.last = { at: new Date(this.now()).toISOString(), result };
      const removed = result.removedByAge + result.removedBySize;
      if (removed > 0) {
        this.log('info', `audit retention removed ${removed} events${result.archiveFile ? ` (archived to ${result.archiveFile})` : ''}`, {
          store: this.target.what,
          removedByAge: result.removedByAge,
          removedBySize: result.removedBySize,
          bytes: result.after.bytes,
          fileBytes: result.after.fileBytes,
          events: result.after.events,
          archive: result.archiveFile,
        });
      }
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.last = { at: new Date(this.now()).toISOString(), error };
      this.log('warn', 'audit retention failed; trying again at the next check', { store: this.target.what, err: error });
    }
  }
}
