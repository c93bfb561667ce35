/** Client ↔ server round trips in process, and each refusal with its own reason. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AvId, encodeAvPairs, findAv } from '../../src/ntlm/avPairs.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { encodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { ntowfv2 } from '../../src/ntlm/owf.js';
import { computeV2Responses } from '../../src/ntlm/responses.js';
import { NtlmServerContext } from '../../src/ntlm/serverContext.js';
import { tlsServerEndPointData } from '../../src/ntlm/channelBindings.js';
import type { LmCompatibilityLevel } from '../../src/ntlm/clientContext.js';
import { hasFlag, NegotiateFlags as F } from '../../src/ntlm/flags.js';
import { decodeChallenge, encodeChallenge } from '../../src/ntlm/messages/challenge.js';
import type { NtlmServerStep } from '../../src/ntlm/serverContext.js';
import { ALICE, handshake, serverOptions, TestClock } from '../helpers/handshake.js';

const CB = { applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x42)) };
const OTHER_CB = { applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x43)) };

function complete(step: NtlmServerStep) {
  if (step.status !== 'complete') assert.fail(`expected success, got ${JSON.stringify(step)}`);
  return step.result;
}
function reason(step: NtlmServerStep): string {
  if (step.status !== 'failed') assert.fail(`expected a refusal, got ${step.status}`);
  return step.failure.reason;
}

describe('NTLM client ↔ server round trips', () => {
  const expected: Record<LmCompatibilityLevel, string> = {
    0: 'NTLMv1',
    1: 'NTLMv1-ESS',
    2: 'NTLMv1-ESS',
    3: 'NTLMv2',
    4: 'NTLMv2',
    5: 'NTLMv2',
  };
  for (const level of [0, 1, 2, 3, 4, 5] as const) {
    it(`LmCompatibilityLevel ${level} logs on as ${expected[level]} and both ends share keys`, async () => {
      const hs = await handshake({ lmCompatibilityLevel: level, seal: true }, { lmCompatibilityLevel: 0 });
      const r = complete(hs.final);
      assert.equal(r.version, expected[level]);
      assert.equal(r.user, 'alice');
      assert.equal(r.domain, 'CORP');
      assert.equal(r.workstation, 'WS01');
      assert.equal(r.account.sid, 'S-1-5-21-1-2-3-1104');
      assert.deepEqual(r.sessionKeys.exportedSessionKey, hs.client.result.exportedSessionKey);
      assert.equal(hs.client.result.version, expected[level]);
      // Session security both ways with the negotiated keys.
      const { sealed, signature } = hs.client.session.seal(Buffer.from('request body'));
      assert.equal(hs.server.session.unseal(sealed, signature).toString(), 'request body');
      const sig = hs.server.session.sign(Buffer.from('reply'));
      hs.client.session.verify(Buffer.from('reply'), sig);
      assert.throws(() => hs.client.session.verify(Buffer.from('reply'), sig), /does not verify/, 'a replayed signature fails (sequence number moved on)');
    });
  }

  it('NTLMv2 with MIC and channel bindings under require', async () => {
    const hs = await handshake(
      { channelBindings: CB, targetSpn: 'HTTP/web1.corp.example.test' },
      { channelBindings: { mode: 'require', expected: CB }, targetNames: { names: ['HTTP/web1.corp.example.test'], require: true } },
    );
    const r = complete(hs.final);
    assert.equal(r.version, 'NTLMv2');
    assert.equal(r.micPresent, true);
    assert.equal(r.channelBindings, 'present');
    assert.equal(r.channelBindingsVerified, true);
    assert.equal(r.targetName, 'HTTP/web1.corp.example.test');
    assert.equal(hs.client.result.micSent, true);
    assert.ok(hasFlag(r.flags, F.NEGOTIATE_KEY_EXCH) && hasFlag(r.flags, F.NEGOTIATE_EXTENDED_SESSIONSECURITY));
  });

  it('accepts a client that sends the NT hash instead of the password', async () => {
    const { ntowfv1 } = await import('../../src/ntlm/owf.js');
    const hs = await handshake({ credentials: { user: 'alice', domain: 'CORP', ntHash: ntowfv1(ALICE.password) } });
    assert.equal(complete(hs.final).user, 'alice');
  });

  it('accepts the domain in any case and an empty domain (Samba-style candidates)', async () => {
    for (const domain of ['corp', '']) {
      const hs = await handshake({ credentials: { ...ALICE, domain } });
      assert.equal(complete(hs.final).account.name, 'alice');
    }
  });

  it('NTLMv2 without a server timestamp: no MIC, real LMv2 response', async () => {
    const stripTimestamp = (b: Buffer): Buffer => {
      const c = decodeChallenge(b);
      return encodeChallenge({ ...c, targetInfo: c.targetInfo.filter((p) => p.id !== AvId.MsvAvTimestamp) });
    };
    const hs = await handshake({}, {}, { challenge: stripTimestamp });
    assert.equal(hs.client.result.micSent, false);
    // The server still checks its own timestamp was echoed, so the stripped CHALLENGE is refused.
    assert.equal(reason(hs.final), 'av-pair-mismatch');
  });

  it('anonymous: refused by default, accepted when allowed', async () => {
    assert.equal(reason((await handshake({ credentials: { anonymous: true } })).final), 'anonymous-refused');
    const r = complete((await handshake({ credentials: { anonymous: true } }, { allowAnonymous: true })).final);
    assert.equal(r.anonymous, true);
    assert.equal(r.version, 'Anonymous');
  });
});

describe('NTLM acceptor refusals, each with a distinct reason', () => {
  it('wrong password → logon-failure', async () => {
    const hs = await handshake({ credentials: { ...ALICE, password: 'wrong' } });
    assert.equal(reason(hs.final), 'logon-failure');
    assert.equal(hs.final.status === 'failed' && hs.final.failure.status, 'STATUS_LOGON_FAILURE');
  });

  it('unknown user → logon-failure with the same status as a wrong password', async () => {
    const hs = await handshake({ credentials: { ...ALICE, user: 'mallory' } });
    assert.equal(reason(hs.final), 'logon-failure');
    assert.equal(hs.final.status === 'failed' && hs.final.failure.status, 'STATUS_LOGON_FAILURE');
  });

  it('tampered MIC → mic-mismatch', async () => {
    const hs = await handshake({}, {}, { authenticate: (b) => { const c = Buffer.from(b); c[72] = (c[72] ?? 0) ^ 1; return c; } });
    assert.equal(reason(hs.final), 'mic-mismatch');
  });

  it('tampered flags (covered by the MIC) → mic-mismatch', async () => {
    const clearSign = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      c.writeUInt32LE((c.readUInt32LE(60) & ~F.NEGOTIATE_SIGN) >>> 0, 60);
      return c;
    };
    assert.equal(reason((await handshake({}, {}, { authenticate: clearSign })).final), 'mic-mismatch');
  });

  it('replayed challenge: the same AUTHENTICATE twice → challenge-reused', async () => {
    const hs = await handshake({});
    complete(hs.final);
    assert.equal(reason(await hs.server.step(hs.authenticate)), 'challenge-reused');
  });

  it('a captured AUTHENTICATE replayed against a later challenge fails', async () => {
    const clock = new TestClock();
    const first = await handshake({ now: clock.now }, { now: clock.now });
    complete(first.final);
    clock.ms += 1000;
    const second = await handshake({ now: clock.now }, { now: clock.now }, { authenticate: () => first.authenticate });
    assert.equal(reason(second.final), 'av-pair-mismatch', 'the old timestamp does not echo the new CHALLENGE');
  });

  it('expired challenge → challenge-expired', async () => {
    const clock = new TestClock();
    const hs = await handshake({ now: clock.now }, { now: clock.now, challengeLifetimeMs: 60_000 }, {
      authenticate: (b) => { clock.ms += 60_001; return b; },
    });
    assert.equal(reason(hs.final), 'challenge-expired');
  });

  it('channel-binding mismatch under require → channel-binding-mismatch', async () => {
    const hs = await handshake({ channelBindings: OTHER_CB }, { channelBindings: { mode: 'require', expected: CB } });
    assert.equal(reason(hs.final), 'channel-binding-mismatch');
  });

  it('no channel bindings under require → channel-binding-missing; under accept → allowed', async () => {
    assert.equal(reason((await handshake({}, { channelBindings: { mode: 'require', expected: CB } })).final), 'channel-binding-missing');
    assert.equal(reason((await handshake({ sendZeroChannelBindings: true }, { channelBindings: { mode: 'require', expected: CB } })).final), 'channel-binding-missing');
    const ok = complete((await handshake({}, { channelBindings: { mode: 'accept', expected: CB } })).final);
    assert.equal(ok.channelBindings, 'absent');
    assert.equal(reason((await handshake({ channelBindings: OTHER_CB }, { channelBindings: { mode: 'accept', expected: CB } })).final), 'channel-binding-mismatch');
  });

  it('an AV pair not echoed → av-pair-mismatch', async () => {
    const dropDns = (b: Buffer): Buffer => {
      const c = decodeChallenge(b);
      return encodeChallenge({ ...c, targetInfo: c.targetInfo.filter((p) => p.id !== AvId.MsvAvDnsComputerName) });
    };
    // The client signs what it saw; the server compares with what it sent.
    const hs = await handshake({}, {}, { challenge: dropDns });
    assert.equal(reason(hs.final), 'av-pair-mismatch');
  });

  it('target name: a wrong SPN → target-name-mismatch; none under require → target-name-missing', async () => {
    const names = { names: ['HTTP/web1.corp.example.test'], require: true };
    assert.equal(reason((await handshake({ targetSpn: 'HTTP/evil.example' }, { targetNames: names })).final), 'target-name-mismatch');
    assert.equal(reason((await handshake({}, { targetNames: names })).final), 'target-name-missing');
  });

  it('NTLMv1 is refused at the default acceptor level 5; LM-only at level 4', async () => {
    assert.equal(reason((await handshake({ lmCompatibilityLevel: 2 })).final), 'ntlmv1-refused');
    assert.equal(reason((await handshake({ lmCompatibilityLevel: 0 })).final), 'ntlmv1-refused');
    const lmOnly = (b: Buffer): Buffer => {
      // Drop the NT response: an LM-only logon, as Windows 9x sent.
      const c = Buffer.from(b);
      c.writeUInt16LE(0, 20);
      c.writeUInt16LE(0, 22);
      return c;
    };
    assert.equal(reason((await handshake({ lmCompatibilityLevel: 0 }, { lmCompatibilityLevel: 4 }, { authenticate: lmOnly })).final), 'lm-refused');
    const lm = await handshake({ lmCompatibilityLevel: 0 }, { lmCompatibilityLevel: 3 }, { authenticate: lmOnly });
    assert.equal(complete(lm.final).version, 'LM');
  });

  it('MIC required but absent → mic-missing', async () => {
    // A correct NTLMv2 AUTHENTICATE without a MIC, built by hand as curl or impacket would send it.
    const server = new NtlmServerContext(serverOptions({ requireMic: true }));
    const client = new NtlmClientContext({ credentials: ALICE });
    const first = await server.step(client.negotiate());
    assert.equal(first.status, 'continue');
    const chal = decodeChallenge(first.status === 'continue' ? first.token : Buffer.alloc(0));
    const key = ntowfv2(ALICE.password, ALICE.user, ALICE.domain);
    const time = findAv(chal.targetInfo, AvId.MsvAvTimestamp) ?? Buffer.alloc(8);
    const r = computeV2Responses(key, chal.serverChallenge, Buffer.alloc(8, 7), time, encodeAvPairs(chal.targetInfo));
    const auth = encodeAuthenticate({
      flags: chal.flags,
      lmChallengeResponse: r.lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domainName: ALICE.domain,
      userName: ALICE.user,
      workstation: 'WS01',
      encryptedRandomSessionKey: Buffer.alloc(0),
    });
    assert.equal(reason(await server.step(auth)), 'mic-missing');
    // The same message is fine when the MIC is not required.
    const lax = new NtlmServerContext(serverOptions());
    const c2 = new NtlmClientContext({ credentials: ALICE });
    const f2 = await lax.step(c2.negotiate());
    const ch2 = decodeChallenge(f2.status === 'continue' ? f2.token : Buffer.alloc(0));
    const r2 = computeV2Responses(key, ch2.serverChallenge, Buffer.alloc(8, 7), findAv(ch2.targetInfo, AvId.MsvAvTimestamp) ?? time, encodeAvPairs(ch2.targetInfo));
    const ok = await lax.step(encodeAuthenticate({
      flags: ch2.flags, lmChallengeResponse: r2.lmChallengeResponse, ntChallengeResponse: r2.ntChallengeResponse,
      domainName: ALICE.domain, userName: ALICE.user, workstation: 'WS01', encryptedRandomSessionKey: Buffer.alloc(0),
    }));
    assert.equal(complete(ok).micPresent, false);
  });

  it('garbage instead of AUTHENTICATE → malformed with a decode code', async () => {
    const hs = await handshake({}, {}, { authenticate: (b) => b.subarray(0, 40) });
    assert.equal(reason(hs.final), 'malformed');
    assert.equal(hs.final.status === 'failed' && hs.final.failure.decodeCode, 'TOO_SHORT');
  });
});
