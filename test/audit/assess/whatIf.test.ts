/**
 * what-if and exception suggestions on a fixture of mixed events: DC audit (8004) and usage
 * (4032) events for the same logons, incoming usage events on a web server, an outgoing one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, FIXTURE } from './fixture.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { whatIf } from '../../../src/audit/assess/whatIf.js';
import { suggestExceptions } from '../../../src/audit/assess/suggestExceptions.js';
import { memoryAttempts } from '../../../src/audit/assess/groups.js';

const PROPOSED = loadPolicy({ RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['FS1'] });

describe('audit what-if', () => {
  it('RestrictNTLMInDomain: 7 with one exception lists exactly the logons it would block', async () => {
    const r = await whatIf(await memoryAttempts(FIXTURE), PROPOSED, { domain: 'CORP' });
    assert.equal(r.events, FIXTURE.length);
    assert.equal(r.attempts, 10, '8004 + 4032 of the same logon count once');
    assert.deepEqual(
      r.blocked.map((g) => [g.direction, g.user, g.server, g.workstation, g.count, g.lastSeen, g.setting]),
      [
        ['domain', 'CORP\\alice', 'WEB1', 'WS01', 3, at(3), 'RestrictNTLMInDomain'],
        ['domain', 'CORP\\bob', 'WEB2', 'WS02', 2, at(5), 'RestrictNTLMInDomain'],
        ['domain', 'CORP\\dave', 'APP1', 'WS04', 1, at(7), 'RestrictNTLMInDomain'],
        ['domain', 'FABRIKAM\\eve', 'WEB1', 'WS05', 1, at(8), 'RestrictNTLMInDomain'],
      ],
    );
    assert.deepEqual(r.allowedByException, [{ setting: 'DCAllowedNTLMServers', entry: 'FS1', servers: ['FS1'], count: 1 }]);
  });

  it('the current policy (nothing restricted) blocks nothing', async () => {
    const r = await whatIf(await memoryAttempts(FIXTURE), loadPolicy({}), { domain: 'CORP' });
    assert.equal(r.blocked.length, 0);
  });

  it('a Deny on outgoing traffic blocks the outgoing logon unless the host is excepted', async () => {
    const r = await whatIf(await memoryAttempts(FIXTURE), loadPolicy({ RestrictSendingNTLMTraffic: 'Deny all' }), { domain: 'CORP' });
    assert.deepEqual(r.blocked.map((g) => [g.direction, g.user, g.server]), [['outgoing', 'CORP\\svc', 'api.corp.example.test']]);
    const ok = await whatIf(await memoryAttempts(FIXTURE), loadPolicy({ RestrictSendingNTLMTraffic: 2, ClientAllowedNTLMServers: ['*.corp.example.test'] }), { domain: 'CORP' });
    assert.equal(ok.blocked.length, 0);
    assert.deepEqual(ok.allowedByException.map((u) => u.entry), ['*.corp.example.test']);
  });
});

describe('audit exceptions', () => {
  it('suggests the minimal DCAllowedNTLMServers list, and what-if with it reports nothing blocked', async () => {
    const s = await suggestExceptions(await memoryAttempts(FIXTURE), PROPOSED, { domain: 'CORP' });
    assert.deepEqual(s.DCAllowedNTLMServers.map((e) => [e.entry, e.covers]), [['APP1', ['APP1']], ['WEB*', ['WEB1', 'WEB2']]]);
    assert.deepEqual(s.ClientAllowedNTLMServers, []);
    assert.deepEqual(s.remaining, []);
    assert.equal(s.verified, true);
    const amended = loadPolicy({ RestrictNTLMInDomain: 7, DCAllowedNTLMServers: ['FS1', ...s.DCAllowedNTLMServers.map((e) => e.entry)] });
    const r = await whatIf(await memoryAttempts(FIXTURE), amended, { domain: 'CORP' });
    assert.deepEqual(r.blocked, []);
  });
});
