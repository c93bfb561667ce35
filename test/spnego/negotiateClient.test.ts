/**
 * NegotiateClientContext over a registry of initiator mechanisms: a throwaway test-only
 * mechanism with its own OID is offered, chosen, followed and protected by mechListMIC through
 * the same code path NTLM takes; an acceptor's choice outside the registry is a typed error.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InitiatorContext, InitiatorMechanism, InitiatorStep } from '../../src/gss/initiator.js';
import type { MechanismIntegrity } from '../../src/gss/mechanism.js';
import { MechanismRegistry } from '../../src/gss/registry.js';
import { NtlmClientContext, ntlmInitiator } from '../../src/ntlm/clientContext.js';
import { NtlmDecodeError } from '../../src/ntlm/errors.js';
import { NegotiateClientContext, NegotiateMechanismError } from '../../src/spnego/negotiateClient.js';
import { NegotiateServerContext } from '../../src/spnego/negotiateServer.js';
import { OID_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { decodeNegotiationToken, encodeMechTypeList, encodeNegTokenResp, type NegTokenResp } from '../../src/spnego/tokens.js';
import { ALICE, serverOptions } from '../helpers/handshake.js';

/** A private-arc OID no real mechanism uses. */
const TOY_OID = '1.3.6.1.4.1.55555.7.1';
const SECRET = Buffer.from('toy shared secret');

const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * The toy mechanism: HELLO‖nonce → CHAL‖nonce → PROOF‖HMAC(secret, both nonces); the MIC key is
 * HMAC(secret, "key"‖nonces), one direction label each way.
 */
class ToyInitiator implements InitiatorContext {
  private nonce = randomBytes(8);
  private key: Buffer | undefined;
  step(token?: Buffer): InitiatorStep {
    if (token === undefined) return { status: 'continue', token: Buffer.concat([Buffer.from('HELLO'), this.nonce]) };
    if (token.length !== 12 || token.subarray(0, 4).toString() !== 'CHAL') return { status: 'failed', failure: { reason: 'malformed', message: 'not a toy CHAL' } };
    const serverNonce = token.subarray(4);
    this.key = hmac(SECRET, Buffer.from('key'), this.nonce, serverNonce);
    return { status: 'complete', token: Buffer.concat([Buffer.from('PROOF'), hmac(SECRET, this.nonce, serverNonce)]) };
  }
  mechListMic(): MechanismIntegrity | undefined {
    const key = this.key;
    if (!key) return undefined;
    return { sign: (m) => hmac(key, Buffer.from('c'), m), verify: (m, mic) => mic.length === 32 && timingSafeEqual(mic, hmac(key, Buffer.from('s'), m)) };
  }
}

const toy: InitiatorMechanism = { oid: TOY_OID, name: 'TOY', newContext: () => new ToyInitiator() };

/** The acceptor half of the toy mechanism, for hand-built NegTokenResps. */
class ToyAcceptor {
  private readonly nonce = randomBytes(8);
  private clientNonce: Buffer = Buffer.alloc(0);
  challenge(hello: Buffer): Buffer {
    assert.equal(hello.subarray(0, 5).toString(), 'HELLO');
    this.clientNonce = hello.subarray(5);
    return Buffer.concat([Buffer.from('CHAL'), this.nonce]);
  }
  verifyProof(proof: Buffer): void {
    assert.deepEqual(proof, Buffer.concat([Buffer.from('PROOF'), hmac(SECRET, this.clientNonce, this.nonce)]));
  }
  private get key(): Buffer {
    return hmac(SECRET, Buffer.from('key'), this.clientNonce, this.nonce);
  }
  clientMic(m: Buffer): Buffer {
    return hmac(this.key, Buffer.from('c'), m);
  }
  serverMic(m: Buffer): Buffer {
    return hmac(this.key, Buffer.from('s'), m);
  }
}

function resp(token: Buffer | undefined): NegTokenResp {
  assert.ok(token, 'the client sent a token');
  const d = decodeNegotiationToken(token);
  assert.equal(d.kind, 'resp');
  return d.kind === 'resp' ? d.token : assert.fail();
}

const ntlm = ntlmInitiator({ credentials: ALICE, workstation: 'WS01' });

