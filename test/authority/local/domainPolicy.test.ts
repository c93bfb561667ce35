/**
 * The DC's Restrict-NTLM decision in LocalAuthority: every RestrictNTLMInDomain option, with
 * and without a DCAllowedNTLMServers exception (exact and wildcard), for a server in this
 * domain and one outside it; the events written to the AuditSink before the answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../../../src/events/event.js';
import { ALICE_PASSWORD, BOB_PASSWORD, logon, outcome, setup } from '../helpers.js';

const alice = { user: 'alice', domain: 'CORP', password: ALICE_PASSWORD };

interface Server {
  readonly name: string;
  readonly domain: string;
  /** Exception entries that match it: exact, and a wildcard. */
  readonly exact: string;
  readonly wildcard: string;
}
const MEMBER: Server = { name: 'WEB1', domain: 'CORP', exact: 'WEB1', wildcard: 'WEB*' };
const OUTSIDE: Server = { name: 'APP7', domain: 'PARTNER', exact: 'app7', wildcard: '*7' };

/** RestrictNTLMInDomain value → whether it blocks [member server, server of another domain] (the account is always CORP's). */
const BLOCKS: Readonly<Record<0 | 1 | 3 | 5 | 7, readonly [boolean, boolean]>> = {
  0: [false, false],
  1: [true, false],
  3: [true, true],
  5: [true, false],
  7: [true, true],
};

/** The fields a test checks, and only those. */
function pick(e: AuditEvent | undefined, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, e?.data[n]]));
}

