/**
 * The pinned connections to one origin (through one route: direct, a proxy in absolute form,
 * or a proxy tunnel), at most `max` of them, each carrying one request at a time. Idle
 * connections that are authenticated on their current socket are handed out first, so one
 * handshake serves many requests; requests beyond `max` wait in FIFO order. A connection whose
 * socket closed stays in the pool: its undici Client opens a new socket for its next request
 * (through our connect function, so it is unauthenticated again), which costs far less than a
 * new Client per socket when a server closes connections after each response.
 */
import type { Duplex } from 'node:stream';
import type { buildConnector } from 'undici';
import type { AuthScheme } from '../../policy/requests.js';
import { PinnedConnection, type ClientOptions } from './connection.js';
import { HttpAuthError } from './errors.js';
import type { ProxyRoute } from './proxy.js';

export type Route =
  | { readonly kind: 'direct' }
  /** Requests in absolute form to the proxy (`GET http://host/path`): 407 and 401 on the same connection. */
  | { readonly kind: 'absolute'; readonly proxy: ProxyRoute }
  /** A CONNECT tunnel per connection (proxy handshake in the tunnel's set-up), the origin's inside. */
  | { readonly kind: 'tunnel'; readonly proxy: ProxyRoute };

interface Waiter {
  resolve(c: PinnedConnection): void;
  reject(e: Error): void;
}

export interface PoolStats {
  readonly origin: string;
  readonly connections: number;
  readonly busy: number;
  readonly waiting: number;
  readonly authenticated: number;
}

export class OriginPool {
  private readonly conns: PinnedConnection[] = [];
  private readonly waiters: Waiter[] = [];
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

  acquire(): Promise<PinnedConnection> {
    if (this.closed) return Promise.reject(new HttpAuthError('CLOSED', 'the dispatcher is closed'));
    const idle = this.conns.filter((c) => !c.busy);
    const pick = idle.find((c) => c.isAuthenticated('server')) ?? idle.find((c) => c.alive) ?? idle[0];
    if (pick) {
      pick.busy = true;
      return Promise.resolve(pick);
    }
    if (this.conns.length < this.max) {
      const c = new PinnedConnection(this.clientUrl(), this.clientOptions, (o) => this.open(this, o), {
        map: this.remembered,
        key: this.clientUrl().origin,
      });
      c.busy = true;
      this.conns.push(c);
      return Promise.resolve(c);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Waits for a connection, giving up when `abandon` is called. */
  acquireUnless(abandon: (cancel: (reason: Error) => void) => void): Promise<PinnedConnection> {
    return new Promise((resolve, reject) => {
      let done = false;
      this.acquire().then(
        (c) => {
          if (done) this.release(c);
          else {
            done = true;
            resolve(c);
          }
        },
        (e: unknown) => {
          if (!done) {
            done = true;
            reject(e);
          }
        },
      );
      abandon((reason) => {
        if (done) return;
        done = true;
        reject(reason);
      });
    });
  }

  release(c: PinnedConnection): void {
    const next = this.waiters.shift();
    if (next) {
      next.resolve(c);
      return;
    }
    c.busy = false;
  }

  get idle(): boolean {
    return this.conns.every((c) => !c.busy) && this.waiters.length === 0;
  }

  stats(): PoolStats {
    return {
      origin: this.origin.origin,
      connections: this.conns.length,
      busy: this.conns.filter((c) => c.busy).length,
      waiting: this.waiters.length,
      authenticated: this.conns.filter((c) => c.isAuthenticated('server')).length,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new HttpAuthError('CLOSED', 'the dispatcher is closed'));
    await Promise.all(this.conns.splice(0).map((c) => c.client.close().catch(() => undefined)));
  }

  async destroy(err: Error): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
    await Promise.all(this.conns.splice(0).map((c) => c.client.destroy(err).catch(() => undefined)));
  }
}
