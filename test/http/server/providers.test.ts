/** Authorization parsing and WWW-Authenticate formatting (pure). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authPackage, challengeHeaders, parseAuthorization, tokenHeader } from '../../../src/http/server/providers.js';

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

describe('WWW-Authenticate', () => {
  it('one bare challenge per provider in order; tokens under their scheme', () => {
    assert.deepEqual(challengeHeaders(['NTLM', 'Negotiate']), ['NTLM', 'Negotiate']);
    assert.equal(tokenHeader('Negotiate', Buffer.from([1, 2, 3])), 'Negotiate AQID');
  });

  it('names the auth package by scheme and mechanism', () => {
    assert.equal(authPackage('NTLM', 'NTLM'), 'NTLM');
    assert.equal(authPackage('Negotiate', 'NTLM'), 'Negotiate(NTLM)');
    assert.equal(authPackage('Negotiate', 'Kerberos'), 'Negotiate(Kerberos)');
  });
});
