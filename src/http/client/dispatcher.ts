/**
 * NtlmDispatcher: an undici Dispatcher that answers `401` / `407` challenges for `Negotiate`
 * and `NTLM` — usable as `fetch(url, { dispatcher })` (undici's fetch and Node's global fetch),
 * with `undici.request(url, { dispatcher })`, and as the target of `compose()`.
 *
 * Per origin it keeps a small pool of pinned connections (undici Clients with pipelining 1,
 * at most `connections` of them): a handshake runs on one connection from NEGOTIATE to
 * AUTHENTICATE, and an authenticated connection then serves later requests to that origin
 * without another handshake, one request at a time. Any number of concurrent requests queue
 * for the pool. The outgoing policy decides before each token leaves (see authenticator.ts).
 * As a PinnableTransport (pinning.ts) it also keeps connections bound to one key each.
 */
import type { Duplex } from 'node:stream';
import { buildConnector, Dispatcher } from 'undici';
import type { AuthScheme } from '../../policy/requests.js';
import type { ClientOptions } from './connection.js';
import { HttpAuthError } from './errors.js';
import { toSink } from './handlers.js';
import { resolveAuth, type HttpAuthOptions, type ResolvedAuth } from './options.js';
import { KeyBinding, PinnedDispatcher, type PinnableTransport, type PinOptions } from './pinning.js';
import { OriginPool, type ConnectionSource, type PoolStats, type Route } from './pool.js';
import { ProxyRoute, type HttpProxyOptions } from './proxy.js';
import { RequestRun } from './run.js';

/** Internals the interceptor uses; not part of the public API. */
export const kKnows = Symbol('ntlmgate.knows');
export const kLearn = Symbol('ntlmgate.learn');
export const kProxied = Symbol('ntlmgate.proxied');

export interface NtlmDispatcherOptions extends HttpAuthOptions {
  /** Pinned connections per origin (each is one socket). Default 8. */
  readonly connections?: number;
  /**
   * How sockets are opened, as undici's `connect` option: TLS and socket options (`ca`,
   * `rejectUnauthorized`, `timeout`, …) or a connector function. Through a proxy this opens the
   * connection to the proxy; TLS to an origin inside a tunnel uses the options object (or the
   * defaults, when a function is given).
   */
  readonly connect?: buildConnector.BuildOptions | buildConnector.connector;
  /** An HTTP proxy, which may itself ask for NTLM or Negotiate (407). */
  readonly proxy?: string | URL | HttpProxyOptions;
  /** Other undici Client options for the pinned connections (timeouts, keep-alive, header size). */
  readonly client?: ClientOptions;
}

export interface NtlmDispatcherStats {
  readonly pools: readonly PoolStats[];
  /** Requests accepted and not yet finished. */
  readonly active: number;
  /** Keys holding bound connections (PinnableTransport). */
  readonly pinnedKeys: number;
}

function connectWith(connector: buildConnector.connector, options: buildConnector.Options): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    connector(options, (...args: buildConnector.CallbackArgs) => {
      if (args[0] === null) resolve(args[1]);
      else reject(args[0]);
    });
  });
}

