import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aesCtsDecrypt } from '../../../src/crypto/aesCts.js';
import { aes128CtsHmacSha196, aes256CtsHmacSha196, deriveKeyAesSha1 } from '../../../src/kerberos/crypto/aesSha1.js';
import { KerberosCryptoError } from '../../../src/kerberos/crypto/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');
const be32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const fixed = (bytes: Buffer) => (n: number): Buffer => { assert.equal(n, bytes.length); return bytes; };

describe('aes128/256-cts-hmac-sha1-96 (RFC 3962)', () => {
  // RFC 3962 Appendix B (also MIT krb5 t_str2key.c): password, salt, iteration count → AES-128 key, AES-256 key.
  const s2k: { password: string; salt: Buffer; iterations: number; aes128: string; aes256: string }[] = [
    { password: 'password', salt: Buffer.from('ATHENA.MIT.EDUraeburn'), iterations: 1, aes128: '42263c6e89f4fc28b8df68ee09799f15', aes256: 'fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161' },
    { password: 'password', salt: Buffer.from('ATHENA.MIT.EDUraeburn'), iterations: 2, aes128: 'c651bf29e2300ac27fa469d693bdda13', aes256: 'a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff' },
    { password: 'password', salt: Buffer.from('ATHENA.MIT.EDUraeburn'), iterations: 1200, aes128: '4c01cd46d632d01e6dbe230a01ed642a', aes256: '55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a' },
    { password: 'password', salt: unhex('1234567878563412'), iterations: 5, aes128: 'e9b23d52273747dd5c35cb55be619d8e', aes256: '97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31' },
    { password: 'X'.repeat(64), salt: Buffer.from('pass phrase equals block size'), iterations: 1200, aes128: '59d1bb789a828b1aa54ef9c2883f69ed', aes256: '89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34' },
    { password: 'X'.repeat(65), salt: Buffer.from('pass phrase exceeds block size'), iterations: 1200, aes128: 'cb8005dc5f90179a7f02104c0018751d', aes256: 'd78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b' },
    // U+1D11E MUSICAL SYMBOL G CLEF, F0 9D 84 9E in UTF-8.
    { password: '\u{1D11E}', salt: Buffer.from('EXAMPLE.COMpianist'), iterations: 50, aes128: 'f149c1f2e154a73452d43e7fe62a56e5', aes256: '4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e' },
  ];
  for (const v of s2k) {
    it(`string-to-key: ${v.password.length > 8 ? `${v.password.length} × "X"` : JSON.stringify(v.password)}, ${v.iterations} iteration(s)`, () => {
      assert.equal(hex(aes128CtsHmacSha196.stringToKey(v.password, v.salt, be32(v.iterations))), v.aes128);
      assert.equal(hex(aes256CtsHmacSha196.stringToKey(v.password, v.salt, be32(v.iterations))), v.aes256);
    });
  }

  it('string-to-key takes the salt as a UTF-8 string too, and defaults to 4096 iterations', () => {
    assert.deepEqual(aes128CtsHmacSha196.stringToKey('password', 'ATHENA.MIT.EDUraeburn', be32(2)), unhex(s2k[1]!.aes128));
    assert.deepEqual(aes128CtsHmacSha196.stringToKey('pw', 'S'), aes128CtsHmacSha196.stringToKey('pw', 'S', be32(4096)));
    assert.notDeepEqual(aes128CtsHmacSha196.stringToKey('pw', 'S'), aes128CtsHmacSha196.stringToKey('pw', 'S', be32(4095)));
  });

  it('refuses malformed s2kparams with bad-params', () => {
    for (const params of [Buffer.alloc(0), Buffer.alloc(3), Buffer.alloc(5), be32(0), be32(0x1000000), be32(0xffffffff)]) {
      assert.throws(() => aes256CtsHmacSha196.stringToKey('password', 'salt', params), (e: unknown) => e instanceof KerberosCryptoError && e.code === 'BAD_PARAMS');
    }
  });

  // MIT krb5 t_derive.c: DK(base, usage 2 ‖ 0x99 / 0xAA / 0x55), the bases being the first string-to-key results above.
  const derive: [Buffer, string, string][] = [
    [unhex('42263c6e89f4fc28b8df68ee09799f15'), '0000000299', '34280a382bc92769b2da2f9ef066854b'],
    [unhex('42263c6e89f4fc28b8df68ee09799f15'), '00000002aa', '5b14fc4e250e14ddf9dccf1af6674f53'],
    [unhex('42263c6e89f4fc28b8df68ee09799f15'), '0000000255', '4ed31063621684f09ae8d89991af3e8f'],
    [unhex('fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161'), '0000000299', 'bfab388bdcb238e9f9c98d6a878304f04d30c82556375ac507a7a852790f4674'],
    [unhex('fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161'), '00000002aa', 'c7cfd9cd75fe793a586a542d87e0d1396f1134a104bb1a9190b8c90ada3ddf37'],
    [unhex('fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161'), '0000000255', '97151b4c76945063e2eb0529dc067d97d7bba90776d8126d91f34f3101aea8ba'],
  ];
  it('DK and the usage keys Kc, Ke, Ki (MIT t_derive.c)', () => {
    for (const [base, constant, expected] of derive) {
      assert.equal(hex(deriveKeyAesSha1(base, unhex(constant))), expected, constant);
      const etype = base.length === 16 ? aes128CtsHmacSha196 : aes256CtsHmacSha196;
      const purpose = constant.endsWith('99') ? 'Kc' : constant.endsWith('aa') ? 'Ke' : 'Ki';
      assert.equal(hex(etype.deriveKey(base, 2, purpose)), expected, `${purpose} for usage 2`);
    }
  });

  // MIT krb5 t_decrypt.c: known ciphertexts (their confounders were random; decryption recovers them).
  const kat: { etype: typeof aes128CtsHmacSha196; plain: string; usage: number; key: string; cipher: string }[] = [
    { etype: aes128CtsHmacSha196, plain: '', usage: 0, key: '5a5c0f0ba54f3828b2195e66ca24a289', cipher: '49ff8e11c173d9583a3254fbe7b1f1df36c538e8416784a1672e6676' },
    { etype: aes128CtsHmacSha196, plain: '1', usage: 1, key: '98450e3f3baa13f5c99beb936981b06f', cipher: 'f86742f537b35dc2174a4dbaa920faf9042090b065e1ebb1cad9a65394' },
    { etype: aes128CtsHmacSha196, plain: '9 bytesss', usage: 2, key: '9062430c8cda3388922e6d6a509f5b7a', cipher: '68fb9679601f45c78857b2bf820fd6e53eca8d42fd4b1d7024a09205abb7cd2ec26c355d2f' },
    { etype: aes128CtsHmacSha196, plain: '13 bytes byte', usage: 3, key: '033ee6502c54fd23e27791e987983827', cipher: 'ec366d0327a933bf49330e650e49bc6b974637fe80bf532fe51795b4809718e6194724db948d1fd637' },
    { etype: aes128CtsHmacSha196, plain: '30 bytes bytes bytes bytes byt', usage: 4, key: 'dceeb70b3de76562e689226c76429148', cipher: 'c96081032d5d8eeb7e32b4089f789d0faa481dea74c0f97cbf3146ddfcf8e800156ecb532fc203e30ff600b63b350939fece510f02d7ff1e7bac' },
    { etype: aes256CtsHmacSha196, plain: '', usage: 0, key: '17f275f2954f2ed1f90c377ba7f4d6a369aa0136e0bf0c927ad6133c693759a9', cipher: 'e5094c55ee7b38262e2b044280b069379a95bf95bd8376fb3281b435' },
    { etype: aes256CtsHmacSha196, plain: '1', usage: 1, key: 'b9477e1ff0329c0050e20ce6c72d2dff27e8fe541ab0954429a9cb5b4f7b1e2a', cipher: '406150b97aeb76d43b36b62cc1ecdfbe6f40e95755e0beb5c27825f3a4' },
    { etype: aes256CtsHmacSha196, plain: '9 bytesss', usage: 2, key: 'b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7', cipher: '09957aa25fcaf88f7b39e4406e633012d5fea21853f6478da7065caef41fd454a40824eec5' },
    { etype: aes256CtsHmacSha196, plain: '13 bytes byte', usage: 3, key: 'e5a72be9b7926c1225bafef9c1872e7ba4cdb2b17893d84abd90acdd8764d966', cipher: 'd8f1aafeec84587cc3e700a774e56651a6d693e174ec4473b5e6d96f80297a653fb818ad893e719f96' },
    { etype: aes256CtsHmacSha196, plain: '30 bytes bytes bytes bytes byt', usage: 4, key: 'f1c795e9248a09338d82c3f8d5b567040b0110736845041347235b1404231398', cipher: 'd1137a4d634cfece924dbc3bf6790648bd5cff7de0e7b99460211d0daef3d79a295c688858f3b34b9cbd6eebae81daf6b734d4d498b6714f1c1d' },
  ];
  for (const v of kat) {
    it(`${v.etype.name}: decrypts MIT's ${v.plain.length}-byte known ciphertext at usage ${v.usage} and re-encrypts it byte for byte`, () => {
      const key = unhex(v.key);
      const cipher = unhex(v.cipher);
      assert.equal(v.etype.decrypt(key, v.usage, cipher).toString('latin1'), v.plain);
      const confounder = aesCtsDecrypt(v.etype.deriveKey(key, v.usage, 'Ke'), cipher.subarray(0, -12)).subarray(0, 16);
      assert.equal(hex(v.etype.encrypt(key, v.usage, Buffer.from(v.plain, 'latin1'), { randomBytes: fixed(confounder) })), v.cipher);
    });
  }

  // MIT krb5 t_cksums.c: hmac-sha1-96-aes128 (15) and hmac-sha1-96-aes256 (16).
  it('checksums 15 and 16 (MIT t_cksums.c)', () => {
    const k128 = unhex('9062430c8cda3388922e6d6a509f5b7a');
    const k256 = unhex('b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7');
    const d128 = Buffer.from('eight nine ten eleven twelve thirteen');
    const d256 = Buffer.from('fourteen');
    assert.equal(aes128CtsHmacSha196.checksumType, 15);
    assert.equal(aes256CtsHmacSha196.checksumType, 16);
    assert.equal(hex(aes128CtsHmacSha196.checksum(k128, 3, d128)), '01a4b088d45628f6946614e3');
    assert.equal(hex(aes256CtsHmacSha196.checksum(k256, 4, d256)), 'e08739e3279e2903ec8e3836');
    assert.equal(aes128CtsHmacSha196.verifyChecksum(k128, 3, d128, unhex('01a4b088d45628f6946614e3')), true);
    assert.equal(aes128CtsHmacSha196.verifyChecksum(k128, 4, d128, unhex('01a4b088d45628f6946614e3')), false);
    assert.equal(aes256CtsHmacSha196.verifyChecksum(k256, 4, d256, unhex('e08739e3279e2903ec8e38')), false);
  });
});