describe('NegotiateClientContext with registered initiator mechanisms', () => {
  it('offers every registered OID in order, with the optimistic token of the first', () => {
    const client = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy, ntlm]) });
    const d = decodeNegotiationToken(client.initialToken());
    assert.equal(d.kind, 'init');
    if (d.kind !== 'init') return;
    assert.deepEqual(d.token.mechTypes, [TOY_OID, OID_NTLMSSP]);
    assert.equal(d.token.mechToken?.subarray(0, 5).toString(), 'HELLO');
    assert.equal(client.mechanism?.name, 'TOY');
  });

  it('the NTLM-only default is unchanged: one mechType, an NTLMSSP NEGOTIATE', () => {
    const d = decodeNegotiationToken(new NegotiateClientContext({ credentials: ALICE }).initialToken());
    assert.ok(d.kind === 'init');
    assert.deepEqual(d.token.mechTypes, [OID_NTLMSSP]);
    assert.equal(d.token.mechToken?.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
  });

  it('logs on with the throwaway mechanism: its tokens, our mechListMIC, the acceptor’s verified', () => {
    const client = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy, ntlm]) });
    const acceptor = new ToyAcceptor();
    const init = decodeNegotiationToken(client.initialToken());
    assert.ok(init.kind === 'init' && init.token.mechToken);
    const chal = acceptor.challenge(init.token.mechToken);
    const answer = resp(client.step(encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: TOY_OID, responseToken: chal })));
    assert.ok(answer.responseToken);
    acceptor.verifyProof(answer.responseToken);
    const mechTypes = encodeMechTypeList([TOY_OID, OID_NTLMSSP]);
    assert.deepEqual(answer.mechListMIC, acceptor.clientMic(mechTypes), 'the MIC covers the DER mechTypes we offered');
    assert.equal(client.complete, false, 'a MIC was sent: the acceptor’s verdict is awaited');
    assert.equal(client.step(encodeNegTokenResp({ negState: 'accept-completed', mechListMIC: acceptor.serverMic(mechTypes) })), undefined);
    assert.equal(client.complete, true);
    assert.equal(client.mechListMicVerified, true);
    assert.throws(() => client.ntlm, /TOY, not NTLM/);
  });

  it('follows the acceptor to its second mechanism (the real NTLM acceptor), with the mechListMIC RFC 4178 §5 then requires', async () => {
    const client = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy, ntlm]) });
    const server = new NegotiateServerContext(serverOptions());
    const first = await server.step(client.initialToken());
    assert.equal(first.status, 'continue');
    if (first.status !== 'continue') return;
    const chosen = resp(first.token);
    assert.equal(chosen.supportedMech, OID_NTLMSSP);
    assert.equal(chosen.responseToken, undefined, 'the optimistic TOY token was dropped');
    const negotiate = client.step(first.token);
    assert.equal(client.mechanism?.name, 'NTLM');
    assert.equal(resp(negotiate).responseToken?.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
    const challenge = await server.step(negotiate as Buffer);
    assert.equal(challenge.status, 'continue');
    if (challenge.status !== 'continue') return;
    const authenticate = client.step(challenge.token);
    assert.ok(resp(authenticate).mechListMIC, 'NTLM signed the two-OID list');
    const final = await server.step(authenticate as Buffer);
    assert.equal(final.status, 'complete', JSON.stringify(final.status === 'failed' ? final.failure : ''));
    if (final.status !== 'complete') return;
    assert.equal(client.step(final.token ?? Buffer.alloc(0)), undefined);
    assert.equal(client.mechListMicVerified, true);
    assert.ok(client.ntlm.result.micSent);
  });

  it('an acceptor that chooses a mechanism we did not register → NegotiateMechanismError UNREGISTERED_MECHANISM', () => {
    const client = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy, ntlm]) });
    client.initialToken();
    assert.throws(
      () => client.step(encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: OID_KERBEROS5 })),
      (e: unknown) => e instanceof NegotiateMechanismError && e.code === 'UNREGISTERED_MECHANISM' && e.message.includes(OID_KERBEROS5),
    );
  });

  it('an acceptor mechListMIC that does not verify → MECHLISTMIC_MISMATCH', () => {
    const client = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy]) });
    const acceptor = new ToyAcceptor();
    const init = decodeNegotiationToken(client.initialToken());
    assert.ok(init.kind === 'init' && init.token.mechToken);
    client.step(encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: TOY_OID, responseToken: acceptor.challenge(init.token.mechToken) }));
    assert.throws(
      () => client.step(encodeNegTokenResp({ negState: 'accept-completed', mechListMIC: acceptor.clientMic(encodeMechTypeList([TOY_OID])) })),
      (e: unknown) => e instanceof NegotiateMechanismError && e.code === 'MECHLISTMIC_MISMATCH',
    );
    assert.equal(client.mechListMicVerified, false);
  });

  it('a mechanism that refuses the acceptor token: its typed cause, or MECHANISM_FAILED without one', () => {
    const viaToy = new NegotiateClientContext({ mechanisms: new MechanismRegistry([toy]) });
    viaToy.initialToken();
    assert.throws(
      () => viaToy.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: Buffer.from('garbage') })),
      (e: unknown) => e instanceof NegotiateMechanismError && e.code === 'MECHANISM_FAILED' && /TOY: not a toy CHAL/.test(e.message),
    );
    const viaNtlm = new NegotiateClientContext({ credentials: ALICE });
    viaNtlm.initialToken();
    assert.throws(() => viaNtlm.step(encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: Buffer.from('NTLMSSP\0garbage') })), NtlmDecodeError);
  });

  it('raw Negotiate needs NTLM first; an empty registry is refused', () => {
    assert.throws(() => new NegotiateClientContext({ raw: true, mechanisms: new MechanismRegistry([toy, ntlm]) }), (e: unknown) => e instanceof NegotiateMechanismError && e.code === 'BAD_OPTION');
    assert.throws(() => new NegotiateClientContext({ mechanisms: new MechanismRegistry<InitiatorMechanism>([]) }), (e: unknown) => e instanceof NegotiateMechanismError && e.code === 'BAD_OPTION');
    const raw = new NegotiateClientContext({ raw: true, mechanisms: new MechanismRegistry([ntlm, toy]) });
    assert.equal(raw.initialToken().subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
  });
});

describe('NtlmClientContext as an InitiatorContext', () => {
  it('step() never throws on acceptor bytes: a CHALLENGE that does not decode fails as malformed with the NtlmDecodeError', () => {
    const ctx = new NtlmClientContext({ credentials: ALICE });
    const first = ctx.step();
    assert.equal(first.status, 'continue');
    const bad = ctx.step(Buffer.from('NTLMSSP\0\x02\0\0\0'));
    assert.equal(bad.status, 'failed');
    assert.ok(bad.status === 'failed' && bad.failure.reason === 'malformed' && bad.failure.cause instanceof NtlmDecodeError);
    assert.equal(new NtlmClientContext({ credentials: ALICE }).step(Buffer.alloc(4)).status, 'failed', 'a token before the NEGOTIATE');
    assert.equal(ctx.mechListMic(), undefined, 'no MIC without a completed exchange that carried one');
  });
});
