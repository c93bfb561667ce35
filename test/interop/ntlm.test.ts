/**
 * Interop with NTLM implementations we did not write:
 *  - Python ntlm-auth and impacket initiators → our NtlmServerContext;
 *  - our NtlmClientContext → gss-ntlmssp's acceptor (through python-gssapi).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NtlmClientContext, type LmCompatibilityLevel } from '../../src/ntlm/clientContext.js';
import { NtlmServerContext, type NtlmServerOptions } from '../../src/ntlm/serverContext.js';
import { tlsServerEndPointData } from '../../src/ntlm/channelBindings.js';
import { ALICE, serverOptions } from '../helpers/handshake.js';
import { b64, Peer, skipUnlessPeers, unb64 } from '../helpers/peers.js';

const skipClients = skipUnlessPeers(['ntlm_auth', 'impacket']);
const skipGss = skipUnlessPeers(['gssapi']);
const CB_DATA = tlsServerEndPointData(Buffer.alloc(32, 0x5a));

interface PeerLogon {
  status: string;
  reason?: string;
  version?: string;
  user?: string;
  micPresent?: boolean;
  cb?: string;
  keysMatch?: boolean;
}

/** A Python initiator logs on to our acceptor. */
async function pythonToUs(peerArgs: string[], server: Partial<NtlmServerOptions> = {}): Promise<PeerLogon> {
  const peer = new Peer('ntlm_client_peer.py', peerArgs);
  try {
    const ctx = new NtlmServerContext(serverOptions(server));
    const first = await ctx.step(unb64((await peer.read()).negotiate));
    if (first.status !== 'continue') return { status: first.status, reason: first.status === 'failed' ? first.failure.reason : undefined };
    peer.send({ challenge: b64(first.token) });
    const answer = await peer.read();
    if (answer.error) throw new Error(`peer failed: ${String(answer.error)}`);
    const final = await ctx.step(unb64(answer.authenticate));
    if (final.status !== 'complete') return { status: final.status, reason: final.status === 'failed' ? `${final.failure.reason}: ${final.failure.message}` : undefined };
    const key = typeof answer.session_key === 'string' ? answer.session_key : undefined;
    return {
      status: 'complete',
      version: final.result.version,
      user: `${final.result.domain}\\${final.result.user}`,
      micPresent: final.result.micPresent,
      cb: final.result.channelBindings,
      keysMatch: key === undefined ? undefined : key === final.result.sessionKeys.exportedSessionKey.toString('hex'),
    };
  } finally {
    peer.kill();
  }
}

const creds = (password: string = ALICE.password): string[] => ['--user', ALICE.user, '--domain', ALICE.domain, '--password', password];

describe('Python NTLM initiators → NtlmServerContext', { skip: skipClients }, () => {
  it('ntlm-auth NTLMv2 (OEM strings, MIC from our timestamp) is accepted with the same session key', async () => {
    const r = await pythonToUs(['--impl', 'ntlm-auth', ...creds()]);
    assert.equal(r.status, 'complete', r.reason);
    assert.equal(r.version, 'NTLMv2');
    assert.equal(r.user, 'CORP\\alice');
    assert.equal(r.micPresent, true, 'ntlm-auth sends a MIC when the CHALLENGE has a timestamp');
    assert.equal(r.keysMatch, true);
  });

  it('ntlm-auth with channel bindings is accepted under require, refused on mismatch', async () => {
    const ok = await pythonToUs(['--impl', 'ntlm-auth', ...creds(), '--cbt-hex', CB_DATA.toString('hex')], {
      channelBindings: { mode: 'require', expected: { applicationData: CB_DATA } },
    });
    assert.equal(ok.status, 'complete', ok.reason);
    assert.equal(ok.cb, 'present');
    const bad = await pythonToUs(['--impl', 'ntlm-auth', ...creds(), '--cbt-hex', '00ff'], {
      channelBindings: { mode: 'require', expected: { applicationData: CB_DATA } },
    });
    assert.match(bad.reason ?? '', /^channel-binding-mismatch/);
  });

  it('ntlm-auth with a wrong password is refused', async () => {
    const r = await pythonToUs(['--impl', 'ntlm-auth', ...creds('wrong')]);
    assert.match(r.reason ?? '', /^logon-failure/);
  });

  it('ntlm-auth NTLMv1-ESS is refused at level 5 and accepted at level 0 with the same key', async () => {
    const refused = await pythonToUs(['--impl', 'ntlm-auth', ...creds(), '--lm-level', '2']);
    assert.match(refused.reason ?? '', /^ntlmv1-refused/);
    const ok = await pythonToUs(['--impl', 'ntlm-auth', ...creds(), '--lm-level', '2'], { lmCompatibilityLevel: 0 });
    assert.equal(ok.status, 'complete', ok.reason);
    assert.equal(ok.version, 'NTLMv1-ESS');
    assert.equal(ok.keysMatch, true);
  });

  it('stock impacket NTLMv2 (32-byte NEGOTIATE, 64-byte AUTHENTICATE, no MIC) is accepted', async () => {
    const r = await pythonToUs(['--impl', 'impacket', ...creds()]);
    assert.equal(r.status, 'complete', r.reason);
    assert.equal(r.version, 'NTLMv2');
    assert.equal(r.micPresent, false);
    assert.equal(r.keysMatch, true);
  });

  it('impacket with a Version field is accepted; with a wrong password refused', async () => {
    const r = await pythonToUs(['--impl', 'impacket', '--negotiate-version', ...creds()]);
    assert.equal(r.status, 'complete', r.reason);
    const bad = await pythonToUs(['--impl', 'impacket', ...creds('wrong')]);
    assert.match(bad.reason ?? '', /^logon-failure/);
  });

  it('impacket NTLMv1 is refused by default and accepted at level 0', async () => {
    assert.match((await pythonToUs(['--impl', 'impacket', ...creds(), '--lm-level', '1'])).reason ?? '', /^ntlmv1-refused/);
    const ok = await pythonToUs(['--impl', 'impacket', ...creds(), '--lm-level', '1'], { lmCompatibilityLevel: 0 });
    assert.equal(ok.status, 'complete', ok.reason);
    assert.match(ok.version ?? '', /^NTLMv1/);
  });
});

