/**
 * The domain's Restrict-NTLM policy through the HTTP server, with LocalAuthority (an SQLite
 * account store in a temporary directory) as the domain controller the server passes logons
 * to: every RestrictNTLMInDomain value, for a member server, a server of another domain and
 * the DC itself, with and without a DCAllowedNTLMServers exception (exact, `*` wildcard, and
 * a list that misses), and AuditNTLMInDomain. Each case checks the HTTP status and the exact
 * events of the logon: the DC's (4004/4005, 8004/8005, the 4030–4033 usage event with the
 * final status) followed by the server's usage event (4022/4023), all in one audit sink.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountStore } from '../../../src/authority/local/accountStore.js';
import { LocalAuthority } from '../../../src/authority/local/localAuthority.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { openSqliteAccountStore } from '../../../src/authority/local/stores/sqlite.js';
import { tlsServerEndPointHash } from '../../../src/crypto/certificateHash.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { tlsServerEndPointData } from '../../../src/ntlm/channelBindings.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { LOCKOUT } from '../../authority/helpers.js';
import {
  ALICE,
  LOCAL,
  MemorySink,
  keepAliveAgent,
  login,
  makeCertificate,
  parseEcho,
  skipUnlessOpenssl,
  startServer,
  type Credentials,
  type HttpResult,
  type TestCertificate,
  type TestServer,
} from './helpers.js';

const DC = { name: 'DC1', domain: 'CORP', dns: 'corp.example.test' } as const;
const DC_COMPUTER = 'dc1.corp.example.test';
const BLOCKED = '0xc0000418'; // STATUS_NTLM_BLOCKED

/** The HTTP server that passes logons to the DC. */
interface Server {
  readonly name: string;
  readonly domain: string;
  readonly dns: string;
  /** DCAllowedNTLMServers entries that match it: exact (another case), and with a wildcard. */
  readonly exact: string;
  readonly wildcard: string;
}
const MEMBER: Server = { name: 'WEB1', domain: 'CORP', dns: 'web1.corp.example.test', exact: 'web1', wildcard: 'WEB*' };
const OUTSIDE: Server = { name: 'APP7', domain: 'PARTNER', dns: 'app7.partner.example.test', exact: 'APP7', wildcard: '*7' };
const DC_ITSELF: Server = { name: 'DC1', domain: 'CORP', dns: DC_COMPUTER, exact: 'DC1', wildcard: 'dc*' };
/** An exception list naming none of the servers above. */
const MISSING = ['FS*', 'WEB2', 'APP*X'];

type DomainValue = 0 | 1 | 3 | 5 | 7;
/**
 * Whether each option covers CORP\alice logging on through [member server, server of another
 * domain, the DC itself] (docs/policy.md: 1 = account and server in the domain, 3 = account,
 * 5 = server, 7 = either).
 */
const SCOPE: Readonly<Record<DomainValue, readonly [boolean, boolean, boolean]>> = {
  0: [false, false, false],
  1: [true, false, true],
  3: [true, true, true],
  5: [true, false, true],
  7: [true, true, true],
};
const VALUES: readonly DomainValue[] = [0, 1, 3, 5, 7];

let dir: string;
let store: AccountStore;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ntlmgate-dc-'));
  store = await openSqliteAccountStore(join(dir, 'accounts.db'));
  await store.addAccounts(
    [
      { domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword(ALICE.password), groups: [{ domain: 'CORP', name: 'Web Users' }] },
      { domain: 'WEB1', name: 'svc', ntHash: ntHashOfPassword(LOCAL.password) },
    ],
    { createGroups: true },
  );
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Site {
  readonly s: TestServer;
  readonly sink: MemorySink;
}

