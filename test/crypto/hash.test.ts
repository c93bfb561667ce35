import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, hmacMd5, md5, randomBytes, sha256 } from '../../src/crypto/hash.js';
import * as crypto from '../../src/crypto/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('hash helpers', () => {
  it('md5: RFC 1321 appendix A.5 vectors, and parts are concatenated', () => {
    assert.equal(hex(md5()), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(hex(md5(ascii('abc'))), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(hex(md5(ascii('a'), ascii(''), new Uint8Array([0x62, 0x63]))), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(hex(md5(ascii('message digest'))), 'f96b697d7cb7938d525a2f31aaf161d0');
  });

  it('hmacMd5: RFC 2202 test cases 1 and 2', () => {
    assert.equal(hex(hmacMd5(Buffer.alloc(16, 0x0b), ascii('Hi There'))), '9294727a3638bb1c13f48ef8158bfc9d');
    assert.equal(hex(hmacMd5(ascii('Jefe'), ascii('what do ya want for nothing?'))), '750c783e6ab0b503eaa86e310a5db738');
    assert.equal(
      hex(hmacMd5(ascii('Jefe'), ascii('what do ya '), ascii('want for '), ascii('nothing?'))),
      '750c783e6ab0b503eaa86e310a5db738',
    );
  });

  it('sha256: FIPS 180-2 "abc" vector, and parts are concatenated', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(hex(sha256(ascii('abc'))), abc);
    assert.equal(hex(sha256(ascii('ab'), ascii('c'))), abc);
  });

  it('randomBytes returns n fresh bytes', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    assert.ok(Buffer.isBuffer(a));
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.equal(randomBytes(0).length, 0);
  });

  describe('constantTimeEqual', () => {
    it('true for equal contents (including empty, and across Buffer/Uint8Array)', () => {
      assert.equal(constantTimeEqual(ascii('secret'), ascii('secret')), true);
      assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
      assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3])), true);
    });

    it('false for different contents of the same length', () => {
      assert.equal(constantTimeEqual(ascii('secret'), ascii('secreT')), false);
      assert.equal(constantTimeEqual(new Uint8Array([0x80]), new Uint8Array([0x00])), false);
    });

    it('false (and no throw) for different lengths', () => {
      assert.equal(constantTimeEqual(ascii('secret'), ascii('secret!')), false);
      assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(1)), false);
    });
  });

  it('index re-exports every primitive', () => {
    for (const name of [
      'md4', 'Rc4', 'rc4', 'desEncryptBlock', 'expandDesKey', 'desl',
      'md5', 'hmacMd5', 'sha256', 'randomBytes', 'constantTimeEqual',
    ]) {
      assert.equal(typeof (crypto as Record<string, unknown>)[name], 'function', name);
    }
  });
});
