// MS-RPCE 2.2.6 type serialization version 1: headers, the top-level pointer, padding to 8.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTypeSerialization1, encodeTypeSerialization1 } from '../../../src/dcerpc/index.js';
import { ndrCode } from './helpers.js';

describe('type serialization version 1', () => {
  const bytes = encodeTypeSerialization1((w) => {
    w.u32(7);
    w.pointer(() => w.u16(9));
  });

  it('writes the common and private headers, the top-level referent ID, and pads the object to 8 bytes', () => {
    assert.equal(bytes.subarray(0, 16).toString('hex'), '01100800cccccccc' + '10000000' + '00000000');
    assert.equal(bytes.subarray(16).toString('hex'), '00000200' + '07000000' + '04000200' + '0900' + '0000');
  });

  it('reads the referent, its pointees after it', () => {
    const v = decodeTypeSerialization1(bytes, (r) => {
      const a = r.u32();
      let b = -1;
      if (r.pointer() !== 0) r.defer(() => (b = r.u16()));
      return () => [a, b];
    });
    assert.deepEqual(v(), [7, 9]);
  });

  it('refuses a big-endian stream, another version, a short or null top level, and an object length past the end', () => {
    const flip = (i: number, v: number): Buffer => {
      const b = Buffer.from(bytes);
      b[i] = v;
      return b;
    };
    const read = (b: Uint8Array): unknown => decodeTypeSerialization1(b, (r) => r.u32());
    assert.equal(ndrCode(() => read(flip(1, 0x00))), 'BAD_HEADER');
    assert.equal(ndrCode(() => read(flip(0, 0x02))), 'BAD_HEADER');
    assert.equal(ndrCode(() => read(flip(2, 0x10))), 'BAD_HEADER');
    assert.equal(ndrCode(() => read(flip(8, 0xf0))), 'TRUNCATED');
    assert.equal(ndrCode(() => read(bytes.subarray(0, 12))), 'TRUNCATED');
    const nullTop = Buffer.from(bytes);
    nullTop.writeUInt32LE(0, 16);
    assert.equal(ndrCode(() => read(nullTop)), 'BAD_POINTER');
  });
});