/** The DC (LocalAuthority under `dcPolicy`) and an HTTP server `server` passing logons to it; one sink for both. */
async function site(dcPolicy: Record<string, unknown>, server: Server, o: { tls?: TestCertificate; serverPolicy?: Record<string, unknown> } = {}): Promise<Site> {
  const sink = new MemorySink();
  const authority = new LocalAuthority({ store, domain: { netbios: DC.domain, dns: DC.dns }, policy: loadPolicy(dcPolicy), audit: sink, dcName: DC.name, lockout: LOCKOUT });
  const s = await startServer(
    {
      authority,
      audit: sink,
      netbiosComputerName: server.name,
      netbiosDomainName: server.domain,
      dnsComputerName: server.dns,
      dnsDomainName: server.dns.slice(server.dns.indexOf('.') + 1),
      policy: loadPolicy(o.serverPolicy ?? {}),
      extendedProtection: o.tls ? 'accept' : 'off',
    },
    o.tls ? { tls: o.tls } : {},
  );
  return { s, sink };
}

async function withSite(dcPolicy: Record<string, unknown>, server: Server, fn: (x: Site) => Promise<void>, o: { tls?: TestCertificate; serverPolicy?: Record<string, unknown> } = {}): Promise<void> {
  const x = await site(dcPolicy, server, o);
  try {
    await fn(x);
  } finally {
    await x.s.close();
  }
}

async function logOn(s: TestServer, o: { credentials?: Credentials; tls?: TestCertificate } = {}): Promise<HttpResult> {
  const agent = keepAliveAgent(s.url, o.tls?.cert);
  try {
    const channelBindings = o.tls ? { applicationData: tlsServerEndPointData(tlsServerEndPointHash(o.tls.cert)) } : undefined;
    return await login(s.url, agent, { credentials: o.credentials ?? ALICE, channelBindings, ca: o.tls?.cert });
  } finally {
    agent.destroy();
  }
}

/** One event as the test compares it: id, the machine that wrote it, the fields named. */
function view(e: AuditEvent | undefined, fields: readonly string[]): Record<string, string | undefined> {
  return { id: String(e?.eventId), computer: e?.computer, ...Object.fromEntries(fields.map((f) => [f, e?.data[f]])) };
}

const DC_BLOCK_FIELDS = ['SChannelName', 'SChannelType', 'UserName', 'DomainName', 'WorkstationName'];
const DC_USAGE_FIELDS = ['Hostname', 'Username', 'DomainName', 'RemoteClientMachine', 'NtlmVersion', 'MicStatus', 'ChannelBindingStatus', 'Status'];
const SERVER_USAGE_FIELDS = ['Username', 'DomainName', 'RemoteClientMachine', 'ClientIP', 'MicStatus', 'ChannelBindingStatus'];

/** The events CORP\alice's logon through `server` must leave, DC's first. */
function expected(server: Server, outcome: 'blocked' | 'audited' | 'allowed', bindings: boolean): Array<Record<string, string | undefined>> {
  const self = server === DC_ITSELF;
  const out: Array<Record<string, string | undefined>> = [];
  const channel = { SChannelName: server.name, SChannelType: self ? '1' : '2', UserName: 'alice', DomainName: 'CORP', WorkstationName: 'WS01' };
  if (outcome === 'blocked') out.push({ id: self ? '4005' : '4004', computer: DC_COMPUTER, ...channel });
  if (outcome === 'audited') out.push({ id: self ? '8005' : '8004', computer: DC_COMPUTER, ...channel });
  // Over plain HTTP there is no channel to bind to: the "insecure" usage events (4031/4033, 4023).
  const usageId = self ? (bindings ? 4030 : 4031) : bindings ? 4032 : 4033;
  out.push({
    id: String(usageId),
    computer: DC_COMPUTER,
    Hostname: server.name,
    Username: 'alice',
    DomainName: 'CORP',
    RemoteClientMachine: 'WS01',
    NtlmVersion: 'NTLM V2',
    MicStatus: 'Protected',
    ChannelBindingStatus: bindings ? 'Supported' : 'Not Supported',
    Status: outcome === 'blocked' ? BLOCKED : '0x0',
  });
  out.push({
    id: bindings ? '4022' : '4023',
    computer: server.dns,
    Username: 'alice',
    DomainName: 'CORP',
    RemoteClientMachine: 'WS01',
    ClientIP: '127.0.0.1',
    MicStatus: 'Protected',
    ChannelBindingStatus: bindings ? 'Supported' : 'Not Supported',
  });
  return out;
}

