/** authority/local/sid.ts: a domain's SID and the RIDs of its accounts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountSid, isDomainSid, newDomainSid, splitSid } from '../../../src/authority/local/sid.js';
import { invalid } from '../helpers.js';

describe('SIDs', () => {
  it('makes S-1-5-21-x-y-z from 12 random bytes, little-endian 32-bit sub-authorities', () => {
    const sid = newDomainSid(() => Buffer.from('0100000002000000ffffffff', 'hex'));
    assert.equal(sid, 'S-1-5-21-1-2-4294967295');
    assert.ok(isDomainSid(sid));
    assert.ok(isDomainSid(newDomainSid()));
    assert.notEqual(newDomainSid(), newDomainSid());
  });

  it('appends RIDs from 1000 and splits them back', () => {
    assert.equal(accountSid('S-1-5-21-1-2-3', 1000), 'S-1-5-21-1-2-3-1000');
    assert.deepEqual(splitSid('S-1-5-21-1-2-3-1104'), { domainSid: 'S-1-5-21-1-2-3', rid: 1104 });
    assert.throws(() => accountSid('S-1-5-21-1-2-3', 999), invalid);
    assert.throws(() => accountSid('S-1-5-32', 1000), invalid);
    assert.equal(splitSid('S-1-5-21-1-2-4294967296-1000'), undefined);
    assert.equal(splitSid('S-1-5-7'), undefined);
  });
});