const USAGE_FIELDS = ['Username', 'DomainName', 'RemoteClientMachine', 'Hostname', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus', 'Status'];
const usage = (server: string, status: string) => ({
  Username: 'alice',
  DomainName: 'CORP',
  RemoteClientMachine: 'WS01',
  Hostname: server,
  NtlmVersion: 'NTLM V2',
  MicStatus: 'Protected',
  // No TLS in these handshakes, so no channel binding: the "insecure" 4033.
  ChannelBindingStatus: 'Not Supported',
  Status: status,
});
const BLOCKED = '0xc0000418';

describe('RestrictNTLMInDomain in LocalAuthority', () => {
  for (const [value, [blocksMember, blocksOutside]] of Object.entries(BLOCKS)) {
    for (const [server, blocks] of [[MEMBER, blocksMember], [OUTSIDE, blocksOutside]] as const) {
      const where = `${server.name} (${server.domain === 'CORP' ? 'in this domain' : 'another domain'})`;

      it(`${value}: CORP\\alice through ${where} is ${blocks ? 'blocked (4004 + 4033)' : 'allowed'}`, async () => {
        const { authority, sink, store } = await setup({ RestrictNTLMInDomain: Number(value) });
        const step = await logon(authority, alice, { server: server.name, serverDomain: server.domain });
        if (!blocks) {
          assert.equal(outcome(step), 'complete');
          assert.deepEqual(sink.ids(), [4033]);
          assert.deepEqual(pick(sink.events[0], USAGE_FIELDS), usage(server.name, '0x0'));
          return;
        }
        assert.equal(step.status, 'failed');
        assert.equal(step.failure.reason, 'logon-failure');
        assert.equal(step.failure.status, 'STATUS_NTLM_BLOCKED');
        assert.deepEqual(sink.ids(), [4004, 4033]);
        const [e4004, e4033] = sink.events;
        assert.deepEqual(pick(e4004, ['SChannelName', 'UserName', 'DomainName', 'WorkstationName', 'SChannelType']), {
          SChannelName: server.name,
          UserName: 'alice',
          DomainName: 'CORP',
          WorkstationName: 'WS01',
          SChannelType: '2',
        });
        assert.deepEqual(pick(e4033, USAGE_FIELDS), usage(server.name, BLOCKED));
        assert.equal(e4004?.computer, 'dc1.corp.example.test');
        assert.deepEqual({ decision: e4004?.context.decision, setting: e4004?.context.setting, ntlmVersion: e4004?.context.ntlmVersion }, {
          decision: 'block',
          setting: 'RestrictNTLMInDomain',
          ntlmVersion: 'NTLMv2',
        });
        // A blocked logon never reached the password check: nothing counted.
        assert.equal((await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout.failedCount, 0);
      });

      if (!blocks) continue;
      for (const entry of [server.exact, server.wildcard]) {
        it(`${value}: DCAllowedNTLMServers [${entry}] lets ${where} through (4033, Status 0x0)`, async () => {
          const { authority, sink } = await setup({ RestrictNTLMInDomain: Number(value), DCAllowedNTLMServers: ['FS1', entry] });
          assert.equal(outcome(await logon(authority, alice, { server: server.name, serverDomain: server.domain })), 'complete');
          assert.deepEqual(sink.ids(), [4033]);
          assert.deepEqual(pick(sink.events[0], USAGE_FIELDS), usage(server.name, '0x0'));
          assert.equal(sink.events[0]?.context.setting, 'DCAllowedNTLMServers');
          assert.match(sink.events[0]?.context.reason ?? '', new RegExp(`entry ${entry.replace('*', '\\*')}`));
        });
      }

      it(`${value}: an exception list without ${server.name} still blocks it`, async () => {
        const { authority, sink } = await setup({ RestrictNTLMInDomain: Number(value), DCAllowedNTLMServers: ['FS*', 'WEB2', 'APP*X'] });
        assert.equal(outcome(await logon(authority, alice, { server: server.name, serverDomain: server.domain })), 'STATUS_NTLM_BLOCKED');
        assert.deepEqual(sink.ids(), [4004, 4033]);
      });
    }
  }
});

describe('LocalAuthority: the rest of the domain decision', () => {
  it('AuditNTLMInDomain logs 8004 and lets the logon through', async () => {
    const { authority, sink } = await setup({ AuditNTLMInDomain: 7 });
    assert.equal(outcome(await logon(authority, alice)), 'complete');
    assert.deepEqual(sink.ids(), [8004, 4033]);
    assert.deepEqual(pick(sink.events[0], ['SChannelName', 'UserName', 'SChannelType']), { SChannelName: 'WEB1', UserName: 'alice', SChannelType: '2' });
    assert.equal(sink.events[0]?.context.decision, 'audit');
  });

  it('the usage event carries the final status: wrong password and unknown user as the DC knows them (the client sees LOGON_FAILURE for both)', async () => {
    const { authority, sink } = await setup();
    assert.equal(outcome(await logon(authority, { ...alice, password: 'wrong' })), 'STATUS_LOGON_FAILURE');
    assert.equal(outcome(await logon(authority, { ...alice, user: 'mallory' })), 'STATUS_LOGON_FAILURE');
    assert.deepEqual(sink.events.map((e) => [e.eventId, e.data['Username'], e.data['Status']]), [
      [4033, 'alice', '0xc000006a'],
      [4033, 'mallory', '0xc0000064'],
    ]);
  });

  it('the DC as the target itself: 4005 with SChannelType 1 and Hostname DC1 (4031)', async () => {
    const { authority, sink } = await setup({ RestrictNTLMInDomain: 7 });
    assert.equal(outcome(await logon(authority, alice, { server: 'DC1' })), 'STATUS_NTLM_BLOCKED');
    assert.deepEqual(sink.ids(), [4005, 4031]);
    assert.deepEqual(pick(sink.events[0], ['SChannelName', 'SChannelType']), { SChannelName: 'DC1', SChannelType: '1' });
    assert.equal(sink.events[1]?.data['Hostname'], 'DC1');
  });

  it('a made-up domain in the AUTHENTICATE does not take a domain account outside "Deny for domain accounts"', async () => {
    const { authority, sink } = await setup({ RestrictNTLMInDomain: 3 });
    assert.equal(outcome(await logon(authority, { ...alice, domain: 'NOTADOMAIN' }, { server: 'APP7', serverDomain: 'PARTNER' })), 'STATUS_NTLM_BLOCKED');
    assert.equal(sink.events[0]?.data['DomainName'], 'CORP');
  });

  it('local accounts never reach the DC: Deny all leaves WEB1\\bob alone, and no DC events are written', async () => {
    const { authority, sink } = await setup({ RestrictNTLMInDomain: 7, AuditNTLMInDomain: 7 });
    const step = await logon(authority, { user: 'bob', domain: 'WEB1', password: BOB_PASSWORD });
    assert.equal(outcome(step), 'complete');
    assert.deepEqual(sink.events, []);
    assert.equal(outcome(await logon(authority, alice)), 'STATUS_NTLM_BLOCKED');
  });

  it('without enhanced domain logs only the classic event is written', async () => {
    const { authority, sink } = await setup({ RestrictNTLMInDomain: 7, EnableEnhancedDomainNtlmLogs: 0 });
    assert.equal(outcome(await logon(authority, alice)), 'STATUS_NTLM_BLOCKED');
    assert.deepEqual(sink.ids(), [4004]);
  });

  it('an NTLMv1 logon refused by LmCompatibilityLevel: the usage event says so (4033, NTLM V1, LOGON_FAILURE)', async () => {
    const { authority, sink } = await setup({ LmCompatibilityLevel: 5 });
    assert.equal(outcome(await logon(authority, alice, { clientLevel: 2, serverLevel: 2 })), 'STATUS_LOGON_FAILURE');
    assert.deepEqual(sink.events.map((e) => [e.eventId, e.data['NtlmVersion'], e.data['Status'], e.context.setting]), [[4033, 'NTLM V1', '0xc000006d', 'LmCompatibilityLevel']]);
  });
});
