import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ChecksumTypeNumber, ENCRYPTION_TYPES, EncType, KerberosCryptoError, KeyUsage,
  checksumType, encryptionType, findEncryptionType, keyUsageName,
} from '../../../src/kerberos/crypto/index.js';
import type { KerberosCryptoErrorCode } from '../../../src/kerberos/crypto/index.js';

const fails = (code: KerberosCryptoErrorCode) => (e: unknown): boolean => {
  assert.ok(e instanceof KerberosCryptoError, `expected a KerberosCryptoError, got ${String(e)}`);
  assert.equal(e.code, code);
  return true;
};

/** Every usage class: RFC 4120 §7.5.1 KDC and AP usages, MS-KILE's PAC usage, RFC 4121's, and an application one. */
const USAGES = [...Object.values(KeyUsage), 1024];
const LENGTHS = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000];

describe('the enctype registry (RFC 3961 §8)', () => {
  it('provides 17, 18, 19, 20 and 23, strongest first, and no other', () => {
    assert.deepEqual(ENCRYPTION_TYPES.map((e) => e.etype), [20, 19, 18, 17, 23]);
    for (const n of Object.values(EncType)) assert.equal(encryptionType(n).etype, n);
    for (const n of [0, 1, 3, 16, 21, 24, -128, 65536]) {
      assert.equal(findEncryptionType(n), undefined);
      assert.throws(() => encryptionType(n), fails('UNSUPPORTED_ETYPE'));
    }
  });

  it('maps every checksum type number to its mechanism, and refuses unkeyed or unknown ones', () => {
    for (const n of Object.values(ChecksumTypeNumber)) assert.equal(checksumType(n).type, n);
    for (const e of ENCRYPTION_TYPES) assert.equal(checksumType(e.checksumType), e.checksumMechanism);
    for (const n of [0, 1, 7, 8, 12, -137, 0xffffff75]) assert.throws(() => checksumType(n), fails('UNSUPPORTED_CHECKSUM'));
  });

  it('names key usages for logs', () => {
    assert.equal(keyUsageName(11), 'AP_REQ_AUTH');
    assert.equal(keyUsageName(17), 'KERB_NON_KERB_CKSUM_SALT');
    assert.equal(keyUsageName(1024), '1024');
  });
});

