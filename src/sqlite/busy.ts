/**
 * Writing to a SQLite file another process may be writing to, without blocking the event loop.
 * busy_timeout makes SQLite sleep inside the call while another connection holds the write
 * lock — on the event loop that freezes every request for up to the timeout. A connection
 * with busy_timeout 0 fails at once with SQLITE_BUSY instead, and this tries again after a
 * pause (1, 2, 4 … 50 ms) until the same timeout has passed.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** SQLITE_BUSY from either engine: better-sqlite3 (`code`) or node:sqlite (`errcode` 5). */
export function isBusy(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; errcode?: unknown; message?: unknown };
  return x.code === 'SQLITE_BUSY' || x.errcode === 5 || (typeof x.message === 'string' && /\bdatabase is locked\b/.test(x.message));
}

/** Runs `write` (a whole transaction) until it does not find the database locked, for up to `timeoutMs`. */
export async function retryWhileBusy<T>(write: () => T, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return write();
    } catch (e) {
      if (!isBusy(e) || performance.now() + pause > deadline) throw e;
    }
    await sleep(pause);
  }
}
