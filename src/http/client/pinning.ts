/**
 * The dispatcher's connections as a transport a gateway can pin: NTLM authenticates a
 * connection, not a request (MS-NLMP §3.1), so an upstream connection authenticated for one
 * downstream client must carry that client's requests and nobody else's. A key (the downstream
 * connection, any object) gets its own connection per origin, opened by the origin's pool but
 * kept out of its shared list; requests under the key queue for it one at a time, and
 * unpin() closes it.
 */
import { Dispatcher } from 'undici';
import type { PinnedConnection } from './connection.js';
import { HttpAuthError } from './errors.js';
import { acquireAbandonable, type ConnectionSource, type OriginPool } from './pool.js';
import { ConnectionWaiters } from './waiters.js';

export interface PinOptions {
  /**
   * Who authenticates the key's connections to the server. `dispatcher` (the default): the
   * dispatcher's credentials, as for shared connections. `caller`: the caller alone, relaying
   * its own `Authorization` leg by leg (a gateway passing its client's handshake on); the
   * dispatcher then never starts a handshake on them and every 401 goes to the caller. A
   * proxy on the way is still answered with the proxy credentials.
   */
  readonly authenticate?: 'dispatcher' | 'caller';
}

/** What a gateway needs from the client's pool: one connection per key per origin, never shared. */
export interface PinnableTransport {
  /**
   * The dispatcher for `key`: every request through it runs on the connection bound to `key`
   * for that origin (opened on first use, authenticated once), never on a shared connection and
   * never on another key's. The options of the first call for a key hold until it is unpinned.
   */
  pinned(key: object, options?: PinOptions): Dispatcher;
  /** Closes `key`'s connections and forgets it (call it when the downstream connection closes). */
  unpin(key: object): Promise<void>;
  /** Keys holding bound connections now. */
  readonly pinnedKeys: number;
}

/** One key's connection to one origin: a pool of one that only that key draws from. */
export class BoundConnection implements ConnectionSource {
  private connection: PinnedConnection | undefined;
  private inUse = false;
  private closed = false;
  private readonly waiters = new ConnectionWaiters();

  constructor(
    readonly pool: OriginPool,
    readonly serverAuthenticatedByCaller: boolean,
  ) {}

  private acquire(): Promise<PinnedConnection> {
    if (this.closed || this.pool.isClosed) return Promise.reject(new HttpAuthError('CLOSED', 'the pinned connection was closed'));
    if (this.inUse) return this.waiters.wait();
    this.inUse = true;
    this.connection ??= this.pool.openBound();
    this.connection.busy = true;
    return Promise.resolve(this.connection);
  }

  acquireUnless(abandon: (cancel: (reason: Error) => void) => void): Promise<PinnedConnection> {
    return acquireAbandonable(() => this.acquire(), (connection) => this.release(connection), abandon);
  }

  release(connection: PinnedConnection): void {
    if (this.waiters.handOver(connection)) return;
    connection.busy = false;
    this.inUse = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.rejectAll(new HttpAuthError('CLOSED', 'the pinned connection was closed'));
    if (this.connection) await this.pool.closeBound(this.connection);
    this.connection = undefined;
  }
}

/** The connections of one key, one per origin pool. */
export class KeyBinding {
  private readonly byPool = new Map<OriginPool, BoundConnection>();
  private closed = false;

  constructor(private readonly options: PinOptions = {}) {}

  connectionFor(pool: OriginPool): BoundConnection {
    let bound = this.byPool.get(pool);
    if (!bound) {
      bound = new BoundConnection(pool, this.options.authenticate === 'caller');
      // After unpin() the key's dispatcher gets connections that refuse every request.
      if (this.closed) void bound.close();
      else this.byPool.set(pool, bound);
    }
    return bound;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byPool.values()].map((b) => b.close()));
    this.byPool.clear();
  }
}

/** The Dispatcher a key's requests go through; closing it unpins the key. */
export class PinnedDispatcher extends Dispatcher {
  constructor(
    private readonly route: (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => boolean,
    private readonly unpin: () => Promise<void>,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.route(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.unpin();
    if (callback) {
      void done.then(callback, callback);
      return;
    }
    return done;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const callback = typeof a === 'function' ? a : b;
    const done = this.unpin();
    if (callback) {
      void done.then(callback, callback);
      return;
    }
    return done;
  }
}
