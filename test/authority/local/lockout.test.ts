/** Account lockout: the pure AD rules, then through LocalAuthority with an injected clock, and the CLI unlock. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { AuthorityError } from '../../../src/authority/errors.js';
import { afterFailure, afterSuccess, currentLockout, FOREVER, isLockedOut, lockoutPolicy, UNLOCKED } from '../../../src/authority/local/lockout.js';
import { openAccountStore } from '../../../src/authority/local/openAccountStore.js';
import { registerUsers, type UsersIo } from '../../../src/cli/commands/users.js';
import { ALICE_PASSWORD, LOCKOUT, logon, MINUTE, outcome, setup, STANDARD_ACCOUNTS } from '../helpers.js';

const P = lockoutPolicy(LOCKOUT);
const T0 = 1_000_000;

describe('lockout rules (pure)', () => {
  it('counts bad passwords and locks at the threshold for the duration', () => {
    let s = UNLOCKED;
    s = afterFailure(s, P, T0);
    s = afterFailure(s, P, T0 + 1);
    assert.deepEqual(s, { failedCount: 2, lastFailureAt: T0 + 1 });
    assert.equal(isLockedOut(s, T0 + 2), false);
    s = afterFailure(s, P, T0 + 2);
    assert.deepEqual(s, { failedCount: 3, lastFailureAt: T0 + 2, lockedUntil: T0 + 2 + 30 * MINUTE });
    assert.equal(isLockedOut(s, T0 + 2 + 30 * MINUTE - 1), true);
    assert.equal(isLockedOut(s, T0 + 2 + 30 * MINUTE), false);
  });

  it('bad passwords while locked change nothing', () => {
    const locked = { failedCount: 3, lastFailureAt: T0, lockedUntil: T0 + 30 * MINUTE };
    assert.deepEqual(afterFailure(locked, P, T0 + MINUTE), locked);
  });

  it('the counter restarts once the window has passed since the last bad password (AD badPasswordTime)', () => {
    let s = afterFailure(afterFailure(UNLOCKED, P, T0), P, T0 + 9 * MINUTE);
    // 9 minutes after the first but 1 after the last: still counting.
    s = afterFailure(s, P, T0 + 10 * MINUTE);
    assert.equal(isLockedOut(s, T0 + 10 * MINUTE), true);
    const two = afterFailure(afterFailure(UNLOCKED, P, T0), P, T0 + 1);
    assert.deepEqual(currentLockout(two, P, T0 + 1 + 10 * MINUTE), UNLOCKED);
    assert.deepEqual(afterFailure(two, P, T0 + 1 + 10 * MINUTE), { failedCount: 1, lastFailureAt: T0 + 1 + 10 * MINUTE });
  });

  it('an expired lock is lifted with its counter', () => {
    const locked = { failedCount: 3, lastFailureAt: T0, lockedUntil: T0 + 30 * MINUTE };
    assert.deepEqual(currentLockout(locked, P, T0 + 30 * MINUTE), UNLOCKED);
    assert.deepEqual(afterFailure(locked, P, T0 + 30 * MINUTE), { failedCount: 1, lastFailureAt: T0 + 30 * MINUTE });
  });

  it('threshold 0 never locks; duration 0 locks until an administrator unlocks', () => {
    const never = lockoutPolicy({ threshold: 0, windowMs: MINUTE, durationMs: MINUTE });
    let s = UNLOCKED;
    for (let i = 0; i < 50; i++) s = afterFailure(s, never, T0);
    assert.equal(isLockedOut(s, T0), false);
    const admin = lockoutPolicy({ threshold: 1, windowMs: MINUTE, durationMs: 0 });
    s = afterFailure(UNLOCKED, admin, T0);
    assert.equal(s.lockedUntil, FOREVER);
    assert.equal(isLockedOut(s, T0 + 100 * 365 * 24 * 60 * MINUTE), true);
  });

  it('a clock slightly behind another gateway\'s does not reset the counter', () => {
    const s = afterFailure(UNLOCKED, P, T0 + 5000);
    assert.deepEqual(currentLockout(s, P, T0), s);
  });

  it('validates its options as AD does (window ≤ duration)', () => {
    for (const bad of [
      { threshold: -1, windowMs: 1, durationMs: 1 },
      { threshold: 1.5, windowMs: 1, durationMs: 1 },
      { threshold: 1, windowMs: 0, durationMs: 1 },
      { threshold: 1, windowMs: 10, durationMs: 5 },
      { threshold: 1, windowMs: 10, durationMs: -1 },
    ]) {
      assert.throws(() => lockoutPolicy(bad), (e: unknown) => e instanceof AuthorityError && e.code === 'bad-option', JSON.stringify(bad));
    }
    assert.deepEqual(afterSuccess(), UNLOCKED);
  });
});

describe('lockout through LocalAuthority', () => {
  const alice = (password: string) => ({ user: 'alice', domain: 'CORP', password });

  it('locks after the threshold within the window, refuses the right password while locked, unlocks after the duration', async () => {
    const { authority, clock, store } = await setup();
    for (let i = 0; i < 3; i++) {
      assert.equal(outcome(await logon(authority, alice('wrong'))), 'STATUS_LOGON_FAILURE', `attempt ${i + 1}`);
      clock.advance(MINUTE);
    }
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'STATUS_ACCOUNT_LOCKED_OUT');
    assert.equal(outcome(await logon(authority, alice('wrong'))), 'STATUS_ACCOUNT_LOCKED_OUT');
    const locked = (await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout;
    assert.equal(locked?.failedCount, 3, 'bad passwords while locked are not counted');
    clock.advance(29 * MINUTE - 1); // locked at +2 min (third failure) for 30 min; the loop left the clock at +3 min
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'STATUS_ACCOUNT_LOCKED_OUT', 'one ms before the end');
    clock.advance(1);
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'complete');
    assert.deepEqual((await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout, UNLOCKED, 'a good logon resets the counter');
  });

  it('failures spread wider than the window never lock', async () => {
    const { authority, clock } = await setup();
    for (let i = 0; i < 6; i++) {
      assert.equal(outcome(await logon(authority, alice('wrong'))), 'STATUS_LOGON_FAILURE');
      clock.advance(10 * MINUTE);
    }
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'complete');
  });

  it('a good logon resets the counter, so the next failures start again from 1', async () => {
    const { authority, store } = await setup();
    await logon(authority, alice('wrong'));
    await logon(authority, alice('wrong'));
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'complete');
    await logon(authority, alice('wrong'));
    assert.equal((await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout.failedCount, 1);
  });

  it('unknown users never lock and leave no counter, however often they are tried', async () => {
    const { authority, store } = await setup();
    for (let i = 0; i < 5; i++) assert.equal(outcome(await logon(authority, { user: 'mallory', domain: 'CORP', password: 'x' })), 'STATUS_LOGON_FAILURE');
    assert.equal(await store.getAccount({ domain: 'CORP', name: 'mallory' }), undefined);
  });

  it('a lock counts for the account whatever domain spelling the client used', async () => {
    const { authority } = await setup();
    for (const domain of ['CORP', 'corp.example.test', '']) await logon(authority, { user: 'ALICE', domain, password: 'wrong' });
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'STATUS_ACCOUNT_LOCKED_OUT');
  });

  it('`ntlmgate users unlock` lifts the lock at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-lockout-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'accounts.db')}`;
    const store = await openAccountStore(url);
    await store.addAccounts(STANDARD_ACCOUNTS, { createGroups: true });
    const { authority, clock } = await setup({}, { store });
    for (let i = 0; i < 3; i++) await logon(authority, alice('wrong'));
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'STATUS_ACCOUNT_LOCKED_OUT');

    const out: string[] = [];
    const io: UsersIo = { write: (t) => void out.push(t), readStdin: async () => '', now: clock.now, openStore: (u) => openAccountStore(u) };
    const program = new Command('ntlmgate').exitOverride();
    registerUsers(program, io);
    await program.parseAsync(['users', 'unlock', 'CORP\\alice', '--store', url], { from: 'user' });
    assert.deepEqual(out, ['unlocked CORP\\alice']);
    assert.equal(outcome(await logon(authority, alice(ALICE_PASSWORD))), 'complete');
    await store.close();
  });
});