function actual(sink: MemorySink): Array<Record<string, string | undefined>> {
  return sink.events.map((e) => {
    if ([4004, 4005, 8004, 8005].includes(e.eventId)) return view(e, DC_BLOCK_FIELDS);
    if (e.eventId >= 4030 && e.eventId <= 4033) return view(e, DC_USAGE_FIELDS);
    return view(e, SERVER_USAGE_FIELDS);
  });
}

/** Asserts the HTTP outcome of a logon and its exact events. */
function check(x: Site, res: HttpResult, server: Server, outcome: 'blocked' | 'audited' | 'allowed', bindings = false): void {
  if (outcome === 'blocked') {
    assert.equal(res.status, 401);
    const log = x.s.logs.find((e) => e.status === 401 && e.user === 'CORP\\alice');
    assert.equal(log?.reason, 'logon-failure', 'the DC refused the logon (STATUS_NTLM_BLOCKED)');
  } else {
    assert.equal(res.status, 200, res.body);
    assert.equal(parseEcho(res).name, 'CORP\\alice');
  }
  assert.deepEqual(actual(x.sink), expected(server, outcome, bindings));
}

describe('RestrictNTLMInDomain through the HTTP server (LocalAuthority as the DC)', () => {
  for (const value of VALUES) {
    for (const [i, server] of [MEMBER, OUTSIDE, DC_ITSELF].entries()) {
      const covered = SCOPE[value][i] ?? false;
      const where = server === DC_ITSELF ? 'the DC itself' : `${server.name} (${server.domain === DC.domain ? 'member server' : 'another domain'})`;

      it(`${value}: CORP\\alice through ${where} → ${covered ? '401, blocked at the DC' : '200'}`, () =>
        withSite({ RestrictNTLMInDomain: value }, server, async (x) => {
          check(x, await logOn(x.s), server, covered ? 'blocked' : 'allowed');
          const dcEvent = x.sink.events[covered ? 1 : 0];
          assert.equal(dcEvent?.context.setting, 'RestrictNTLMInDomain');
          assert.equal(dcEvent?.context.decision, covered ? 'block' : 'allow');
        }));

      for (const entry of [server.exact, server.wildcard]) {
        it(`${value}: DCAllowedNTLMServers [FS1, ${entry}] → ${where} logs on (200)`, () =>
          withSite({ RestrictNTLMInDomain: value, DCAllowedNTLMServers: ['FS1', entry] }, server, async (x) => {
            check(x, await logOn(x.s), server, 'allowed');
            // Where the option covers the logon, the exception is what let it through.
            const dcUsage = x.sink.events[0];
            assert.equal(dcUsage?.context.setting, covered ? 'DCAllowedNTLMServers' : 'RestrictNTLMInDomain');
            if (covered) assert.ok(dcUsage?.context.reason?.endsWith(`matches DCAllowedNTLMServers entry ${entry}`), dcUsage?.context.reason);
          }));
      }

      it(`${value}: DCAllowedNTLMServers without ${server.name} changes nothing (${covered ? '401' : '200'})`, () =>
        withSite({ RestrictNTLMInDomain: value, DCAllowedNTLMServers: MISSING }, server, async (x) => {
          check(x, await logOn(x.s), server, covered ? 'blocked' : 'allowed');
        }));
    }
  }

  it('the option labels load as their values: "Deny for domain servers" blocks the member server, not the other domain’s', async () => {
    await withSite({ RestrictNTLMInDomain: 'Deny for domain servers' }, MEMBER, async (x) => check(x, await logOn(x.s), MEMBER, 'blocked'));
    await withSite({ RestrictNTLMInDomain: 'Deny for domain servers' }, OUTSIDE, async (x) => check(x, await logOn(x.s), OUTSIDE, 'allowed'));
  });

  it('7 Deny all: a local account of the server (WEB1\\svc) never reaches the DC: 200, only the server’s usage event', () =>
    withSite({ RestrictNTLMInDomain: 7 }, MEMBER, async (x) => {
      const res = await logOn(x.s, { credentials: LOCAL });
      assert.equal(res.status, 200);
      assert.equal(parseEcho(res).name, 'WEB1\\svc');
      assert.deepEqual(
        x.sink.events.map((e) => [e.eventId, e.computer, e.data.Username]),
        [[4023, MEMBER.dns, 'svc']],
      );
    }));

  it('a blocked logon counts nothing towards lockout (the password is never checked)', () =>
    withSite({ RestrictNTLMInDomain: 7 }, MEMBER, async (x) => {
      for (let i = 0; i < LOCKOUT.threshold + 1; i++) assert.equal((await logOn(x.s, { credentials: { ...ALICE, password: 'wrong' } })).status, 401);
      assert.equal((await store.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout.failedCount, 0);
      assert.deepEqual(
        x.sink.events.filter((e) => e.eventId === 4033).map((e) => e.data.Status),
        Array.from({ length: LOCKOUT.threshold + 1 }, () => BLOCKED),
      );
    }));
});

describe('AuditNTLMInDomain through the HTTP server', () => {
  for (const value of [1, 3, 5, 7] as const) {
    for (const [i, server] of [MEMBER, OUTSIDE, DC_ITSELF].entries()) {
      const covered = SCOPE[value][i] ?? false;
      it(`${value}: CORP\\alice through ${server.name} → 200, ${covered ? `audited (${server === DC_ITSELF ? 8005 : 8004})` : 'not audited'}; excepted → not audited`, async () => {
        await withSite({ AuditNTLMInDomain: value }, server, async (x) => check(x, await logOn(x.s), server, covered ? 'audited' : 'allowed'));
        await withSite({ AuditNTLMInDomain: value, DCAllowedNTLMServers: [server.wildcard] }, server, async (x) => check(x, await logOn(x.s), server, 'allowed'));
      });
    }
  }

  it('1 Deny for domain accounts to domain servers with 7 Enable all: the narrower Deny lets APP7 through, audited', () =>
    withSite({ RestrictNTLMInDomain: 1, AuditNTLMInDomain: 7 }, OUTSIDE, async (x) => check(x, await logOn(x.s), OUTSIDE, 'audited')));
});

describe('over HTTPS with channel bindings (the secure usage events 4030/4032 and 4022)', { skip: skipUnlessOpenssl() }, () => {
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate();
  });
  after(() => cert.cleanup());

  for (const server of [MEMBER, DC_ITSELF]) {
    it(`${server.name}: 5 Deny for domain servers → 401 with ${server === DC_ITSELF ? '4005 + 4030' : '4004 + 4032'}; excepted → 200`, async () => {
      await withSite({ RestrictNTLMInDomain: 5 }, server, async (x) => check(x, await logOn(x.s, { tls: cert }), server, 'blocked', true), { tls: cert });
      await withSite({ RestrictNTLMInDomain: 5, DCAllowedNTLMServers: [server.exact] }, server, async (x) => {
        const res = await logOn(x.s, { tls: cert });
        check(x, res, server, 'allowed', true);
        assert.equal(parseEcho(res).channelBindingsVerified, true);
      }, { tls: cert });
    });
  }
});