for (const etype of ENCRYPTION_TYPES) {
  describe(`${etype.name} (${etype.etype})`, () => {
    const key = etype.randomKey();
    const other = etype.randomKey();

    it(`has a ${etype.keyLength}-byte key and fresh random keys`, () => {
      assert.equal(key.length, etype.keyLength);
      assert.notDeepEqual(key, other);
      const fixedKey = Buffer.alloc(etype.keyLength, 7);
      assert.deepEqual(etype.randomKey({ randomBytes: () => fixedKey }), fixedKey);
    });

    it('round-trips every usage class at every length, ciphertext = plaintext + overhead', () => {
      for (const usage of USAGES) {
        for (const n of LENGTHS) {
          const plain = randomBytes(n);
          const c = etype.encrypt(key, usage, plain);
          assert.equal(c.length, n + etype.overhead);
          assert.deepEqual(etype.decrypt(key, usage, c), plain, `usage ${usage}, ${n} bytes`);
        }
      }
    });

    it('uses a fresh confounder each time (same plaintext, different ciphertexts)', () => {
      const plain = Buffer.from('same');
      assert.notDeepEqual(etype.encrypt(key, 11, plain), etype.encrypt(key, 11, plain));
    });

    it('refuses every single flipped bit with the typed integrity error', () => {
      const c = etype.encrypt(key, KeyUsage.KDC_REP_TICKET, Buffer.from('a ticket enc-part, thirty-some bytes'));
      for (let i = 0; i < c.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const t = Buffer.from(c);
          t[i]! ^= bit;
          assert.throws(() => etype.decrypt(key, KeyUsage.KDC_REP_TICKET, t), fails('INTEGRITY'), `byte ${i}`);
        }
      }
    });

    it('refuses the wrong key, the wrong usage and a truncated or extended ciphertext as integrity failures', () => {
      const c = etype.encrypt(key, KeyUsage.AP_REQ_AUTH, Buffer.from('authenticator'));
      assert.throws(() => etype.decrypt(other, KeyUsage.AP_REQ_AUTH, c), fails('INTEGRITY'));
      assert.throws(() => etype.decrypt(key, KeyUsage.AP_REP_ENC_PART, c), fails('INTEGRITY'));
      assert.throws(() => etype.decrypt(key, KeyUsage.AP_REQ_AUTH, c.subarray(0, c.length - 1)), fails('INTEGRITY'));
      assert.throws(() => etype.decrypt(key, KeyUsage.AP_REQ_AUTH, Buffer.concat([c, Buffer.alloc(1)])), fails('INTEGRITY'));
    });

    it('refuses every ciphertext shorter than its overhead with bad-length, and random bytes with integrity', () => {
      for (let n = 0; n < etype.overhead; n++) {
        assert.throws(() => etype.decrypt(key, 2, randomBytes(n)), fails('BAD_LENGTH'), `${n} bytes`);
      }
      for (let n = etype.overhead; n < etype.overhead + 70; n++) {
        assert.throws(() => etype.decrypt(key, 2, randomBytes(n)), fails('INTEGRITY'), `${n} bytes`);
      }
    });

    it('refuses keys of the wrong length with bad-key, for every operation', () => {
      for (const bad of [Buffer.alloc(0), Buffer.alloc(etype.keyLength - 1), Buffer.alloc(etype.keyLength + 1), Buffer.alloc(24)]) {
        if (bad.length === etype.keyLength) continue;
        assert.throws(() => etype.encrypt(bad, 2, Buffer.alloc(4)), fails('BAD_KEY'));
        assert.throws(() => etype.decrypt(bad, 2, Buffer.alloc(64)), fails('BAD_KEY'));
        assert.throws(() => etype.deriveKey(bad, 2, 'Ke'), fails('BAD_KEY'));
        if (etype.etype !== 23) assert.throws(() => etype.checksum(bad, 2, Buffer.alloc(4)), fails('BAD_KEY'));
      }
    });

    it('refuses a random source that returns the wrong number of bytes', () => {
      assert.throws(() => etype.encrypt(key, 2, Buffer.alloc(4), { randomBytes: (n) => Buffer.alloc(n - 1) }), fails('BAD_LENGTH'));
    });

    it(`checksum ${etype.checksumType}: ${etype.checksumLength} bytes, bound to key, usage and data`, () => {
      const data = Buffer.from('PAC bytes with the signatures zeroed');
      const sum = etype.checksum(key, 17, data);
      assert.equal(sum.length, etype.checksumLength);
      assert.equal(etype.verifyChecksum(key, 17, data, sum), true);
      assert.equal(etype.verifyChecksum(other, 17, data, sum), false);
      assert.equal(etype.verifyChecksum(key, 10, data, sum), false);
      assert.equal(etype.verifyChecksum(key, 17, Buffer.concat([data, Buffer.alloc(1)]), sum), false);
      assert.equal(etype.verifyChecksum(key, 17, data, sum.subarray(1)), false);
      assert.equal(etype.verifyChecksum(key, 17, data, Buffer.alloc(0)), false);
    });

    it('derives keys once per key and usage, and never serves another key\'s derived keys', () => {
      const k = Buffer.from(key);
      const first = etype.deriveKey(k, 11, 'Ke');
      first.fill(0); // the caller's copy: mutating it must not poison the cache
      assert.deepEqual(etype.deriveKey(k, 11, 'Ke'), etype.deriveKey(Buffer.from(key), 11, 'Ke'));
      const c = etype.encrypt(k, 11, Buffer.from('x'));
      k.set(other); // the same buffer now holds another key
      assert.throws(() => etype.decrypt(k, 11, c), fails('INTEGRITY'));
      assert.deepEqual(etype.decrypt(other, 11, etype.encrypt(k, 11, Buffer.from('y'))), Buffer.from('y'));
    });
  });
}
