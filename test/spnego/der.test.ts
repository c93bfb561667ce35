import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOidContent, scanDer } from '../../src/der/index.js';
import {
  contextFlagsBlock,
  DEFAULT_MAX_BYTES,
  enumeratedBlock,
  generalStringBlock,
  isValidOid,
  oidBlock,
  parseDer,
  readContextFields,
  readContextFlags,
  readEnumerated,
  readExplicit,
  readGeneralString,
  readOctetString,
  readOid,
  readSequence,
  toDer,
  toSpnegoError,
} from '../../src/spnego/der.js';
import { SpnegoDecodeError, type SpnegoErrorCode } from '../../src/spnego/errors.js';
import { assertDecodeError as assertSpnegoError, hex, tlv } from './helpers.js';

/** The readers throw DerError; decodeNegotiationToken converts it with toSpnegoError, as this does. */
function assertDecodeError(fn: () => unknown, code?: SpnegoErrorCode): SpnegoDecodeError {
  return assertSpnegoError(() => {
    try {
      return fn();
    } catch (e) {
      throw toSpnegoError(e);
    }
  }, code);
}

describe('SpnegoDecodeError', () => {
  it('carries a code and the conventional name', () => {
    const e = new SpnegoDecodeError('BAD_DER', 'x');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SpnegoDecodeError');
    assert.equal(e.code, 'BAD_DER');
    assert.equal(e.message, 'x');
  });
});

describe('scanDer / parseDer structure rules', () => {
  it('parses nested elements and exposes raw/content views', () => {
    const buf = hex('30 08 a0 06 30 04 06 02 2a 03');
    const root = parseDer(buf);
    assert.equal(root.tagClass, 'universal');
    assert.equal(root.tagNumber, 16);
    assert.equal(root.constructed, true);
    assert.deepEqual(Buffer.from(root.raw), buf);
    const inner = readExplicit(root.children[0]!, 0, 't');
    assert.deepEqual(Buffer.from(inner.raw), hex('30 04 06 02 2a 03'));
    assert.equal(readOid(readSequence(inner, 't')[0]!, 't'), '1.2.3');
  });

  it('accepts long-form lengths when they are minimal', () => {
    const body = Buffer.alloc(300, 7);
    const node = parseDer(tlv(0x04, body));
    assert.deepEqual(Buffer.from(readOctetString(node, 't')), body);
  });

  const bad: [string, string, string][] = [
    ['empty input', '', 'EMPTY'],
    ['indefinite length', '30 80 05 00 00 00', 'BAD_DER'],
    ['non-minimal long form (< 128)', '04 81 05 0102030405', 'BAD_DER'],
    ['long form with a leading zero octet', '04 82 00 80' + '00'.repeat(128), 'BAD_DER'],
    ['reserved length octet 0xff', '04 ff', 'BAD_DER'],
    ['length field with more than 4 octets', '04 85 01 00 00 00 00', 'TOO_LARGE'],
    ['length 0xffffffff', '04 84 ff ff ff ff 00', 'TOO_LARGE'],
    ['length past the end', '04 05 01 02', 'TRUNCATED'],
    ['missing length octet', '30', 'TRUNCATED'],
    ['child running past its parent', '30 03 04 05 00 00 00 00 00', 'TRUNCATED'],
    ['trailing bytes after the outer element', '05 00 00', 'TRAILING_DATA'],
    ['two top-level elements', '30 00 30 00', 'TRAILING_DATA'],
    ['primitive SEQUENCE', '10 02 05 00', 'BAD_DER'],
    ['constructed OCTET STRING', '24 04 04 02 01 02', 'BAD_DER'],
    ['constructed OBJECT IDENTIFIER', '26 03 06 01 2a', 'BAD_DER'],
    ['end-of-contents tag', '00 00', 'BAD_DER'],
    ['high-tag form for a low tag number', 'bf 05 00', 'BAD_DER'],
    ['non-minimal high tag number', 'bf 80 1f 00', 'BAD_DER'],
    ['over-long high tag number', 'bf ff ff ff ff 7f 00', 'BAD_DER'],
    ['truncated high tag number', 'bf 81', 'TRUNCATED'],
  ];
  for (const [name, bytes, code] of bad) {
    it(`rejects ${name}`, () => {
      assertDecodeError(() => parseDer(hex(bytes)), code as never);
    });
  }

  it('accepts a high tag number in minimal form', () => {
    const node = parseDer(hex('bf 81 00 02 05 00'));
    assert.equal(node.tagClass, 'context');
    assert.equal(node.tagNumber, 128);
  });

  it('enforces the size cap before parsing', () => {
    const big = tlv(0x04, Buffer.alloc(DEFAULT_MAX_BYTES));
    assertDecodeError(() => parseDer(big), 'TOO_LARGE');
    assert.equal(parseDer(big, { maxBytes: big.length }).content.length, DEFAULT_MAX_BYTES);
  });

  it('enforces the depth limit (16 by default)', () => {
    let ok: Buffer = Buffer.from([0x05, 0x00]);
    for (let i = 0; i < 16; i++) ok = tlv(0x30, ok);
    parseDer(ok);
    assertDecodeError(() => parseDer(tlv(0x30, ok)), 'TOO_DEEP');
    assertDecodeError(() => scanDer(ok, { maxDepth: 15 }), 'TOO_DEEP');
  });

  it('enforces the element-count limit', () => {
    const many = tlv(0x30, Buffer.alloc(200 * 2).fill(Buffer.from([0x05, 0x00])));
    parseDer(many);
    assertDecodeError(() => parseDer(many, { maxNodes: 100 }), 'TOO_LARGE');
  });

  it('does not parse inside OCTET STRINGs (opaque mechanism tokens)', () => {
    // The contents look like a deeply nested SEQUENCE bomb; it must stay opaque.
    let bomb: Buffer = Buffer.from([0x05, 0x00]);
    for (let i = 0; i < 100; i++) bomb = tlv(0x30, bomb);
    const node = parseDer(tlv(0x04, bomb));
    assert.equal(node.children.length, 0);
    assert.deepEqual(Buffer.from(node.content), bomb);
  });

  it('turns whatever asn1js reports into SpnegoDecodeError', () => {
    // UNIVERSAL 15 is reserved; asn1js refuses it, and that must surface as BAD_DER.
    assertDecodeError(() => parseDer(hex('30 02 0f 00')), 'BAD_DER');
    // UNIVERSAL tags >= 37 are reserved as well.
    assertDecodeError(() => parseDer(hex('30 03 1f 25 00')), 'BAD_DER');
  });
});

