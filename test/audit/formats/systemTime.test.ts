/** SystemTime ↔ ISO time: 7 and 9 fractional digits, zones, invalid dates. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSystemTime, parseSystemTime } from '../../../src/audit/formats/index.js';

describe('SystemTime', () => {
  it('parses what Windows writes, truncating below the millisecond', () => {
    assert.equal(parseSystemTime('2026-11-21T12:00:00.1234567Z'), '2026-11-21T12:00:00.123Z');
    assert.equal(parseSystemTime('2026-11-21T12:00:00.123456789Z'), '2026-11-21T12:00:00.123Z');
    assert.equal(parseSystemTime('2026-11-21T12:00:00.9999999Z'), '2026-11-21T12:00:00.999Z');
    assert.equal(parseSystemTime('2026-11-21T12:00:00Z'), '2026-11-21T12:00:00.000Z');
    assert.equal(parseSystemTime('2026-11-21T12:00:00.5+01:30'), '2026-11-21T10:30:00.500Z');
    assert.equal(parseSystemTime('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000Z');
  });

  it('rejects what is not an ISO 8601 time with a zone', () => {
    for (const bad of ['2026-02-29T00:00:00Z', '2026-11-21 12:00:00Z', '2026-11-21T12:00:00', '2026-13-01T00:00:00Z', '2026-11-21T24:00:00Z', '2026-11-21T12:00:00.1234567890Z', 'x']) {
      assert.equal(parseSystemTime(bad), undefined, bad);
    }
  });

  it('formats with 7 digits', () => {
    assert.equal(formatSystemTime('2026-11-21T12:00:00.123Z'), '2026-11-21T12:00:00.1230000Z');
    assert.throws(() => formatSystemTime('nope'), RangeError);
  });
});
