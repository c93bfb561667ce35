/**
 * A captured Windows 7 → Windows Server 2008 R2 NTLMv2 exchange over HTTP with MIC and
 * channel bindings (published in gss-ntlmssp's tests as T_NTLMv2_CBT), decoded field for
 * field; its NTLMv2 response verifies against the account's NT hash.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AvId, findAv, readAvFlags, readAvString, readAvTimestamp } from '../../src/ntlm/avPairs.js';
import { flagNames, parseFlagNames } from '../../src/ntlm/flags.js';
import { decodeAuthenticate } from '../../src/ntlm/messages/authenticate.js';
import { decodeChallenge } from '../../src/ntlm/messages/challenge.js';
import { ntowfv1 } from '../../src/ntlm/owf.js';
import { classifyResponse, parseNtlmV2Response, verifyNtlmV2 } from '../../src/ntlm/responses.js';

interface Capture {
  ChallengeFlags: string;
  User: string;
  Password: string;
  Domain: string;
  Workstation: string;
  Server: string;
  DnsDomain: string;
  DnsServer: string;
  Forest: string;
  ServerTime: string;
  ServerChallenge: string;
  NTLMHash: string;
  TargetInfo: string;
  ChallengeMessage: string;
  AuthenticateMessage: string;
  MIC: string;
  CBSum: string;
}

const cap = JSON.parse(readFileSync(new URL('../../../test/fixtures/windows-ntlmv2-mic-cbt.json', import.meta.url), 'utf8')) as Capture;
const h = (s: string): Buffer => Buffer.from(s, 'hex');

describe('captured Windows NTLMv2 exchange with MIC and channel bindings', () => {
  const chal = decodeChallenge(h(cap.ChallengeMessage));
  const auth = decodeAuthenticate(h(cap.AuthenticateMessage));

  it('decodes the CHALLENGE field for field', () => {
    assert.equal(chal.flags, parseFlagNames(cap.ChallengeFlags));
    assert.deepEqual(new Set(flagNames(chal.flags)), new Set(cap.ChallengeFlags.split('|')));
    assert.equal(chal.targetName, cap.Domain);
    assert.equal(chal.serverChallenge.toString('hex'), cap.ServerChallenge);
    assert.equal(chal.targetInfoRaw.toString('hex'), cap.TargetInfo);
    assert.equal(readAvString(chal.targetInfo, AvId.MsvAvNbDomainName), cap.Domain);
    assert.equal(readAvString(chal.targetInfo, AvId.MsvAvNbComputerName), cap.Server);
    assert.equal(readAvString(chal.targetInfo, AvId.MsvAvDnsDomainName), cap.DnsDomain);
    assert.equal(readAvString(chal.targetInfo, AvId.MsvAvDnsComputerName), cap.DnsServer);
    assert.equal(readAvString(chal.targetInfo, AvId.MsvAvDnsTreeName), cap.Forest);
    assert.equal(readAvTimestamp(chal.targetInfo), BigInt(cap.ServerTime));
    assert.deepEqual(chal.version, { major: 6, minor: 1, build: 7600, revision: 15 });
  });

  it('decodes the AUTHENTICATE field for field, MIC and MsvAvChannelBindings included', () => {
    assert.equal(auth.userName, cap.User);
    assert.equal(auth.domainName, cap.Domain);
    assert.equal(auth.workstation, cap.Workstation);
    assert.equal(auth.lmChallengeResponse.toString('hex'), '00'.repeat(24), 'LM response is Z(24) when a MIC is sent');
    assert.equal(auth.encryptedRandomSessionKey.length, 0);
    assert.equal(auth.mic?.toString('hex'), cap.MIC);
    assert.equal(auth.micOffset, 72);
    const v2 = parseNtlmV2Response(auth.ntChallengeResponse);
    assert.equal(classifyResponse(auth.lmChallengeResponse, auth.ntChallengeResponse, true), 'NTLMv2');
    assert.equal(readAvFlags(v2.avPairs) & 0x2, 0x2, 'MsvAvFlags announces the MIC');
    assert.equal(findAv(v2.avPairs, AvId.MsvAvChannelBindings)?.toString('hex'), cap.CBSum);
    assert.equal(readAvString(v2.avPairs, AvId.MsvAvTargetName), 'HTTP/dc-ws2008r2.ws2008r2.local');
    assert.ok(findAv(v2.avPairs, AvId.MsvAvSingleHost), 'Windows sends MsvAvSingleHost');
    assert.equal(v2.timestamp, BigInt(cap.ServerTime), 'the client used the server timestamp');
    // Every pair the server sent is echoed unchanged.
    for (const p of chal.targetInfo) assert.deepEqual(findAv(v2.avPairs, p.id), p.value);
  });

  it('verifies the NTLMv2 response against the NT hash, and not against another', () => {
    assert.equal(ntowfv1(cap.Password).toString('hex'), cap.NTLMHash);
    const ok = verifyNtlmV2(h(cap.NTLMHash), auth.userName, auth.domainName, h(cap.ServerChallenge), auth.ntChallengeResponse, auth.lmChallengeResponse);
    assert.equal(ok.ok, true);
    assert.equal(ok.sessionBaseKey?.length, 16);
    const bad = verifyNtlmV2(ntowfv1('P@ssw0rd!'), auth.userName, auth.domainName, h(cap.ServerChallenge), auth.ntChallengeResponse, auth.lmChallengeResponse);
    assert.equal(bad.ok, false);
  });
});
