/**
 * Account lockout as Active Directory does it, pure (the stores persist the state and apply
 * these functions atomically):
 * - threshold: bad passwords before the account locks (0 = never, AD's "0 invalid logon attempts");
 * - window ("Reset account lockout counter after"): the counter restarts once this long has
 *   passed since the last bad password, as AD's badPasswordTime does;
 * - duration ("Account lockout duration"): how long a lock lasts; 0 = until an administrator
 *   unlocks it, as in AD. AD requires window ≤ duration, and so do we.
 * A locked account is refused even with the right password, and bad passwords while it is
 * locked change nothing (they neither extend the lock nor count afterwards).
 */
import { AuthorityError } from '../errors.js';

export interface LockoutPolicy {
  readonly threshold: number;
  readonly windowMs: number;
  readonly durationMs: number;
}

export interface LockoutState {
  /** Bad passwords counted in the current window (AD badPwdCount). */
  readonly failedCount: number;
  /** The last bad password, ms since the epoch (AD badPasswordTime): the window runs from it. */
  readonly lastFailureAt?: number;
  /** Locked until this instant (ms); FOREVER for a lock only an administrator lifts. */
  readonly lockedUntil?: number;
}

export const UNLOCKED: LockoutState = Object.freeze({ failedCount: 0 });

/** `lockedUntil` of a lock with duration 0 (stored as a number, so both stores keep it as bigint). */
export const FOREVER = Number.MAX_SAFE_INTEGER;

/** Validates lockout options (throws AuthorityError 'bad-option'). */
export function lockoutPolicy(policy: LockoutPolicy): LockoutPolicy {
  const problems: string[] = [];
  if (!Number.isInteger(policy.threshold) || policy.threshold < 0) problems.push(`threshold must be an integer ≥ 0 (0 = never lock), got ${policy.threshold}`);
  if (!Number.isFinite(policy.windowMs) || policy.windowMs <= 0) problems.push(`windowMs must be > 0, got ${policy.windowMs}`);
  if (!Number.isFinite(policy.durationMs) || policy.durationMs < 0) problems.push(`durationMs must be ≥ 0 (0 = until unlocked), got ${policy.durationMs}`);
  else if (policy.durationMs > 0 && policy.windowMs > policy.durationMs) problems.push(`windowMs (${policy.windowMs}) must not exceed durationMs (${policy.durationMs}), as in Active Directory`);
  if (problems.length > 0) throw new AuthorityError('bad-option', `lockout: ${problems.join('; ')}`);
  return { threshold: policy.threshold, windowMs: policy.windowMs, durationMs: policy.durationMs };
}

export function isLockedOut(s: LockoutState, now: number): boolean {
  return s.lockedUntil !== undefined && now < s.lockedUntil;
}

/** The state as it stands at `now`: an expired lock is lifted, a counter older than the window is reset. */
export function currentLockout(s: LockoutState, p: LockoutPolicy, now: number): LockoutState {
  if (s.lockedUntil !== undefined) return now < s.lockedUntil ? s : UNLOCKED;
  if (s.failedCount === 0) return UNLOCKED;
  // A failure stamped slightly in the future (another gateway's clock) still counts: skew must not reset the counter.
  if (s.lastFailureAt === undefined || now - s.lastFailureAt >= p.windowMs) return UNLOCKED;
  return s;
}

/** After a bad password. */
export function afterFailure(s: LockoutState, p: LockoutPolicy, now: number): LockoutState {
  const c = currentLockout(s, p, now);
  if (isLockedOut(c, now)) return c;
  const failedCount = c.failedCount + 1;
  if (p.threshold > 0 && failedCount >= p.threshold) {
    return { failedCount, lastFailureAt: now, lockedUntil: p.durationMs === 0 ? FOREVER : now + p.durationMs };
  }
  return { failedCount, lastFailureAt: now };
}

/** After a correct password on an unlocked account: AD sets badPwdCount back to 0. */
export function afterSuccess(): LockoutState {
  return UNLOCKED;
}

export function sameLockout(a: LockoutState, b: LockoutState): boolean {
  return a.failedCount === b.failedCount && a.lastFailureAt === b.lastFailureAt && a.lockedUntil === b.lockedUntil;
}
