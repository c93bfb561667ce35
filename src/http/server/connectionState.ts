/**
 * Auth state bound to the TCP (or TLS) connection, as NTLM requires: the CHALLENGE is valid
 * only on the connection that asked for it, and IIS keeps the connection authenticated for its
 * life. State lives in a WeakMap keyed by the socket and is released on 'close', so a client
 * that vanishes mid-handshake frees its context at once; nothing is keyed by anything a client
 * can claim (IP:port, X-Forwarded-For, a cookie).
 *
 * Bounds: a handshake expires after `timeoutMs` (a timer, unref'd, so an idle keep-alive
 * connection does not pin a context), and half-open handshakes are capped per client IP and in
 * total — a flood of NEGOTIATEs costs at most `maxTotal` contexts.
 */
import type { Socket } from 'node:net';
import type { Acceptor } from './acceptor.js';
import type { IwaIdentity } from './identity.js';

export interface PendingHandshake {
  readonly acceptor: Acceptor;
  readonly startedAt: number;
}

export interface ConnectionState {
  readonly clientIp: string;
  /** The handshake in progress, if any. */
  pending: PendingHandshake | undefined;
  /** Set when the connection authenticated (persistence `connection`). */
  identity: IwaIdentity | undefined;
  /** The last handshake ran out of time (for the log reason of a late AUTHENTICATE). */
  expired: boolean;
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Serializes this connection's requests: pipelined requests must not interleave one handshake. */
  tail: Promise<void>;
  /** Requests of this connection queued on `tail` or running there. */
  queued: number;
}

export interface ConnectionLimits {
  readonly timeoutMs: number;
  readonly maxPerIp: number;
  readonly maxTotal: number;
}

export interface ConnectionStats {
  /** Handshakes in progress (acceptor contexts alive). */
  readonly liveContexts: number;
  /** Open connections that carry an authenticated identity. */
  readonly authenticatedConnections: number;
  /** Open connections with any auth state. */
  readonly trackedConnections: number;
  /** Client IPs with at least one handshake in progress. */
  readonly pendingClientIps: number;
}

export type StartVerdict = 'ok' | 'per-ip' | 'total';

export class ConnectionRegistry {
  private readonly states = new WeakMap<Socket, ConnectionState>();
  private readonly pendingByIp = new Map<string, number>();
  private pendingTotal = 0;
  private authenticated = 0;
  private tracked = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly now: () => number,
  ) {}

  /** The connection's state if it has one already. */
  existing(socket: Socket): ConnectionState | undefined {
    return this.states.get(socket);
  }

  /** The connection's state, created (and tied to the socket's 'close') on first use. */
  stateOf(socket: Socket, clientIp: string): ConnectionState {
    let s = this.states.get(socket);
    if (s) return s;
    const state: ConnectionState = {
      clientIp,
      pending: undefined,
      identity: undefined,
      expired: false,
      closed: socket.destroyed,
      timer: undefined,
      tail: Promise.resolve(),
      queued: 0,
    };
    s = state;
    this.states.set(socket, state);
    if (!state.closed) {
      this.tracked++;
      socket.once('close', () => this.release(state));
    }
    return state;
  }

  /** Runs `fn` after every earlier request of this connection has been handled. */
  serialize<T>(state: ConnectionState, fn: () => Promise<T>): Promise<T> {
    state.queued++;
    const run = state.tail.then(fn);
    const done = (): void => {
      state.queued--;
    };
    state.tail = run.then(done, done);
    return run;
  }

  /** No request of this connection is queued or running: a new one need not wait. */
  idle(state: ConnectionState): boolean {
    return state.queued === 0;
  }

  /** Whether a new handshake may start here; replacing this connection's own handshake always may. */
  canStart(state: ConnectionState): StartVerdict {
    if (state.pending) return 'ok';
    if ((this.pendingByIp.get(state.clientIp) ?? 0) >= this.limits.maxPerIp) return 'per-ip';
    if (this.pendingTotal >= this.limits.maxTotal) return 'total';
    return 'ok';
  }

  /** Stores a started handshake (replacing any earlier one) and arms its expiry. */
  setPending(state: ConnectionState, pending: PendingHandshake): void {
    if (state.closed) return; // the client left while we were working: nothing to keep
    this.clearPending(state);
    state.pending = pending;
    state.expired = false;
    this.pendingTotal++;
    this.pendingByIp.set(state.clientIp, (this.pendingByIp.get(state.clientIp) ?? 0) + 1);
    state.timer = setTimeout(() => {
      if (state.pending !== pending) return;
      this.clearPending(state);
      state.expired = true;
    }, this.limits.timeoutMs);
    state.timer.unref();
  }

  /** Takes the handshake in progress out of the connection (the next step consumes it), unless it has expired. */
  takePending(state: ConnectionState): PendingHandshake | undefined {
    const p = state.pending;
    if (!p) return undefined;
    this.clearPending(state);
    if (this.now() - p.startedAt > this.limits.timeoutMs) {
      state.expired = true;
      return undefined;
    }
    return p;
  }

  clearPending(state: ConnectionState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    if (!state.pending) return;
    state.pending = undefined;
    this.pendingTotal--;
    const n = (this.pendingByIp.get(state.clientIp) ?? 1) - 1;
    if (n <= 0) this.pendingByIp.delete(state.clientIp);
    else this.pendingByIp.set(state.clientIp, n);
  }

  setIdentity(state: ConnectionState, identity: IwaIdentity | undefined): void {
    if (state.closed) return;
    if (state.identity && !identity) this.authenticated--;
    if (!state.identity && identity) this.authenticated++;
    state.identity = identity;
  }

  stats(): ConnectionStats {
    return {
      liveContexts: this.pendingTotal,
      authenticatedConnections: this.authenticated,
      trackedConnections: this.tracked,
      pendingClientIps: this.pendingByIp.size,
    };
  }

  private release(state: ConnectionState): void {
    if (state.closed) return;
    this.clearPending(state);
    this.setIdentity(state, undefined);
    state.closed = true;
    this.tracked--;
  }
}