export class NtlmDispatcher extends Dispatcher implements PinnableTransport {
  private readonly server: ResolvedAuth;
  private readonly proxy: ProxyRoute | undefined;
  private readonly max: number;
  private readonly clientOptions: ClientOptions;
  private readonly firstHop: buildConnector.connector;
  private readonly tlsInTunnel: buildConnector.connector;
  private readonly pools = new Map<string, OriginPool>();
  private readonly bindings = new Map<object, { readonly binding: KeyBinding; readonly dispatcher: PinnedDispatcher }>();
  private active = 0;
  private closing = false;
  private destroyed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: NtlmDispatcherOptions) {
    super();
    this.server = resolveAuth(options);
    this.proxy = options.proxy === undefined ? undefined : new ProxyRoute(options.proxy, options);
    const max = options.connections ?? 8;
    if (!Number.isSafeInteger(max) || max < 1) throw new HttpAuthError('BAD_OPTION', `connections must be a positive integer, got ${String(max)}`);
    this.max = max;
    this.clientOptions = options.client ?? {};
    const connect = options.connect;
    // TLS session resumption is off unless asked for: a resumed session shows no certificate
    // to bind to (the bindings of an earlier full handshake are used when it is on).
    this.firstHop = typeof connect === 'function' ? connect : buildConnector({ maxCachedSessions: 0, ...(connect ?? {}) });
    this.tlsInTunnel = typeof connect === 'function' ? buildConnector({ maxCachedSessions: 0 }) : this.firstHop;
  }

  /** Whether this origin was seen to ask for Negotiate/NTLM (the interceptor then routes it here). */
  [kKnows](origin: string): boolean {
    for (const pool of this.pools.values()) if (pool.origin.origin === origin && pool.learned !== undefined) return true;
    return false;
  }

  /** Records that an origin asked (the interceptor saw its 401 on another dispatcher). */
  [kLearn](origin: string, scheme: AuthScheme): void {
    const pool = this.poolFor(new URL(origin));
    pool.learned ??= scheme;
  }

  /** Whether requests go through a proxy (the interceptor then routes every request here). */
  get [kProxied](): boolean {
    return this.proxy !== undefined;
  }

  stats(): NtlmDispatcherStats {
    return { pools: [...this.pools.values()].map((pool) => pool.stats()), active: this.active, pinnedKeys: this.bindings.size };
  }

  pinned(key: object, options?: PinOptions): Dispatcher {
    if (key === null || (typeof key !== 'object' && typeof key !== 'function')) throw new HttpAuthError('BAD_OPTION', 'a pinning key must be an object (the downstream connection)');
    let entry = this.bindings.get(key);
    if (!entry) {
      if (options?.authenticate !== undefined && options.authenticate !== 'dispatcher' && options.authenticate !== 'caller') {
        throw new HttpAuthError('BAD_OPTION', `authenticate must be 'dispatcher' or 'caller', got ${String(options.authenticate)}`);
      }
      const binding = new KeyBinding(options);
      const dispatcher = new PinnedDispatcher(
        (options, handler) => this.startRequest(options, handler, (pool) => binding.connectionFor(pool)),
        () => this.unpin(key),
      );
      entry = { binding, dispatcher };
      this.bindings.set(key, entry);
    }
    return entry.dispatcher;
  }

  async unpin(key: object): Promise<void> {
    const entry = this.bindings.get(key);
    if (!entry) return;
    this.bindings.delete(key);
    await entry.binding.close();
  }

  get pinnedKeys(): number {
    return this.bindings.size;
  }

  private poolFor(origin: URL): OriginPool {
    const route: Route = this.proxy === undefined ? { kind: 'direct' } : this.proxy.tunnels(origin) ? { kind: 'tunnel', proxy: this.proxy } : { kind: 'absolute', proxy: this.proxy };
    const key = `${route.kind} ${origin.origin}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new OriginPool(origin, route, this.max, this.clientOptions, (owner, connectOptions) => this.open(owner, connectOptions));
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Opens the socket of a pinned connection: direct, to the proxy, or a tunnel (plus TLS inside it). */
  private async open(pool: OriginPool, connectOptions: buildConnector.Options): Promise<Duplex> {
    const route = pool.route;
    if (route.kind !== 'tunnel') return connectWith(this.firstHop, connectOptions);
    const proxy = route.proxy;
    const toProxy = (): Promise<Duplex> =>
      connectWith(this.firstHop, { hostname: proxy.url.hostname, host: proxy.url.host, protocol: proxy.url.protocol, port: String(proxy.port), servername: undefined });
    const origin = pool.origin;
    const port = origin.port === '' ? (origin.protocol === 'https:' ? 443 : 80) : Number(origin.port);
    const tunnel = await proxy.tunnel(connectOptions.hostname.replace(/^\[|\]$/g, ''), port, toProxy);
    if (origin.protocol !== 'https:') return tunnel;
    return connectWith(this.tlsInTunnel, { ...connectOptions, httpSocket: tunnel as buildConnector.Options['httpSocket'] });
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.startRequest(options, handler, (pool) => pool);
  }

  /** Starts a request on a connection from `source(pool)`: the shared pool, or a key's bound connection. */
  private startRequest(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, source: (pool: OriginPool) => ConnectionSource): boolean {
    if (!handler || typeof handler !== 'object') throw new HttpAuthError('BAD_OPTION', 'handler must be an object');
    const sink = toSink(handler);
    const refuse = (e: Error): boolean => {
      queueMicrotask(() => {
        try {
          sink.onResponseError(noController, e);
        } catch {
          // a handler without an error callback
        }
      });
      return false;
    };
    if (this.closing || this.destroyed) return refuse(new HttpAuthError('CLOSED', 'the dispatcher is closed'));
    if (!options || typeof options !== 'object' || typeof options.path !== 'string') return refuse(new HttpAuthError('BAD_OPTION', 'dispatch options need origin and path'));
    if (options.upgrade || options.method === 'CONNECT') {
      return refuse(new HttpAuthError('UNSUPPORTED', 'NtlmDispatcher does not carry upgrades or CONNECT requests'));
    }
    let origin: URL;
    try {
      origin = new URL(String(options.origin));
    } catch {
      return refuse(new HttpAuthError('BAD_OPTION', `invalid origin ${String(options.origin)}`));
    }
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return refuse(new HttpAuthError('BAD_OPTION', `unsupported protocol ${origin.protocol}`));
    this.active++;
    const pool = this.poolFor(origin);
    const run = new RequestRun({ pool, connections: source(pool), server: this.server, done: () => this.runDone() }, options, sink);
    run.start();
    return true;
  }

  private runDone(): void {
    this.active--;
    if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const p = (async () => {
      this.closing = true;
      if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      this.bindings.clear();
      await Promise.all([...this.pools.values()].map((pool) => pool.close()));
      this.pools.clear();
    })();
    if (callback) {
      void p.then(callback, callback);
      return;
    }
    return p;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const p = (async () => {
      this.destroyed = true;
      const reason = err ?? new HttpAuthError('CLOSED', 'the dispatcher was destroyed');
      this.bindings.clear();
      await Promise.all([...this.pools.values()].map((pool) => pool.destroy(reason)));
      this.pools.clear();
    })();
    if (callback) {
      void p.then(callback, callback);
      return;
    }
    return p;
  }
}

/** For errors reported before a request started: a controller with nothing to control. */
const noController: Dispatcher.DispatchController = {
  aborted: false,
  paused: false,
  reason: null,
  abort: () => undefined,
  pause: () => undefined,
  resume: () => undefined,
};
