/**
 * describe.ts: token bytes → view, on the MS-NLMP §4.2.4 CHALLENGE, the captured Windows
 * AUTHENTICATE (MIC + channel bindings), synthetic NEGOTIATE/AUTHENTICATE layouts, and
 * SPNEGO-wrapped tokens; malformed input throws the coded decode errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeInput, describeNtlm, describeToken } from '../../src/cli/describe.js';
import type { AuthenticateView, ChallengeView, NegotiateView, NtlmView, TokenView } from '../../src/cli/decodeViews.js';
import { TokenInputError } from '../../src/cli/tokenInput.js';
import { NtlmDecodeError } from '../../src/ntlm/errors.js';
import { NegotiateFlags as F } from '../../src/ntlm/flags.js';
import { encodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { encodeNegotiate } from '../../src/ntlm/messages/negotiate.js';
import { SpnegoDecodeError } from '../../src/spnego/errors.js';
import { OID_KERBEROS5, OID_MS_KERBEROS5, OID_NTLMSSP } from '../../src/spnego/oids.js';
import { encodeInitialToken, encodeNegTokenInit2, encodeNegTokenResp } from '../../src/spnego/tokens.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Capture {
  User: string;
  Domain: string;
  Workstation: string;
  ServerTime: string;
  ServerChallenge: string;
  ChallengeMessage: string;
  AuthenticateMessage: string;
  MIC: string;
  CBSum: string;
}
const cap = JSON.parse(readFileSync(new URL('../../../test/fixtures/windows-ntlmv2-mic-cbt.json', import.meta.url), 'utf8')) as Capture;

/** MS-NLMP §4.2.4.3 CHALLENGE_MESSAGE (NTLMv2 example). */
const SPEC_CHALLENGE = h(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000' +
    '060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c005300650072007600' +
    '6500720000000000',
);

function asType<T extends NtlmView['type']>(v: NtlmView | null, type: T): Extract<NtlmView, { type: T }> {
  assert.ok(v, 'expected an NTLM message');
  assert.equal(v.type, type);
  return v as Extract<NtlmView, { type: T }>;
}

describe('describeNtlm: MS-NLMP §4.2.4 CHALLENGE', () => {
  it('gives every field, the AV pairs decoded', () => {
    const expected: ChallengeView = {
      type: 'CHALLENGE',
      messageType: 2,
      flags: {
        hex: '0xe28a8233',
        names: [
          'NEGOTIATE_UNICODE',
          'NEGOTIATE_OEM',
          'NEGOTIATE_SIGN',
          'NEGOTIATE_SEAL',
          'NEGOTIATE_NTLM',
          'NEGOTIATE_ALWAYS_SIGN',
          'TARGET_TYPE_SERVER',
          'NEGOTIATE_EXTENDED_SESSIONSECURITY',
          'NEGOTIATE_TARGET_INFO',
          'NEGOTIATE_VERSION',
          'NEGOTIATE_128',
          'NEGOTIATE_KEY_EXCH',
          'NEGOTIATE_56',
        ],
      },
      targetName: 'Server',
      serverChallenge: '0123456789abcdef',
      targetInfo: '02000c0044006f006d00610069006e0001000c00530065007200760065007200' + '00000000',
      avPairs: [
        { id: 'MsvAvNbDomainName', value: 'Domain', hex: '44006f006d00610069006e00' },
        { id: 'MsvAvNbComputerName', value: 'Server', hex: '530065007200760065007200' },
      ],
      version: { major: 6, minor: 0, build: 6000, revision: 15, text: '6.0.6000 (NTLM revision 15)' },
    };
    assert.deepEqual(describeNtlm(SPEC_CHALLENGE), expected);
  });

  it('as a raw token: encoding ntlmssp, no SPNEGO layer, exact length', () => {
    const t = describeToken(SPEC_CHALLENGE);
    assert.equal(t.encoding, 'ntlmssp');
    assert.equal(t.length, SPEC_CHALLENGE.length);
    assert.equal(t.spnego, null);
    assert.equal(asType(t.ntlm, 'CHALLENGE').serverChallenge, '0123456789abcdef');
  });
});