describe('RestrictReceivingNTLMTraffic at a member server in front of LocalAuthority', () => {
  it('1 Deny all domain accounts: CORP\\alice → 401 with the server’s 4003; the local account logs on', () =>
    withSite({}, MEMBER, async (x) => {
      assert.equal((await logOn(x.s)).status, 401);
      const server = x.sink.events.filter((e) => e.computer === MEMBER.dns);
      assert.deepEqual(server.map((e) => e.eventId), [4003, 4023]);
      assert.equal(x.s.logs.find((e) => e.reason === 'policy-blocked')?.setting, 'RestrictReceivingNTLMTraffic');
      x.sink.clear();
      assert.equal((await logOn(x.s, { credentials: LOCAL })).status, 200);
      assert.deepEqual(x.sink.ids(), [4023]);
    }, { serverPolicy: { RestrictReceivingNTLMTraffic: 1 } }));

  it(
    '1 Deny all domain accounts: the DC never sees the refused domain logon (Windows does not pass it through)',
    () =>
      withSite({}, MEMBER, async (x) => {
        assert.equal((await logOn(x.s)).status, 401);
        assert.deepEqual(x.sink.ids(), [4003, 4023]);
      }, { serverPolicy: { RestrictReceivingNTLMTraffic: 1 } }),
  );
});
