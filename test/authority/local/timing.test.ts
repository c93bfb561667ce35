/**
 * A failed logon costs the same whatever the account's state: an unknown user, a wrong
 * password, a disabled account with the right or a wrong password and a locked account all
 * take one lookup, the same HMACs and one lockout transaction (SELECT + UPDATE), so their
 * timing tells a guesser nothing the answer does not (docs/authority.md).
 *
 * The statements are compared exactly; the time as medians of interleaved runs against a
 * real SQLite file (fsync'd commits, where a missing write shows most), each logon timed
 * relative to the other states of its round, and the states' medians relative to one
 * another, never against an absolute figure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccountStore, NewAccount } from '../../../src/authority/local/accountStore.js';
import { LocalAuthority } from '../../../src/authority/local/localAuthority.js';
import { FOREVER } from '../../../src/authority/local/lockout.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { SqlAccountStore } from '../../../src/authority/local/stores/sqlStore.js';
import { SqliteDriver } from '../../../src/authority/local/stores/sqlite.js';
import type { SqlDriver } from '../../../src/authority/local/stores/sql.js';
import type { NtlmValidationRequest } from '../../../src/ntlm/authority.js';
import type { NtlmCredentials } from '../../../src/ntlm/clientContext.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { captured, countingDriver } from '../helpers.js';

const PASSWORD = 'Al1ce!Pass2026';
const ACCOUNTS: readonly NewAccount[] = [
  { domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword(PASSWORD) },
  { domain: 'CORP', name: 'dave', ntHash: ntHashOfPassword(PASSWORD), enabled: false },
  { domain: 'CORP', name: 'carol', ntHash: ntHashOfPassword(PASSWORD) },
];
// A threshold no run reaches, so the wrong-password accounts never lock mid-measurement.
const LOCKOUT = { threshold: 1_000_000, windowMs: 10 * 60_000, durationMs: 30 * 60_000 } as const;

/** Each failure kind a guesser can produce, with the status the DC records for it. */
const STATES: readonly { readonly name: string; readonly creds: NtlmCredentials; readonly detail: string }[] = [
  { name: 'unknown user', creds: { domain: 'CORP', user: 'mallory', password: PASSWORD }, detail: '0xc0000064' },
  { name: 'wrong password', creds: { domain: 'CORP', user: 'alice', password: 'wrong' }, detail: '0xc000006a' },
  { name: 'disabled, right password', creds: { domain: 'CORP', user: 'dave', password: PASSWORD }, detail: '0xc0000072' },
  { name: 'disabled, wrong password', creds: { domain: 'CORP', user: 'dave', password: 'wrong' }, detail: '0xc000006a' },
  { name: 'locked, right password', creds: { domain: 'CORP', user: 'carol', password: PASSWORD }, detail: '0xc0000234' },
  { name: 'locked, wrong password', creds: { domain: 'CORP', user: 'carol', password: 'wrong' }, detail: '0xc0000234' },
];


interface Rig {
  readonly authority: LocalAuthority;
  readonly store: AccountStore;
  readonly requests: readonly NtlmValidationRequest[];
  /** The DC's Status for each state, from its usage event. */
  readonly statuses: () => string[];
}