describe('OBJECT IDENTIFIER', () => {
  it('decodes the SPNEGO-relevant OIDs', () => {
    assert.equal(decodeOidContent(hex('2b 06 01 05 05 02')), '1.3.6.1.5.5.2');
    assert.equal(decodeOidContent(hex('2b 06 01 04 01 82 37 02 02 0a')), '1.3.6.1.4.1.311.2.2.10');
    assert.equal(decodeOidContent(hex('2a 86 48 86 f7 12 01 02 02')), '1.2.840.113554.1.2.2');
    assert.equal(decodeOidContent(hex('2a 86 48 82 f7 12 01 02 02')), '1.2.840.48018.1.2.2');
  });

  it('handles the joint first sub-identifier and huge arcs', () => {
    assert.equal(decodeOidContent(hex('00')), '0.0');
    assert.equal(decodeOidContent(hex('27')), '0.39');
    assert.equal(decodeOidContent(hex('28')), '1.0');
    assert.equal(decodeOidContent(hex('88 37 03')), '2.999.3');
    // 2.25.<128-bit UUID> style arc beyond 2^53.
    const arc = (1n << 100n) + 5n;
    const enc: number[] = [];
    for (let v = arc; v > 0n; v >>= 7n) enc.unshift(Number(v & 0x7fn) | (enc.length ? 0x80 : 0));
    assert.equal(decodeOidContent(Buffer.from([0x69, ...enc])), `2.25.${arc}`);
  });

  it('rejects malformed OIDs', () => {
    assertDecodeError(() => decodeOidContent(hex('')), 'BAD_OID');
    assertDecodeError(() => decodeOidContent(hex('2b 86')), 'BAD_OID');
    assertDecodeError(() => decodeOidContent(hex('2b 80 01')), 'BAD_OID');
    assertDecodeError(() => decodeOidContent(hex('80 01')), 'BAD_OID');
  });

  it('encodes valid OIDs and refuses invalid ones', () => {
    assert.deepEqual(toDer(oidBlock('1.3.6.1.5.5.2')), hex('06 06 2b 06 01 05 05 02'));
    assert.deepEqual(toDer(oidBlock('2.999.3')), hex('06 03 88 37 03'));
    for (const bad of ['', '1', '3.1', '1.40', '0.40', '1.2.', '1..2', '1.02', 'a.b', '1.2.-3', '1.2.9007199254740992']) {
      assert.equal(isValidOid(bad), false, bad);
      assert.throws(() => oidBlock(bad), RangeError);
    }
  });
});

