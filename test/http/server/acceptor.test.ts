/** The handler's acceptors: each leg decoded once (decodeLeg), stray legs judged without a context (wellFormed). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptors } from '../../../src/http/server/acceptor.js';
import { resolveOptions } from '../../../src/http/server/options.js';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { NegotiateClientContext } from '../../../src/spnego/negotiateClient.js';
import { encodeInitialToken, encodeNegTokenResp } from '../../../src/spnego/tokens.js';
import { ALICE, baseOptions } from './helpers.js';

const acceptors = (): Acceptors => new Acceptors(resolveOptions(baseOptions()));
// GSS-API InitialContextToken for 1.2.840.113554.1.2.2 (krb5), TOK_ID AP-REQ, truncated body.
const KRB5 = Buffer.from([0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00]);

describe('Acceptors.decodeLeg', () => {
  it('NTLM: only bare NTLM messages, first legs told from later ones by MessageType', () => {
    const a = acceptors();
    const neg = a.decodeLeg('NTLM', new NtlmClientContext({ credentials: ALICE }).negotiate());
    assert.equal(neg.kind === 'mechanism' && neg.mechanism.name, 'NTLM');
    assert.equal(neg.kind === 'mechanism' && neg.initial, true);
    const auth = a.decodeLeg('NTLM', Buffer.from('NTLMSSP\0\x03\0\0\0', 'latin1'));
    assert.equal(auth.kind === 'mechanism' && auth.initial, false);
    assert.equal(a.decodeLeg('NTLM', new NegotiateClientContext({ credentials: ALICE }).initialToken()).kind, 'malformed', 'SPNEGO is not NTLM');
    assert.equal(a.decodeLeg('NTLM', Buffer.from('x')).kind, 'malformed');
  });

  it('Negotiate: raw NTLMSSP, a NegTokenInit choosing NTLM, a NegTokenResp, garbage', () => {
    const a = acceptors();
    const raw = a.decodeLeg('Negotiate', new NtlmClientContext({ credentials: ALICE }).negotiate());
    assert.equal(raw.kind === 'mechanism' && raw.initial, true);
    const init = a.decodeLeg('Negotiate', new NegotiateClientContext({ credentials: ALICE }).initialToken());
    assert.equal(init.kind === 'init' && init.mechanism.name, 'NTLM');
    assert.equal(a.decodeLeg('Negotiate', encodeNegTokenResp({ negState: 'accept-incomplete' })).kind, 'resp');
    const bad = a.decodeLeg('Negotiate', Buffer.from([0xa1, 0xff, 0x00]));
    assert.equal(bad.kind, 'malformed');
    assert.equal(a.decodeLeg('Negotiate', Buffer.from([0x60, 0x85, 1, 2, 3, 4, 5])).kind, 'malformed', 'a framing length no DER allows');
  });

  it('a token for no registered mechanism is unserved, one path whether framed (bare Kerberos) or listed (SPNEGO)', () => {
    const a = acceptors();
    const bare = a.decodeLeg('Negotiate', KRB5);
    assert.deepEqual(bare.kind === 'unserved' && bare.offered, ['1.2.840.113554.1.2.2']);
    const listed = a.decodeLeg('Negotiate', encodeInitialToken({ mechTypes: ['1.2.840.48018.1.2.2', '1.2.840.113554.1.2.2'] }));
    assert.deepEqual(listed.kind === 'unserved' && listed.offered, ['1.2.840.48018.1.2.2', '1.2.840.113554.1.2.2']);
  });
});

describe('Acceptors.wellFormed (a stray later leg: 400 or 401)', () => {
  it('decodes the mechanism token a stray leg carries, bare or inside a NegTokenResp', () => {
    const a = acceptors();
    const neg = new NtlmClientContext({ credentials: ALICE }).negotiate();
    assert.equal(a.wellFormed(a.decodeLeg('NTLM', neg)), true);
    assert.equal(a.wellFormed(a.decodeLeg('NTLM', neg.subarray(0, 20))), false);
    assert.equal(a.wellFormed(a.decodeLeg('Negotiate', encodeNegTokenResp({ responseToken: neg }))), true);
    assert.equal(a.wellFormed(a.decodeLeg('Negotiate', encodeNegTokenResp({ responseToken: neg.subarray(0, 20) }))), false);
    assert.equal(a.wellFormed(a.decodeLeg('Negotiate', Buffer.from([0xa1, 0xff, 0x00]))), false);
  });
});
