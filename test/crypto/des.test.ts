import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desEncryptBlock, desl, expandDesKey } from '../../src/crypto/des.js';
import { md4 } from '../../src/crypto/md4.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');
const des = (key: string, pt: string): string => hex(desEncryptBlock(unhex(key), unhex(pt)));

/**
 * NIST SP 800-17 (MOVS), table B.1, variable plaintext known answer test: key
 * 0101010101010101, plaintext with only bit i+1 set, expected ciphertext at index i.
 */
const SP800_17_B1 = [
  '95f8a5e5dd31d900', 'dd7f121ca5015619', '2e8653104f3834ea', '4bd388ff6cd81d4f',
  '20b9e767b2fb1456', '55579380d77138ef', '6cc5defaaf04512f', '0d9f279ba5d87260',
  'd9031b0271bd5a0a', '424250b37c3dd951', 'b8061b7ecd9a21e5', 'f15d0f286b65bd28',
  'add0cc8d6e5deba1', 'e6d5f82752ad63d1', 'ecbfe3bd3f591a5e', 'f356834379d165cd',
  '2b9f982f20037fa9', '889de068a16f0be6', 'e19e275d846a1298', '329a8ed523d71aec',
  'e7fce22557d23c97', '12a9f5817ff2d65d', 'a484c3ad38dc9c19', 'fbe00a8a1ef8ad72',
  '750d079407521363', '64feed9c724c2faf', 'f02b263b328e2b60', '9d64555a9a10b852',
  'd106ff0bed5255d7', 'e1652c6b138c64a5', 'e428581186ec8f46', 'aeb5f5ede22d1a36',
  'e943d7568aec0c5c', 'df98c8276f54b04b', 'b160e4680f6c696f', 'fa0752b07d9c4ab8',
  'ca3a2b036dbc8502', '5e0905517bb59bcf', '814eeb3b91d90726', '4d49db1532919c9f',
  '25eb5fc3f8cf0621', 'ab6a20c0620d1c6f', '79e90dbc98f92cca', '866ecedd8072bb0e',
  '8b54536f2f3e64a8', 'ea51d3975595b86b', 'caffc6ac4542de31', '8dd45a2ddf90796c',
  '1029d55e880ec2d0', '5d86cb23639dbea9', '1d1ca853ae7c0c5f', 'ce332329248f3228',
  '8405d1abe24fb942', 'e643d78090ca4207', '48221b9937748a23', 'dd7c0bbd61fafd54',
  '2fbc291a570db5c4', 'e07c30d7e4e26e12', '0953e2258e8e90a1', '5b711bc4ceebf2ee',
  'cc083f1e6d9e85f6', 'd2fd8867d50d2dfe', '06e7ea22ce92708f', '166b40b44aba4bd6',
];

/**
 * NIST SP 800-17 table B.2, variable key known answer test: plaintext 0000000000000000,
 * key = 0101010101010101 with one of its 56 non-parity bits set instead, in order.
 */