/** Our initiator logs on to gss-ntlmssp. */
async function usToGss(
  clientPassword: string,
  opts: { level?: LmCompatibilityLevel; cb?: Buffer; acceptorCb?: Buffer } = {},
): Promise<{ ok: boolean; error?: string; initiator?: string; keysMatch?: boolean; micSent?: boolean }> {
  const args = [...creds(), '--report-session-key'];
  if (opts.acceptorCb) args.push('--cbt-hex', opts.acceptorCb.toString('hex'));
  const peer = new Peer('gss_acceptor_peer.py', args);
  try {
    const client = new NtlmClientContext({
      credentials: { ...ALICE, password: clientPassword },
      workstation: 'WS01',
      lmCompatibilityLevel: opts.level,
      channelBindings: opts.cb ? { applicationData: opts.cb } : undefined,
    });
    peer.send({ negotiate: b64(client.negotiate()) });
    const chal = await peer.read();
    if (!chal.challenge) return { ok: false, error: String(chal.error) };
    peer.send({ authenticate: b64(client.authenticate(unb64(chal.challenge))) });
    const res = await peer.read();
    return {
      ok: res.ok === true,
      error: typeof res.error === 'string' ? res.error : undefined,
      initiator: typeof res.initiator === 'string' ? res.initiator : undefined,
      keysMatch: res.session_key === client.result.exportedSessionKey.toString('hex'),
      micSent: client.result.micSent,
    };
  } finally {
    peer.kill();
  }
}

describe('NtlmClientContext → gss-ntlmssp acceptor', { skip: skipGss }, () => {
  it('NTLMv2 with a MIC is accepted and both ends hold the same session key', async () => {
    const r = await usToGss(ALICE.password);
    assert.equal(r.ok, true, r.error);
    assert.equal(r.initiator, 'CORP\\alice');
    assert.equal(r.micSent, true, 'gss-ntlmssp sends a timestamp, so we send a MIC it verifies');
    assert.equal(r.keysMatch, true);
  });

  it('NTLMv2 with channel bindings is accepted when they match and refused when they do not', async () => {
    const ok = await usToGss(ALICE.password, { cb: CB_DATA, acceptorCb: CB_DATA });
    assert.equal(ok.ok, true, ok.error);
    const bad = await usToGss(ALICE.password, { cb: tlsServerEndPointData(Buffer.alloc(32, 1)), acceptorCb: CB_DATA });
    assert.equal(bad.ok, false);
  });

  it('a wrong password is refused', async () => {
    const r = await usToGss('wrong');
    assert.equal(r.ok, false);
    assert.ok(r.error);
  });

  it('NTLMv1 with extended session security (level 1 and 2) is accepted with the same key', async () => {
    for (const level of [1, 2] as const) {
      const r = await usToGss(ALICE.password, { level });
      assert.equal(r.ok, true, `level ${level}: ${r.error}`);
      assert.equal(r.keysMatch, true, `level ${level}`);
    }
  });
});
