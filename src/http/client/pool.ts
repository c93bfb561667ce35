/**
 * The pinned connections to one origin (through one route: direct, a proxy in absolute form,
 * or a proxy tunnel), at most `max` of them, each carrying one request at a time. Idle
 * connections that are authenticated on their current socket are handed out first, so one
 * handshake serves many requests; requests beyond `max` wait in FIFO order. A connection whose
 * socket closed stays in the pool: its undici Client opens a new socket for its next request
 * (through our connect function, so it is unauthenticated again), which costs far less than a
 * new Client per socket when a server closes connections after each response.
 * A connection bound to one key (pinning.ts) is opened by the pool but kept out of the shared
 * list: acquire() never hands it out.
 */
import type { Duplex } from 'node:stream';
import type { buildConnector } from 'undici';
import type { AuthScheme } from '../../policy/requests.js';
import { PinnedConnection, type ClientOptions } from './connection.js';
import { HttpAuthError } from './errors.js';
import type { ProxyRoute } from './proxy.js';
import { ConnectionWaiters } from './waiters.js';

export type Route =
  | { readonly kind: 'direct' }
  /** Requests in absolute form to the proxy (`GET http://host/path`): 407 and 401 on the same connection. */
  | { readonly kind: 'absolute'; readonly proxy: ProxyRoute }
  /** A CONNECT tunnel per connection (proxy handshake in the tunnel's set-up), the origin's inside. */
  | { readonly kind: 'tunnel'; readonly proxy: ProxyRoute };

/** Where a request takes its connection from: the shared pool, or one key's bound connection. */
export interface ConnectionSource {
  /** Waits for a connection, giving up when `abandon`'s callback is called. */
  acquireUnless(abandon: (cancel: (reason: Error) => void) => void): Promise<PinnedConnection>;
  release(connection: PinnedConnection): void;
  /** The caller alone authenticates these connections to the server (a relaying gateway). */
  readonly serverAuthenticatedByCaller?: boolean;
}

/** acquireUnless over a plain acquire: a connection that arrives after the caller gave up goes back. */
export function acquireAbandonable(
  acquire: () => Promise<PinnedConnection>,
  release: (connection: PinnedConnection) => void,
  abandon: (cancel: (reason: Error) => void) => void,
): Promise<PinnedConnection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    acquire().then(
      (connection) => {
        if (settled) release(connection);
        else {
          settled = true;
          resolve(connection);
        }
      },
      (e: unknown) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      },
    );
    abandon((reason) => {
      if (settled) return;
      settled = true;
      reject(reason);
    });
  });
}

export interface PoolStats {
  readonly origin: string;
  readonly connections: number;
  readonly busy: number;
  readonly waiting: number;
  readonly authenticated: number;
  /** Connections bound to a key (pinned for one downstream client), outside the shared ones. */
  readonly bound: number;
}

export class OriginPool implements ConnectionSource {
  private readonly connections: PinnedConnection[] = [];
  private readonly boundConnections = new Set<PinnedConnection>();
  private readonly waiters = new ConnectionWaiters();
  private closed = false;
  /** The scheme the origin asked for (a new connection starts its handshake with the request). */
  learned: AuthScheme | undefined;
  /** The origin asked again on an authenticated connection: it authenticates requests, not connections. */
  perRequest = false;
  /** Channel bindings of full TLS handshakes with this origin (or proxy), for resumed sessions. */
  private readonly remembered = new Map<string, Buffer>();

  constructor(
    readonly origin: URL,
    readonly route: Route,
    private readonly max: number,
    private readonly clientOptions: ClientOptions,
    private readonly open: (pool: OriginPool, o: buildConnector.Options) => Promise<Duplex>,
  ) {}

  /** The URL the undici Client connects to: the origin, or the proxy for absolute-form requests. */
  private clientUrl(): URL {
    return this.route.kind === 'absolute' ? this.route.proxy.url : this.origin;
  }

  private newConnection(): PinnedConnection {
    return new PinnedConnection(this.clientUrl(), this.clientOptions, (options) => this.open(this, options), {
      map: this.remembered,
      key: this.clientUrl().origin,
    });
  }

  acquire(): Promise<PinnedConnection> {
    if (this.closed) return Promise.reject(new HttpAuthError('CLOSED', 'the dispatcher is closed'));
    const idle = this.connections.filter((c) => !c.busy);
    const pick = idle.find((c) => c.isAuthenticated('server')) ?? idle.find((c) => c.alive) ?? idle[0];
    if (pick) {
      pick.busy = true;
      return Promise.resolve(pick);
    }
    if (this.connections.length < this.max) {
      const connection = this.newConnection();
      connection.busy = true;
      this.connections.push(connection);
      return Promise.resolve(connection);
    }
    return this.waiters.wait();
  }

  acquireUnless(abandon: (cancel: (reason: Error) => void) => void): Promise<PinnedConnection> {
    return acquireAbandonable(() => this.acquire(), (connection) => this.release(connection), abandon);
  }

  release(connection: PinnedConnection): void {
    if (!this.waiters.handOver(connection)) connection.busy = false;
  }

  /** A new connection for one key alone: outside the shared list, closed with the pool. */
  openBound(): PinnedConnection {
    if (this.closed) throw new HttpAuthError('CLOSED', 'the dispatcher is closed');
    const connection = this.newConnection();
    this.boundConnections.add(connection);
    return connection;
  }

  /** Closes a bound connection (it may be authenticated as its key's user: it is never reused). */
  async closeBound(connection: PinnedConnection): Promise<void> {
    if (!this.boundConnections.delete(connection)) return;
    await connection.client.close().catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get idle(): boolean {
    return this.connections.every((c) => !c.busy) && this.waiters.length === 0;
  }

  stats(): PoolStats {
    return {
      origin: this.origin.origin,
      connections: this.connections.length,
      busy: this.connections.filter((c) => c.busy).length,
      waiting: this.waiters.length,
      authenticated: this.connections.filter((c) => c.isAuthenticated('server')).length,
      bound: this.boundConnections.size,
    };
  }

  private takeAll(): PinnedConnection[] {
    const all = [...this.connections.splice(0), ...this.boundConnections];
    this.boundConnections.clear();
    return all;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.rejectAll(new HttpAuthError('CLOSED', 'the dispatcher is closed'));
    await Promise.all(this.takeAll().map((c) => c.client.close().catch(() => undefined)));
  }

  async destroy(err: Error): Promise<void> {
    this.closed = true;
    this.waiters.rejectAll(err);
    await Promise.all(this.takeAll().map((c) => c.client.destroy(err).catch(() => undefined)));
  }
}
