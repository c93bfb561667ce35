// The shared DER codec (src/der/): what SPNEGO's tests do not already cover — the
// generic encoder, INTEGER/BIT STRING, content checks of the decoder, error precedence.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  application,
  bitString,
  decodeOidContent,
  DerError,
  encodeOidContent,
  enumerated,
  explicit,
  generalString,
  identifier,
  integer,
  MAX_SUBIDENTIFIER_OCTETS,
  octetString,
  oid,
  parseDer,
  readBitString,
  readEnumerated,
  readExplicit,
  readInteger,
  readOid,
  readSequence,
  scanDer,
  sequence,
  tlv,
} from '../../src/der/index.js';
import type { DerErrorCode } from '../../src/der/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

function assertDerError(fn: () => unknown, code: DerErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DerError, `expected DerError(${code}), got ${String(caught)}`);
  assert.equal(caught.name, 'DerError');
  assert.equal(caught.code, code, caught.message);
}

describe('encoder', () => {
  it('identifier octets, including the high-tag-number form (X.690 §8.1.2.4)', () => {
    assert.deepEqual(Buffer.from(identifier('universal', true, 16)), hex('30'));
    assert.deepEqual(Buffer.from(identifier('context', true, 3)), hex('a3'));
    assert.deepEqual(Buffer.from(identifier('application', false, 30)), hex('5e'));
    assert.deepEqual(Buffer.from(identifier('context', true, 31)), hex('bf 1f'));
    assert.deepEqual(Buffer.from(identifier('private', false, 128)), hex('df 81 00'));
    assert.deepEqual(Buffer.from(identifier('context', false, 2 ** 28 - 1)), hex('9f ff ff ff 7f'));
    for (const bad of [-1, 1.5, 2 ** 28]) assert.throws(() => identifier('context', false, bad), RangeError);
  });

  it('tlv uses minimal definite lengths (X.690 §8.1.3, §10.1)', () => {
    for (const [n, head] of [[0, '04 00'], [127, '04 7f'], [128, '04 81 80'], [255, '04 81 ff'], [256, '04 82 01 00'], [65536, '04 83 01 00 00']] as const) {
      const enc = tlv(0x04, Buffer.alloc(n, 1));
      assert.deepEqual(enc.subarray(0, hex(head).length), hex(head), `length ${n}`);
      assert.equal(enc.length, hex(head).length + n);
      assert.equal(parseDer(enc, { maxBytes: 1 << 20 }).content.length, n);
    }
    assert.deepEqual(tlv(0x30, [hex('05 00'), hex('01 01 ff')]), hex('30 05 05 00 01 01 ff'));
    assert.deepEqual(tlv(identifier('context', true, 200), hex('05 00')), hex('bf 81 48 02 05 00'));
    assert.throws(() => tlv(0x1f, hex('')), RangeError);
    assert.throws(() => tlv(0x04, ['x' as unknown as Uint8Array]), TypeError);
  });

  it('structure helpers', () => {
    assert.deepEqual(sequence([]), hex('30 00'));
    assert.deepEqual(explicit(2, octetString(hex('aa'))), hex('a2 03 04 01 aa'));
    assert.deepEqual(explicit(40, hex('05 00')), hex('bf 28 02 05 00'));
    assert.deepEqual(application(0, [oid('1.3.6.1.5.5.2')]), hex('60 08 06 06 2b 06 01 05 05 02'));
    assert.deepEqual(application(31, []), hex('7f 1f 00'));
    const node = parseDer(explicit(40, hex('05 00')));
    assert.equal(node.tagNumber, 40);
    assert.deepEqual(Buffer.from(readExplicit(node, 40, 't').raw), hex('05 00'));
  });

  it('INTEGER / ENUMERATED: minimal two\'s complement (X.690 §8.3.2)', () => {
    const cases: [number, string][] = [
      [0, '00'], [1, '01'], [127, '7f'], [128, '00 80'], [255, '00 ff'], [256, '01 00'],
      [-1, 'ff'], [-128, '80'], [-129, 'ff 7f'], [-256, 'ff 00'],
      [2 ** 31 - 1, '7f ff ff ff'], [2 ** 31, '00 80 00 00 00'], [2 ** 32 - 1, '00 ff ff ff ff'], [-(2 ** 31), '80 00 00 00'],
      [2 ** 47 - 1, '7f ff ff ff ff ff'], [-(2 ** 47), '80 00 00 00 00 00'],
    ];
    for (const [v, content] of cases) {
      const enc = integer(v);
      assert.deepEqual(enc, Buffer.concat([hex('02'), Buffer.from([hex(content).length]), hex(content)]), String(v));
      assert.equal(readInteger(parseDer(enc), 't'), v);
    }
    assert.deepEqual(enumerated(3), hex('0a 01 03'));
    assert.throws(() => integer(1.5), RangeError);
    assert.throws(() => integer(2 ** 53), RangeError);
    assertDerError(() => readInteger(parseDer(integer(2 ** 47)), 't'), 'OUT_OF_RANGE');
    assertDerError(() => readInteger(parseDer(hex('02 00')), 't'), 'BAD_DER');
    assertDerError(() => readInteger(parseDer(hex('02 02 00 7f')), 't'), 'BAD_DER');
    assertDerError(() => readInteger(parseDer(hex('0a 01 00')), 't'), 'UNEXPECTED_TAG');
    assertDerError(() => readEnumerated(parseDer(hex('0a 05 01 00 00 00 00')), 't'), 'OUT_OF_RANGE');
  });

  it('BIT STRING (X.690 §8.6)', () => {
    assert.deepEqual(bitString(hex('a0'), 5), hex('03 02 05 a0'));
    assert.deepEqual(bitString(hex('')), hex('03 01 00'));
    assert.throws(() => bitString(hex(''), 1), RangeError);
    assert.throws(() => bitString(hex('00'), 8), RangeError);
    const r = readBitString(parseDer(hex('03 03 07 ff 80')), 't');
    assert.equal(r.unusedBits, 7);
    assert.deepEqual(Buffer.from(r.bytes), hex('ff 80'));
    assertDerError(() => readBitString(parseDer(hex('03 00')), 't'), 'BAD_VALUE');
    assertDerError(() => readBitString(parseDer(hex('03 01 01')), 't'), 'BAD_VALUE');
  });

  it('GeneralString and OCTET STRING', () => {
    assert.deepEqual(generalString('ab'), hex('1b 02 61 62'));
    assert.deepEqual(octetString(new Uint8Array([1, 2])), hex('04 02 01 02'));
    assert.throws(() => octetString('x' as unknown as Uint8Array), TypeError);
  });

  it('OBJECT IDENTIFIER encoding is memoised without sharing the output', () => {
    const a = oid('1.2.840.113549.1.1.11');
    assert.deepEqual(a, hex('06 09 2a 86 48 86 f7 0d 01 01 0b'));
    a[2] = 0;
    assert.deepEqual(oid('1.2.840.113549.1.1.11'), hex('06 09 2a 86 48 86 f7 0d 01 01 0b'));
    assert.deepEqual(Buffer.from(encodeOidContent('2.25.9007199254740991')), hex('69 8f ff ff ff ff ff ff 7f'));
    assert.equal(decodeOidContent(encodeOidContent('2.25.9007199254740991')), '2.25.9007199254740991');
    assert.throws(() => oid('1.2.3.'), RangeError);
  });

  it('decodes arcs beyond 2^53 exactly (UUID arcs and more), and refuses sub-identifiers over 24 octets fast', () => {
    for (const bits of [49, 50, 53, 54, 64, 100, 128, 168]) {
      const arc = (1n << BigInt(bits)) - 3n;
      const groups: number[] = [];
      for (let v = arc; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | (groups.length ? 0x80 : 0));
      assert.equal(decodeOidContent(Buffer.from([0x2a, ...groups, 0x05])), `1.2.${arc}.5`, `${bits} bits`);
      assert.equal(decodeOidContent(Buffer.from(groups)), `2.${arc - 80n}`, `${bits} bits, first arc`);
    }
    const tooLong = Buffer.alloc(MAX_SUBIDENTIFIER_OCTETS + 1, 0xff);
    tooLong[tooLong.length - 1] = 0x7f;
    assert.throws(() => decodeOidContent(tooLong), (e: unknown) => e instanceof DerError && e.code === 'BAD_OID');
    const huge = Buffer.alloc(60_000, 0xff);
    huge[huge.length - 1] = 0x7f;
    const t0 = performance.now();
    assert.throws(() => readOid(parseDer(tlv(0x06, huge)), 't'), (e: unknown) => e instanceof DerError && e.code === 'BAD_OID');
    assert.ok(performance.now() - t0 < 50, 'refused without converting the arc');
  });
});