const SP800_17_B2: [string, string][] = [
  ['8001010101010101', '95a8d72813daa94d'], ['4001010101010101', '0eec1487dd8c26d5'],
  ['2001010101010101', '7ad16ffb79c45926'], ['1001010101010101', 'd3746294ca6a6cf3'],
  ['0801010101010101', '809f5f873c1fd761'], ['0401010101010101', 'c02faffec989d1fc'],
  ['0201010101010101', '4615aa1d33e72f10'], ['0180010101010101', '2055123350c00858'],
  ['0140010101010101', 'df3b99d6577397c8'], ['0120010101010101', '31fe17369b5288c9'],
  ['0110010101010101', 'dfdd3cc64dae1642'], ['0108010101010101', '178c83ce2b399d94'],
  ['0104010101010101', '50f636324a9b7f80'], ['0102010101010101', 'a8468ee3bc18f06d'],
  ['0101800101010101', 'a2dc9e92fd3cde92'], ['0101400101010101', 'cac09f797d031287'],
  ['0101200101010101', '90ba680b22aeb525'], ['0101100101010101', 'ce7a24f350e280b6'],
  ['0101080101010101', '882bff0aa01a0b87'], ['0101040101010101', '25610288924511c2'],
  ['0101020101010101', 'c71516c29c75d170'], ['0101018001010101', '5199c29a52c9f059'],
  ['0101014001010101', 'c22f0a294a71f29f'], ['0101012001010101', 'ee371483714c02ea'],
  ['0101011001010101', 'a81fbd448f9e522f'], ['0101010801010101', '4f644c92e192dfed'],
  ['0101010401010101', '1afa9a66a6df92ae'], ['0101010201010101', 'b3c1cc715cb879d8'],
  ['0101010180010101', '19d032e64ab0bd8b'], ['0101010140010101', '3cfaa7a7dc8720dc'],
  ['0101010120010101', 'b7265f7f447ac6f3'], ['0101010110010101', '9db73b3c0d163f54'],
  ['0101010108010101', '8181b65babf4a975'], ['0101010104010101', '93c9b64042eaa240'],
  ['0101010102010101', '5570530829705592'], ['0101010101800101', '8638809e878787a0'],
  ['0101010101400101', '41b9a79af79ac208'], ['0101010101200101', '7a9be42f2009a892'],
  ['0101010101100101', '29038d56ba6d2745'], ['0101010101080101', '5495c6abf1e5df51'],
  ['0101010101040101', 'ae13dbd561488933'], ['0101010101020101', '024d1ffa8904e389'],
  ['0101010101018001', 'd1399712f99bf02e'], ['0101010101014001', '14c1d7c1cffec79e'],
  ['0101010101012001', '1de5279dae3bed6f'], ['0101010101011001', 'e941a33f85501303'],
  ['0101010101010801', 'da99dbbc9a03f379'], ['0101010101010401', 'b7fc92f91d8e92e9'],
  ['0101010101010201', 'ae8e5caa3ca04e85'], ['0101010101010180', '9cc62df43b6eed74'],
  ['0101010101010140', 'd863dbb5c59a91a0'], ['0101010101010120', 'a1ab2190545b91d7'],
  ['0101010101010110', '0875041e64c570f7'], ['0101010101010108', '5a594528bebef1cc'],
  ['0101010101010104', 'fcdb3291de21f0c0'], ['0101010101010102', '869efd7f9f265a09'],
];

/** LMOWFv1 (MS-NLMP section 3.3.1), built from the primitives under test. */
function lmowfv1(password: string): Buffer {
  const k = Buffer.alloc(14);
  Buffer.from(password.toUpperCase(), 'latin1').copy(k, 0, 0, 14);
  const magic = Buffer.from('KGS!@#$%', 'latin1');
  return Buffer.concat([
    desEncryptBlock(expandDesKey(k.subarray(0, 7)), magic),
    desEncryptBlock(expandDesKey(k.subarray(7, 14)), magic),
  ]);
}

const popcount = (b: number): number => {
  let n = 0;
  for (let v = b; v !== 0; v >>>= 1) n += v & 1;
  return n;
};

describe('desEncryptBlock', () => {
  it('FIPS 46 worked example (key 133457799BBCDFF1, "The DES Algorithm Illustrated")', () => {
    assert.equal(des('133457799bbcdff1', '0123456789abcdef'), '85e813540f0ab405');
  });

  it('NIST SP 800-17 appendix A sample (key 10316E028C8F3B4A, plaintext 0)', () => {
    assert.equal(des('10316e028c8f3b4a', '0000000000000000'), '82dcbafbdeab6602');
  });

  it('NIST SP 800-17 table B.1, variable plaintext (64 entries)', () => {
    assert.equal(SP800_17_B1.length, 64);
    SP800_17_B1.forEach((ct, i) => {
      const pt = Buffer.alloc(8);
      pt[i >> 3] = 0x80 >> (i & 7);
      assert.equal(des('0101010101010101', hex(pt)), ct, `plaintext ${hex(pt)}`);
    });
  });

  it('NIST SP 800-17 table B.2, variable key (56 entries)', () => {
    assert.equal(SP800_17_B2.length, 56);
    for (const [key, ct] of SP800_17_B2) {
      assert.equal(des(key, '0000000000000000'), ct, `key ${key}`);
    }
  });

  it('ignores the parity bits of the key', () => {
    const key = unhex('133457799bbcdff1');
    const flipped = Buffer.from(key.map((b) => b ^ 1));
    const zeroed = Buffer.from(key.map((b) => b & 0xfe));
    const pt = unhex('0123456789abcdef');
    assert.equal(hex(desEncryptBlock(flipped, pt)), '85e813540f0ab405');
    assert.equal(hex(desEncryptBlock(zeroed, pt)), '85e813540f0ab405');
  });

  it('accepts Uint8Array views with a byte offset and does not modify its inputs', () => {
    const backing = new Uint8Array(32);
    backing.set(unhex('133457799bbcdff1'), 3);
    backing.set(unhex('0123456789abcdef'), 17);
    const before = Uint8Array.from(backing);
    const ct = desEncryptBlock(backing.subarray(3, 11), backing.subarray(17, 25));
    assert.ok(Buffer.isBuffer(ct));
    assert.equal(hex(ct), '85e813540f0ab405');
    assert.deepEqual(backing, before);
  });

  it('throws RangeError on wrong key or block length', () => {
    assert.throws(() => desEncryptBlock(new Uint8Array(7), new Uint8Array(8)), RangeError);
    assert.throws(() => desEncryptBlock(new Uint8Array(9), new Uint8Array(8)), RangeError);
    assert.throws(() => desEncryptBlock(new Uint8Array(8), new Uint8Array(7)), RangeError);
    assert.throws(() => desEncryptBlock(new Uint8Array(8), new Uint8Array(16)), RangeError);
  });
});

