/** What every AccountStore must do, run against SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountStore } from '../../../../src/authority/local/accountStore.js';
import { AccountStoreError, type AccountStoreErrorCode } from '../../../../src/authority/errors.js';
import { afterFailure, type LockoutState } from '../../../../src/authority/local/lockout.js';
import { ntHashOfPassword } from '../../../../src/authority/local/ntHash.js';
import { isDomainSid, splitSid } from '../../../../src/authority/local/sid.js';

export interface StoreFixture {
  /** Opens the fixture's store; several calls open the same data (two gateways, or a restart). */
  open(): Promise<AccountStore>;
}

export function rejectsWith(code: AccountStoreErrorCode): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof AccountStoreError, `expected an AccountStoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

const H1 = ntHashOfPassword('first password');
const H2 = ntHashOfPassword('second password');
const P = { threshold: 100, windowMs: 60_000, durationMs: 60_000 };

async function using<T>(store: AccountStore, fn: (s: AccountStore) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function accountStoreContract(name: string, skip: string | false, fresh: () => Promise<StoreFixture>): void {
  describe(`AccountStore contract: ${name}`, { skip }, () => {
    it('issues SIDs S-1-5-21-x-y-z-RID: one random prefix per domain, RIDs from 1000 shared by users and groups', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addGroup({ domain: 'CORP', name: 'Web Users' }, 1);
        await s.addAccounts([
          { domain: 'CORP', name: 'alice', ntHash: H1 },
          { domain: 'CORP', name: 'carol', ntHash: H1 },
          { domain: 'WEB1', name: 'admin', ntHash: H1 },
        ]);
        const corp = await s.domainSid('corp');
        const web1 = await s.domainSid('WEB1');
        assert.ok(corp && isDomainSid(corp), String(corp));
        assert.ok(web1 && isDomainSid(web1), String(web1));
        assert.notEqual(corp, web1);
        const accounts = await s.listAccounts();
        assert.deepEqual(accounts.map((a) => [a.domain, a.name, a.rid, a.sid]), [
          ['CORP', 'alice', 1001, `${corp}-1001`],
          ['CORP', 'carol', 1002, `${corp}-1002`],
          ['WEB1', 'admin', 1000, `${web1}-1000`],
        ]);
        assert.deepEqual((await s.listGroups()).map((g) => [g.name, g.sid]), [['Web Users', `${corp}-1000`]]);
        for (const a of accounts) assert.equal(splitSid(a.sid)?.rid, a.rid);
      });
    });

    it('never hands a RID out twice, even after the account is removed', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'a', ntHash: H1 }]);
        await s.removeAccount({ domain: 'CORP', name: 'a' });
        await s.addAccounts([{ domain: 'CORP', name: 'a', ntHash: H1 }]);
        assert.equal((await s.getAccount({ domain: 'CORP', name: 'a' }))?.rid, 1001);
      });
    });

    it('compares names without regard to case and keeps the spelling they were created with', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'Corp', name: 'Alice', ntHash: H1, enabled: false }], { now: 1234 });
        const a = await s.getAccount({ domain: 'CORP', name: 'aLiCe' });
        assert.ok(a);
        assert.equal(a.domain, 'Corp');
        assert.equal(a.name, 'Alice');
        assert.deepEqual(a.ntHash, H1);
        assert.equal(a.enabled, false);
        assert.equal(a.passwordSetAt, 1234);
        assert.deepEqual(a.lockout, { failedCount: 0 });
        await assert.rejects(s.addAccounts([{ domain: 'CORP', name: 'ALICE', ntHash: H2 }]), rejectsWith('exists'));
        assert.equal(await s.getAccount({ domain: 'CORP', name: 'bob' }), undefined);
      });
    });

    it('lists accounts without their hashes', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }]);
        const [a] = await s.listAccounts();
        assert.ok(a);
        assert.equal('ntHash' in a, false);
        assert.equal(JSON.stringify(a).includes(H1.toString('hex')), false);
      });
    });

    it('users and groups share one namespace per domain; a failing batch writes nothing', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addGroup({ domain: 'CORP', name: 'staff' });
        await assert.rejects(s.addAccounts([{ domain: 'CORP', name: 'STAFF', ntHash: H1 }]), rejectsWith('exists'));
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }]);
        await assert.rejects(s.addGroup({ domain: 'corp', name: 'Alice' }), rejectsWith('exists'));
        await assert.rejects(s.addGroup({ domain: 'CORP', name: 'staff' }), rejectsWith('exists'));
        await assert.rejects(
          s.addAccounts([
            { domain: 'CORP', name: 'bob', ntHash: H1 },
            { domain: 'CORP', name: 'carol', ntHash: H1, groups: [{ domain: 'CORP', name: 'missing' }] },
          ]),
          rejectsWith('not-found'),
        );
        assert.deepEqual((await s.listAccounts()).map((a) => a.name), ['alice']);
      });
    });

    it('refuses bad names, hashes and duplicates within a batch as invalid', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await assert.rejects(s.addAccounts([{ domain: 'CORP', name: 'a\\b', ntHash: H1 }]), rejectsWith('invalid'));
        await assert.rejects(s.addAccounts([{ domain: 'TOO-LONG-FOR-NETBIOS', name: 'a', ntHash: H1 }]), rejectsWith('invalid'));
        await assert.rejects(s.addAccounts([{ domain: 'CORP', name: 'a', ntHash: Buffer.alloc(15) }]), rejectsWith('invalid'));
        await assert.rejects(
          s.addAccounts([
            { domain: 'CORP', name: 'a', ntHash: H1 },
            { domain: 'corp', name: 'A', ntHash: H1 },
          ]),
          rejectsWith('invalid'),
        );
        await assert.rejects(s.addGroup({ domain: 'CORP', name: 'x@y' }), rejectsWith('invalid'));
      });
    });

    it('updates existing accounts only when asked: new hash and password time, groups joined', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }], { now: 1 });
        const r = await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H2, groups: [{ domain: 'WEB1', name: 'admins' }] }], {
          existing: 'update',
          createGroups: true,
          now: 2,
        });
        assert.deepEqual(r, { created: [], updated: [{ domain: 'CORP', name: 'alice' }], groupsCreated: [{ domain: 'WEB1', name: 'admins' }] });
        const a = await s.getAccount({ domain: 'CORP', name: 'alice' });
        assert.deepEqual(a?.ntHash, H2);
        assert.equal(a?.passwordSetAt, 2);
        assert.deepEqual(a?.groups, ['WEB1\\admins']);
      });
    });

    it('sets passwords, enables, disables and removes; a missing account is not-found', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }], { now: 1 });
        await s.setPassword({ domain: 'corp', name: 'ALICE' }, H2, 5);
        await s.setEnabled({ domain: 'CORP', name: 'alice' }, false);
        let a = await s.getAccount({ domain: 'CORP', name: 'alice' });
        assert.deepEqual([a?.ntHash, a?.passwordSetAt, a?.enabled], [H2, 5, false]);
        await s.setEnabled({ domain: 'CORP', name: 'alice' }, true);
        a = await s.getAccount({ domain: 'CORP', name: 'alice' });
        assert.equal(a?.enabled, true);
        const nobody = { domain: 'CORP', name: 'nobody' };
        await assert.rejects(s.setPassword(nobody, H1), rejectsWith('not-found'));
        await assert.rejects(s.setEnabled(nobody, true), rejectsWith('not-found'));
        await assert.rejects(s.removeAccount(nobody), rejectsWith('not-found'));
        await assert.rejects(s.updateLockout(nobody, (x) => x), rejectsWith('not-found'));
        await s.removeAccount({ domain: 'CORP', name: 'ALICE' });
        assert.equal(await s.getAccount({ domain: 'CORP', name: 'alice' }), undefined);
      });
    });

    it('groups: members from any domain, additions and removals reported, memberships go with the account or group', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([
          { domain: 'CORP', name: 'alice', ntHash: H1 },
          { domain: 'CORP', name: 'carol', ntHash: H1 },
          { domain: 'WEB1', name: 'admin', ntHash: H1 },
        ]);
        const admins = { domain: 'WEB1', name: 'Administrators' };
        await s.addGroup(admins);
        assert.deepEqual(await s.addMembers(admins, [{ domain: 'corp', name: 'ALICE' }, { domain: 'WEB1', name: 'admin' }]), [
          { domain: 'CORP', name: 'alice' },
          { domain: 'WEB1', name: 'admin' },
        ]);
        assert.deepEqual(await s.addMembers(admins, [{ domain: 'CORP', name: 'alice' }]), []);
        await assert.rejects(s.addMembers(admins, [{ domain: 'CORP', name: 'nobody' }]), rejectsWith('not-found'));
        await assert.rejects(s.addMembers({ domain: 'WEB1', name: 'nope' }, []), rejectsWith('not-found'));
        assert.deepEqual((await s.getAccount({ domain: 'CORP', name: 'alice' }))?.groups, ['WEB1\\Administrators']);
        assert.deepEqual(await s.groupMembers({ domain: 'web1', name: 'administrators' }), [
          { domain: 'CORP', name: 'alice' },
          { domain: 'WEB1', name: 'admin' },
        ]);
        assert.deepEqual(await s.removeMembers(admins, [{ domain: 'CORP', name: 'carol' }, { domain: 'WEB1', name: 'admin' }]), [{ domain: 'WEB1', name: 'admin' }]);
        await s.removeAccount({ domain: 'CORP', name: 'alice' });
        assert.deepEqual(await s.groupMembers(admins), []);
        assert.equal((await s.listGroups())[0]?.memberCount, 0);
        await s.addMembers(admins, [{ domain: 'CORP', name: 'carol' }]);
        await s.removeGroup(admins);
        assert.deepEqual((await s.getAccount({ domain: 'CORP', name: 'carol' }))?.groups, []);
        await assert.rejects(s.removeGroup(admins), rejectsWith('not-found'));
        await assert.rejects(s.groupMembers(admins), rejectsWith('not-found'));
      });
    });

    it('lists by domain, groups sorted, member counts', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts(
          [
            { domain: 'WEB1', name: 'zed', ntHash: H1, groups: [{ domain: 'CORP', name: 'b' }, { domain: 'CORP', name: 'A' }] },
            { domain: 'CORP', name: 'bob', ntHash: H1, groups: [{ domain: 'CORP', name: 'a' }] },
          ],
          { createGroups: true },
        );
        assert.deepEqual((await s.listAccounts({ domain: 'web1' })).map((a) => [a.name, a.groups]), [['zed', ['CORP\\A', 'CORP\\b']]]);
        assert.deepEqual((await s.listGroups({ domain: 'CORP' })).map((g) => [g.name, g.memberCount]), [['A', 2], ['b', 1]]);
        assert.deepEqual(await s.listGroups({ domain: 'WEB1' }), []);
      });
    });

    it('updates lockout state atomically: concurrent bad passwords from two gateways all count', async () => {
      const f = await fresh();
      const a = await f.open();
      const b = await f.open();
      try {
        await a.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }]);
        const key = { domain: 'CORP', name: 'alice' };
        await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).updateLockout(key, (s) => afterFailure(s, P, 1000 + i))));
        const state = (await b.getAccount(key))?.lockout;
        assert.equal(state?.failedCount, 20);
        assert.ok(state?.lastFailureAt !== undefined && state.lastFailureAt >= 1000);
        // An unchanged state is not written, and is returned as it stands.
        let seen: LockoutState | undefined;
        assert.deepEqual(
          await a.updateLockout(key, (s) => {
            seen = s;
            return s;
          }),
          state,
        );
        assert.deepEqual(seen, state);
        await a.updateLockout(key, () => ({ failedCount: 3, lastFailureAt: 7, lockedUntil: 99 }));
        assert.deepEqual((await b.getAccount(key))?.lockout, { failedCount: 3, lastFailureAt: 7, lockedUntil: 99 });
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('records failures for unknown accounts without any trace per name', async () => {
      const f = await fresh();
      await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1 }]);
        const before = await s.listAccounts();
        await Promise.all(Array.from({ length: 5 }, (_, i) => s.recordUnknownFailure(i)));
        assert.deepEqual(await s.listAccounts(), before);
        assert.deepEqual(await s.listGroups(), []);
        assert.equal(await s.getAccount({ domain: 'CORP', name: 'mallory' }), undefined);
      });
    });

    it('keeps everything across a reopen', async () => {
      const f = await fresh();
      const first = await using(await f.open(), async (s) => {
        await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: H1, enabled: false, groups: [{ domain: 'CORP', name: 'g' }] }], { createGroups: true, now: 42 });
        await s.updateLockout({ domain: 'CORP', name: 'alice' }, () => ({ failedCount: 2, lastFailureAt: 40 }));
        return s.getAccount({ domain: 'CORP', name: 'alice' });
      });
      await using(await f.open(), async (s) => {
        assert.deepEqual(await s.getAccount({ domain: 'CORP', name: 'alice' }), { ...first, lockout: { failedCount: 2, lastFailureAt: 40 } });
        await s.addAccounts([{ domain: 'CORP', name: 'next', ntHash: H2 }]);
        assert.equal((await s.getAccount({ domain: 'CORP', name: 'next' }))?.rid, 1002);
      });
    });

    it('refuses calls after close()', async () => {
      const f = await fresh();
      const s = await f.open();
      await s.close();
      await assert.rejects(s.listAccounts(), rejectsWith('closed'));
      await s.close();
    });
  });
}
