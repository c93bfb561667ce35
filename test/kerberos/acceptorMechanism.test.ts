// Kerberos as an AcceptorMechanism: both OIDs sharing one replay cache, the neutral result,
// and NegotiateServerContext over a registry holding it (and NTLM) completing the captured
// AP-REQ sent as SPNEGO's optimistic mechToken, and as a bare krb5 token under Negotiate.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AcceptorMechanism } from '../../src/gss/mechanism.js';
import { MechanismRegistry } from '../../src/gss/registry.js';
import {
  buildApReq, decodeAcceptorToken, decodeKrb5Token, encodeKrb5Token, EncType, isKerberosLogon, kerberosMechanism, kerberosMechanisms,
  KRB5_LEGACY_OID, KRB5_OID, openApRep, ReplayCache, TokId, type KerberosMechanismOptions,
} from '../../src/kerberos/index.js';
import { ntlmAcceptorMechanism } from '../../src/ntlm/acceptorMechanism.js';
import { NegotiateServerContext } from '../../src/spnego/negotiateServer.js';
import { OID_NTLMSSP } from '../../src/spnego/oids.js';
import { decodeNegTokenResp, encodeNegTokenInit } from '../../src/spnego/tokens.js';
import { serverOptions } from '../helpers/handshake.js';
import { CAPTURE_TIME, CAPTURED_CB_APPLICATION_DATA, fixture } from './fixtures.js';
import { keyOf, mintTicket, sambaKeytab, seededRandom } from './helpers.js';

const AP_REQ = fixture('ap-req.gss');
const NOW = CAPTURE_TIME.getTime();
const keytab = sambaKeytab();
const options = (o: Partial<KerberosMechanismOptions> = {}): KerberosMechanismOptions => ({ keytab, now: () => NOW, randomBytes: seededRandom(), ...o });

function registry(o: Partial<KerberosMechanismOptions> = {}): MechanismRegistry<AcceptorMechanism> {
  return new MechanismRegistry<AcceptorMechanism>([...kerberosMechanisms(options(o)), ntlmAcceptorMechanism(serverOptions())]);
}

describe('kerberosMechanism / kerberosMechanisms', () => {
  it('two registrations, the legacy OID first as Windows lists it, one name; any other OID is refused', () => {
    const [legacy, standard] = kerberosMechanisms(options());
    assert.deepEqual([legacy.oid, standard.oid, legacy.name, standard.name], [KRB5_LEGACY_OID, KRB5_OID, 'Kerberos', 'Kerberos']);
    assert.throws(() => kerberosMechanism(options(), OID_NTLMSSP), RangeError);
  });

  it('completes with the neutral result: mechanism Kerberos, the OID it was chosen under, the acceptor subkey as session key, details under kerberos', async () => {
    const [legacy] = kerberosMechanisms(options());
    const ctx = legacy.newContext({ channelBindings: { mode: 'require', expected: { applicationData: CAPTURED_CB_APPLICATION_DATA } } });
    const s = await ctx.step(AP_REQ);
    assert.equal(s.status, 'complete', s.status === 'failed' ? s.failure.message : '');
    assert.ok(s.status === 'complete');
    assert.equal(s.result.mechanism, 'Kerberos');
    assert.equal(s.result.oid, KRB5_LEGACY_OID);
    assert.deepEqual([s.result.account.name, s.result.account.domain], ['alice', 'CORP']);
    assert.ok((s.result.account.groups ?? []).length > 0, 'groups from the PAC');
    assert.ok(isKerberosLogon(s.result));
    assert.equal(s.result.kerberos.channelBindingsVerified, true);
    assert.deepEqual(s.result.sessionKey, Buffer.from(s.result.kerberos.contextKey.keyvalue));
    assert.ok(s.token);
    assert.ok(ctx.integrity());
  });

  it('the handshake channel bindings replace the options\': wrong ones refuse the captured AP-REQ', async () => {
    const m = kerberosMechanism(options({ channelBindings: { mode: 'require', expected: { applicationData: CAPTURED_CB_APPLICATION_DATA } } }));
    const s = await m.newContext({ channelBindings: { mode: 'require', expected: { applicationData: Buffer.from('other') } } }).step(AP_REQ);
    assert.equal(s.status === 'failed' && s.failure.reason, 'channel-binding-mismatch');
  });

  it('both OIDs share one replay cache: an AP-REQ accepted under one is a replay under the other', async () => {
    const cache = new ReplayCache();
    const [legacy, standard] = kerberosMechanisms(options({ replayCache: cache }));
    assert.equal((await legacy.newContext({}).step(AP_REQ)).status, 'complete');
    const again = await standard.newContext({}).step(AP_REQ);
    assert.equal(again.status === 'failed' && again.failure.reason, 'replay');
    assert.equal(cache.size, 1);
  });

  it('wellFormed tells a decodable AP-REQ token from garbage, without a context', () => {
    const m = kerberosMechanism(options());
    assert.equal(m.wellFormed?.(AP_REQ), true);
    assert.equal(m.wellFormed?.(AP_REQ.subarray(0, 50)), false);
    assert.equal(m.wellFormed?.(fixture('ap-rep.gss')), false);
  });
});

