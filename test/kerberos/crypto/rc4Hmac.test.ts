import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rc4 } from '../../../src/crypto/rc4.js';
import { KerberosCryptoError } from '../../../src/kerberos/crypto/errors.js';
import { checksumType } from '../../../src/kerberos/crypto/enctypes.js';
import { hmacMd5Checksum138, rc4Hmac, rc4MsUsage } from '../../../src/kerberos/crypto/rc4Hmac.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');
const fixed = (bytes: Buffer) => (n: number): Buffer => { assert.equal(n, bytes.length); return bytes; };

describe('rc4-hmac (23), RFC 4757', () => {
  it('string-to-key is the NT hash, MD4(UTF-16LE(password)), salt ignored', () => {
    // The NT hash of "password" (MS-NLMP's NTOWFv1 of it), and gokrb5's rfc4757 vector for "foo".
    assert.equal(hex(rc4Hmac.stringToKey('password', 'ignored')), '8846f7eaee8fb117ad06bdd830b7586c');
    assert.equal(hex(rc4Hmac.stringToKey('foo', '')), 'ac8e657f83df82beea5d43bdaf7800cc');
  });

  it('maps RFC usages to Windows usages: 3 → 8, 23 → 13, the rest unchanged', () => {
    assert.equal(rc4MsUsage(3), 8);
    assert.equal(rc4MsUsage(23), 13);
    for (const u of [1, 2, 4, 7, 8, 9, 10, 11, 12, 14, 17, 22, 24, 25, 1024]) assert.equal(rc4MsUsage(u), u);
  });

  // MIT krb5 t_decrypt.c, ENCTYPE_ARCFOUR_HMAC: usages 0–4 (3 exercises the msusage 8 mapping).
  const kat: [string, number, string, string][] = [
    ['', 0, 'f81fec39255f5784e850c4377c88bd85', '02c1eb15586144122ec717763dd348bf00434ddc6585954c'],
    ['1', 1, '67d1300d281223867f9647ff48721273', '6156e0cc04e0a0874f9fda008f498a7adbbc80b70b14dddbc0'],
    ['9 bytesss', 2, '3e40ab6093695281b3ac1a9304224d98', '0f9ad121d99d4a09448e4f1f718c4f5cbe6096262c66f29df232a87c9f98755d55'],
    ['13 bytes byte', 3, '4ba2fbf0379faed87a254d3b353d5a7e', '612c57568b17a70352bae8cf26fb9459a6f3353cd35fd439db3107cbec765d326dfc04c1dd'],
    ['30 bytes bytes bytes bytes byt', 4, '68f263db3fce15d031c9eab02d67107a', '95f9047c3ad75891c2e9b04b16566dc8b6eb9ce4231afb2542ef87a7b5a0f260a99f0460508de0cecc632d07c354124e46c5d2234eb8'],
  ];
  for (const [plain, usage, key, cipher] of kat) {
    it(`decrypts MIT's ${plain.length}-byte known ciphertext at usage ${usage} and re-encrypts it byte for byte`, () => {
      const k = unhex(key);
      const c = unhex(cipher);
      assert.equal(rc4Hmac.decrypt(k, usage, c).toString('latin1'), plain);
      // The confounder: K3 = HMAC-MD5(K1, cksum), then the first 8 bytes of RC4(K3, rest).
      const k3 = createHmac('md5', rc4Hmac.deriveKey(k, usage, 'Ke')).update(c.subarray(0, 16)).digest();
      const confounder = rc4(k3, c.subarray(16)).subarray(0, 8);
      assert.equal(hex(rc4Hmac.encrypt(k, usage, Buffer.from(plain, 'latin1'), { randomBytes: fixed(confounder) })), cipher);
    });
  }

  it('usage 3 is sealed as usage 8 (so a usage-3 ciphertext opens at 8, not at 3 under the plain mapping)', () => {
    const [, , key, cipher] = kat[3]!;
    assert.equal(rc4Hmac.decrypt(unhex(key), 8, unhex(cipher)).toString('latin1'), '13 bytes byte');
  });

  it('checksum −138 (MIT t_cksums.c, usage 6), also found as the PAC\'s unsigned 0xFFFFFF76', () => {
    const key = unhex('f7d3a155af5e238a0b7a871a96ba2ab2');
    const data = Buffer.from('seventeen eighteen nineteen twenty');
    assert.equal(hex(rc4Hmac.checksum(key, 6, data)), 'eb38cc97e2230f59da4117dc5859d7ec');
    assert.equal(rc4Hmac.checksumType, -138);
    assert.equal(checksumType(0xffffff76), hmacMd5Checksum138);
    assert.equal(hmacMd5Checksum138.verify(key, 6, data, unhex('eb38cc97e2230f59da4117dc5859d7ec')), true);
    assert.equal(hmacMd5Checksum138.verify(key, 17, data, unhex('eb38cc97e2230f59da4117dc5859d7ec')), false);
    assert.equal(hmacMd5Checksum138.verify(key, 6, data, unhex('eb38cc97e2230f59da4117dc5859d7')), false);
  });

  it('refuses a tampered checksum field or body with the typed integrity error', () => {
    const [plain, usage, key, cipher] = kat[4]!;
    for (const at of [0, 15, 16, 23, 24, cipher.length / 2 - 1]) {
      const c = unhex(cipher);
      c[at]! ^= 0x01;
      assert.throws(() => rc4Hmac.decrypt(unhex(key), usage, c), (e: unknown) => e instanceof KerberosCryptoError && e.code === 'INTEGRITY', `byte ${at} of "${plain}"`);
    }
  });
});
