/** One Negotiate leg decoded once against a registry, and NegotiateServerContext choosing among registered mechanisms. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { application, oid } from '../../src/der/encode.js';
import type { AcceptorMechanism, LogonResult, MechanismStep } from '../../src/gss/mechanism.js';
import { MechanismRegistry } from '../../src/gss/registry.js';
import { ntlmAcceptorMechanism } from '../../src/ntlm/acceptorMechanism.js';
import { NtlmClientContext } from '../../src/ntlm/clientContext.js';
import { decodeNegotiateLeg, opensHandshake } from '../../src/spnego/leg.js';
import { NegotiateServerContext } from '../../src/spnego/negotiateServer.js';
import { OID_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { decodeNegTokenResp, encodeInitialToken, encodeMechTypeList, encodeNegTokenResp } from '../../src/spnego/tokens.js';
import { ALICE, serverOptions } from '../helpers/handshake.js';

/** One leg, any token: completes with a fixed account; MIC = the data reversed (enough to tell right from wrong). */
function oneLeg(oidText: string, name: string, framed = false): AcceptorMechanism & { seen: Buffer[] } {
  const seen: Buffer[] = [];
  return {
    oid: oidText,
    name,
    seen,
    newContext: () => ({
      async step(token: Buffer): Promise<MechanismStep> {
        seen.push(token);
        const result: LogonResult = { mechanism: name, oid: oidText, account: { name: 'bob', domain: 'REALM' }, anonymous: false };
        return { status: 'complete', token: framed ? Buffer.from('mutual') : undefined, result };
      },
      integrity: () => ({ sign: (d: Buffer) => Buffer.from(d).reverse(), verify: (d: Buffer, mic: Buffer) => Buffer.from(d).reverse().equals(mic) }),
    }),
  };
}

const ntlm = ntlmAcceptorMechanism(serverOptions());

describe('decodeNegotiateLeg', () => {
  it('a raw NTLMSSP token goes to the mechanism that recognizes it, first legs told from later ones', () => {
    const reg = new MechanismRegistry<AcceptorMechanism>([ntlm]);
    const neg = decodeNegotiateLeg(new NtlmClientContext({ credentials: ALICE }).negotiate(), reg);
    assert.equal(neg.kind === 'mechanism' && neg.mechanism, ntlm);
    assert.equal(opensHandshake(neg), true);
    const later = decodeNegotiateLeg(Buffer.from('NTLMSSP\0\x03\0\0\0', 'latin1'), reg);
    assert.equal(opensHandshake(later), false);
  });

  it('an RFC 2743-framed token for a registered OID is that mechanism’s; for another OID it is unserved', () => {
    const krb = oneLeg(OID_KERBEROS5, 'Kerberos');
    const apReq = application(0, [oid(OID_KERBEROS5), Buffer.from([0x01, 0x00, 0xde, 0xad])]);
    const served = decodeNegotiateLeg(apReq, new MechanismRegistry<AcceptorMechanism>([ntlm, krb]));
    assert.equal(served.kind === 'mechanism' && served.mechanism.name, 'Kerberos');
    assert.equal(opensHandshake(served), true);
    const unserved = decodeNegotiateLeg(apReq, new MechanismRegistry<AcceptorMechanism>([ntlm]));
    assert.deepEqual(unserved.kind === 'unserved' && unserved.offered, [OID_KERBEROS5]);
  });

  it('a NegTokenInit names the first of the client’s mechanisms that is registered', () => {
    const krb = oneLeg(OID_KERBEROS5, 'Kerberos');
    const init = encodeInitialToken({ mechTypes: ['1.3.6.1.4.1.32473.9', OID_KERBEROS5, OID_NTLMSSP] });
    const both = decodeNegotiateLeg(init, new MechanismRegistry<AcceptorMechanism>([ntlm, krb]));
    assert.equal(both.kind === 'init' && both.mechanism.name, 'Kerberos', 'the client’s order, not the registry’s');
    const ntlmOnly = decodeNegotiateLeg(init, new MechanismRegistry<AcceptorMechanism>([ntlm]));
    assert.equal(ntlmOnly.kind === 'init' && ntlmOnly.mechanism.name, 'NTLM');
  });

  it('never throws: bad framing and bad SPNEGO are malformed with their code', () => {
    const reg = new MechanismRegistry<AcceptorMechanism>([ntlm]);
    for (const bytes of [[0x60, 0x85, 1, 2, 3, 4, 5], [0x60, 0x03, 0x02, 0x01, 0x00], [0xa1, 0xff, 0x00], [0x30, 0x00], []]) {
      const leg = decodeNegotiateLeg(Buffer.from(bytes), reg);
      assert.equal(leg.kind, 'malformed', Buffer.from(bytes).toString('hex'));
      assert.ok(leg.kind === 'malformed' && leg.code, 'a SpnegoErrorCode');
    }
  });
});

describe('NegotiateServerContext over a registry', () => {
  it('uses the optimistic token of the client’s first mechanism and answers its final token with the MIC', async () => {
    const krb = oneLeg(OID_KERBEROS5, 'Kerberos', true);
    const server = new NegotiateServerContext(new MechanismRegistry<AcceptorMechanism>([ntlm, krb]));
    const mechTypes = [OID_KERBEROS5, OID_NTLMSSP];
    const mechList = encodeMechTypeList(mechTypes);
    const step = await server.step(encodeInitialToken({ mechTypes, mechToken: Buffer.from('ap-req'), mechListMIC: Buffer.from(mechList).reverse() }));
    if (step.status !== 'complete') assert.fail(JSON.stringify(step));
    assert.equal(step.result.mechanism, 'Kerberos');
    assert.equal(step.result.mechListMicVerified, true);
    assert.deepEqual(krb.seen.map(String), ['ap-req']);
    const resp = decodeNegTokenResp(step.token ?? Buffer.alloc(0));
    assert.equal(resp.negState, 'accept-completed');
    assert.equal(String(resp.responseToken), 'mutual', 'the mechanism’s last token rides on accept-completed');
    assert.ok(resp.mechListMIC?.equals(Buffer.from(mechList).reverse()));
  });

  it('a chosen mechanism that was not the client’s first: its optimistic token dropped, a mechListMIC required', async () => {
    const krb = oneLeg(OID_KERBEROS5, 'Kerberos');
    const server = new NegotiateServerContext(new MechanismRegistry<AcceptorMechanism>([krb]));
    const first = await server.step(encodeInitialToken({ mechTypes: ['1.3.6.1.4.1.32473.9', OID_KERBEROS5], mechToken: Buffer.from('for-the-other') }));
    if (first.status !== 'continue') assert.fail(JSON.stringify(first));
    assert.equal(decodeNegTokenResp(first.token).supportedMech, OID_KERBEROS5);
    const last = await server.step(encodeNegTokenResp({ responseToken: Buffer.from('ap-req') }));
    assert.equal(last.status === 'failed' && last.failure.reason, 'mechlistmic-missing');
    assert.deepEqual(krb.seen.map(String), ['ap-req'], 'the token for the other mechanism never reached this one');
  });
});
