/**
 * Restrict-NTLM policy at the HTTP server: every logon goes through evaluate() and its events
 * land in the AuditSink before the response; a refusal is 401 with the reason in the log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyConfigError } from '../../../src/policy/errors.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { ALICE, LOCAL, keepAliveAgent, login, request, startServer, type Credentials, type TestServer } from './helpers.js';
import type { LmCompatibilityLevel } from '../../../src/ntlm/clientContext.js';

async function attempt(s: TestServer, creds: Credentials, o: { lmCompatibilityLevel?: LmCompatibilityLevel; scheme?: 'NTLM' | 'Negotiate' } = {}): Promise<number> {
  const agent = keepAliveAgent(s.url);
  try {
    return (await login(s.url, agent, { credentials: creds, ...o })).status;
  } finally {
    agent.destroy();
  }
}

async function withPolicy(config: Record<string, unknown>, fn: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startServer({ policy: loadPolicy(config) });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe('RestrictReceivingNTLMTraffic', () => {
  it('0 Allow all: domain and local accounts log on; only the usage event (4023: no channel binding)', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 0 }, async (s) => {
      assert.equal(await attempt(s, ALICE), 200);
      assert.deepEqual(s.sink.ids(), [4023]);
      assert.equal(await attempt(s, LOCAL), 200);
      assert.deepEqual(s.sink.ids(), [4023, 4023]);
    }));

  it('1 Deny all domain accounts: CORP\\alice → 401 with 4003; the local account WEB1\\svc still logs on', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 'Deny all domain accounts' }, async (s) => {
      assert.equal(await attempt(s, ALICE), 401);
      assert.deepEqual(s.sink.ids(), [4003, 4023]);
      const e4003 = s.sink.events[0];
      assert.equal(e4003?.data.UserName, 'alice');
      assert.equal(e4003?.data.DomainName, 'CORP');
      assert.equal(e4003?.data.Workstation, 'WS01');
      assert.equal(e4003?.context.decision, 'block');
      const log = s.logs.find((e) => e.reason === 'policy-blocked');
      assert.equal(log?.setting, 'RestrictReceivingNTLMTraffic');
      assert.deepEqual(log?.events, [4003, 4023]);
      s.sink.clear();
      assert.equal(await attempt(s, LOCAL), 200);
      assert.deepEqual(s.sink.ids(), [4023]);
    }));

  it('1 Deny all domain accounts: a wrong domain password is refused and still leaves its 4003', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 1 }, async (s) => {
      assert.equal(await attempt(s, { ...ALICE, password: 'wrong' }), 401);
      assert.deepEqual(s.sink.ids(), [4003, 4023]);
      assert.match(s.sink.events[0]?.context.reason ?? '', /logon refused: logon-failure/);
    }));

  it('2 Deny all accounts: refused at the NEGOTIATE (no CHALLENGE is made), 4002 only', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 2 }, async (s) => {
      for (const who of [ALICE, LOCAL]) {
        s.sink.clear();
        assert.equal(await attempt(s, who), 401);
        assert.deepEqual(s.sink.ids(), [4002]);
        assert.equal(s.sink.events[0]?.data.MechanismOID, '1.3.6.1.4.1.311.2.2.10', 'Negotiate carried NTLM');
      }
      assert.equal(s.core.stats().liveContexts, 0);
      s.sink.clear();
      assert.equal(await attempt(s, ALICE, { scheme: 'NTLM' }), 401);
      assert.equal(s.sink.events[0]?.data.MechanismOID, '', 'NTLM called directly: no mechanism OID');
    }));
});

describe('RestrictReceivingNTLMTraffic has no exception list (as on Windows)', () => {
  // Windows has no "ServerAllowedNTLMServers": ClientAllowedNTLMServers excepts targets of
  // *outgoing* NTLM, DCAllowedNTLMServers excepts servers at the DC. Neither lifts an incoming block.
  const lists = {
    ClientAllowedNTLMServers: ['WEB1', 'web1.corp.example.test', '127.0.0.1', 'WS01', '*'],
    DCAllowedNTLMServers: ['WEB1', '*'],
  };

  it('2 Deny all accounts: still refused at the NEGOTIATE (4002) with this server and its client in every exception list', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 2, ...lists }, async (s) => {
      for (const who of [ALICE, LOCAL]) {
        s.sink.clear();
        assert.equal(await attempt(s, who), 401);
        assert.deepEqual(s.sink.ids(), [4002]);
      }
    }));

  it('1 Deny all domain accounts: the exception lists do not let CORP\\alice in (4003); the local account still logs on', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 1, ...lists }, async (s) => {
      assert.equal(await attempt(s, ALICE), 401);
      assert.deepEqual(s.sink.ids(), [4003, 4023]);
      s.sink.clear();
      assert.equal(await attempt(s, LOCAL), 200);
      assert.deepEqual(s.sink.ids(), [4023]);
    }));

  it('a service’s BlockNTLMServerExceptionList lifts that service’s block only, never RestrictReceivingNTLMTraffic', () =>
    withPolicy({ RestrictReceivingNTLMTraffic: 1, services: { intranet: { BlockNTLM: 1, BlockNTLMServerExceptionList: ['127.0.0.*', 'WS01'] } } }, async (s) => {
      assert.equal(await attempt(s, ALICE), 401);
      assert.deepEqual(s.sink.ids(), [4003, 4023]);
      assert.equal(s.logs.find((e) => e.reason === 'policy-blocked')?.setting, 'RestrictReceivingNTLMTraffic');
      s.sink.clear();
      assert.equal(await attempt(s, LOCAL), 200, 'the local account passes RestrictReceivingNTLMTraffic, and its client is excepted from the service block');
      assert.deepEqual(s.sink.ids(), [4023]);
    }));

  it('a policy naming ServerAllowedNTLMServers does not load (no such setting), rather than being ignored', () => {
    assert.throws(() => loadPolicy({ RestrictReceivingNTLMTraffic: 2, ServerAllowedNTLMServers: ['WEB1'] }), (e: unknown) => e instanceof PolicyConfigError && /ServerAllowedNTLMServers/.test(e.message));
  });
});

describe('AuditReceivingNTLMTraffic', () => {
  it('1 Enable auditing for domain accounts: alice logs on, 8003 logged; the local account leaves no 8003', () =>
    withPolicy({ AuditReceivingNTLMTraffic: 1 }, async (s) => {
      assert.equal(await attempt(s, ALICE), 200);
      assert.deepEqual(s.sink.ids(), [8003, 4023]);
      assert.equal(s.sink.events[0]?.context.decision, 'audit');
      s.sink.clear();
      assert.equal(await attempt(s, LOCAL), 200);
      assert.deepEqual(s.sink.ids(), [4023]);
    }));

  it('2 Enable auditing for all accounts: 8002 for everyone, 8003 for domain accounts', () =>
    withPolicy({ AuditReceivingNTLMTraffic: 2 }, async (s) => {
      assert.equal(await attempt(s, ALICE), 200);
      assert.deepEqual(s.sink.ids(), [8002, 8003, 4023]);
      s.sink.clear();
      assert.equal(await attempt(s, LOCAL), 200);
      assert.deepEqual(s.sink.ids(), [8002, 4023]);
    }));

  it('0 with LogEnhancedAuditEvents 0: nothing written', () =>
    withPolicy({ AuditReceivingNTLMTraffic: 0, LogEnhancedAuditEvents: 0 }, async (s) => {
      assert.equal(await attempt(s, ALICE), 200);
      assert.deepEqual(s.sink.ids(), []);
    }));
});

describe('security minimums (decideSecurity)', () => {
  it('BlockNtlmv1SSO 1 (default): an NTLMv1 logon → 401 with 4025', () =>
    withPolicy({}, async (s) => {
      assert.equal(await attempt(s, ALICE, { lmCompatibilityLevel: 2 }), 401);
      assert.ok(s.sink.ids().includes(4025), JSON.stringify(s.sink.ids()));
      const log = s.logs.find((e) => e.status === 401 && e.user === 'CORP\\alice');
      assert.equal(log?.setting, 'BlockNtlmv1SSO');
    }));

  it('BlockNtlmv1SSO 0 with LmCompatibilityLevel 2: NTLMv1 logs on, audited with 4024', () =>
    withPolicy({ BlockNtlmv1SSO: 0, LmCompatibilityLevel: 2 }, async (s) => {
      assert.equal(await attempt(s, ALICE, { lmCompatibilityLevel: 2 }), 200);
      assert.deepEqual(s.sink.ids(), [4023, 4024]);
    }));

  it('NTLMMinServerSec requiring confidentiality: a client without sealing → 401 with 4011', () =>
    withPolicy({ NTLMMinServerSec: 'Require message confidentiality' }, async (s) => {
      assert.equal(await attempt(s, ALICE), 401);
      assert.deepEqual(s.sink.ids(), [4023, 4011]);
      assert.equal(s.sink.events[1]?.data.RequiredSecurity, '0x20');
    }));

  it('services.<name>.BlockNTLM blocks the service unless the client is excepted (4002)', async () => {
    const blocked = await startServer({ serviceName: 'intranet', policy: loadPolicy({ services: { intranet: { BlockNTLM: 1 } } }) });
    try {
      assert.equal(await attempt(blocked, ALICE), 401);
      assert.deepEqual(blocked.sink.ids(), [4002, 4023]);
    } finally {
      await blocked.close();
    }
    const excepted = await startServer({ serviceName: 'intranet', policy: loadPolicy({ services: { intranet: { BlockNTLM: 1, BlockNTLMServerExceptionList: ['127.0.0.*'] } } }) });
    try {
      assert.equal(await attempt(excepted, ALICE), 200);
    } finally {
      await excepted.close();
    }
  });
});

describe('events and the sink', () => {
  it('events carry the service, the client IP and the request id of the log entry, and are written before the response', async () => {
    const s = await startServer({ serviceName: 'intranet', policy: loadPolicy({ AuditReceivingNTLMTraffic: 2 }) });
    try {
      assert.equal(await attempt(s, ALICE), 200);
      // attempt() resolved only after the final response: the sink already holds the events.
      assert.equal(s.sink.events.length, 3);
      const logon = s.logs.find((e) => e.reason === 'authenticated');
      for (const e of s.sink.events) {
        assert.equal(e.context.service, 'intranet');
        assert.equal(e.context.clientIp, '127.0.0.1');
        assert.equal(e.context.requestId, logon?.requestId);
        assert.equal(e.context.ntlmVersion, 'NTLMv2');
        assert.equal(e.computer, 'web1.corp.example.test');
      }
      const usage = s.sink.events[2];
      assert.equal(usage?.data.ClientIP, '127.0.0.1');
      assert.equal(usage?.data.Username, 'alice');
      assert.equal(usage?.data.NtlmUsageId, '10', 'loopback');
      assert.equal(usage?.data.TargetService, 'HTTP/web1.corp.example.test');
    } finally {
      await s.close();
    }
  });

  it('a sink that fails makes the logon fail closed (500, audit-write-failed), not succeed unlogged', async () => {
    const s = await startServer();
    try {
      s.sink.fail = true;
      assert.equal(await attempt(s, ALICE), 500);
      assert.ok(s.logs.some((e) => e.reason === 'audit-write-failed' && e.level === 'error'));
      s.sink.fail = false;
      assert.equal(await attempt(s, ALICE), 200);
      assert.equal((await request(s.url, { agent: false })).status, 401);
    } finally {
      await s.close();
    }
  });
});
