/**
 * MS-NLMP §4.2 test vectors, every value byte for byte: §4.2.2 NTLMv1, §4.2.3 NTLMv1
 * with client challenge (ESS), §4.2.4 NTLMv2, including the full CHALLENGE and
 * AUTHENTICATE messages and GSS_WrapEx outputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rc4 } from '../../src/crypto/rc4.js';
import { AvId, avString, decodeAvPairs, encodeAvPairs } from '../../src/ntlm/avPairs.js';
import { encryptSessionKey, kxkey, sealkey, signkey } from '../../src/ntlm/keys.js';
import { decodeAuthenticate, encodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { decodeChallenge, encodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { lmowfv1, ntowfv1, ntowfv2 } from '../../src/ntlm/owf.js';
import {
  buildNtlmV2ClientChallenge,
  computeV1EssResponses,
  computeV1Responses,
  computeV2Responses,
  verifyNtlmV1,
  verifyNtlmV2,
} from '../../src/ntlm/responses.js';
import { NtlmSessionSecurity } from '../../src/ntlm/sessionSecurity.js';
import { NegotiateFlags as F } from '../../src/ntlm/flags.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// §4.2.1 common values
const USER = 'User';
const DOMAIN = 'Domain';
const PASSWORD = 'Password';
const RANDOM_SESSION_KEY = Buffer.alloc(16, 0x55);
const TIME = Buffer.alloc(8);
const CLIENT_CHALLENGE = Buffer.alloc(8, 0xaa);
const SERVER_CHALLENGE = h('0123456789abcdef');
const PLAINTEXT = Buffer.from('Plaintext', 'utf16le');
const V_CHALLENGE = { major: 6, minor: 0, build: 6000, revision: 15 };
const V_AUTH = { major: 5, minor: 1, build: 2600, revision: 15 };

describe('MS-NLMP §4.2.2 NTLMv1 authentication', () => {
  const flags = 0xe2028233;
  const ntHash = ntowfv1(PASSWORD);
  const lmHash = lmowfv1(PASSWORD);
  const r = computeV1Responses(ntHash, lmHash, SERVER_CHALLENGE);

  it('computes LMOWFv1, NTOWFv1 and the session base key', () => {
    assert.equal(hex(lmHash), 'e52cac67419a9a224a3b108f3fa6cb6d');
    assert.equal(hex(ntHash), 'a4f49c406510bdcab6824ee7c30fd852');
    assert.equal(hex(r.sessionBaseKey), 'd87262b0cde4b1cb7499becccdf10784');
  });

  it('computes the NTLMv1 and LMv1 responses', () => {
    assert.equal(hex(r.ntChallengeResponse), '67c43011f30298a2ad35ece64f16331c44bdbed927841f94');
    assert.equal(hex(r.lmChallengeResponse), '98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13');
  });

  it('derives the key exchange key and encrypted session key for each flag combination', () => {
    const k = kxkey(flags, r.sessionBaseKey, r.lmChallengeResponse, SERVER_CHALLENGE, lmHash, false);
    assert.equal(hex(k), 'd87262b0cde4b1cb7499becccdf10784');
    assert.equal(hex(encryptSessionKey(k, RANDOM_SESSION_KEY)), '518822b1b3f350c8958682ecbb3e3cb7');

    const nonNt = kxkey(flags | F.REQUEST_NON_NT_SESSION_KEY, r.sessionBaseKey, r.lmChallengeResponse, SERVER_CHALLENGE, lmHash, false);
    assert.equal(hex(nonNt), 'e52cac67419a9a220000000000000000');
    assert.equal(hex(encryptSessionKey(nonNt, RANDOM_SESSION_KEY)), '7452ca55c225a1ca04b48fae32cf56fc');

    const lmKey = kxkey(flags | F.NEGOTIATE_LM_KEY, r.sessionBaseKey, r.lmChallengeResponse, SERVER_CHALLENGE, lmHash, false);
    assert.equal(hex(lmKey), 'b09e379f7fbecb1eaf0afdcb0383c8a0');
    assert.equal(hex(encryptSessionKey(lmKey, RANDOM_SESSION_KEY)), '4cd7bb57d697ef9b549f02b8f9b37864');
  });

  it('seals and signs (GSS_WrapEx without ESS, RC4 key = RandomSessionKey)', () => {
    assert.equal(hex(sealkey(flags, RANDOM_SESSION_KEY, 'client')), hex(RANDOM_SESSION_KEY));
    const s = new NtlmSessionSecurity(flags, RANDOM_SESSION_KEY, 'client');
    const { sealed, signature } = s.seal(PLAINTEXT);
    assert.equal(hex(sealed), '56fe04d861f9319af0d7238a2e3b4d457fb8');
    // RandomPad emitted as zero (§3.4.4.1); the spec's printed example keeps the RC4'd pad.
    assert.equal(hex(signature), '010000000000000009dcd1df2e459d36');
    const peer = new NtlmSessionSecurity(flags, RANDOM_SESSION_KEY, 'server');
    assert.equal(peer.unseal(sealed, signature).toString('utf16le'), 'Plaintext');
  });

  it('encodes and decodes the CHALLENGE message byte for byte', () => {
    const want =
      '4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef00000000000000000000000000000000060070170000000f530065007200760065007200';
    const got = encodeChallenge({ flags, targetName: 'Server', serverChallenge: SERVER_CHALLENGE, targetInfo: [], version: V_CHALLENGE });
    assert.equal(hex(got), want);
    const d = decodeChallenge(h(want));
    assert.equal(d.flags, flags);
    assert.equal(d.targetName, 'Server');
    assert.equal(hex(d.serverChallenge), '0123456789abcdef');
    assert.deepEqual(d.version, V_CHALLENGE);
    assert.equal(d.targetInfo.length, 0);
  });

  it('encodes and decodes the AUTHENTICATE message byte for byte', () => {
    const want =
      '4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f94518822b1b3f350c8958682ecbb3e3cb7';
    const got = encodeAuthenticate({
      flags: 0xe2808235,
      lmChallengeResponse: r.lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domainName: DOMAIN,
      userName: USER,
      workstation: 'COMPUTER',
      encryptedRandomSessionKey: h('518822b1b3f350c8958682ecbb3e3cb7'),
      version: V_AUTH,
    });
    assert.equal(hex(got), want);
    const d = decodeAuthenticate(h(want));
    assert.equal(d.userName, USER);
    assert.equal(d.domainName, DOMAIN);
    assert.equal(d.workstation, 'COMPUTER');
    assert.equal(d.mic, undefined, 'a 72-byte header has no MIC');
    assert.deepEqual(d.version, V_AUTH);
    assert.ok(verifyNtlmV1(ntHash, lmHash, SERVER_CHALLENGE, d.ntChallengeResponse, d.lmChallengeResponse, false).ok);
  });
});

describe('MS-NLMP §4.2.3 NTLMv1 with client challenge (extended session security)', () => {
  const flags = 0x820a8233;
  const ntHash = ntowfv1(PASSWORD);
  const r = computeV1EssResponses(ntHash, SERVER_CHALLENGE, CLIENT_CHALLENGE);
  const k = kxkey(flags, r.sessionBaseKey, r.lmChallengeResponse, SERVER_CHALLENGE, undefined, false);

  it('computes the responses and keys', () => {
    assert.equal(hex(r.lmChallengeResponse), 'aaaaaaaaaaaaaaaa00000000000000000000000000000000');
    assert.equal(hex(r.ntChallengeResponse), '7537f803ae367128ca458204bde7caf81e97ed2683267232');
    assert.equal(hex(r.sessionBaseKey), 'd87262b0cde4b1cb7499becccdf10784');
    assert.equal(hex(k), 'eb93429a8bd952f8b89c55b87f475edc');
    assert.equal(hex(sealkey(flags, k, 'client')), '04dd7f014d8504d265a25cc86a3a7c06');
    assert.equal(hex(signkey(flags, k, 'client') ?? Buffer.alloc(0)), '60e799be5c72fc92922ae8ebe961fb8d');
  });

  it('seals and signs', () => {
    const s = new NtlmSessionSecurity(flags, k, 'client');
    const { sealed, signature } = s.seal(PLAINTEXT);
    assert.equal(hex(sealed), 'a02372f6530273f3aa1eb90190ce5200c99d');
    assert.equal(hex(signature), '01000000ff2aeb52f681793a00000000');
    assert.equal(new NtlmSessionSecurity(flags, k, 'server').unseal(sealed, signature).toString('utf16le'), 'Plaintext');
  });

  it('derives the other SEALKEY strengths', () => {
    const ess = F.NEGOTIATE_EXTENDED_SESSIONSECURITY;
    assert.equal(hex(sealkey(ess | F.NEGOTIATE_56, RANDOM_SESSION_KEY, 'client')), 'a5f7253c1065e8d3d68642040e71cfe0');
    assert.equal(hex(sealkey(ess | F.NEGOTIATE_56, RANDOM_SESSION_KEY, 'server')), '583e2f98959b385cd158f3734b5f5d3f');
    assert.equal(hex(sealkey(ess, RANDOM_SESSION_KEY, 'client')), '42f964a471091a02ff4a77455366e4e5');
    assert.equal(hex(sealkey(ess, RANDOM_SESSION_KEY, 'server')), 'c5d3853b406b7c1241c595f0ce0750e2');
    assert.equal(hex(sealkey(F.NEGOTIATE_LM_KEY | F.NEGOTIATE_56, RANDOM_SESSION_KEY, 'client')), '55555555555555a0');
    assert.equal(hex(sealkey(F.NEGOTIATE_LM_KEY, RANDOM_SESSION_KEY, 'client')), '5555555555e538b0');
  });
});

describe('MS-NLMP §4.2.4 NTLMv2 authentication', () => {
  const flags = 0xe28a8233;
  const targetInfo = [
    { id: AvId.MsvAvNbDomainName, value: avString('Domain') },
    { id: AvId.MsvAvNbComputerName, value: avString('Server') },
  ];
  const targetInfoHex = '02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000';
  const key = ntowfv2(PASSWORD, USER, DOMAIN);
  const r = computeV2Responses(key, SERVER_CHALLENGE, CLIENT_CHALLENGE, TIME, encodeAvPairs(targetInfo));
  const k = kxkey(flags, r.sessionBaseKey, r.lmChallengeResponse, SERVER_CHALLENGE, undefined, true);

  it('computes NTOWFv2, temp, NTProofStr, LMv2 and the session keys', () => {
    assert.equal(hex(key), '0c868a403bfd7a93a3001ef22ef02e3f');
    assert.equal(hex(encodeAvPairs(targetInfo)), targetInfoHex);
    assert.deepEqual(decodeAvPairs(h(targetInfoHex)), targetInfo);
    assert.equal(
      hex(buildNtlmV2ClientChallenge(TIME, CLIENT_CHALLENGE, encodeAvPairs(targetInfo))),
      '01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000',
    );
    assert.equal(hex(r.ntProofStr), '68cd0ab851e51c96aabc927bebef6a1c');
    assert.equal(hex(r.lmChallengeResponse), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    assert.equal(hex(r.sessionBaseKey), '8de40ccadbc14a82f15cb0ad0de95ca3');
    assert.equal(hex(k), '8de40ccadbc14a82f15cb0ad0de95ca3');
    assert.equal(hex(encryptSessionKey(k, RANDOM_SESSION_KEY)), 'c5dad2544fc9799094ce1ce90bc9d03e');
    assert.equal(hex(rc4(k, h('c5dad2544fc9799094ce1ce90bc9d03e'))), hex(RANDOM_SESSION_KEY));
  });

  it('derives client and server SEALKEY and SIGNKEY', () => {
    assert.equal(hex(sealkey(flags, RANDOM_SESSION_KEY, 'client')), '59f600973cc4960a25480a7c196e4c58');
    assert.equal(hex(signkey(flags, RANDOM_SESSION_KEY, 'client') ?? Buffer.alloc(0)), '4788dc861b4782f35d43fd98fe1a2d39');
    assert.equal(hex(sealkey(flags, RANDOM_SESSION_KEY, 'server')), '9355f3a957c1583d25c4c2f11e40390e');
    assert.equal(hex(signkey(flags, RANDOM_SESSION_KEY, 'server') ?? Buffer.alloc(0)), 'd04d6f10741041d1d246d64188d7a8ad');
  });

  it('seals and signs with and without key exchange', () => {
    const s = new NtlmSessionSecurity(flags, RANDOM_SESSION_KEY, 'client');
    const { sealed, signature } = s.seal(PLAINTEXT);
    assert.equal(hex(sealed), '54e50165bf1936dc996020c1811b0f06fb5f');
    assert.equal(hex(signature), '010000007fb38ec5c55d497600000000');
    const noKx = new NtlmSessionSecurity(flags & ~F.NEGOTIATE_KEY_EXCH, RANDOM_SESSION_KEY, 'client');
    assert.equal(hex(noKx.seal(PLAINTEXT).signature), '0100000070352851f256430900000000');
    const server = new NtlmSessionSecurity(flags, RANDOM_SESSION_KEY, 'server');
    assert.equal(server.unseal(sealed, signature).toString('utf16le'), 'Plaintext');
  });

  it('encodes and decodes the CHALLENGE message byte for byte', () => {
    const want =
      '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000';
    const got = encodeChallenge({ flags, targetName: 'Server', serverChallenge: SERVER_CHALLENGE, targetInfo, version: V_CHALLENGE });
    assert.equal(hex(got), want);
    const d = decodeChallenge(h(want));
    assert.deepEqual(d.targetInfo, targetInfo);
    assert.equal(hex(d.targetInfoRaw), targetInfoHex);
  });

  it('encodes and decodes the AUTHENTICATE message byte for byte', () => {
    const want =
      '4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e';
    const got = encodeAuthenticate({
      flags: 0xe2888235,
      lmChallengeResponse: r.lmChallengeResponse,
      ntChallengeResponse: r.ntChallengeResponse,
      domainName: DOMAIN,
      userName: USER,
      workstation: 'COMPUTER',
      encryptedRandomSessionKey: encryptSessionKey(k, RANDOM_SESSION_KEY),
      version: V_AUTH,
    });
    assert.equal(hex(got), want);
    const d = decodeAuthenticate(h(want));
    const v = verifyNtlmV2(ntowfv1(PASSWORD), d.userName, d.domainName, SERVER_CHALLENGE, d.ntChallengeResponse, d.lmChallengeResponse);
    assert.ok(v.ok);
    assert.equal(hex(v.sessionBaseKey ?? Buffer.alloc(0)), '8de40ccadbc14a82f15cb0ad0de95ca3');
    assert.equal(verifyNtlmV2(ntowfv1('password'), USER, DOMAIN, SERVER_CHALLENGE, d.ntChallengeResponse, d.lmChallengeResponse).ok, false);
  });
});
