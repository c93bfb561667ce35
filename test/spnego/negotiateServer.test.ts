/** SPNEGO Negotiate contexts wrapping NTLM: round trips, mechListMIC, raw NTLMSSP, refusals. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NegotiateClientContext, NegotiateRejectedError } from '../../src/spnego/negotiateClient.js';
import { NegotiateServerContext, type NegotiateServerStep } from '../../src/spnego/negotiateServer.js';
import { OID_KERBEROS5, OID_MS_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { decodeNegotiationToken, encodeInitialToken, encodeNegTokenResp } from '../../src/spnego/tokens.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { NtlmAcceptorContext } from '../../src/ntlm/acceptorMechanism.js';
import { ALICE, serverOptions } from '../helpers/handshake.js';

function token(step: NegotiateServerStep): Buffer {
  if (step.status !== 'continue') assert.fail(`expected continue, got ${JSON.stringify(step)}`);
  return step.token;
}

async function spnegoHandshake(tamperAuth?: (b: Buffer) => Buffer) {
  const client = new NegotiateClientContext({ credentials: ALICE, workstation: 'WS01' });
  const server = new NegotiateServerContext(serverOptions());
  const init = client.initialToken();
  const challenge = token(await server.step(init));
  let auth = client.step(challenge);
  assert.ok(auth);
  if (tamperAuth) auth = tamperAuth(auth);
  const final = await server.step(auth);
  return { client, server, init, challenge, auth, final };
}

describe('NegotiateServerContext ↔ NegotiateClientContext', () => {
  it('completes NTLM inside SPNEGO with mechListMIC both ways, then session security still works', async () => {
    const { client, server, init, challenge, final } = await spnegoHandshake();
    const d0 = decodeNegotiationToken(init);
    assert.equal(d0.kind, 'init');
    assert.equal(d0.framed, true);
    assert.deepEqual(d0.kind === 'init' && d0.token.mechTypes, [OID_NTLMSSP]);
    const d1 = decodeNegotiationToken(challenge);
    assert.equal(d1.kind === 'resp' && d1.token.negState, 'accept-incomplete');
    assert.equal(d1.kind === 'resp' && d1.token.supportedMech, OID_NTLMSSP);

    if (final.status !== 'complete') assert.fail(JSON.stringify(final));
    assert.equal(final.result.framing, 'spnego');
    assert.equal(final.result.mechListMicVerified, true);
    assert.equal(final.result.ntlm.user, 'alice');
    assert.equal(final.result.mechanism, 'NTLM');
    const d2 = decodeNegotiationToken(final.token ?? Buffer.alloc(0));
    assert.equal(d2.kind === 'resp' && d2.token.negState, 'accept-completed');
    assert.ok(d2.kind === 'resp' && d2.token.mechListMIC);

    assert.equal(client.step(final.token ?? Buffer.alloc(0)), undefined);
    assert.equal(client.complete, true);
    assert.equal(client.mechListMicVerified, true);
    // After the RC4 reset on both sides the streams are still in step.
    const { sealed, signature } = client.ntlm.session.seal(Buffer.from('after spnego'));
    const ntlm = server.context;
    assert.ok(ntlm instanceof NtlmAcceptorContext);
    assert.equal(ntlm.ntlm.session.unseal(sealed, signature).toString(), 'after spnego');
  });

  it('accepts a raw NTLMSSP token under Negotiate and answers raw', async () => {
    const client = new NegotiateClientContext({ credentials: ALICE, raw: true });
    const server = new NegotiateServerContext(serverOptions());
    const init = client.initialToken();
    assert.equal(init.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
    const challenge = token(await server.step(init));
    assert.equal(challenge.subarray(0, 8).toString('latin1'), 'NTLMSSP\0', 'raw in, raw out');
    const final = await server.step(client.step(challenge) ?? Buffer.alloc(0));
    if (final.status !== 'complete') assert.fail(JSON.stringify(final));
    assert.equal(final.result.framing, 'raw');
    assert.equal(final.token, undefined);
  });

  it('a tampered mechListMIC → mechlistmic-mismatch and a reject token', async () => {
    const { final } = await spnegoHandshake((auth) => {
      const d = decodeNegotiationToken(auth);
      if (d.kind !== 'resp' || !d.token.mechListMIC) return assert.fail('no mechListMIC sent');
      const mic = Buffer.from(d.token.mechListMIC);
      mic[5] = (mic[5] ?? 0) ^ 0xff;
      return encodeNegTokenResp({ ...d.token, mechListMIC: mic });
    });
    assert.equal(final.status, 'failed');
    assert.equal(final.status === 'failed' && final.failure.reason, 'mechlistmic-mismatch');
    const rej = decodeNegotiationToken(final.status === 'failed' && final.token ? final.token : Buffer.alloc(0));
    assert.equal(rej.kind === 'resp' && rej.token.negState, 'reject');
  });

  it('NTLM offered after Kerberos: the optimistic token is dropped and a mechListMIC is required', async () => {
    const ntlm = new NtlmClientContext({ credentials: ALICE });
    const server = new NegotiateServerContext(serverOptions());
    const init = encodeInitialToken({ mechTypes: [OID_MS_KERBEROS5, OID_KERBEROS5, OID_NTLMSSP], mechToken: Buffer.from('not-a-kerberos-token') });
    const r1 = decodeNegotiationToken(token(await server.step(init)));
    assert.equal(r1.kind === 'resp' && r1.token.supportedMech, OID_NTLMSSP);
    assert.equal(r1.kind === 'resp' && r1.token.responseToken, undefined);
    const r2 = decodeNegotiationToken(token(await server.step(encodeNegTokenResp({ responseToken: ntlm.negotiate() }))));
    const chal = r2.kind === 'resp' ? r2.token.responseToken : undefined;
    assert.ok(chal);
    const final = await server.step(encodeNegTokenResp({ responseToken: ntlm.authenticate(chal) }));
    assert.equal(final.status === 'failed' && final.failure.reason, 'mechlistmic-missing');
  });

  it('no NTLM among the offered mechanisms → no-common-mechanism with a reject token', async () => {
    const server = new NegotiateServerContext(serverOptions());
    const step = await server.step(encodeInitialToken({ mechTypes: [OID_KERBEROS5], mechToken: Buffer.from('krb') }));
    assert.equal(step.status === 'failed' && step.failure.reason, 'no-common-mechanism');
    assert.ok(step.status === 'failed' && step.token);
  });

  it('malformed SPNEGO → malformed with the decoder code, never an exception', async () => {
    const server = new NegotiateServerContext(serverOptions());
    const step = await server.step(Buffer.from([0x60, 0x80, 0x06]));
    assert.equal(step.status === 'failed' && step.failure.reason, 'malformed');
    assert.ok(step.status === 'failed' && typeof step.failure.decodeCode === 'string');
  });

  it('the client raises a typed error when the acceptor rejects', async () => {
    const client = new NegotiateClientContext({ credentials: ALICE });
    client.initialToken();
    assert.throws(() => client.step(encodeNegTokenResp({ negState: 'reject' })), NegotiateRejectedError);
  });

  it('a wrong password fails inside SPNEGO as logon-failure', async () => {
    const client = new NegotiateClientContext({ credentials: { ...ALICE, password: 'nope' } });
    const server = new NegotiateServerContext(serverOptions());
    const challenge = token(await server.step(client.initialToken()));
    const final = await server.step(client.step(challenge) ?? Buffer.alloc(0));
    assert.equal(final.status === 'failed' && final.failure.reason, 'logon-failure');
  });
});
