/**
 * The main-thread side of the SQLite audit store's commit thread (sqliteWriter.ts): posts a
 * batch of rows, resolves when the worker has committed it (fsync'd under synchronous=FULL).
 *
 * The worker is unref'd while nothing is in flight, so an idle store never keeps a process
 * alive (as the synchronous store never did), and ref'd while a commit is outstanding, so a
 * process does not exit under an unacknowledged write. If the worker dies, the commits in
 * flight fail (write-failed through GroupCommit) and the next commit starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import type { RowBatch, SqliteWriterConfig, WriterReply, WriterRequest } from './sqliteInsert.js';

const WORKER_URL = new URL('./sqliteWriter.js', import.meta.url);

interface Pending {
  resolve(): void;
  reject(e: Error): void;
}

export class SqliteCommitThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly config: SqliteWriterConfig) {
    // Started now, so the first logon does not pay the worker's start-up.
    this.spawn();
  }

  /** Commits the rows in one transaction on the worker's connection. */
  commit(batch: RowBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the commit thread is closed'));
    return this.send((id) => ({ id, ...batch }));
  }

  /** Closes the worker's connection and waits for the thread to end. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await this.send((id) => ({ id, close: true })).catch(() => undefined);
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
    if (this.worker === worker) await worker.terminate();
  }

  private send(make: (id: number) => WriterRequest): Promise<void> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage(make(id));
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: this.config });
    worker.unref();
    this.worker = worker;
    worker.on('message', (m: WriterReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      // Closing: stay ref'd until the thread has exited (close() awaits that).
      if (this.pending.size === 0 && !this.closed) worker.unref();
      if (m.error === undefined) p.resolve();
      else p.reject(new Error(m.error));
    });
    let failure: Error | undefined;
    worker.on('error', (e) => (failure = e));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      const why = failure ?? new Error(`the SQLite commit thread exited (code ${code})`);
      for (const p of this.pending.values()) p.reject(why);
      this.pending.clear();
    });
    return worker;
  }
}
