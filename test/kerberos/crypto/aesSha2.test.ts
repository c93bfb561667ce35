import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aes128CtsHmacSha256128, aes256CtsHmacSha384192, kdfHmacSha2 } from '../../../src/kerberos/crypto/aesSha2.js';
import { KerberosCryptoError } from '../../../src/kerberos/crypto/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');
const fixed = (bytes: Buffer) => (n: number): Buffer => { assert.equal(n, bytes.length); return bytes; };

// RFC 8009 Appendix A (also MIT krb5 t_str2key.c, t_derive.c, t_decrypt.c, t_cksums.c).
const SALT = Buffer.concat([unhex('10df9dd783e5bc8acea1730e74355f61'), Buffer.from('ATHENA.MIT.EDUraeburn')]);
const ITERATIONS_32768 = unhex('00008000');

describe('aes128-cts-hmac-sha256-128 (19) and aes256-cts-hmac-sha384-192 (20), RFC 8009', () => {
  it('string-to-key (Appendix A, 32768 iterations, also the default)', () => {
    assert.equal(hex(aes128CtsHmacSha256128.stringToKey('password', SALT, ITERATIONS_32768)), '089bca48b105ea6ea77ca5d2f39dc5e7');
    assert.equal(hex(aes256CtsHmacSha384192.stringToKey('password', SALT, ITERATIONS_32768)), '45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467');
    assert.equal(hex(aes128CtsHmacSha256128.stringToKey('password', SALT)), '089bca48b105ea6ea77ca5d2f39dc5e7');
  });

  const cases = [
    {
      etype: aes128CtsHmacSha256128,
      base: unhex('3705d96080c17728a0e800eab6e0d23c'),
      kc: 'b31a018a48f54776f403e9a396325dc3',
      ke: '9b197dd1e8c5609d6e67c3e37c62c72e',
      ki: '9fda0e56ab2d85e1569a688696c26a6c',
      encryptions: [
        ['', '7e5895eaf2672435bad817f545a37148', 'ef85fb890bb8472f4dab20394dca781dad877eda39d50c870c0d5a0a8e48c718'],
        ['000102030405', '7bca285e2fd4130fb55b1a5c83bc5b24', '84d7f30754ed987bab0bf3506beb09cfb55402cef7e6877ce99e247e52d16ed4421dfdf8976c'],
        ['000102030405060708090a0b0c0d0e0f', '56ab21713ff62c0a1457200f6fa9948f', '3517d640f50ddc8ad3628722b3569d2ae07493fa8263254080ea65c1008e8fc295fb4852e7d83e1e7c48c37eebe6b0d3'],
        ['000102030405060708090a0b0c0d0e0f1011121314', 'a7a4e29a4728ce10664fb64e49ad3fac', '720f73b18d9859cd6ccb4346115cd336c70f58edc0c4437c5573544c31c813bce1e6d072c186b39a413c2f92ca9b8334a287ffcbfc'],
      ],
      checksum: 'd78367186643d67b411cba9139fc1dee',
    },
    {
      etype: aes256CtsHmacSha384192,
      base: unhex('6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52'),
      kc: 'ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d',
      ke: '56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49',
      ki: '69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f',
      encryptions: [
        ['', 'f764e9fa15c276478b2c7d0c4e5f58e4', '41f53fa5bfe7026d91faf9be959195a058707273a96a40f0a01960621ac612748b9bbfbe7eb4ce3c'],
        ['000102030405', 'b80d3251c1f6471494256ffe712d0b9a', '4ed7b37c2bcac8f74f23c1cf07e62bc7b75fb3f637b9f559c7f664f69eab7b6092237526ea0d1f61cb20d69d10f2'],
        ['000102030405060708090a0b0c0d0e0f', '53bf8a0d105265d4e276428624ce5e63', 'bc47ffec7998eb91e8115cf8d19dac4bbbe2e163e87dd37f49beca92027764f68cf51f14d798c2273f35df574d1f932e40c4ff255b36a266'],
        ['000102030405060708090a0b0c0d0e0f1011121314', '763e65367e864f02f55153c7e3b58af1', '40013e2df58e8751957d2878bcd2d6fe101ccfd556cb1eae79db3c3ee86429f2b2a602ac86fef6ecb647d6295fae077a1feb517508d2c16b4192e01f62'],
      ],
      checksum: '45ee791567eefca37f4ac1e0222de80d43c3bfa06699672a',
    },
  ];

  for (const c of cases) {
    it(`${c.etype.name}: Kc, Ke, Ki for usage 2`, () => {
      assert.equal(hex(c.etype.deriveKey(c.base, 2, 'Kc')), c.kc);
      assert.equal(hex(c.etype.deriveKey(c.base, 2, 'Ke')), c.ke);
      assert.equal(hex(c.etype.deriveKey(c.base, 2, 'Ki')), c.ki);
      const hash = c.etype.etype === 19 ? 'sha256' : 'sha384';
      assert.equal(hex(kdfHmacSha2(hash, c.base, unhex('0000000299'), c.kc.length * 4)), c.kc);
    });

    for (const [plain, confounder, cipher] of c.encryptions) {
      it(`${c.etype.name}: encrypts ${plain!.length / 2} bytes with the Appendix A confounder byte for byte, and decrypts`, () => {
        const out = c.etype.encrypt(c.base, 2, unhex(plain!), { randomBytes: fixed(unhex(confounder!)) });
        assert.equal(hex(out), cipher);
        assert.equal(hex(c.etype.decrypt(c.base, 2, unhex(cipher!))), plain);
      });
    }

    it(`${c.etype.name}: checksum ${c.etype.checksumType} of Appendix A`, () => {
      const data = unhex('000102030405060708090a0b0c0d0e0f1011121314');
      assert.equal(hex(c.etype.checksum(c.base, 2, data)), c.checksum);
      assert.equal(c.etype.verifyChecksum(c.base, 2, data, unhex(c.checksum)), true);
      const wrong = unhex(c.checksum);
      wrong[0]! ^= 1;
      assert.equal(c.etype.verifyChecksum(c.base, 2, data, wrong), false);
    });

    it(`${c.etype.name}: a flipped MAC bit is refused before decryption, with the typed integrity error`, () => {
      const cipher = unhex(c.encryptions[3]![2]!);
      cipher[cipher.length - 1]! ^= 0x80;
      assert.throws(() => c.etype.decrypt(c.base, 2, cipher), (e: unknown) => e instanceof KerberosCryptoError && e.code === 'INTEGRITY');
    });
  }

  it('checksum types are 19 and 20, with 16- and 24-byte MACs', () => {
    assert.deepEqual([aes128CtsHmacSha256128.checksumType, aes128CtsHmacSha256128.checksumLength], [19, 16]);
    assert.deepEqual([aes256CtsHmacSha384192.checksumType, aes256CtsHmacSha384192.checksumLength], [20, 24]);
  });
});
