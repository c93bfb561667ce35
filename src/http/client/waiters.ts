/**
 * The requests waiting for a connection, first come first served: the shared pool's when all
 * `max` connections are busy, a bound connection's while its one request runs. A released
 * connection goes straight to the longest waiter, still busy, so no newcomer overtakes it.
 */
import type { PinnedConnection } from './connection.js';

interface Waiter {
  resolve(connection: PinnedConnection): void;
  reject(error: Error): void;
}

export class ConnectionWaiters {
  private readonly queue: Waiter[] = [];

  get length(): number {
    return this.queue.length;
  }

  /** Waits until a connection is handed over (or every waiter is rejected). */
  wait(): Promise<PinnedConnection> {
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  /** Hands `connection` to the longest waiter; false when nobody waits (the caller frees it). */
  handOver(connection: PinnedConnection): boolean {
    const next = this.queue.shift();
    if (next === undefined) return false;
    next.resolve(connection);
    return true;
  }

  /** Rejects every waiter with `error` (the pool or the connection closed). */
  rejectAll(error: Error): void {
    for (const waiter of this.queue.splice(0)) waiter.reject(error);
  }
}
