/**
 * A second mechanism beside NTLM, registered through the handler's `mechanisms` option and
 * nothing else: a throwaway two-leg challenge–response mechanism (TOY) with its own OID,
 * chosen from a client's SPNEGO list over real HTTP. It reaches `req.ntlmgate` and the audit
 * (Security 4624/4625), NTLM keeps working on the same server, and the Restrict-NTLM policy
 * governs NTLM only — proof that a mechanism (Kerberos) is a registration, not a code path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AcceptorContext, AcceptorMechanism, LogonResult, MechanismFailure, MechanismStep } from '../../../src/gss/mechanism.js';
import { memoryAttempts } from '../../../src/audit/assess/groups.js';
import { usageReport } from '../../../src/audit/assess/usage.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { OID_NTLMSSP } from '../../../src/spnego/oids.js';
import { decodeNegTokenResp, encodeInitialToken, encodeMechTypeList, encodeNegTokenResp } from '../../../src/spnego/tokens.js';
import { challengeToken, keepAliveAgent, login, parseEcho, request, startServer, type TestServer } from './helpers.js';

/** Under IANA's example enterprise number (RFC 5612): no real mechanism has it. */
const TOY_OID = '1.3.6.1.4.1.32473.1.1';
const TOY_SECRETS: Readonly<Record<string, string>> = { carol: 'carol-secret', dave: 'dave-secret' };
const mac = (key: Buffer | string, ...parts: Buffer[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * TOY: the client names itself (`HELLO <user>`), the acceptor answers 16 random bytes, the
 * client proves its secret with HMAC(secret, challenge). The session key is HMAC(secret,
 * "session" ‖ challenge); a MIC is HMAC(key, data). Test-only.
 */
class ToyContext implements AcceptorContext {
  private user: string | undefined;
  private challenge = Buffer.alloc(0);
  private key: Buffer | undefined;

  async step(token: Buffer): Promise<MechanismStep> {
    const text = token.toString('latin1');
    if (this.user === undefined) {
      const m = /^HELLO ([a-z]+)$/.exec(text);
      if (!m?.[1]) return { status: 'failed', failure: { reason: 'malformed', message: 'not a TOY HELLO' } };
      this.user = m[1];
      this.challenge = randomBytes(16);
      return { status: 'continue', token: this.challenge };
    }
    const secret = TOY_SECRETS[this.user];
    const claimed = { user: this.user, domain: 'TOYREALM', workstation: 'TOYBOX' };
    if (secret === undefined || token.length !== 32 || !timingSafeEqual(token, mac(secret, this.challenge))) {
      return { status: 'failed', failure: { reason: 'bad-proof', message: 'the proof does not verify', status: 'STATUS_LOGON_FAILURE', claimed } };
    }
    this.key = mac(secret, Buffer.from('session'), this.challenge);
    const result: LogonResult = {
      mechanism: 'TOY',
      oid: TOY_OID,
      account: { name: this.user, domain: 'TOYREALM', sid: 'S-1-5-21-32473-1-1-1001', groups: ['Toys'] },
      anonymous: false,
      workstation: 'TOYBOX',
      sessionKey: this.key,
    };
    return { status: 'complete', result };
  }

  integrity() {
    const key = this.key;
    if (!key) return undefined;
    return {
      sign: (data: Buffer) => mac(key, data),
      verify: (data: Buffer, mic: Buffer) => mic.length === 32 && timingSafeEqual(mic, mac(key, data)),
    };
  }
}

const TOY: AcceptorMechanism<LogonResult, MechanismFailure> = { oid: TOY_OID, name: 'TOY', newContext: () => new ToyContext() };

/** A TOY logon through `Negotiate`: NegTokenInit listing TOY first (and NTLM), then the proof with a mechListMIC. */
async function toyLogon(url: string, user: string, secret: string): Promise<{ status: number; body: string; micVerified: boolean }> {
  const agent = keepAliveAgent(url);
  try {
    const mechTypes = [TOY_OID, OID_NTLMSSP];
    const init = encodeInitialToken({ mechTypes, mechToken: Buffer.from(`HELLO ${user}`, 'latin1') });
    const first = await request(url, { agent, headers: { authorization: `Negotiate ${init.toString('base64')}` } });
    assert.equal(first.status, 401);
    const answer = challengeToken(first, 'Negotiate');
    assert.ok(answer, 'a NegTokenResp with the TOY challenge');
    const resp = decodeNegTokenResp(answer);
    assert.equal(resp.supportedMech, TOY_OID, 'the acceptor chose the client’s first mechanism');
    const challenge = resp.responseToken ?? Buffer.alloc(0);
    const key = mac(secret, Buffer.from('session'), challenge);
    const last = encodeNegTokenResp({ responseToken: mac(secret, challenge), mechListMIC: mac(key, encodeMechTypeList(mechTypes)) });
    const done = await request(url, { agent, headers: { authorization: `Negotiate ${last.toString('base64')}` } });
    const final = done.status === 200 ? challengeToken(done, 'Negotiate') : undefined;
    const finalMic = final ? decodeNegTokenResp(final).mechListMIC : undefined;
    return { status: done.status, body: done.body, micVerified: finalMic !== undefined && finalMic.equals(mac(key, encodeMechTypeList(mechTypes))) };
  } finally {
    agent.destroy();
  }
}

async function withServer(extra: Parameters<typeof startServer>[0], fn: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startServer(extra);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe('a second mechanism, registered through the options alone', () => {
  it('logs on through Negotiate to req.ntlmgate, with a Security 4624 carrying the attempt id; NTLM still works beside it', async () => {
    await withServer({ mechanisms: [TOY] }, async (s) => {
      const toy = await toyLogon(s.url, 'carol', 'carol-secret');
      assert.equal(toy.status, 200, toy.body);
      const echo = JSON.parse(toy.body) as { name: string; mechanism: string; authPackage: string; ntlmVersion?: string; mechListMicVerified: boolean; groups: string[] };
      assert.equal(echo.mechanism, 'TOY');
      assert.equal(echo.name, 'TOYREALM\\carol');
      assert.equal(echo.authPackage, 'Negotiate(TOY)');
      assert.equal(echo.ntlmVersion, undefined, 'no NTLM details on a TOY logon');
      assert.equal(echo.mechListMicVerified, true);
      assert.deepEqual(echo.groups, ['Toys']);
      assert.equal(toy.micVerified, true, 'the acceptor’s mechListMIC came back on the 200 and verifies');

      const logon = s.sink.events.filter((e) => e.eventId === 4624);
      assert.equal(logon.length, 1, JSON.stringify(s.sink.ids()));
      const e = logon[0]!;
      assert.equal(e.provider, 'Microsoft-Windows-Security-Auditing');
      assert.equal(e.channel, 'Security');
      assert.equal(e.data['AuthenticationPackageName'], 'TOY');
      assert.equal(e.data['LogonType'], '3');
      assert.equal(e.data['TargetUserName'], 'carol');
      assert.equal(e.data['TargetDomainName'], 'TOYREALM');
      assert.equal(e.data['TargetUserSid'], 'S-1-5-21-32473-1-1-1001');
      assert.equal(e.data['IpAddress'], '127.0.0.1');
      assert.equal(e.data['WorkstationName'], 'TOYBOX');
      assert.match(e.context.attemptId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(e.context.status, 'STATUS_SUCCESS');
      assert.ok(!s.sink.events.some((x) => x.channel !== 'Security'), 'no NTLM event for a TOY logon');
      assert.ok(s.logs.some((l) => l.reason === 'authenticated' && l.user === 'TOYREALM\\carol'));

      const agent = keepAliveAgent(s.url);
      try {
        const ntlm = await login(s.url, agent);
        assert.equal(ntlm.status, 200);
        const n = parseEcho(ntlm);
        assert.equal(n.mechanism, 'NTLM');
        assert.equal(n.authPackage, 'Negotiate(NTLM)');
        assert.equal(n.ntlmVersion, 'NTLMv2');
        assert.ok(s.sink.ids().includes(4022) || s.sink.ids().includes(4023), 'the NTLM logon wrote its usage event as before');
      } finally {
        agent.destroy();
      }
    });
  });

  it('a refused logon is 401 with a Security 4625 naming who it claimed to be', async () => {
    await withServer({ mechanisms: [TOY] }, async (s) => {
      const bad = await toyLogon(s.url, 'dave', 'not-daves-secret');
      assert.equal(bad.status, 401);
      const failed = s.sink.events.filter((e) => e.eventId === 4625);
      assert.equal(failed.length, 1, JSON.stringify(s.sink.ids()));
      const e = failed[0]!;
      assert.equal(e.data['AuthenticationPackageName'], 'TOY');
      assert.equal(e.data['TargetUserName'], 'dave');
      assert.equal(e.data['Status'], '0xc000006d');
      assert.equal(e.context.refusal, 'bad-proof');
      assert.ok(e.context.attemptId);
      const log = s.logs.find((l) => l.status === 401 && l.user === 'TOYREALM\\dave');
      assert.equal(log?.reason, 'logon-failure');
      assert.match(log?.detail ?? '', /TOY: bad-proof/);
    });
  });

  it('the Restrict-NTLM policy governs NTLM only: under Deny all, TOY logs on and NTLM is refused', async () => {
    await withServer({ mechanisms: [TOY], policy: loadPolicy({ RestrictReceivingNTLMTraffic: 2 }) }, async (s) => {
      const toy = await toyLogon(s.url, 'carol', 'carol-secret');
      assert.equal(toy.status, 200, toy.body);
      const agent = keepAliveAgent(s.url);
      try {
        assert.equal((await login(s.url, agent)).status, 401);
      } finally {
        agent.destroy();
      }
      assert.ok(s.sink.ids().includes(4002), 'NTLM blocked with its 4002');
      assert.ok(s.sink.ids().includes(4624));
    });
  });

  it('without the registration the same token is a mechanism not served: 401, no logon, no event', async () => {
    await withServer({}, async (s) => {
      const init = encodeInitialToken({ mechTypes: [TOY_OID], mechToken: Buffer.from('HELLO carol', 'latin1') });
      const res = await request(s.url, { agent: false, headers: { authorization: `Negotiate ${init.toString('base64')}` } });
      assert.equal(res.status, 401);
      assert.equal(s.logs.at(-1)?.reason, 'unsupported-mechanism');
      assert.deepEqual(s.sink.ids(), []);
    });
  });

  it('registering an OID twice (or NTLM’s) fails when the handler is made', async () => {
    await assert.rejects(startServer({ mechanisms: [TOY, TOY] }), /served twice/);
    await assert.rejects(startServer({ mechanisms: [{ ...TOY, oid: OID_NTLMSSP }] }), /NTLM is built in/);
  });

  it('the usage report’s NTLM figures do not count the 4624/4625s in the store', async () => {
    await withServer({ mechanisms: [TOY] }, async (s) => {
      const agent = keepAliveAgent(s.url);
      try {
        assert.equal((await login(s.url, agent)).status, 200);
      } finally {
        agent.destroy();
      }
      const ntlmOnly = [...s.sink.events];
      assert.equal((await toyLogon(s.url, 'carol', 'carol-secret')).status, 200);
      assert.equal((await toyLogon(s.url, 'dave', 'wrong')).status, 401);
      const all = [...s.sink.events];
      assert.deepEqual(all.filter((e) => e.channel === 'Security').map((e) => e.eventId), [4624, 4625]);
      const before = await usageReport(await memoryAttempts(ntlmOnly), { by: 'user' });
      const after = await usageReport(await memoryAttempts(all), { by: 'user' });
      assert.equal(after.attempts, before.attempts);
      // The header's event count is NTLM's: the two Security events are not NTLM traffic.
      assert.equal(after.events, before.events);
      assert.equal(before.events, ntlmOnly.length);
      assert.deepEqual(after.rows, before.rows);
      assert.deepEqual([after.noMic, after.noChannelBinding, after.weakUsers], [before.noMic, before.noChannelBinding, before.weakUsers]);
    });
  });
});