describe('describeNtlm: captured Windows 7 AUTHENTICATE with MIC and channel bindings', () => {
  const a: AuthenticateView = asType(describeNtlm(h(cap.AuthenticateMessage)), 'AUTHENTICATE');

  it('names, response kind and raw responses', () => {
    assert.equal(a.user, 'Administrator');
    assert.equal(a.domain, 'WS2008R2');
    assert.equal(a.workstation, 'WIN7-2-PC');
    assert.equal(a.responseKind, 'NTLMv2');
    assert.equal(a.flags.hex, '0xa2888205');
    assert.ok(a.flags.names.includes('NEGOTIATE_EXTENDED_SESSIONSECURITY'));
    assert.ok(!a.flags.names.includes('NEGOTIATE_KEY_EXCH'));
    assert.equal(a.lmResponse, '00'.repeat(24));
    const ntStart = cap.AuthenticateMessage.indexOf('5a6a21ae');
    assert.equal(a.ntResponse, cap.AuthenticateMessage.slice(ntStart, ntStart + 0x17c * 2));
    assert.equal(a.encryptedRandomSessionKey, null);
    assert.deepEqual(a.version, { major: 6, minor: 1, build: 7600, revision: 15, text: '6.1.7600 (NTLM revision 15)' });
  });

  it('MIC, MsvAvFlags, channel-binding hash and target name', () => {
    assert.equal(a.mic, 'f054a542b090b66c1fea1a2cc82e930b');
    assert.equal(a.mic, cap.MIC);
    const v2 = a.ntlmv2;
    assert.ok(v2);
    assert.deepEqual(v2.msvAvFlags, { hex: '0x00000002', names: ['MIC_PRESENT'], micAnnounced: true });
    assert.equal(v2.channelBindings, '6586e99d81c2fc984e47172fd4dd0310');
    assert.equal(v2.channelBindings, cap.CBSum);
    assert.equal(v2.targetName, 'HTTP/dc-ws2008r2.ws2008r2.local');
  });

  it('NTLMv2 blob: NTProofStr, timestamp, client challenge, AV pairs in order', () => {
    const v2 = a.ntlmv2;
    assert.ok(v2);
    assert.equal(v2.ntProofStr, '5a6a21ae1a44c044693eee59fc5d81e0');
    assert.equal(v2.clientChallenge, '27fc118082c2fbdd');
    assert.equal(v2.timestamp.filetime, BigInt(cap.ServerTime).toString());
    assert.equal(v2.timestamp.utc, '2012-12-19T17:10:36.536Z');
    assert.deepEqual(
      v2.avPairs.map((p) => p.id),
      [
        'MsvAvNbDomainName',
        'MsvAvNbComputerName',
        'MsvAvDnsDomainName',
        'MsvAvDnsComputerName',
        'MsvAvDnsTreeName',
        'MsvAvTimestamp',
        'MsvAvFlags',
        'MsvAvSingleHost',
        'MsvAvChannelBindings',
        'MsvAvTargetName',
      ],
    );
    assert.equal(v2.avPairs.find((p) => p.id === 'MsvAvDnsComputerName')?.value, 'DC-ws2008r2.ws2008r2.local');
    assert.equal(v2.avPairs.find((p) => p.id === 'MsvAvFlags')?.value, 2);
  });

  it('is JSON-safe: survives a JSON round trip unchanged (no Buffers, no bigints)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  });
});

describe('describeNtlm: other layouts', () => {
  it('NEGOTIATE with OEM domain and workstation supplied', () => {
    const raw = encodeNegotiate({
      flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM | F.NEGOTIATE_VERSION,
      domainName: 'CORP',
      workstation: 'WS01',
      version: { major: 10, minor: 0, build: 19041, revision: 15 },
    });
    const n: NegotiateView = asType(describeNtlm(raw), 'NEGOTIATE');
    assert.equal(n.domain, 'CORP');
    assert.equal(n.workstation, 'WS01');
    assert.deepEqual(n.flags.names, [
      'NEGOTIATE_UNICODE',
      'NEGOTIATE_NTLM',
      'NEGOTIATE_OEM_DOMAIN_SUPPLIED',
      'NEGOTIATE_OEM_WORKSTATION_SUPPLIED',
      'NEGOTIATE_VERSION',
    ]);
    assert.equal(n.version?.text, '10.0.19041 (NTLM revision 15)');
  });

  it('NEGOTIATE without the names or a version (curl-style 32 bytes)', () => {
    const raw = encodeNegotiate({ flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM }).subarray(0, 32);
    const n = asType(describeNtlm(raw), 'NEGOTIATE');
    assert.deepEqual([n.domain, n.workstation, n.version], [null, null, null]);
  });

  const base = {
    domainName: 'D',
    userName: 'u',
    workstation: 'W',
    encryptedRandomSessionKey: Buffer.alloc(16, 0x55),
    version: { major: 5, minor: 1, build: 2600, revision: 15 },
  };

  it('NTLMv1 and NTLMv1-ESS are told apart by the ESS flag and the LM shape', () => {
    const v1 = asType(
      describeNtlm(
        encodeAuthenticate({
          ...base,
          flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM | F.NEGOTIATE_VERSION | F.NEGOTIATE_KEY_EXCH,
          lmChallengeResponse: Buffer.alloc(24, 1),
          ntChallengeResponse: Buffer.alloc(24, 2),
        }),
      ),
      'AUTHENTICATE',
    );
    assert.equal(v1.responseKind, 'NTLMv1');
    assert.equal(v1.ntlmv2, null);
    assert.equal(v1.mic, null, 'the 72-byte layout has no room for a MIC');
    assert.equal(v1.encryptedRandomSessionKey, '55'.repeat(16));
    assert.equal(v1.user, 'u');

    const essLm = Buffer.concat([Buffer.alloc(8, 0xaa), Buffer.alloc(16)]);
    const ess = asType(
      describeNtlm(
        encodeAuthenticate({
          ...base,
          flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM | F.NEGOTIATE_EXTENDED_SESSIONSECURITY,
          lmChallengeResponse: essLm,
          ntChallengeResponse: Buffer.alloc(24, 2),
        }),
      ),
      'AUTHENTICATE',
    );
    assert.equal(ess.responseKind, 'NTLMv1-ESS');
    assert.equal(ess.lmResponse, essLm.toString('hex'));
  });

  it('anonymous: empty NT response, LM Z(1)', () => {
    const anon = asType(
      describeNtlm(
        encodeAuthenticate({
          ...base,
          userName: '',
          domainName: '',
          encryptedRandomSessionKey: Buffer.alloc(0),
          flags: F.NEGOTIATE_UNICODE | F.ANONYMOUS,
          lmChallengeResponse: Buffer.alloc(1),
          ntChallengeResponse: Buffer.alloc(0),
        }),
      ),
      'AUTHENTICATE',
    );
    assert.equal(anon.responseKind, 'Anonymous');
    assert.equal(anon.ntResponse, '');
    assert.equal(anon.encryptedRandomSessionKey, null);
  });

  it('malformed NTLM throws NtlmDecodeError with its code', () => {
    assert.throws(() => describeNtlm(SPEC_CHALLENGE.subarray(0, 20)), (e: unknown) => e instanceof NtlmDecodeError && e.code === 'TOO_SHORT');
    const badType = Buffer.from(SPEC_CHALLENGE);
    badType.writeUInt32LE(7, 8);
    assert.throws(() => describeNtlm(badType), (e: unknown) => e instanceof NtlmDecodeError && e.code === 'BAD_MESSAGE_TYPE');
  });
});

describe('describeToken: SPNEGO', () => {
  const negotiate = encodeNegotiate({ flags: F.NEGOTIATE_UNICODE | F.NEGOTIATE_NTLM | F.NEGOTIATE_SIGN });

  it('NegTokenInit (framed): mechTypes by name and OID, reqFlags, and the NTLM mechToken decoded', () => {
    const tok = encodeInitialToken({ mechTypes: [OID_NTLMSSP, OID_KERBEROS5], reqFlags: 0x42, mechToken: negotiate });
    const t: TokenView = describeToken(tok);
    assert.equal(t.encoding, 'spnego');
    assert.equal(t.length, tok.length);
    assert.deepEqual(t.spnego, {
      type: 'NegTokenInit',
      framed: true,
      mechTypes: [
        { oid: '1.3.6.1.4.1.311.2.2.10', name: 'NTLMSSP' },
        { oid: '1.2.840.113554.1.2.2', name: 'Kerberos 5' },
      ],
      reqFlags: { value: 0x42, names: ['mutual', 'integ'] },
      mechToken: negotiate.toString('hex'),
      negHints: null,
      mechListMIC: null,
    });
    const n = asType(t.ntlm, 'NEGOTIATE');
    assert.deepEqual(n.flags.names, ['NEGOTIATE_UNICODE', 'NEGOTIATE_SIGN', 'NEGOTIATE_NTLM']);
  });

  it('NegTokenInit2 (the server hint) with negHints and no mechToken', () => {
    const t = describeToken(encodeNegTokenInit2({ mechTypes: [OID_MS_KERBEROS5, OID_NTLMSSP] }));
    assert.ok(t.spnego && t.spnego.type === 'NegTokenInit2');
    assert.deepEqual(t.spnego.mechTypes.map((m) => m.name), ['MS Kerberos 5', 'NTLMSSP']);
    assert.deepEqual(t.spnego.negHints, { hintName: 'not_defined_in_RFC4178@please_ignore', hintAddress: null });
    assert.equal(t.spnego.mechToken, null);
    assert.equal(t.ntlm, null);
  });

  it('NegTokenResp: negState, supportedMech, mechListMIC, and the CHALLENGE in responseToken', () => {
    const mic = Buffer.from('0100000078563412' + '0'.repeat(16), 'hex');
    const t = describeToken(
      encodeNegTokenResp({ negState: 'accept-incomplete', supportedMech: OID_NTLMSSP, responseToken: SPEC_CHALLENGE, mechListMIC: mic }),
    );
    assert.deepEqual(t.spnego, {
      type: 'NegTokenResp',
      framed: false,
      negState: 'accept-incomplete',
      supportedMech: { oid: OID_NTLMSSP, name: 'NTLMSSP' },
      responseToken: SPEC_CHALLENGE.toString('hex'),
      mechListMIC: mic.toString('hex'),
    });
    assert.equal(asType(t.ntlm, 'CHALLENGE').targetName, 'Server');
  });

  it('a mechToken that is not NTLM (Kerberos AP-REQ bytes) is shown but not decoded', () => {
    const krb = h('6e820100aabbcc');
    const t = describeToken(encodeInitialToken({ mechTypes: [OID_KERBEROS5], mechToken: krb }));
    assert.ok(t.spnego && t.spnego.type === 'NegTokenInit');
    assert.equal(t.spnego.mechToken, '6e820100aabbcc');
    assert.equal(t.ntlm, null);
  });

  it('a broken NTLM message inside SPNEGO throws NtlmDecodeError naming the field', () => {
    const tok = encodeNegTokenResp({ negState: 'accept-incomplete', responseToken: SPEC_CHALLENGE.subarray(0, 30) });
    assert.throws(
      () => describeToken(tok),
      (e: unknown) => e instanceof NtlmDecodeError && e.code === 'TOO_SHORT' && e.message.startsWith('responseToken: '),
    );
  });

  it('bytes that are neither NTLMSSP nor SPNEGO throw SpnegoDecodeError', () => {
    assert.throws(() => describeToken(Buffer.from('hello world')), SpnegoDecodeError);
    assert.throws(() => describeToken(h('6082010000')), (e: unknown) => e instanceof SpnegoDecodeError && e.code === 'TRUNCATED');
  });
});

describe('describeInput', () => {
  it('records where the token came from', () => {
    const b64 = h(cap.AuthenticateMessage).toString('base64');
    const v = describeInput(`Proxy-Authorization: NTLM ${b64}`);
    assert.deepEqual(v.input, { header: 'Proxy-Authorization', scheme: 'NTLM', direction: 'client-to-server' });
    assert.equal(asType(v.ntlm, 'AUTHENTICATE').user, cap.User);
  });

  it('passes input errors through as TokenInputError', () => {
    assert.throws(() => describeInput('Basic dXNlcjpwYXNz'), (e: unknown) => e instanceof TokenInputError && e.code === 'UNKNOWN_SCHEME');
  });
});
