/** authority/local/resolve.ts: which account a logon names, from the names alone. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveAccount } from '../../../src/authority/local/resolve.js';

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
