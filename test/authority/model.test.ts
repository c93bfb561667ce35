/** The account model's pure parts: names, SIDs, NT hashes, which account a logon names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainRequestOf, responseFacts } from '../../src/authority/local/domainRequest.js';
import { AccountStoreError } from '../../src/authority/errors.js';
import { accountNameProblem, netbiosProblem, parseQualified } from '../../src/authority/names.js';
import { EMPTY_PASSWORD_NT_HASH, ntHashOfPassword, parseNtHashHex } from '../../src/authority/local/ntHash.js';
import { NTSTATUS } from '../../src/authority/ntstatus.js';
import { resolveAccount } from '../../src/authority/local/resolve.js';
import { accountSid, isDomainSid, newDomainSid, splitSid } from '../../src/authority/local/sid.js';
import type { NtlmValidationRequest } from '../../src/ntlm/authority.js';

const invalid = (e: unknown): boolean => e instanceof AccountStoreError && e.code === 'invalid';

describe('names', () => {
  it('accepts NetBIOS names up to 15 characters without forbidden characters', () => {
    assert.equal(netbiosProblem('CORP'), undefined);
    assert.equal(netbiosProblem('WEB-01_A'), undefined);
    assert.match(netbiosProblem('') ?? '', /empty/);
    assert.match(netbiosProblem('SIXTEEN-CHARS-XX') ?? '', /15/);
    for (const bad of ['CO RP', 'A\\B', 'A/B', 'A*', '.CORP', 'A,B']) assert.ok(netbiosProblem(bad), bad);
  });

  it('accepts account names as Windows does (spaces allowed, " / \\ [ ] : ; | = , + * ? < > @ not)', () => {
    assert.equal(accountNameProblem('Web Users'), undefined);
    assert.equal(accountNameProblem('o\'brien.j'), undefined);
    for (const bad of ['', 'a@b', 'a\\b', 'a:b', '...', ' lead', 'x'.repeat(65), 'tab\there']) assert.ok(accountNameProblem(bad), JSON.stringify(bad));
  });

  it('parses DOMAIN\\name, or a bare name in a default domain', () => {
    assert.deepEqual(parseQualified('CORP\\alice'), { domain: 'CORP', name: 'alice' });
    assert.deepEqual(parseQualified('alice', 'WEB1'), { domain: 'WEB1', name: 'alice' });
    assert.throws(() => parseQualified('alice'), (e: unknown) => invalid(e) && /DOMAIN\\name/.test((e as Error).message));
    assert.throws(() => parseQualified('\\alice'), invalid);
    assert.throws(() => parseQualified('CORP\\a\\b'), invalid);
  });
});

describe('SIDs', () => {
  it('makes S-1-5-21-x-y-z from 12 random bytes, little-endian 32-bit sub-authorities', () => {
    const sid = newDomainSid(() => Buffer.from('0100000002000000ffffffff', 'hex'));
    assert.equal(sid, 'S-1-5-21-1-2-4294967295');
    assert.ok(isDomainSid(sid));
    assert.ok(isDomainSid(newDomainSid()));
    assert.notEqual(newDomainSid(), newDomainSid());
  });

  it('appends RIDs from 1000 and splits them back', () => {
    assert.equal(accountSid('S-1-5-21-1-2-3', 1000), 'S-1-5-21-1-2-3-1000');
    assert.deepEqual(splitSid('S-1-5-21-1-2-3-1104'), { domainSid: 'S-1-5-21-1-2-3', rid: 1104 });
    assert.throws(() => accountSid('S-1-5-21-1-2-3', 999), invalid);
    assert.throws(() => accountSid('S-1-5-32', 1000), invalid);
    assert.equal(splitSid('S-1-5-21-1-2-4294967296-1000'), undefined);
    assert.equal(splitSid('S-1-5-7'), undefined);
  });
});

describe('NT hashes', () => {
  it('NTOWFv1("Password") is the MS-NLMP §4.2.2.1.2 value', () => {
    assert.equal(ntHashOfPassword('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
    assert.throws(() => ntHashOfPassword(''), invalid);
  });

  it('reads 32 hex digits, refusing other lengths, non-hex and the empty password\'s hash', () => {
    assert.deepEqual(parseNtHashHex('A4F49C406510BDCAB6824EE7C30FD852'), ntHashOfPassword('Password'));
    assert.throws(() => parseNtHashHex('a4f49c406510bdcab6824ee7c30fd85'), invalid);
    assert.throws(() => parseNtHashHex('g4f49c406510bdcab6824ee7c30fd852'), invalid);
    assert.throws(() => parseNtHashHex(EMPTY_PASSWORD_NT_HASH), (e: unknown) => invalid(e) && /empty password/.test((e as Error).message));
  });
});

describe('resolveAccount', () => {
  const corp = { netbios: 'CORP', dns: 'corp.example.test' };
  const from = (userName: string, domainName: string, server = 'WEB1', serverDomain = 'CORP') =>
    resolveAccount({ userName, domainName, server: { netbiosName: server, netbiosDomainName: serverDomain } }, corp, 'DC1');

  it('the requesting server\'s own name, or ".", names its local account', () => {
    assert.deepEqual(from('bob', 'WEB1'), { kind: 'local', key: { domain: 'WEB1', name: 'bob' } });
    assert.deepEqual(from('bob', 'web1'), { kind: 'local', key: { domain: 'WEB1', name: 'bob' } });
    assert.deepEqual(from('bob', '.'), { kind: 'local', key: { domain: 'WEB1', name: 'bob' } });
  });

  it('the configured domain, its DNS name, an empty or unknown domain, and a UPN name a domain account', () => {
    for (const [user, domain] of [['alice', 'CORP'], ['alice', 'corp.example.test'], ['alice', ''], ['alice', 'ELSEWHERE'], ['alice@CORP.example.test', ''], ['alice', 'WEB2']]) {
      assert.deepEqual(from(user ?? '', domain ?? ''), { kind: 'domain', key: { domain: 'CORP', name: 'alice' } }, `${domain}\\${user}`);
    }
    // A UPN in another forest is a name like any other.
    assert.deepEqual(from('alice@other.test', ''), { kind: 'domain', key: { domain: 'CORP', name: 'alice@other.test' } });
  });

  it('the DC has no local accounts; a workgroup server has only local ones', () => {
    assert.deepEqual(from('alice', 'DC1', 'DC1'), { kind: 'domain', key: { domain: 'CORP', name: 'alice' } });
    const wg = resolveAccount({ userName: 'bob', domainName: '', server: { netbiosName: 'KIOSK', netbiosDomainName: 'KIOSK' } }, { netbios: 'KIOSK' }, 'KIOSK-DC');
    assert.deepEqual(wg, { kind: 'local', key: { domain: 'KIOSK', name: 'bob' } });
  });
});

describe('the policy request', () => {
  const req = (nt: Buffer, kind: NtlmValidationRequest['responseKind'] = 'NTLMv2'): NtlmValidationRequest => ({
    userName: 'alice',
    domainName: 'nosuch',
    workstation: 'WS01',
    challenge: Buffer.alloc(8),
    lmChallengeResponse: Buffer.alloc(24),
    ntChallengeResponse: nt,
    responseKind: kind,
    server: { netbiosName: 'WEB1', netbiosDomainName: 'CORP' },
  });

  it('reads nothing from NTLMv1 or an unreadable NTLMv2 response', () => {
    assert.deepEqual(responseFacts(req(Buffer.alloc(24), 'NTLMv1')), { micPresent: false, channelBindings: 'absent' });
    assert.deepEqual(responseFacts(req(Buffer.alloc(60, 7))), { micPresent: false, channelBindings: 'absent' });
  });

  it('names the account as resolved, the server as the one that asked', () => {
    const r = domainRequestOf(req(Buffer.alloc(24), 'NTLMv1'), { kind: 'domain', key: { domain: 'CORP', name: 'alice' } }, { netbiosComputerName: 'DC1', netbiosDomainName: 'CORP' });
    assert.equal(r.domain, 'CORP');
    assert.deepEqual(r.server, { netbiosComputerName: 'WEB1', netbiosDomainName: 'CORP' });
    assert.equal(r.version, 'NTLMv1');
  });

  it('knows the NTSTATUS codes of MS-ERREF', () => {
    assert.equal(NTSTATUS.STATUS_NTLM_BLOCKED, 0xc0000418);
    assert.equal(NTSTATUS.STATUS_ACCOUNT_LOCKED_OUT, 0xc0000234);
    assert.equal(NTSTATUS.STATUS_LOGON_FAILURE, 0xc000006d);
  });
});
