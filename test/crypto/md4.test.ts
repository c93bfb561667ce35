import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { md4 } from '../../src/crypto/md4.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('md4', () => {
  describe('RFC 1320 appendix A.5 test suite', () => {
    const suite: [string, string][] = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      [
        '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
        'e33b4ddc9c38f2199c3e7b164fcc0536',
      ],
    ];
    for (const [input, digest] of suite) {
      it(`MD4 ("${input}")`, () => {
        assert.equal(hex(md4(Buffer.from(input, 'latin1'))), digest);
      });
    }
  });

  describe('MS-NLMP NTOWFv1 = MD4(UNICODE(password))', () => {
    it('"Password" (MS-NLMP section 4.2.2)', () => {
      assert.equal(hex(md4(Buffer.from('Password', 'utf16le'))), 'a4f49c406510bdcab6824ee7c30fd852');
    });
    it('"P@ssw0rd"', () => {
      assert.equal(hex(md4(Buffer.from('P@ssw0rd', 'utf16le'))), 'e19ccf75ee54e06b06a5907af13cef42');
    });
  });

  // Lengths around the padding boundaries (one block vs two for the length field, and
  // multi-block inputs); expected digests from OpenSSL 3's legacy provider
  // (`openssl dgst -md4 -provider legacy`).
  describe('padding boundaries ("a" repeated n times)', () => {
    const cases: [number, string][] = [
      [55, 'c889c81dd86c4d2e025778944ea02881'],
      [56, 'd5f9a9e9257077a5f08b0b92f348b0ad'],
      [63, '7ea3da77432d44c323671097d1348fc8'],
      [64, '52f5076fabd22680234a3fa9f9dc5732'],
      [65, '330e377bf231f3cacfecc2c182fe7e5b'],
      [119, 'e65dd227ccef97fa1d34d70189120f76'],
      [120, 'b03ddbd470b47c013e0c7ab2ddd763db'],
      [128, 'cb4a20a561558e29460190c91dced59f'],
    ];
    for (const [n, digest] of cases) {
      it(`n = ${n}`, () => {
        assert.equal(hex(md4(Buffer.alloc(n, 'a'))), digest);
      });
    }
  });

  it('one million "a" and 1 MiB of zeros', () => {
    assert.equal(hex(md4(Buffer.alloc(1_000_000, 'a'))), 'bbce80cc6bb65e5c6745e30d4eeca9a4');
    assert.equal(hex(md4(new Uint8Array(1 << 20))), 'a90f962f1d42ab8ac96c483c92927498');
  });

  it('accepts a plain Uint8Array and a view with a byte offset; returns a fresh 16-byte Buffer', () => {
    const backing = new Uint8Array(100).fill(0x61);
    backing.set([0x61, 0x62, 0x63], 40);
    const view = backing.subarray(40, 43);
    const d = md4(view);
    assert.ok(Buffer.isBuffer(d));
    assert.equal(d.length, 16);
    assert.equal(hex(d), 'a448017aaf21d8525fc10ae87aa6729d');
    assert.equal(hex(md4(new Uint8Array([0x61, 0x62, 0x63]))), 'a448017aaf21d8525fc10ae87aa6729d');
    // Results are independent of each other (no shared output buffer).
    const e = md4(Buffer.from('a'));
    assert.equal(hex(d), 'a448017aaf21d8525fc10ae87aa6729d');
    assert.equal(hex(e), 'bde52cb31de33e46245e05fbdbd6fb24');
  });

  it('does not modify its input', () => {
    const input = Buffer.from('message digest');
    const copy = Buffer.from(input);
    md4(input);
    assert.deepEqual(input, copy);
  });
});
