/**
 * The acceptor's replay cache (RFC 4120 §3.2.3, RFC 4121 §4.1): an authenticator is accepted
 * once. One cache serves every context of a server (an AP-REQ replayed on a new connection is
 * a new context), so it is created once and injected. In memory and bounded: an entry lives
 * until its authenticator's ctime is more than the clock skew in the past, after which the
 * same authenticator fails the skew check anyway (MIT's rcache keeps entries for the same
 * window).
 *
 * The key is a hash of the client, ctime, cusec and the authenticator's ciphertext: MIT 1.18+
 * keys on the ciphertext's integrity tag for the same reason — two authenticators of one
 * client in one microsecond are distinct messages, one authenticator sent twice is not.
 *
 * Full (every live entry still inside the window): `refuse` (the default) turns the new
 * authenticator away as `replay-cache-full`, so the cache never forgets an authenticator it
 * must remember; `evict-oldest` drops the oldest entry (first stored), which keeps logons
 * working under a flood at the price of a window in which that one authenticator could be
 * replayed. Only authenticators that decrypted with a ticket's session key are stored, so only
 * holders of valid tickets can fill the cache.
 */
import { createHash } from 'node:crypto';

export type ReplayCacheFullPolicy = 'refuse' | 'evict-oldest';

export interface ReplayCacheOptions {
  /** Entries held at most (default 200,000: 10 minutes of skew window at over 300 logons/s). */
  readonly maxEntries?: number;
  readonly whenFull?: ReplayCacheFullPolicy;
}

/** What an authenticator is remembered by. */
export interface ReplayKey {
  /** The client principal, `name@REALM`. */
  readonly client: string;
  /** ctime in milliseconds since the epoch. */
  readonly ctimeMs: number;
  readonly cusec: number;
  /** The Authenticator's EncryptedData cipher as received. */
  readonly authenticator: Uint8Array;
}

/** `fresh`: stored now; `replay`: seen before within the window; `full`: not stored (policy `refuse`). */
export type ReplayVerdict = 'fresh' | 'replay' | 'full';

export interface ReplayCacheStats {
  readonly size: number;
  readonly maxEntries: number;
  /** Entries dropped while still live (policy `evict-oldest`). */
  readonly evicted: number;
  /** Authenticators refused because the cache was full (policy `refuse`). */
  readonly refusedFull: number;
}

export const DEFAULT_REPLAY_CACHE_ENTRIES = 200_000;

export class ReplayCache {
  readonly maxEntries: number;
  readonly whenFull: ReplayCacheFullPolicy;
  /** Key → expiry (ms). */
  private readonly entries = new Map<string, number>();
  /**
   * Keys in insertion order (close to expiry order: sweeps start at the front), as a queue with
   * a head index; a Map's own order is not used because V8 iterates over deleted slots.
   */
  private order: string[] = [];
  private head = 0;
  private evicted = 0;
  private refusedFull = 0;
  private lastFullSweep = -Infinity;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_REPLAY_CACHE_ENTRIES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`replay cache maxEntries must be a positive integer, got ${String(max)}`);
    this.maxEntries = max;
    this.whenFull = options.whenFull ?? 'refuse';
  }

  /**
   * Records the authenticator unless it was seen before. `nowMs` is the acceptor's clock,
   * `skewMs` its clock skew: the entry lives until ctime + skew.
   */
  check(key: ReplayKey, nowMs: number, skewMs: number): ReplayVerdict {
    const id = replayId(key);
    const expiry = this.entries.get(id);
    if (expiry !== undefined && expiry >= nowMs) return 'replay';
    if (expiry !== undefined) this.entries.delete(id);
    this.sweepFront(nowMs);
    if (this.entries.size >= this.maxEntries) {
      // A whole sweep is O(size): at most once a second, so a flood does not pay it per logon.
      if (nowMs - this.lastFullSweep >= 1000 || nowMs < this.lastFullSweep) {
        this.lastFullSweep = nowMs;
        this.sweepAll(nowMs);
      }
      if (this.entries.size >= this.maxEntries) {
        if (this.whenFull === 'refuse') {
          this.refusedFull++;
          return 'full';
        }
        this.evictOldest();
      }
    }
    this.entries.set(id, key.ctimeMs + skewMs);
    this.order.push(id);
    return 'fresh';
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): ReplayCacheStats {
    return { size: this.entries.size, maxEntries: this.maxEntries, evicted: this.evicted, refusedFull: this.refusedFull };
  }

  /** Drops expired entries at the front (the oldest insertions), stopping at the first live one: O(1) amortised. */
  private sweepFront(nowMs: number): void {
    while (this.head < this.order.length) {
      const id = this.order[this.head] as string;
      const expiry = this.entries.get(id);
      if (expiry !== undefined && expiry >= nowMs) break;
      if (expiry !== undefined) this.entries.delete(id);
      this.head++;
    }
    this.compact();
  }

  /** Insertion order is not expiry order (ctime may lie anywhere in ±skew): a full cache is swept whole. */
  private sweepAll(nowMs: number): void {
    for (const [id, expiry] of this.entries) if (expiry < nowMs) this.entries.delete(id);
    this.order = this.order.slice(this.head).filter((id) => this.entries.has(id));
    this.head = 0;
  }

  private evictOldest(): void {
    while (this.head < this.order.length) {
      const id = this.order[this.head++] as string;
      if (this.entries.delete(id)) {
        this.evicted++;
        break;
      }
    }
    this.compact();
  }

  /** Drops the consumed front of the queue once it is half of it. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}

function replayId(k: ReplayKey): string {
  const h = createHash('sha256');
  h.update(`${k.client}\0${k.ctimeMs}\0${k.cusec}\0`, 'utf8');
  h.update(k.authenticator);
  return h.digest('base64');
}
