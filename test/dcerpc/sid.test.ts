// SID string form (MS-DTYP 2.4.2.1) and the RID arithmetic MS-KILE 3.4.5.3 builds group SIDs with.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSid, parseSid, sidWithRid } from '../../src/dcerpc/index.js';
import type { Sid } from '../../src/dcerpc/index.js';

const domain: Sid = { revision: 1, identifierAuthority: 5, subAuthorities: [21, 2421438488, 132236347, 847089396] };

describe('SID', () => {
  it('formats the authority in decimal below 2^32 and as 12 hex digits above', () => {
    assert.equal(formatSid({ revision: 1, identifierAuthority: 18, subAuthorities: [1] }), 'S-1-18-1');
    assert.equal(formatSid({ revision: 1, identifierAuthority: 2 ** 40, subAuthorities: [] }), 'S-1-0x010000000000');
  });

  it('parses what it formats, and nothing that is not a SID', () => {
    assert.deepEqual(parseSid('S-1-5-21-2421438488-132236347-847089396'), domain);
    assert.deepEqual(parseSid('S-1-0x010000000000'), { revision: 1, identifierAuthority: 2 ** 40, subAuthorities: [] });
    assert.equal(parseSid('S-1-5-99999999999'), undefined);
    assert.equal(parseSid(`S-1-5${'-1'.repeat(16)}`), undefined);
    assert.equal(parseSid('not a sid'), undefined);
  });

  it('appends a RID without changing the domain SID', () => {
    assert.equal(formatSid(sidWithRid(domain, 513)), 'S-1-5-21-2421438488-132236347-847089396-513');
    assert.equal(domain.subAuthorities.length, 4);
  });
});
