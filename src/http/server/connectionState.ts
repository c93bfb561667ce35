/**
 * Auth state bound to the TCP (or TLS) connection, as NTLM requires: the CHALLENGE is valid
 * only on the connection that asked for it, and IIS keeps the connection authenticated for its
 * life. State lives in a WeakMap keyed by the socket and is released on 'close', so a client
 * that vanishes mid-handshake frees its context at once; nothing is keyed by anything a client
 * can claim (IP:port, X-Forwarded-For, a cookie).
 *
 * Bounds on half-open handshakes (a NEGOTIATE answered, no AUTHENTICATE yet):
 * - A connection's handshake slot lives at most `timeoutMs` from its first NEGOTIATE. A
 *   NEGOTIATE re-sent on the same connection replaces the acceptor but keeps the slot, its age
 *   and its place in line, so re-sending cannot hold a slot past the bound. An unref'd timer
 *   frees the slot on an idle keep-alive connection.
 * - At most `maxPerIp` slots per client IP and `maxTotal` in all. A new handshake over a full
 *   cap evicts the oldest slot (of the same IP for the per-IP cap, of anyone for the total)
 *   rather than being refused: a real user's handshake finishes within a round trip while a
 *   flood's sits idle, so the oldest slot is the flood's, and a flood from a shared (NAT)
 *   address cannot lock its users out. Both lines are linked lists: eviction is O(1).
 */
import type { Socket } from 'node:net';
import type { Acceptor } from './acceptor.js';
import { LinkedQueue, type QueueLink } from './handshakeQueue.js';
import type { IwaIdentity } from './identity.js';

export interface PendingHandshake {
  readonly acceptor: Acceptor;
  /** When the connection's slot began: its first NEGOTIATE (re-sent NEGOTIATEs do not move it). */
  readonly startedAt: number;
}

/** A connection's place among the half-open handshakes. */
interface Slot {
  readonly startedAt: number;
  readonly all: QueueLink<ConnectionState>;
  readonly sameIp: QueueLink<ConnectionState>;
  readonly timer: NodeJS.Timeout;
}

/** Why a connection's handshake ended without its next leg (for the log reason of a late AUTHENTICATE). */
export type HandshakeLapse = 'expired' | 'evicted';

export interface ConnectionState {
  readonly clientIp: string;
  /** The handshake in progress, if any. */
  pending: PendingHandshake | undefined;
  /** Its slot among the half-open handshakes (present exactly when `pending` is). */
  slot: Slot | undefined;
  /** Set when the connection authenticated (persistence `connection`). */
  identity: IwaIdentity | undefined;
  /** The last handshake ran out of time or was evicted by a full cap. */
  lapsed: HandshakeLapse | undefined;
  closed: boolean;
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
  /** Handshakes in progress (acceptor contexts alive); never more than `maxPendingTotal`. */
  readonly liveContexts: number;
  /** Open connections that carry an authenticated identity. */
  readonly authenticatedConnections: number;
  /** Open connections with any auth state. */
  readonly trackedConnections: number;
  /** Client IPs with at least one handshake in progress. */
  readonly pendingClientIps: number;
  /** Half-open handshakes evicted by a full cap since the handler was made. */
  readonly evictedHandshakes: number;
}

/** A half-open handshake that a new one pushed out. */
export interface Eviction {
  /** Which cap was full: the new handshake's IP's, or the total. */
  readonly cap: 'per-ip' | 'total';
  readonly clientIp: string;
  /** How long the evicted handshake had waited since its first NEGOTIATE. */
  readonly ageMs: number;
}

