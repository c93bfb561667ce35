/** Our Negotiate contexts against MIT krb5's SPNEGO with gss-ntlmssp as the mechanism. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NegotiateClientContext } from '../../src/spnego/negotiateClient.js';
import { NegotiateServerContext } from '../../src/spnego/negotiateServer.js';
import { ALICE, serverOptions } from '../helpers/handshake.js';
import { b64, Peer, skipUnlessPeers, unb64 } from '../helpers/peers.js';

const skip = skipUnlessPeers(['gssapi']);
const args = (role: string, password: string = ALICE.password): string[] =>
  ['--role', role, '--user', ALICE.user, '--domain', ALICE.domain, '--password', password];

describe('SPNEGO interop with MIT krb5 + gss-ntlmssp', { skip }, () => {
  it('NegotiateClientContext → MIT SPNEGO acceptor: accepted, and the acceptor mechListMIC verifies', async () => {
    const peer = new Peer('gss_spnego_peer.py', args('accept'));
    try {
      const client = new NegotiateClientContext({ credentials: ALICE, workstation: 'WS01' });
      let token: Buffer | undefined = client.initialToken();
      let last: Record<string, unknown> = {};
      while (token) {
        peer.send({ token: b64(token) });
        last = await peer.read();
        assert.notEqual(last.ok, false, String(last.error));
        token = client.step(unb64(last.token));
      }
      assert.equal(last.complete, true);
      assert.equal(last.initiator, 'CORP\\alice');
      assert.equal(client.complete, true);
      assert.equal(client.mechListMicVerified, true, 'we checked MIT’s mechListMIC');
    } finally {
      peer.kill();
    }
  });

  it('MIT SPNEGO initiator → NegotiateServerContext: accepted with its mechListMIC verified', async () => {
    const peer = new Peer('gss_spnego_peer.py', args('initiate'));
    try {
      const server = new NegotiateServerContext(serverOptions());
      for (;;) {
        const msg = await peer.read();
        assert.notEqual(msg.ok, false, String(msg.error));
        const step = await server.step(unb64(msg.token));
        if (step.status === 'failed') assert.fail(`${step.failure.reason}: ${step.failure.message}`);
        peer.send({ token: b64(step.token ?? Buffer.alloc(0)) });
        if (step.status === 'complete') {
          assert.equal(step.result.ntlm.user, 'alice');
          assert.equal(step.result.ntlm.version, 'NTLMv2');
          assert.equal(step.result.ntlm.micPresent, true);
          assert.equal(step.result.mechListMicVerified, true);
          let end = await peer.read();
          while (end.ok === undefined) end = await peer.read(); // a last empty token line, then the verdict
          assert.equal(end.ok, true, `MIT accepted our final token and mechListMIC: ${JSON.stringify(end)}`);
          return;
        }
      }
    } finally {
      peer.kill();
    }
  });

  it('MIT SPNEGO initiator with a wrong password is refused with a reject token', async () => {
    const peer = new Peer('gss_spnego_peer.py', args('initiate', 'wrong'));
    try {
      const server = new NegotiateServerContext(serverOptions());
      let step = await server.step(unb64((await peer.read()).token));
      peer.send({ token: b64(step.status === 'continue' ? step.token : Buffer.alloc(0)) });
      step = await server.step(unb64((await peer.read()).token));
      assert.equal(step.status === 'failed' && step.failure.reason, 'logon-failure');
    } finally {
      peer.kill();
    }
  });
});