describe('decoder content checks', () => {
  const bad: [string, string, DerErrorCode][] = [
    ['reserved UNIVERSAL 15', '0f 00', 'BAD_DER'],
    ['reserved UNIVERSAL 37', '1f 25 00', 'BAD_DER'],
    ['BIT STRING unused bits 8', '03 02 08 00', 'BAD_DER'],
    ['truncated RELATIVE-OID', '0d 02 01 81', 'BAD_DER'],
    ['odd-length BMPString', '1e 03 00 61 00', 'BAD_DER'],
    ['UniversalString of 6 octets', '1c 06 00 00 00 61 00 00', 'BAD_DER'],
    ['UTCTime without seconds', '17 0b 39 39 31 32 33 31 32 33 35 39 5a', 'BAD_DER'],
    ['UTCTime with an offset', '17 11 39 39 31 32 33 31 32 33 35 39 35 39 2b 30 31 30 30', 'BAD_DER'],
    ['GeneralizedTime without Z', '18 0e 32 30 32 34 30 31 30 31 31 32 30 30 30 30', 'BAD_DER'],
    ['GeneralizedTime with a trailing zero fraction', '18 12 32 30 32 34 30 31 30 31 31 32 30 30 30 30 2e 35 30 5a', 'BAD_DER'],
    ['GeneralizedTime with a comma', '18 11 32 30 32 34 30 31 30 31 31 32 30 30 30 30 2c 35 5a', 'BAD_DER'],
    ['empty OID', '06 00', 'BAD_OID'],
  ];
  for (const [name, bytes, code] of bad) {
    it(`rejects ${name}`, () => {
      assertDerError(() => parseDer(hex(bytes)), code);
      assertDerError(() => scanDer(hex(bytes)), code);
    });
  }

  it('accepts DER times, relative OIDs and strings of the right width', () => {
    for (const bytes of [
      '17 0d 39 39 31 32 33 31 32 33 35 39 35 39 5a',
      '18 0f 32 30 32 34 30 31 30 31 31 32 30 30 30 30 5a',
      '18 11 32 30 32 34 30 31 30 31 31 32 30 30 30 30 2e 35 5a',
      '0d 03 01 81 00', '0d 00', '1e 02 00 61', '1c 04 00 00 00 61', '03 00', '03 01 03',
    ]) {
      parseDer(hex(bytes));
    }
  });

  it('reports structural faults before content faults (parse order of the old decoder)', () => {
    // A bad BIT STRING followed by a truncated element: TRUNCATED, not BAD_DER.
    assertDerError(() => parseDer(hex('30 06 03 02 08 00 04 05')), 'TRUNCATED');
    assertDerError(() => parseDer(hex('30 04 03 02 08 00 00')), 'TRAILING_DATA');
    assertDerError(() => parseDer(hex('30 04 03 02 08 00')), 'BAD_DER');
  });

  it('returns plain Uint8Array views into the input', () => {
    const buf = hex('30 05 a1 03 04 01 7f');
    const root = parseDer(buf);
    const leaf = readExplicit(readSequence(root, 't')[0] as never, 1, 't');
    assert.equal(Object.getPrototypeOf(leaf.content), Uint8Array.prototype);
    assert.equal(leaf.content.buffer, buf.buffer);
    assert.deepEqual(Buffer.from(leaf.raw), hex('04 01 7f'));
    assert.throws(() => parseDer('30 00' as unknown as Uint8Array), TypeError);
  });

  it('rejects invalid limits with RangeError', () => {
    assert.throws(() => parseDer(hex('05 00'), { maxDepth: 0 }), RangeError);
    assert.throws(() => parseDer(hex('05 00'), { maxNodes: 1.5 }), RangeError);
  });
});
