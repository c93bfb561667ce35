// GeneralizedTime (src/der/time.ts): the DER form, calendar checks and the whole-seconds encoder.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DerError, generalizedTime, isWholeSecondsGeneralizedTime, parseDer, readGeneralizedTime, tlv } from '../../src/der/index.js';

const gt = (s: string): Buffer => tlv(24, Buffer.from(s, 'latin1'));
const read = (s: string): Date => readGeneralizedTime(parseDer(gt(s)), 't');

describe('GeneralizedTime', () => {
  it('reads whole seconds and fractions (truncated to milliseconds)', () => {
    assert.equal(read('20261208010203Z').toISOString(), '2026-12-08T01:02:03.000Z');
    assert.equal(read('20261208010203.5Z').toISOString(), '2026-12-08T01:02:03.500Z');
    assert.equal(read('20261208010203.123456Z').toISOString(), '2026-12-08T01:02:03.123Z');
    assert.equal(read('00000101000000Z').getUTCFullYear(), 0);
    assert.ok(isWholeSecondsGeneralizedTime(parseDer(gt('20261208010203Z'))));
    assert.ok(!isWholeSecondsGeneralizedTime(parseDer(gt('20261208010203.5Z'))));
  });

  it('refuses impossible calendar values rather than rolling them over', () => {
    for (const bad of ['20261301000000Z', '20260431000000Z', '20250229000000Z', '20261208240000Z', '20261208006000Z', '20261208000060Z']) {
      assert.throws(() => read(bad), (e: unknown) => e instanceof DerError && e.code === 'BAD_VALUE', bad);
    }
    assert.equal(read('20240229000000Z').getUTCDate(), 29);
  });

  it('the decoder already refuses non-DER forms (local time, trailing zero in the fraction)', () => {
    for (const bad of ['20261208010203', '20261208010203.50Z', '202612080102Z']) {
      assert.throws(() => parseDer(gt(bad)), (e: unknown) => e instanceof DerError && e.code === 'BAD_DER', bad);
    }
  });

  it('encodes whole seconds and round-trips', () => {
    const d = new Date('2026-12-08T01:02:03.999Z');
    assert.deepEqual(generalizedTime(d), gt('20261208010203Z'));
    assert.equal(read('20261208010203Z').getTime(), Math.floor(d.getTime() / 1000) * 1000);
    assert.deepEqual(generalizedTime(new Date('0001-01-01T00:00:00Z')), gt('00010101000000Z'));
    assert.throws(() => generalizedTime(new Date(Number.NaN)), RangeError);
    assert.throws(() => generalizedTime(new Date('+010000-01-01T00:00:00Z')), RangeError);
  });
});