describe('NegotiateServerContext over a registry with Kerberos', () => {
  it('a NegTokenInit (krb5, NTLM) with the captured AP-REQ as optimistic mechToken: accept-completed, supportedMech krb5, the AP-REP as responseToken', async () => {
    const init = encodeNegTokenInit({ mechTypes: [KRB5_OID, OID_NTLMSSP], mechToken: AP_REQ });
    const s = await new NegotiateServerContext(registry()).step(init);
    assert.equal(s.status, 'complete', s.status === 'failed' ? `${s.failure.reason}: ${s.failure.message}` : '');
    assert.ok(s.status === 'complete' && s.token);
    assert.equal(s.result.mechanism, 'Kerberos');
    assert.equal(s.result.framing, 'spnego');
    const resp = decodeNegTokenResp(s.token);
    assert.equal(resp.negState, 'accept-completed');
    assert.equal(resp.supportedMech, KRB5_OID);
    assert.ok(resp.responseToken);
    const rep = decodeAcceptorToken(resp.responseToken);
    assert.ok(rep.apRep);
    assert.equal(rep.mechOid, KRB5_OID);
  });

  it('Windows order (legacy krb5, krb5, NTLM) with a legacy-framed AP-REQ: the legacy OID is chosen and echoed, no mechListMIC demanded', async () => {
    const legacyToken = encodeKrb5Token(TokId.AP_REQ, decodeKrb5Token(AP_REQ).body, KRB5_LEGACY_OID);
    const init = encodeNegTokenInit({ mechTypes: [KRB5_LEGACY_OID, KRB5_OID, OID_NTLMSSP], mechToken: legacyToken });
    const s = await new NegotiateServerContext(registry()).step(init);
    assert.ok(s.status === 'complete' && s.token, s.status === 'failed' ? s.failure.message : '');
    assert.equal(s.result.oid, KRB5_LEGACY_OID);
    const resp = decodeNegTokenResp(s.token);
    assert.equal(resp.supportedMech, KRB5_LEGACY_OID);
    assert.equal(decodeAcceptorToken(resp.responseToken ?? Buffer.alloc(0)).mechOid, KRB5_LEGACY_OID);
  });

  it('a bare krb5 GSS token under Negotiate (no SPNEGO): complete with the bare AP-REP, which the initiator half opens', async () => {
    const k = keyOf(keytab, EncType.AES256_CTS_HMAC_SHA1_96);
    const cred = mintTicket({ serviceKey: k.key, kvno: k.kvno, authtime: new Date(NOW), endtime: new Date(NOW + 3600_000) });
    const built = buildApReq({ credential: cred, now: () => NOW, randomBytes: seededRandom('raw') });
    const s = await new NegotiateServerContext(registry()).step(built.token);
    assert.ok(s.status === 'complete' && s.token, s.status === 'failed' ? s.failure.message : '');
    assert.equal(s.result.framing, 'raw');
    assert.equal(openApRep(s.token, built).subkey?.keytype, 18);
  });

  it('a refused AP-REQ in SPNEGO: failed with Kerberos\'s reason and a reject', async () => {
    const init = encodeNegTokenInit({ mechTypes: [KRB5_OID, OID_NTLMSSP], mechToken: AP_REQ });
    const s = await new NegotiateServerContext(registry({ now: () => NOW + 3600_000 })).step(init);
    assert.ok(s.status === 'failed');
    assert.equal(s.failure.reason, 'clock-skew');
    assert.equal(decodeNegTokenResp(s.token ?? Buffer.alloc(0)).negState, 'reject');
  });
});