async function rig(driver: SqlDriver): Promise<Rig> {
  const store = await SqlAccountStore.open(driver);
  await store.addAccounts(ACCOUNTS);
  await store.updateLockout({ domain: 'CORP', name: 'carol' }, () => ({ failedCount: 5, lastFailureAt: Date.now(), lockedUntil: FOREVER }));
  const written: string[] = [];
  const authority = new LocalAuthority({
    store,
    domain: { netbios: 'CORP', dns: 'corp.example.test' },
    policy: loadPolicy({}),
    audit: {
      async write(events) {
        for (const e of events) if (e.eventId === 4031 || e.eventId === 4033 || e.eventId === 4030 || e.eventId === 4032) written.push(e.data['Status'] ?? '');
      },
      async flush() {},
      async close() {},
    },
    dcName: 'DC1',
    lockout: LOCKOUT,
  });
  const requests: NtlmValidationRequest[] = [];
  for (const s of STATES) requests.push(await captured(s.creds));
  return { authority, store, requests, statuses: () => written.splice(0) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

describe('LocalAuthority: every failed logon does the same work', () => {
  it('the same statements and transaction for every failure kind, and the DC still records which it was', async () => {
    const log: string[] = [];
    const { authority, requests, statuses, store } = await rig(countingDriver(SqliteDriver.open(':memory:'), log));
    try {
      const shapes: string[][] = [];
      for (const req of requests) {
        log.length = 0;
        const r = await authority.validate(req);
        assert.notEqual(r.status, 'STATUS_SUCCESS');
        shapes.push(log.splice(0));
      }
      for (const [i, s] of STATES.entries()) assert.deepEqual(shapes[i], ['SELECT', 'BEGIN', 'tx:SELECT', 'tx:UPDATE'], s.name);
      assert.deepEqual(statuses(), STATES.map((s) => s.detail));
    } finally {
      await store.close();
    }
  });

  it('lockout semantics hold: a disabled account counts wrong passwords only; a locked one counts nothing and stays locked', async () => {
    const { authority, requests, store } = await rig(SqliteDriver.open(':memory:'));
    try {
      for (const req of requests) await authority.validate(req);
      const dave = await store.getAccount({ domain: 'CORP', name: 'dave' });
      const carol = await store.getAccount({ domain: 'CORP', name: 'carol' });
      const alice = await store.getAccount({ domain: 'CORP', name: 'alice' });
      assert.equal(alice?.lockout.failedCount, 1);
      assert.equal(dave?.lockout.failedCount, 1, 'the right password of a disabled account is no bad password');
      assert.deepEqual({ ...carol?.lockout, lastFailureAt: undefined }, { failedCount: 5, lastFailureAt: undefined, lockedUntil: FOREVER });
      assert.deepEqual((await store.listAccounts()).map((a) => a.name).sort(), ['alice', 'carol', 'dave'], 'no row for the unknown name');
    } finally {
      await store.close();
    }
  });

  describe('timing against a SQLite file', () => {
    const ROUNDS = 500;
    const WARMUP = 40;
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ntlmgate-timing-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it(`medians of ${ROUNDS} interleaved failed logons per account state are within 10 % of one another`, async (t) => {
      const { authority, requests, store } = await rig(SqliteDriver.open(join(dir, 'accounts.db')));
      try {
        const samples: number[][] = STATES.map(() => []);
        // Round-robin, each round in a fresh order, so drift and load fall on every state alike.
        for (let round = 0; round < WARMUP + ROUNDS; round++) {
          const order = STATES.map((_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = (round * 7 + i * 13) % (i + 1);
            [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
          }
          for (const i of order) {
            const req = requests[i];
            if (!req) continue;
            const t0 = process.hrtime.bigint();
            await authority.validate(req);
            const ns = Number(process.hrtime.bigint() - t0);
            if (round >= WARMUP) samples[i]?.push(ns);
          }
        }
        // Each sample against its own round's median: the load of a shared machine (other fsyncs) drifts
        // during a run and moves a whole round together, while a state that skips work stays below its round.
        const perRound = Array.from({ length: ROUNDS }, (_, r) => median(samples.map((xs) => xs[r] ?? 0)));
        const relative = samples.map((xs) => median(xs.map((x, r) => x / (perRound[r] ?? 1))));
        const medians = samples.map(median);
        const report = STATES.map((s, i) => `${s.name}: ${((medians[i] ?? 0) / 1e6).toFixed(2)} ms (×${(relative[i] ?? 0).toFixed(3)} of its round)`).join(', ');
        const ratio = Math.max(...relative) / Math.min(...relative);
        t.diagnostic(`medians: ${report}; slowest/fastest ${ratio.toFixed(3)}`);
        assert.ok(ratio <= 1.1, `slowest/fastest median ${ratio.toFixed(3)} > 1.10 (${report})`);
      } finally {
        await store.close();
      }
    });
  });
});