export class ConnectionRegistry {
  private readonly states = new WeakMap<Socket, ConnectionState>();
  /** Every half-open handshake, oldest first. */
  private readonly all = new LinkedQueue<ConnectionState>();
  /** The same per client IP; an IP leaves the map with its last handshake. */
  private readonly byIp = new Map<string, LinkedQueue<ConnectionState>>();
  private authenticated = 0;
  private tracked = 0;
  private evicted = 0;

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
    const existing = this.states.get(socket);
    if (existing) return existing;
    const state: ConnectionState = {
      clientIp,
      pending: undefined,
      slot: undefined,
      identity: undefined,
      lapsed: undefined,
      closed: socket.destroyed,
      tail: Promise.resolve(),
      queued: 0,
    };
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
    const turn = state.tail.then(fn);
    const done = (): void => {
      state.queued--;
    };
    state.tail = turn.then(done, done);
    return turn;
  }

  /** No request of this connection is queued or running: a new one need not wait. */
  idle(state: ConnectionState): boolean {
    return state.queued === 0;
  }

  /**
   * Stores the connection's handshake in progress and returns the handshakes a full cap evicted
   * to make room. A connection whose slot is still within its lifetime keeps it (a re-sent
   * NEGOTIATE): same age, same place in line, same expiry, nobody evicted. Otherwise the slot is
   * new, aged from `pending.startedAt` (a first leg: now; a later leg that continues: its
   * handshake's first NEGOTIATE).
   */
  setPending(state: ConnectionState, pending: PendingHandshake): readonly Eviction[] {
    if (state.closed) return []; // the client left while we were working: nothing to keep
    const now = this.now();
    const slot = state.slot;
    if (slot && now - slot.startedAt <= this.limits.timeoutMs) {
      state.pending = { acceptor: pending.acceptor, startedAt: slot.startedAt };
      return [];
    }
    this.clearPending(state);
    const evictions: Eviction[] = [];
    let sameIp = this.byIp.get(state.clientIp);
    while (sameIp && sameIp.size >= this.limits.maxPerIp) evictions.push(this.evict(sameIp.oldest(), 'per-ip', now));
    while (this.all.size >= this.limits.maxTotal) evictions.push(this.evict(this.all.oldest(), 'total', now));
    sameIp = this.byIp.get(state.clientIp);
    if (!sameIp) {
      sameIp = new LinkedQueue<ConnectionState>();
      this.byIp.set(state.clientIp, sameIp);
    }
    const startedAt = Math.min(pending.startedAt, now);
    // Armed for what is left of the lifetime, so a later leg cannot stretch it either.
    const timer = setTimeout(() => {
      if (state.slot !== newSlot) return;
      this.clearPending(state);
      state.lapsed = 'expired';
    }, Math.max(1, startedAt + this.limits.timeoutMs - now));
    timer.unref();
    const newSlot: Slot = { startedAt, all: this.all.push(state), sameIp: sameIp.push(state), timer };
    state.slot = newSlot;
    state.pending = { acceptor: pending.acceptor, startedAt };
    state.lapsed = undefined;
    return evictions;
  }

  /** Takes the handshake in progress out of the connection (the next step consumes it), unless it has outlived its slot. */
  takePending(state: ConnectionState): PendingHandshake | undefined {
    const pending = state.pending;
    if (!pending) return undefined;
    this.clearPending(state);
    if (this.now() - pending.startedAt > this.limits.timeoutMs) {
      state.lapsed = 'expired';
      return undefined;
    }
    return pending;
  }

  /** Ends the connection's handshake, if any, and frees its slot. */
  clearPending(state: ConnectionState): void {
    state.pending = undefined;
    const slot = state.slot;
    if (!slot) return;
    state.slot = undefined;
    clearTimeout(slot.timer);
    this.all.remove(slot.all);
    const sameIp = this.byIp.get(state.clientIp);
    if (!sameIp) return;
    sameIp.remove(slot.sameIp);
    if (sameIp.size === 0) this.byIp.delete(state.clientIp);
  }

  setIdentity(state: ConnectionState, identity: IwaIdentity | undefined): void {
    if (state.closed) return;
    if (state.identity && !identity) this.authenticated--;
    if (!state.identity && identity) this.authenticated++;
    state.identity = identity;
  }

  stats(): ConnectionStats {
    return {
      liveContexts: this.all.size,
      authenticatedConnections: this.authenticated,
      trackedConnections: this.tracked,
      pendingClientIps: this.byIp.size,
      evictedHandshakes: this.evicted,
    };
  }

  /** Frees a half-open handshake for a newer one; its connection's next leg is told why (401 handshake-evicted). */
  private evict(victim: ConnectionState | undefined, cap: Eviction['cap'], now: number): Eviction {
    // A non-empty line always has an oldest member; the guard keeps a broken invariant from looping.
    if (!victim) throw new Error(`handshake queue (${cap}) reports members but has none`);
    const ageMs = victim.slot ? now - victim.slot.startedAt : 0;
    this.clearPending(victim);
    victim.lapsed = 'evicted';
    this.evicted++;
    return { cap, clientIp: victim.clientIp, ageMs };
  }

  private release(state: ConnectionState): void {
    if (state.closed) return;
    this.clearPending(state);
    this.setIdentity(state, undefined);
    state.closed = true;
    this.tracked--;
  }
}