describe('primitive readers and builders', () => {
  it('ENUMERATED', () => {
    assert.deepEqual(toDer(enumeratedBlock(0)), hex('0a 01 00'));
    assert.deepEqual(toDer(enumeratedBlock(3)), hex('0a 01 03'));
    assert.equal(readEnumerated(parseDer(hex('0a 01 03')), 't'), 3);
    assert.equal(readEnumerated(parseDer(hex('0a 01 ff')), 't'), -1);
    assert.equal(readEnumerated(parseDer(hex('0a 02 00 80')), 't'), 128);
    assert.equal(readEnumerated(parseDer(hex('0a 04 7f ff ff ff')), 't'), 0x7fffffff);
    assertDecodeError(() => readEnumerated(parseDer(hex('0a 00')), 't'), 'BAD_DER');
    assertDecodeError(() => readEnumerated(parseDer(hex('0a 02 00 01')), 't'), 'BAD_DER');
    assertDecodeError(() => readEnumerated(parseDer(hex('0a 02 ff ff')), 't'), 'BAD_DER');
    assertDecodeError(() => readEnumerated(parseDer(hex('0a 05 01 00 00 00 00')), 't'), 'BAD_ENUM');
    assertDecodeError(() => readEnumerated(parseDer(hex('02 01 00')), 't'), 'UNEXPECTED_TAG');
  });

  it('ContextFlags encoding (MIT-compatible 7-bit form, wider masks minimal)', () => {
    assert.deepEqual(toDer(contextFlagsBlock(0)), hex('03 02 01 00'));
    assert.deepEqual(toDer(contextFlagsBlock(0x02 | 0x40)), hex('03 02 01 42'));
    assert.deepEqual(toDer(contextFlagsBlock(0x7f)), hex('03 02 01 fe'));
    assert.deepEqual(toDer(contextFlagsBlock(0x80)), hex('03 02 00 01'));
    assert.deepEqual(toDer(contextFlagsBlock(0x100)), hex('03 03 07 00 80'));
    assert.deepEqual(toDer(contextFlagsBlock(0xffffffff)), hex('03 05 00 ff ff ff ff'));
    for (const bad of [-1, 0.5, 2 ** 32, NaN]) assert.throws(() => contextFlagsBlock(bad), RangeError);
  });

  it('ContextFlags decoding accepts the shapes deployed encoders use', () => {
    const read = (h: string) => readContextFlags(parseDer(hex(h)), 't');
    assert.equal(read('03 02 01 42'), 0x42); // MIT shape
    assert.equal(read('03 05 00 42 00 00 00'), 0x42); // SIZE(32) shape
    assert.equal(read('03 02 06 40'), 0x02); // minimal DER named-bit shape (mutualFlag)
    assert.equal(read('03 02 07 fe'), 0x7f); // bits written into the "unused" area
    assert.equal(read('03 01 00'), 0);
    assert.equal(read('03 05 00 00 00 00 01'), 2 ** 31);
    for (const v of [0, 1, 0x42, 0x7f, 0x80, 0x12345678, 0xffffffff]) {
      assert.equal(readContextFlags(parseDer(toDer(contextFlagsBlock(v))), 't'), v);
    }
    assertDecodeError(() => read('03 00'), 'BAD_VALUE');
    assertDecodeError(() => read('03 01 03'), 'BAD_VALUE');
    assertDecodeError(() => read('03 02 08 00')); // asn1js itself refuses unused bits > 7
    assertDecodeError(() => read('03 06 00 00 00 00 00 00'), 'BAD_VALUE');
  });

  it('GeneralString', () => {
    assert.deepEqual(toDer(generalStringBlock('ab')), hex('1b 02 61 62'));
    assert.equal(readGeneralString(parseDer(hex('1b 02 61 62')), 't'), 'ab');
    assert.equal(readGeneralString(parseDer(toDer(generalStringBlock('héllo'))), 't'), 'héllo');
    assert.equal(readGeneralString(parseDer(hex('1b 00')), 't'), '');
    assertDecodeError(() => readGeneralString(parseDer(hex('0c 01 61')), 't'), 'UNEXPECTED_TAG');
  });

  it('explicit tags and context-field maps', () => {
    assertDecodeError(() => readExplicit(parseDer(hex('a1 02 05 00')), 0, 't'), 'UNEXPECTED_TAG');
    assertDecodeError(() => readExplicit(parseDer(hex('80 00')), 0, 't'), 'UNEXPECTED_TAG');
    assertDecodeError(() => readExplicit(parseDer(hex('a0 00')), 0, 't'), 'BAD_DER');
    assertDecodeError(() => readExplicit(parseDer(hex('a0 04 05 00 05 00')), 0, 't'), 'TRAILING_DATA');
    const seq = (h: string) => readSequence(parseDer(hex(h)), 't');
    const opts = { maxKnownTag: 1, extensible: true, what: 't' };
    const m = readContextFields(seq('30 0c a0 02 05 00 a1 02 05 00 a7 02 05 00'), opts);
    assert.deepEqual([...m.keys()], [0, 1]);
    assertDecodeError(() => readContextFields(seq('30 04 a7 02 05 00'), { ...opts, extensible: false }), 'UNEXPECTED_TAG');
    assertDecodeError(() => readContextFields(seq('30 08 a1 02 05 00 a0 02 05 00'), opts), 'UNEXPECTED_TAG');
    assertDecodeError(() => readContextFields(seq('30 08 a0 02 05 00 a0 02 05 00'), opts), 'UNEXPECTED_TAG');
    assertDecodeError(() => readContextFields(seq('30 02 05 00'), opts), 'UNEXPECTED_TAG');
    assertDecodeError(() => readContextFields(seq('30 02 80 00'), opts), 'UNEXPECTED_TAG');
  });
});
