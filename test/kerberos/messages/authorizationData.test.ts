// AuthorizationData containers (RFC 4120 §5.2.6): the PAC inside AD-IF-RELEVANT (MS-KILE
// §3.4.5.3) and KERB_AP_OPTIONS_CBT (MS-KILE §3.2.5.8).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdType, apOptionsAuthData, clientSentChannelBindings, encodeAuthorizationData, findPac, flattenIfRelevant,
  KERB_AP_OPTIONS_CBT, KerberosDecodeError,
} from '../../../src/kerberos/index.js';
import type { AuthorizationData } from '../../../src/kerberos/index.js';
import { thrown } from '../fixtures.js';

const pac = Buffer.from('04000000000000000102030405', 'hex');
const ifRelevant = (inner: AuthorizationData): AuthorizationData[number] => ({ adType: AdType.AD_IF_RELEVANT, adData: encodeAuthorizationData(inner) });
const le32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

describe('AuthorizationData', () => {
  it('finds the PAC inside AD-IF-RELEVANT, also nested, and ignores a bare one', () => {
    assert.deepEqual(Buffer.from(findPac([ifRelevant([{ adType: 128, adData: pac }])]) ?? []), pac);
    assert.deepEqual(Buffer.from(findPac([ifRelevant([ifRelevant([{ adType: 128, adData: pac }])])]) ?? []), pac);
    assert.equal(findPac([{ adType: 128, adData: pac }]), undefined);
    assert.equal(findPac(undefined), undefined);
  });

  it('two PACs are refused', () => {
    const e = thrown(() => findPac([ifRelevant([{ adType: 128, adData: pac }, { adType: 128, adData: pac }])]));
    assert.ok(e instanceof KerberosDecodeError && e.code === 'BAD_VALUE');
  });

  it('AD-IF-RELEVANT nesting is capped; a container that is not AuthorizationData is a typed error', () => {
    let ad: AuthorizationData = [{ adType: 128, adData: pac }];
    for (let i = 0; i < 6; i++) ad = [ifRelevant(ad)];
    const deep = thrown(() => flattenIfRelevant(ad));
    assert.ok(deep instanceof KerberosDecodeError && deep.code === 'TOO_DEEP');
    const junk = thrown(() => findPac([{ adType: 1, adData: Buffer.from('0401ff', 'hex') }]));
    assert.ok(junk instanceof KerberosDecodeError && junk.code === 'UNEXPECTED_TAG', String(junk));
  });

  it('KERB_AP_OPTIONS_CBT: an authenticator saying it sent channel bindings', () => {
    const cbt = [ifRelevant([{ adType: AdType.KERB_AUTH_DATA_TOKEN_RESTRICTIONS, adData: Buffer.alloc(40) }, { adType: AdType.AD_AUTH_DATA_AP_OPTIONS, adData: le32(KERB_AP_OPTIONS_CBT) }])];
    assert.equal(apOptionsAuthData(cbt), KERB_AP_OPTIONS_CBT);
    assert.ok(clientSentChannelBindings(cbt));
    assert.ok(!clientSentChannelBindings([ifRelevant([{ adType: AdType.KERB_LOCAL, adData: Buffer.alloc(16) }])]));
    assert.ok(!clientSentChannelBindings(undefined));
    const short = thrown(() => apOptionsAuthData([ifRelevant([{ adType: AdType.AD_AUTH_DATA_AP_OPTIONS, adData: Buffer.alloc(2) }])]));
    assert.ok(short instanceof KerberosDecodeError && short.code === 'BAD_VALUE');
  });
});
