// FILETIME ↔ whole seconds, the resolution PAC_CLIENT_INFO is compared with authtime in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filetimeToSeconds, secondsToFiletime } from '../../../src/kerberos/pac/index.js';

describe('filetimeToSeconds', () => {
  it('converts both ways and floors sub-second parts, before 1970 too', () => {
    assert.equal(filetimeToSeconds(116444736000000000n), 0);
    assert.equal(secondsToFiletime(1_765_155_518), 116444736000000000n + 17651555180000000n);
    assert.equal(filetimeToSeconds(secondsToFiletime(1_765_155_518) + 9_999_999n), 1_765_155_518);
    assert.equal(filetimeToSeconds(116444736000000000n - 1n), -1);
  });
});
