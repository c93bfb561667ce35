// NdrReader: alignment, little-endian primitives, capped counts and the C706 §14.3.12.3 order of
// deferred referents (after the whole construct, in pointer order; a referent's own pointees
// right after it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdrReader, NdrWriter } from '../../../src/dcerpc/index.js';
import { ndrCode } from './helpers.js';

describe('NdrReader primitives', () => {
  it('aligns each primitive to its size relative to the buffer start', () => {
    const r = new NdrReader(Buffer.from('01ff0200' + 'ffffffff' + '03000000' + '00000000' + '0000000000000000' + '0400000000000000', 'hex'));
    assert.equal(r.u8(), 1);
    assert.equal(r.u16(), 2); // skips one pad byte
    assert.equal(r.offset, 4);
    assert.equal(r.i32(), -1);
    assert.equal(r.u32(), 3);
    assert.equal(r.u64(), 0n); // skips 4 pad bytes to offset 16
    assert.equal(r.offset, 24);
    assert.equal(r.u64(), 4n);
    assert.equal(r.remaining, 0);
  });

  it('refuses reads past the end with TRUNCATED', () => {
    assert.equal(ndrCode(() => new NdrReader(Buffer.alloc(3)).u32()), 'TRUNCATED');
    assert.equal(ndrCode(() => new NdrReader(Buffer.alloc(9)).bytes(10)), 'TRUNCATED');
    const r = new NdrReader(Buffer.alloc(5));
    r.u8();
    assert.equal(ndrCode(() => r.u32()), 'TRUNCATED', 'padding plus value past the end');
  });

  it('caps counts by the option and by the bytes left', () => {
    const big = Buffer.from('ffffffff', 'hex');
    assert.equal(ndrCode(() => new NdrReader(big).count(1)), 'TOO_LARGE');
    const ten = Buffer.concat([Buffer.from('0a000000', 'hex'), Buffer.alloc(39)]);
    assert.equal(ndrCode(() => new NdrReader(ten).count(4)), 'TRUNCATED', '10 × 4 bytes with 39 left');
    assert.equal(new NdrReader(Buffer.concat([ten, Buffer.alloc(1)])).count(4), 10);
    assert.equal(ndrCode(() => new NdrReader(ten, { maxCount: 9 }).count(1)), 'TOO_LARGE');
  });
});

describe('deferred referents', () => {
  it('reads pointees after the construct, in order, nested pointees right after their referent', () => {
    // struct { u32 a; ptr p1 → struct { u32 x; ptr q → u32 }; ptr p2 → u32; u32 b }
    const w = new NdrWriter();
    w.construct(() => {
      w.u32(0xa);
      w.pointer(() => {
        w.u32(0x11);
        w.pointer(() => w.u32(0x12));
      });
      w.pointer(() => w.u32(0x20));
      w.u32(0xb);
    });
    const bytes = w.toBuffer();
    // Inline a, p1, p2, b; then p1's referent (x, q), q's referent, then p2's referent.
    assert.deepEqual(
      [...new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)],
      [0xa, 0x20000, 0x20004, 0xb, 0x11, 0x20008, 0x12, 0x20],
    );
    const r = new NdrReader(bytes);
    const seen: string[] = [];
    r.construct(() => {
      seen.push(`a=${r.u32()}`);
      if (r.pointer() !== 0) {
        r.defer(() => {
          seen.push(`x=${r.u32()}`);
          if (r.pointer() !== 0) r.defer(() => seen.push(`q=${r.u32()}`));
        });
      }
      if (r.pointer() !== 0) r.defer(() => seen.push(`p2=${r.u32()}`));
      seen.push(`b=${r.u32()}`);
    });
    assert.deepEqual(seen, ['a=10', 'b=11', 'x=17', 'q=18', 'p2=32']);
    assert.equal(r.remaining, 0);
  });

  it('a full pointer whose referent ID was seen does not read its referent again', () => {
    const r = new NdrReader(Buffer.from('040002000400020000000000', 'hex'));
    assert.deepEqual(r.fullPointer(), { referentId: 0x20004, follows: true });
    assert.deepEqual(r.fullPointer(), { referentId: 0x20004, follows: false });
    assert.deepEqual(r.fullPointer(), { referentId: 0, follows: false });
  });
});
