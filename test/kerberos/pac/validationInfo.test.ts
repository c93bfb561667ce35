// KERB_VALIDATION_INFO (MS-PAC 2.5) on the spec's own example (MS-PAC §3) and on a real Samba
// 4.17 PAC, re-encoded and read back, and refused with PacDecodeError on hostile NDR.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSid } from '../../../src/dcerpc/index.js';
import {
  PacBufferType, PacDecodeError, decodeKerbValidationInfo, decodePacType, encodeKerbValidationInfo, filetimeToSeconds,
} from '../../../src/kerberos/pac/index.js';
import { msPacExample, sambaTicket, validationInfo } from './helpers.js';

function logonInfo(pac: Uint8Array): Uint8Array {
  const b = decodePacType(pac).buffers.find((x) => x.type === PacBufferType.LOGON_INFO);
  assert.ok(b);
  return b.data;
}

describe('KERB_VALIDATION_INFO, MS-PAC §3 example', () => {
  const v = decodeKerbValidationInfo(logonInfo(msPacExample()));

  it('reads the user, names and counts the spec shows', () => {
    assert.equal(v.effectiveName, 'lzhu');
    assert.equal(v.fullName, 'Liqiang(Larry) Zhu');
    assert.equal(v.logonScript, 'ntds2.bat');
    assert.equal(v.profilePath, '');
    assert.equal(v.logonServer, 'NTDEV-DC-05');
    assert.equal(v.logonDomainName, 'NTDEV');
    assert.ok(v.logonDomainId);
    assert.equal(formatSid(v.logonDomainId), 'S-1-5-21-397955417-626881126-188441444');
    assert.equal(v.userId, 2914711);
    assert.equal(v.primaryGroupId, 513);
    assert.equal(v.logonCount, 4180);
    assert.equal(v.userFlags, 0x20);
    assert.equal(v.userAccountControl, 0x10);
    assert.equal(new Date(filetimeToSeconds(v.logonTime) * 1000).toISOString(), '2006-04-28T01:42:50.000Z');
    assert.equal(v.logoffTime, 0x7fffffffffffffffn);
  });

  it('reads the 26 GroupIds and the 13 ExtraSids with their SE_GROUP attributes', () => {
    assert.equal(v.groupIds.length, 26);
    assert.deepEqual(v.groupIds[0], { relativeId: 3392609, attributes: 7 });
    assert.deepEqual(v.groupIds[3], { relativeId: 513, attributes: 7 });
    assert.deepEqual(v.groupIds[25], { relativeId: 3018354, attributes: 7 });
    assert.equal(v.extraSids.length, 13);
    assert.equal(formatSid(v.extraSids[0]!.sid), 'S-1-5-21-773533881-1816936887-355810188-513');
    assert.equal(v.extraSids[0]!.attributes, 7);
    assert.equal(formatSid(v.extraSids[12]!.sid), 'S-1-5-21-397955417-626881126-188441444-3038983');
    assert.equal(v.extraSids[12]!.attributes, 0x20000007, 'SE_GROUP_RESOURCE | mandatory | default | enabled');
    assert.equal(v.resourceGroupDomainSid, undefined);
    assert.deepEqual(v.resourceGroupIds, []);
  });

  it('re-encodes to the same bytes', () => {
    assert.deepEqual(encodeKerbValidationInfo(v), Buffer.from(logonInfo(msPacExample())));
  });
});

describe('KERB_VALIDATION_INFO, Samba 4.17 service ticket', () => {
  it("reads alice, her domain SID, Domain Users and WebUsers, and S-1-18-1", () => {
    const v = decodeKerbValidationInfo(logonInfo(sambaTicket().pac));
    assert.equal(v.effectiveName, 'alice');
    assert.equal(v.logonDomainName, 'CORP');
    assert.equal(v.logonServer, 'DC1');
    assert.ok(v.logonDomainId);
    assert.equal(formatSid(v.logonDomainId), 'S-1-5-21-2421438488-132236347-847089396');
    assert.equal(v.userId, 1102);
    // test/peers/samba-dc.sh creates alice, then WebUsers (RID 1103), and adds her to it.
    assert.deepEqual(v.groupIds, [{ relativeId: 513, attributes: 7 }, { relativeId: 1103, attributes: 7 }]);
    assert.deepEqual(v.extraSids.map((e) => [formatSid(e.sid), e.attributes]), [['S-1-18-1', 7]]);
    assert.deepEqual(encodeKerbValidationInfo(v), Buffer.from(logonInfo(sambaTicket().pac)), 're-encodes to the same bytes');
  });
});

describe('KERB_VALIDATION_INFO built and hostile', () => {
  it('round-trips every field, resource groups included', () => {
    const v = validationInfo();
    assert.deepEqual(decodeKerbValidationInfo(encodeKerbValidationInfo(v)), v);
  });

  it('refuses counts that disagree with their arrays, and cut or hostile bytes, with PacDecodeError', () => {
    const good = encodeKerbValidationInfo(validationInfo());
    // GroupCount sits after 6 FILETIMEs, 6 RPC_UNICODE_STRINGs, 2 u16 and 2 u32: 16 + 4 + 48 + 48 + 4 + 8 = 128.
    assert.equal(good.readUInt32LE(128), 3);
    const wrongCount = Buffer.from(good);
    wrongCount.writeUInt32LE(4, 128);
    for (const bad of [wrongCount, good.subarray(0, 200), good.subarray(0, 16), Buffer.alloc(64, 0xff)]) {
      assert.throws(() => decodeKerbValidationInfo(bad), PacDecodeError);
    }
    let thrownOther = 0;
    for (let i = 16; i < good.length; i++) {
      for (const v of [0x00, 0xff, 0x7f]) {
        const m = Buffer.from(good);
        m[i] = v;
        try {
          decodeKerbValidationInfo(m);
        } catch (e) {
          if (!(e instanceof PacDecodeError)) thrownOther++;
        }
      }
    }
    assert.equal(thrownOther, 0, 'every single-byte mutation decodes or throws PacDecodeError');
  });
});
