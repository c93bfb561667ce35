// Group names: well-known RIDs of the logon domain and absolute well-known SIDs get their fixed
// names; other groups, and well-known RIDs of other domains, stay SIDs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSid } from '../../../src/dcerpc/index.js';
import type { Sid } from '../../../src/dcerpc/index.js';
import { wellKnownSidName } from '../../../src/kerberos/pac/index.js';

const sid = (s: string): Sid => {
  const v = parseSid(s);
  assert.ok(v, s);
  return v;
};
const domain = sid('S-1-5-21-1-2-3');

describe('wellKnownSidName', () => {
  it('names Domain Admins, Domain Users and the rest in the logon domain', () => {
    assert.equal(wellKnownSidName(sid('S-1-5-21-1-2-3-512'), domain, 'CORP'), 'CORP\\Domain Admins');
    assert.equal(wellKnownSidName(sid('S-1-5-21-1-2-3-513'), domain, 'CORP'), 'CORP\\Domain Users');
    assert.equal(wellKnownSidName(sid('S-1-5-21-1-2-3-519'), domain, 'CORP'), 'CORP\\Enterprise Admins');
  });

  it('names absolute SIDs and leaves custom groups and other domains unnamed', () => {
    assert.equal(wellKnownSidName(sid('S-1-18-1'), domain, 'CORP'), 'Authentication authority asserted identity');
    assert.equal(wellKnownSidName(sid('S-1-5-32-544'), domain, 'CORP'), 'BUILTIN\\Administrators');
    assert.equal(wellKnownSidName(sid('S-1-5-21-1-2-3-1103'), domain, 'CORP'), undefined);
    assert.equal(wellKnownSidName(sid('S-1-5-21-9-9-9-512'), domain, 'CORP'), undefined);
    assert.equal(wellKnownSidName(sid('S-1-5-21-1-2-512'), domain, 'CORP'), undefined);
  });
});
