import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { aesCtsDecrypt, aesCtsEncrypt } from '../../src/crypto/aesCts.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('AES-CTS (RFC 3962 §5)', () => {
  // RFC 3962 Appendix B: key "chicken teriyaki", IV zero, prefixes of one sentence.
  const key = Buffer.from('chicken teriyaki');
  const text = Buffer.from("I would like the General Gau's Chicken, please, and wonton soup.");
  const vectors: [number, string][] = [
    [17, 'c6353568f2bf8cb4d8a580362da7ff7f97'],
    [31, 'fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5'],
    [32, '39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584'],
    [47, '97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5'],
    [48, '97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8'],
    [64, '97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8'],
  ];
  for (const [length, expected] of vectors) {
    it(`encrypts and decrypts the ${length}-byte vector byte for byte`, () => {
      const plain = text.subarray(0, length);
      assert.equal(hex(aesCtsEncrypt(key, plain)), expected);
      assert.equal(hex(aesCtsDecrypt(key, Buffer.from(expected, 'hex'))), hex(plain));
    });
  }

  it('one block is one AES block encryption', () => {
    const block = text.subarray(0, 16);
    const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    const expected = Buffer.concat([ecb.update(block), ecb.final()]);
    assert.deepEqual(aesCtsEncrypt(key, block), expected);
    assert.deepEqual(aesCtsDecrypt(key, expected), block);
  });

  it('round-trips every length from 16 to 80 bytes under a 256-bit key and a non-zero IV', () => {
    const k256 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const iv = Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex');
    const data = Buffer.alloc(80, 0).map((_, i) => (i * 37 + 11) & 0xff);
    for (let n = 16; n <= 80; n++) {
      const plain = Buffer.from(data.subarray(0, n));
      const ct = aesCtsEncrypt(k256, plain, iv);
      assert.equal(ct.length, n);
      assert.deepEqual(aesCtsDecrypt(k256, ct, iv), plain, `length ${n}`);
    }
  });

  it('decrypts from a view into a larger buffer', () => {
    const ct = Buffer.from(vectors[3]![1], 'hex');
    const big = Buffer.concat([Buffer.from('junk'), ct, Buffer.from('junk')]);
    assert.deepEqual(aesCtsDecrypt(key, new Uint8Array(big.buffer, big.byteOffset + 4, ct.length)), text.subarray(0, 47));
  });

  it('refuses short input, bad key and IV lengths with a RangeError', () => {
    assert.throws(() => aesCtsEncrypt(key, Buffer.alloc(15)), RangeError);
    assert.throws(() => aesCtsDecrypt(key, Buffer.alloc(0)), RangeError);
    assert.throws(() => aesCtsEncrypt(Buffer.alloc(17), Buffer.alloc(16)), RangeError);
    assert.throws(() => aesCtsDecrypt(key, Buffer.alloc(32), Buffer.alloc(8)), RangeError);
  });
});
