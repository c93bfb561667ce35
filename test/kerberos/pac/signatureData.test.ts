// PAC_SIGNATURE_DATA (MS-PAC 2.8): the signature lengths by type, −138 as LE 0xFFFFFF76, the
// optional RODCIdentifier, and unknown types refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacDecodeError, decodePacSignatureData, decodePacType, encodePacSignatureData, pacSignatureLength } from '../../../src/kerberos/pac/index.js';
import { msPacExample, sambaTicket } from './helpers.js';

describe('PAC_SIGNATURE_DATA', () => {
  it('reads HMAC-MD5 (−138, 16 bytes) in the MS-PAC §3 example and HMAC-SHA1-96-AES256 (16, 12 bytes) in the Samba PAC', () => {
    const ms = decodePacType(msPacExample()).buffers.find((b) => b.type === 6);
    assert.ok(ms);
    const m = decodePacSignatureData(ms.data);
    assert.equal(m.signatureType, -138);
    assert.equal(Buffer.from(m.signature).toString('hex'), '41edce9a34815d3aef7bc98874805d25');
    const samba = decodePacType(sambaTicket().pac).buffers.filter((b) => b.type === 6 || b.type === 7).map((b) => decodePacSignatureData(b.data));
    assert.deepEqual(samba.map((s) => [s.signatureType, s.signature.length, s.rodcIdentifier]), [[16, 12, undefined], [16, 12, undefined]]);
  });

  it('reads an RODCIdentifier after the signature, and refuses unknown types and short buffers', () => {
    const withRodc = Buffer.concat([encodePacSignatureData(-138, Buffer.alloc(16, 1)), Buffer.from('2a00', 'hex')]);
    assert.equal(decodePacSignatureData(withRodc).rodcIdentifier, 42);
    assert.equal(encodePacSignatureData(-138, Buffer.alloc(16)).readUInt32LE(0), 0xffffff76);
    assert.deepEqual([15, 16, 19, 20, -138, 1].map(pacSignatureLength), [12, 12, 16, 24, 16, undefined]);
    for (const b of [encodePacSignatureData(1, Buffer.alloc(16)), encodePacSignatureData(16, Buffer.alloc(11)), Buffer.alloc(3)]) {
      assert.throws(() => decodePacSignatureData(b), PacDecodeError);
    }
  });
});
