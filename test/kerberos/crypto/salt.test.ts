import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountSalt, computerSalt, principalSalt, userSalt } from '../../../src/kerberos/crypto/salt.js';
import { aes256CtsHmacSha196 } from '../../../src/kerberos/crypto/aesSha1.js';

describe('string-to-key salts (MS-KILE 3.1.1.2)', () => {
  it('user and service accounts: REALM ‖ sAMAccountName, the name keeping its case', () => {
    assert.equal(userSalt('CORP.EXAMPLE.TEST', 'alice'), 'CORP.EXAMPLE.TESTalice');
    assert.equal(userSalt('corp.example.test', 'svc-Web'), 'CORP.EXAMPLE.TESTsvc-Web');
  });

  it('computer accounts: REALM ‖ "host" ‖ lower(name without $) ‖ "." ‖ lower(DNS domain)', () => {
    assert.equal(computerSalt('CORP.EXAMPLE.TEST', 'FCTEST1$', 'corp.example.test'), 'CORP.EXAMPLE.TESThostfctest1.corp.example.test');
    assert.equal(computerSalt('CORP.EXAMPLE.TEST', 'Web1', 'Corp.Example.Test'), 'CORP.EXAMPLE.TESThostweb1.corp.example.test');
  });

  it('accountSalt tells computers by the trailing $', () => {
    assert.equal(accountSalt('CORP.EXAMPLE.TEST', 'WEB1$'), 'CORP.EXAMPLE.TESThostweb1.corp.example.test');
    assert.equal(accountSalt('CORP.EXAMPLE.TEST', 'alice'), 'CORP.EXAMPLE.TESTalice');
  });

  it('the RFC 4120 default salt joins realm and components', () => {
    assert.equal(principalSalt('ATHENA.MIT.EDU', ['raeburn']), 'ATHENA.MIT.EDUraeburn');
    assert.equal(principalSalt('EXAMPLE.COM', ['HTTP', 'web1.example.com']), 'EXAMPLE.COMHTTPweb1.example.com');
  });

  it('different salts give different keys for one password', () => {
    const a = aes256CtsHmacSha196.stringToKey('Passw0rd!', accountSalt('CORP.EXAMPLE.TEST', 'WEB1$'));
    const b = aes256CtsHmacSha196.stringToKey('Passw0rd!', 'CORP.EXAMPLE.TESTWEB1$');
    assert.notDeepEqual(a, b);
  });
});
