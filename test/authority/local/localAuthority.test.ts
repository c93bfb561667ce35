/**
 * LocalAuthority behind a real NtlmServerContext: domain and local accounts, wrong and
 * unknown users (same answer, same work), disabled accounts, response classes per
 * LmCompatibilityLevel, audit durability and failures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountStore } from '../../../src/authority/local/accountStore.js';
import { AuthorityError } from '../../../src/authority/errors.js';
import { LocalAuthority } from '../../../src/authority/local/localAuthority.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { SqlAccountStore } from '../../../src/authority/local/stores/sqlStore.js';
import { SqliteDriver } from '../../../src/authority/local/stores/sqlite.js';
import type { NtlmCredentials } from '../../../src/ntlm/clientContext.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { ALICE_PASSWORD, BOB_PASSWORD, captured, countHmacs, countingDriver, logon, LOCKOUT, MemorySink, outcome, setup, STANDARD_ACCOUNTS } from '../helpers.js';

const alice = (password = ALICE_PASSWORD, domain = 'CORP', user = 'alice'): NtlmCredentials => ({ user, domain, password });

describe('LocalAuthority: logons through NtlmServerContext', () => {
  it('logs a domain account on and returns its name, domain, SID and groups', async () => {
    const { authority, store } = await setup();
    const step = await logon(authority, alice());
    assert.equal(step.status, 'complete', JSON.stringify(step));
    const sid = (await store.getAccount({ domain: 'CORP', name: 'alice' }))?.sid;
    assert.match(sid ?? '', /^S-1-5-21-\d+-\d+-\d+-100\d$/);
    assert.deepEqual(step.result.account, { name: 'alice', domain: 'CORP', sid, groups: ['CORP\\Web Users'] });
    assert.equal(step.result.version, 'NTLMv2');
    assert.equal(step.result.micPresent, true, 'the MIC verified with the session key the authority returned');
  });

  it('logs a local account on through its own server (domain = the server\'s NetBIOS name, or ".")', async () => {
    const { authority, store } = await setup();
    const sid = await store.domainSid('WEB1');
    for (const domain of ['WEB1', 'web1', '.']) {
      const step = await logon(authority, { user: 'bob', domain, password: BOB_PASSWORD });
      assert.equal(step.status, 'complete', `${domain}: ${JSON.stringify(step)}`);
      assert.deepEqual(step.result.account, { name: 'bob', domain: 'WEB1', sid: `${sid}-1000`, groups: [] });
    }
  });

  it('a local account is only WEB1\'s: through WEB2, WEB1\\bob is looked up in the domain and fails', async () => {
    const { authority } = await setup();
    const step = await logon(authority, { user: 'bob', domain: 'WEB1', password: BOB_PASSWORD }, { server: 'WEB2' });
    assert.equal(outcome(step), 'STATUS_LOGON_FAILURE');
  });

  it('an empty or unknown domain, the DNS domain name and a UPN all mean the configured domain', async () => {
    const { authority } = await setup();
    for (const creds of [alice(ALICE_PASSWORD, ''), alice(ALICE_PASSWORD, 'NOSUCHDOMAIN'), alice(ALICE_PASSWORD, 'corp.example.test'), alice(ALICE_PASSWORD, '', 'alice@corp.example.test')]) {
      const step = await logon(authority, creds);
      assert.equal(step.status, 'complete', JSON.stringify(creds));
      assert.equal(step.result.account.domain, 'CORP');
      assert.equal(step.result.account.name, 'alice');
    }
  });

  it('names compare without regard to case', async () => {
    const { authority } = await setup();
    const step = await logon(authority, alice(ALICE_PASSWORD, 'corp', 'ALICE'));
    assert.equal(step.status, 'complete');
    assert.equal(step.result.account.name, 'alice');
  });

  it('logs on with an NT hash imported from another store (no password ever known)', async () => {
    const store = await (await import('../helpers.js')).memoryStore([{ domain: 'CORP', name: 'migrated', ntHash: Buffer.from('8846f7eaee8fb117ad06bdd830b7586c', 'hex') }]);
    const { authority } = await setup({}, { store });
    assert.equal((await logon(authority, { user: 'migrated', domain: 'CORP', password: 'password' })).status, 'complete');
  });

  it('a wrong password is STATUS_LOGON_FAILURE', async () => {
    const { authority } = await setup();
    const step = await logon(authority, alice('wrong'));
    assert.equal(step.status, 'failed');
    assert.equal(step.failure.reason, 'logon-failure');
    assert.equal(step.failure.status, 'STATUS_LOGON_FAILURE');
  });

  it('a disabled account is refused as disabled only after a correct password', async () => {
    const { authority, store } = await setup();
    await store.setEnabled({ domain: 'CORP', name: 'alice' }, false);
    assert.equal(outcome(await logon(authority, alice())), 'STATUS_ACCOUNT_DISABLED');
    assert.equal(outcome(await logon(authority, alice('wrong'))), 'STATUS_LOGON_FAILURE');
    const a = await store.getAccount({ domain: 'CORP', name: 'alice' });
    assert.equal(a?.lockout.failedCount, 1, 'a wrong password for a disabled account still counts');
  });
});


describe('LocalAuthority: an unknown user is indistinguishable from a wrong password', () => {
  it('same status, no account, no counter anywhere for the missing name', async () => {
    const { authority, store } = await setup();
    const unknown = await logon(authority, alice(ALICE_PASSWORD, 'CORP', 'mallory'));
    const wrong = await logon(authority, alice('wrong'));
    assert.equal(unknown.status, 'failed');
    assert.equal(wrong.status, 'failed');
    assert.deepEqual({ ...unknown.failure, logon: undefined, message: '' }, { ...wrong.failure, logon: undefined, message: '' });
    assert.equal(unknown.failure.message, wrong.failure.message);
    assert.deepEqual((await store.listAccounts()).map((a) => a.name).sort(), ['alice', 'bob']);
  });

  it('the same number of HMAC computations (the unknown user is checked against a dummy hash)', async () => {
    const { authority } = await setup();
    const wrongReq = await captured(alice('wrong'));
    const unknownReq = await captured(alice(ALICE_PASSWORD, 'CORP', 'mallory'));
    const wrong = await countHmacs(() => authority.validate(wrongReq));
    const unknown = await countHmacs(() => authority.validate(unknownReq));
    assert.equal(wrong.result.status, 'STATUS_LOGON_FAILURE');
    assert.equal(unknown.result.status, 'STATUS_LOGON_FAILURE');
    assert.ok(wrong.hmacs >= 2, `the NTLMv2 check computes HMACs (${wrong.hmacs})`);
    assert.equal(unknown.hmacs, wrong.hmacs);
  });

  it('the same statements and transactions against the store (a write on a shared row for the unknown user)', async () => {
    const log: string[] = [];
    const store: AccountStore = await SqlAccountStore.open(countingDriver(SqliteDriver.open(':memory:'), log));
    await store.addAccounts(STANDARD_ACCOUNTS, { createGroups: true });
    const { authority } = await setup({}, { store });
    const wrongReq = await captured(alice('wrong'));
    const unknownReq = await captured(alice(ALICE_PASSWORD, 'CORP', 'mallory'));
    log.length = 0;
    await authority.validate(wrongReq);
    const wrong = log.splice(0);
    await authority.validate(unknownReq);
    const unknown = log.splice(0);
    assert.deepEqual(wrong, ['SELECT', 'BEGIN', 'tx:SELECT', 'tx:UPDATE']);
    assert.deepEqual(unknown, wrong);
  });

  it('NTLMv1 too: the same work for an unknown user', async () => {
    const { authority } = await setup({ LmCompatibilityLevel: 2 });
    const wrongReq = await captured(alice('wrong'), { clientLevel: 2, serverLevel: 2 });
    const unknownReq = await captured(alice(ALICE_PASSWORD, 'CORP', 'mallory'), { clientLevel: 2, serverLevel: 2 });
    assert.equal(wrongReq.responseKind, 'NTLMv1-ESS');
    const wrong = await countHmacs(() => authority.validate(wrongReq));
    const unknown = await countHmacs(() => authority.validate(unknownReq));
    assert.equal(wrong.result.status, 'STATUS_LOGON_FAILURE');
    assert.equal(unknown.result.status, 'STATUS_LOGON_FAILURE');
    assert.equal(unknown.hmacs, wrong.hmacs);
  });
});

describe('LocalAuthority: response classes per LmCompatibilityLevel', () => {
  for (const [level, v1Allowed] of [[0, true], [2, true], [3, true], [4, true], [5, false]] as const) {
    it(`LmCompatibilityLevel ${level} ${v1Allowed ? 'accepts' : 'refuses'} NTLMv1 and NTLMv1-ESS`, async () => {
      const { authority, store } = await setup({ LmCompatibilityLevel: level });
      for (const clientLevel of [0, 2] as const) {
        // The member server lets NTLMv1 through (level 2); the DC's own level decides.
        const step = await logon(authority, alice(), { clientLevel, serverLevel: 2 });
        assert.equal(outcome(step), v1Allowed ? 'complete' : 'STATUS_LOGON_FAILURE', `client level ${clientLevel}`);
      }
      assert.equal((await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout.failedCount, 0, 'a refused response class is no bad password');
    });
  }

  it('NTLMv2 is accepted at every level', async () => {
    for (const level of [0, 5] as const) {
      const { authority } = await setup({ LmCompatibilityLevel: level });
      assert.equal((await logon(authority, alice())).status, 'complete');
    }
  });

  it('the default (not configured) is ntlmgate\'s acceptor default 5: NTLMv1 refused', async () => {
    const { authority } = await setup();
    assert.equal(outcome(await logon(authority, alice(), { clientLevel: 2, serverLevel: 2 })), 'STATUS_LOGON_FAILURE');
  });

  it('applies to local accounts too', async () => {
    const { authority } = await setup({ LmCompatibilityLevel: 5 });
    assert.equal(outcome(await logon(authority, { user: 'bob', domain: 'WEB1', password: BOB_PASSWORD }, { clientLevel: 2, serverLevel: 2 })), 'STATUS_LOGON_FAILURE');
  });
});

describe('LocalAuthority: audit and store failures', () => {
  it('awaits the audit write before answering', async () => {
    const sink = new MemorySink({ delayMs: 30 });
    const { authority } = await setup({ AuditNTLMInDomain: 7 }, { audit: sink });
    const req = await captured(alice());
    const result = await authority.validate(req);
    assert.equal(result.status, 'STATUS_SUCCESS');
    assert.deepEqual(sink.ids(), [8004, 4033]);
    assert.equal(sink.durableCount, 2, 'the events were durable when validate() resolved');
  });

  it('a failing audit write fails the logon (AuthorityError audit-failed → authority-error), even a successful one', async () => {
    const sink = new MemorySink({ fail: true });
    const { authority } = await setup({ AuditNTLMInDomain: 7 }, { audit: sink });
    await assert.rejects(authority.validate(await captured(alice())), (e: unknown) => e instanceof AuthorityError && e.code === 'audit-failed');
    const step = await logon(authority, alice());
    assert.equal(step.status === 'failed' && step.failure.reason, 'authority-error');
  });

  it('writes nothing when the policy asks for no events', async () => {
    const { authority, sink } = await setup({ EnableEnhancedDomainNtlmLogs: 0 });
    await logon(authority, alice());
    await logon(authority, alice('wrong'));
    assert.deepEqual(sink.events, []);
  });

  it('a store that fails is AuthorityError store-failed', async () => {
    const { authority, store } = await setup();
    await store.close();
    await assert.rejects(authority.validate(await captured(alice())), (e: unknown) => e instanceof AuthorityError && e.code === 'store-failed' && /closed/.test(e.message));
  });

  it('refuses bad options', () => {
    const base = { store: {} as AccountStore, policy: loadPolicy({}), lockout: LOCKOUT };
    assert.throws(() => new LocalAuthority({ ...base, domain: { netbios: 'CORP\\X' }, dcName: 'DC1' }), (e: unknown) => e instanceof AuthorityError && e.code === 'bad-option');
    assert.throws(() => new LocalAuthority({ ...base, domain: { netbios: 'CORP' }, dcName: '' }), (e: unknown) => e instanceof AuthorityError && e.code === 'bad-option');
    assert.throws(
      () => new LocalAuthority({ ...base, domain: { netbios: 'CORP' }, dcName: 'DC1', lockout: { threshold: 3, windowMs: 60_000, durationMs: 1000 } }),
      (e: unknown) => e instanceof AuthorityError && e.code === 'bad-option' && /must not exceed/.test(e.message),
    );
  });

  it('a password change takes effect at once', async () => {
    const { authority, store } = await setup();
    await store.setPassword({ domain: 'CORP', name: 'alice' }, ntHashOfPassword('N3w!password'));
    assert.equal(outcome(await logon(authority, alice())), 'STATUS_LOGON_FAILURE');
    assert.equal(outcome(await logon(authority, alice('N3w!password'))), 'complete');
  });
});
