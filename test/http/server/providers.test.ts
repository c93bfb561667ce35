/** Authorization parsing and WWW-Authenticate formatting (pure). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { NegotiateClientContext } from '../../../src/spnego/negotiateClient.js';
import { challengeHeaders, decodes, isForeignGssToken, isInitialToken, parseAuthorization, tokenHeader } from '../../../src/http/server/providers.js';
import { ALICE } from './helpers.js';

const BOTH = ['Negotiate', 'NTLM'] as const;

describe('parseAuthorization', () => {
  it('reads a token under a configured scheme, the scheme in any case', () => {
    const t = Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1');
    for (const scheme of ['NTLM', 'ntlm', 'Ntlm']) {
      assert.deepEqual(parseAuthorization(`${scheme} ${t.toString('base64')}`, BOTH), { kind: 'token', scheme: 'NTLM', token: t });
    }
    assert.deepEqual(parseAuthorization(`negotiate   ${t.toString('base64')}  `, BOTH), { kind: 'token', scheme: 'Negotiate', token: t });
    assert.equal(parseAuthorization('NTLM TlRMTVNTUAABAAAA', BOTH).kind, 'token', 'unpadded base64');
  });

  it('no header, other schemes and unconfigured providers', () => {
    assert.deepEqual(parseAuthorization(undefined, BOTH), { kind: 'none' });
    assert.deepEqual(parseAuthorization('  ', BOTH), { kind: 'none' });
    assert.deepEqual(parseAuthorization('Basic YTpi', BOTH), { kind: 'other-scheme', scheme: 'Basic' });
    assert.deepEqual(parseAuthorization('NTLM TlRMTVNTUAABAAAA', ['Negotiate']), { kind: 'other-scheme', scheme: 'NTLM' });
  });

  it('malformed: no token, not base64, impossible lengths, bad scheme token', () => {
    for (const v of ['NTLM', 'NTLM ', 'NTLM !!!!', 'NTLM A', 'NTLM AB=C', 'NTLM ABC=D===', 'Negotiate ====', 'NT(LM) abcd', 'NTLM a b']) {
      assert.equal(parseAuthorization(v, BOTH).kind, 'malformed', v);
    }
  });
});

describe('legs and decoding', () => {
  it('tells first legs from later ones', () => {
    const ntlm = new NtlmClientContext({ credentials: ALICE });
    assert.equal(isInitialToken(ntlm.negotiate()), true);
    assert.equal(isInitialToken(new NegotiateClientContext({ credentials: ALICE }).initialToken()), true);
    assert.equal(isInitialToken(Buffer.from([0xa1, 0x03, 0x30, 0x01, 0x00])), false);
    assert.equal(isInitialToken(Buffer.from('NTLMSSP\0\x03\0\0\0', 'latin1')), false);
    assert.equal(isInitialToken(Buffer.from('x')), false);
  });

  it('spots GSS-API tokens for other mechanisms (a bare Kerberos AP-REQ), not SPNEGO ones', () => {
    const krb5 = Buffer.from([0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00]);
    assert.equal(isForeignGssToken(krb5), true);
    assert.equal(isForeignGssToken(new NegotiateClientContext({ credentials: ALICE }).initialToken()), false);
    assert.equal(isForeignGssToken(Buffer.from([0x60, 0x85, 1, 2, 3, 4, 5])), false, 'bad length form');
    assert.equal(isForeignGssToken(Buffer.from('NTLMSSP\0', 'latin1')), false);
  });

  it('decodes() says whether a token is well-formed for its scheme', () => {
    const neg = new NtlmClientContext({ credentials: ALICE }).negotiate();
    assert.equal(decodes('NTLM', neg), true);
    assert.equal(decodes('Negotiate', neg), true, 'raw NTLMSSP under Negotiate');
    assert.equal(decodes('NTLM', neg.subarray(0, 20)), false);
    assert.equal(decodes('NTLM', new NegotiateClientContext({ credentials: ALICE }).initialToken()), false, 'SPNEGO is not NTLM');
    assert.equal(decodes('Negotiate', new NegotiateClientContext({ credentials: ALICE }).initialToken()), true);
    assert.equal(decodes('Negotiate', Buffer.from([0xa1, 0xff, 0x00])), false);
  });
});

describe('WWW-Authenticate', () => {
  it('one bare challenge per provider in order; tokens under their scheme', () => {
    assert.deepEqual(challengeHeaders(['NTLM', 'Negotiate']), ['NTLM', 'Negotiate']);
    assert.equal(tokenHeader('Negotiate', Buffer.from([1, 2, 3])), 'Negotiate AQID');
  });
});
