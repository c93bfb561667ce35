/**
 * One audit writer for `ntlmgate serve` with several workers: the primary holds the audit
 * store, and each worker's sink sends its events there over the cluster IPC channel. Workers
 * that each opened the store would contend for it — SQLite lets one writer in at a time and
 * the others sleep in busy_timeout; JSON Lines appends from several processes interleave; and
 * every process would pay its own commits — so N workers were slower than one.
 *
 * The store's contract holds end to end (src/audit/sink.ts): a worker's write() resolves only
 * when the primary acknowledges that its store committed the batch, so a response that depends
 * on the record still goes out after the record is durable. Each worker group-commits what its
 * requests write in one turn into one message; the primary's store group-commits the messages
 * of every worker. If the primary goes away, pending and later writes fail (`write-failed`) and
 * the requests that needed them fail closed.
 */
import type { Worker } from 'node:cluster';
import type { AuditEvent } from '../events/event.js';
import { AuditStoreError, type AuditSink } from '../audit/sink.js';
import { BatchedAuditStore } from '../audit/stores/batchedStore.js';
import { errorText, GroupCommit } from '../audit/stores/groupCommit.js';

interface RelayWrite {
  readonly ntlmgate: 'audit-write';
  readonly id: number;
  readonly events: readonly AuditEvent[];
}

interface RelayAck {
  readonly ntlmgate: 'audit-ack';
  readonly id: number;
  /** The store's failure, when the batch was not committed. */
  readonly error?: string;
}

const isWrite = (m: unknown): m is RelayWrite =>
  typeof m === 'object' && m !== null && (m as RelayWrite).ntlmgate === 'audit-write' && Number.isSafeInteger((m as RelayWrite).id) && Array.isArray((m as RelayWrite).events);

const isAck = (m: unknown): m is RelayAck => typeof m === 'object' && m !== null && (m as RelayAck).ntlmgate === 'audit-ack' && Number.isSafeInteger((m as RelayAck).id);

/** The worker's side of the IPC channel: `process` in a cluster worker. */
export interface RelayChannel {
  readonly connected: boolean;
  send(message: RelayWrite, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** This cluster worker's channel to its primary. */
export function processChannel(): RelayChannel {
  return {
    get connected() {
      return process.connected;
    },
    send: (message, callback) => (process.send ? process.send(message, undefined, undefined, callback) : (callback(new Error('no IPC channel')), false)),
    on: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.on(event, listener),
    off: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.off(event, listener),
  };
}

/** A worker's audit sink: batches go to the primary's store, and resolve when it has committed them. */
export class AuditRelaySink extends BatchedAuditStore implements AuditSink {
  protected readonly batcher: GroupCommit;
  private readonly pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(private readonly channel: RelayChannel) {
    super();
    this.batcher = new GroupCommit((events) => this.send(events), {}, 'audit relay to the serve primary');
    channel.on('message', this.onMessage);
    channel.on('disconnect', this.onDisconnect);
  }

  private send(events: readonly AuditEvent[]): Promise<void> {
    if (!this.channel.connected) return Promise.reject(primaryGone());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.send({ ntlmgate: 'audit-write', id, events }, (e) => {
        if (!e) return;
        this.pending.delete(id);
        reject(new AuditStoreError('write-failed', `audit relay: the events could not be sent to the serve primary: ${e.message}`, { cause: e }));
      });
    });
  }

  private readonly onMessage = (m: unknown): void => {
    if (!isAck(m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error === undefined) p.resolve();
    else p.reject(new AuditStoreError('write-failed', `audit store (in the serve primary): ${m.error}`));
  };

  private readonly onDisconnect = (): void => {
    for (const p of this.pending.values()) p.reject(primaryGone());
    this.pending.clear();
  };

  protected release(): Promise<void> {
    this.channel.off('message', this.onMessage);
    this.channel.off('disconnect', this.onDisconnect);
    return Promise.resolve();
  }
}

function primaryGone(): AuditStoreError {
  return new AuditStoreError('write-failed', 'audit relay: the serve primary is gone; the events were not committed');
}

/** The primary's side: commits what `worker` sends to `store`, and acknowledges each batch once durable. */
export function serveAuditRelay(worker: Worker, store: AuditSink): void {
  worker.on('message', (m: unknown) => {
    if (!isWrite(m)) return;
    const ack = (error?: string): void => {
      if (worker.isConnected()) worker.send({ ntlmgate: 'audit-ack', id: m.id, ...(error === undefined ? {} : { error }) } satisfies RelayAck);
    };
    store.write(m.events).then(
      () => ack(),
      (e: unknown) => ack(errorText(e)),
    );
  });
}