describe('expandDesKey', () => {
  it('spreads 56 bits, 7 per byte, with odd parity in the low bit', () => {
    assert.equal(hex(expandDesKey(unhex('00000000000000'))), '0101010101010101');
    assert.equal(hex(expandDesKey(unhex('ffffffffffffff'))), 'fefefefefefefefe');
    // First LMOWFv1 key half for "Password": 'PASSWOR' = 50 41 53 53 57 4f 52.
    assert.equal(hex(expandDesKey(Buffer.from('PASSWOR', 'latin1'))), '5120546b34ba3da4');
  });

  it('keeps every key bit in order and every byte odd-parity', () => {
    const key = unhex('a5c3f00f5a3c96');
    const out = expandDesKey(key);
    assert.equal(out.length, 8);
    for (let bit = 0; bit < 56; bit++) {
      const inBit = (key[bit >> 3]! >> (7 - (bit & 7))) & 1;
      const outBit = (out[Math.floor(bit / 7)]! >> (7 - (bit % 7))) & 1;
      assert.equal(outBit, inBit, `bit ${bit}`);
    }
    for (const b of out) assert.equal(popcount(b) % 2, 1);
  });

  it('throws RangeError unless given exactly 7 bytes', () => {
    assert.throws(() => expandDesKey(new Uint8Array(6)), RangeError);
    assert.throws(() => expandDesKey(new Uint8Array(8)), RangeError);
  });
});

describe('MS-NLMP values', () => {
  const password = 'Password';
  const serverChallenge = unhex('0123456789abcdef');

  it('LMOWFv1("Password") (MS-NLMP section 4.2.2.1.1)', () => {
    assert.equal(hex(lmowfv1(password)), 'e52cac67419a9a224a3b108f3fa6cb6d');
  });

  it('NTLMv1 response = DESL(NTOWFv1, ServerChallenge) (MS-NLMP section 4.2.2.2.1)', () => {
    const ntowf = md4(Buffer.from(password, 'utf16le'));
    assert.equal(hex(ntowf), 'a4f49c406510bdcab6824ee7c30fd852');
    assert.equal(
      hex(desl(ntowf, serverChallenge)),
      '67c43011f30298a2ad35ece64f16331c44bdbed927841f94',
    );
  });

  it('LMv1 response = DESL(LMOWFv1, ServerChallenge) (MS-NLMP section 4.2.2.2.2)', () => {
    assert.equal(
      hex(desl(lmowfv1(password), serverChallenge)),
      '98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13',
    );
  });
});

describe('desl', () => {
  it('is DES(K[0..6]) ‖ DES(K[7..13]) ‖ DES(K[14..15] ‖ Z(5)) of the same data', () => {
    const k = unhex('00112233445566778899aabbccddeeff');
    const d = unhex('fedcba9876543210');
    const third = Buffer.concat([k.subarray(14, 16), Buffer.alloc(5)]);
    const expected = Buffer.concat([
      desEncryptBlock(expandDesKey(k.subarray(0, 7)), d),
      desEncryptBlock(expandDesKey(k.subarray(7, 14)), d),
      desEncryptBlock(expandDesKey(third), d),
    ]);
    const out = desl(k, d);
    assert.ok(Buffer.isBuffer(out));
    assert.equal(out.length, 24);
    assert.deepEqual(out, expected);
  });

  it('throws RangeError on wrong key or data length', () => {
    assert.throws(() => desl(new Uint8Array(15), new Uint8Array(8)), RangeError);
    assert.throws(() => desl(new Uint8Array(21), new Uint8Array(8)), RangeError);
    assert.throws(() => desl(new Uint8Array(16), new Uint8Array(7)), RangeError);
    assert.throws(() => desl(new Uint8Array(16), new Uint8Array(9)), RangeError);
  });
});
