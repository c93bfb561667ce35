// PACTYPE / PAC_INFO_BUFFER (MS-PAC 2.3, 2.4) on the spec example and the Samba PAC, the 8-byte
// layout the encoder writes, and the layouts refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PAC_BUFFERS, PacDecodeError, decodePacType, encodePacType } from '../../../src/kerberos/pac/index.js';
import { msPacExample, sambaTicket } from './helpers.js';

describe('PACTYPE', () => {
  it('reads the MS-PAC §3 example: logon info, client info, server and KDC signatures at their offsets', () => {
    const pac = msPacExample();
    assert.equal(pac.length, 0x540);
    assert.deepEqual(decodePacType(pac).buffers.map((b) => [b.type, b.offset, b.data.length]), [[1, 0x48, 0x4b0], [10, 0x4f8, 0x12], [6, 0x510, 0x14], [7, 0x528, 0x14]]);
  });

  it('reads the Samba PAC, and the encoder lays the same buffers out byte for byte', () => {
    const { pac } = sambaTicket();
    const t = decodePacType(pac);
    assert.equal(t.version, 0);
    assert.deepEqual(Buffer.from(encodePacType(t.buffers)), Buffer.from(pac));
  });

  it('refuses a wrong version, no or too many buffers, and offsets that are misaligned, inside the header or past the end', () => {
    const good = encodePacType([{ type: 1, data: Buffer.alloc(12, 1) }, { type: 6, data: Buffer.alloc(16) }]);
    const bad = (edit: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      edit(b);
      return b;
    };
    for (const b of [
      bad((b) => b.writeUInt32LE(1, 4)),
      bad((b) => b.writeUInt32LE(0, 0)),
      bad((b) => b.writeUInt32LE(MAX_PAC_BUFFERS + 1, 0)),
      bad((b) => b.writeUInt32LE(100, 0)),
      bad((b) => b.writeBigUInt64LE(41n, 16)),
      bad((b) => b.writeBigUInt64LE(8n, 16)),
      bad((b) => b.writeBigUInt64LE(2n ** 63n, 16)),
      bad((b) => b.writeUInt32LE(0xffffffff, 12)),
      good.subarray(0, 7),
    ]) {
      assert.throws(() => decodePacType(b), PacDecodeError);
    }
    assert.equal(decodePacType(good).buffers[0]?.offset, 40);
    assert.equal(decodePacType(good).buffers[1]?.offset, 56, 'the 12-byte buffer is padded to 16');
  });
});
