/** Allow-lists after authentication: 403 for authenticated-but-not-allowed, reasons in the log only. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, parseAllowList } from '../../../src/http/server/authorization.js';
import type { IwaIdentity } from '../../../src/http/server/identity.js';
import { ALICE, BOB, LOCAL, keepAliveAgent, login, parseEcho, request, startServer } from './helpers.js';

const id = (name: string, groups: string[] = [], sid?: string): IwaIdentity => {
  const [domain = '', user = ''] = name.split('\\');
  return {
    user,
    domain,
    name,
    sid,
    groups,
    workstation: 'WS01',
    mechanism: 'NTLM',
    scheme: 'NTLM',
    authPackage: 'NTLM',
    anonymous: false,
    mechListMicVerified: false,
    ntlm: { version: 'NTLMv2', micPresent: true, channelBindings: 'absent', channelBindingsVerified: false, flags: 0 },
    authenticatedAt: new Date(0).toISOString(),
  };
};

describe('allow-lists', () => {
  it('match users (DOMAIN\\user), groups and SIDs without regard to case', () => {
    const { list, problems } = parseAllowList({ users: ['corp\\Alice'], groups: ['webusers', 'S-1-5-21-1-2-3-1105'] });
    assert.deepEqual(problems, []);
    assert.equal(authorize(list, id('CORP\\alice')).allowed, true);
    assert.equal(authorize(list, id('CORP\\carol', ['WebUsers'])).allowed, true);
    assert.equal(authorize(list, id('CORP\\bob', [], 'S-1-5-21-1-2-3-1105')).allowed, true);
    assert.equal(authorize(list, id('OTHER\\alice')).allowed, false, 'the domain counts');
    assert.equal(authorize(undefined, id('X\\y')).allowed, true, 'no list: every authenticated user');
  });

  it('refuse bare user names and empty lists at configuration', () => {
    assert.deepEqual(parseAllowList({ users: ['alice', 'CORP\\', '\\bob', 'A\\b\\c'] }).problems.length, 4);
    assert.equal(parseAllowList({}).problems.length, 1);
  });
});

describe('403 over HTTP', () => {
  it('an authenticated user outside the allow-list gets 403 with a generic body; members get in', async () => {
    const s = await startServer({ allow: { users: ['CORP\\bob'], groups: ['WebUsers'] } });
    const agents = [keepAliveAgent(s.url), keepAliveAgent(s.url), keepAliveAgent(s.url)] as const;
    try {
      assert.equal(parseEcho(await login(s.url, agents[0], { credentials: ALICE })).name, 'CORP\\alice', 'by group');
      assert.equal(parseEcho(await login(s.url, agents[1], { credentials: BOB })).name, 'CORP\\bob', 'by user');
      const denied = await login(s.url, agents[2], { credentials: LOCAL });
      assert.equal(denied.status, 403);
      assert.equal(denied.body, '403 Forbidden\n');
      const log = s.logs.find((e) => e.reason === 'not-authorized');
      assert.equal(log?.user, 'WEB1\\svc');
      assert.equal(log?.status, 403);
      // The connection is authenticated; authorization is checked again on each request.
      assert.equal((await request(s.url, { agent: agents[2] })).status, 403);
      assert.equal(s.core.stats().authenticatedConnections, 3);
      // A wrong password is still 401, not 403.
      assert.equal((await login(s.url, agents[2], { credentials: { ...BOB, password: 'x' } })).status, 401);
    } finally {
      for (const a of agents) a.destroy();
      await s.close();
    }
  });
});
