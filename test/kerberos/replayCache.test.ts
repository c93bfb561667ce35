// The acceptor's replay cache: once per authenticator within the skew window, bounded, and
// what it does when full under each policy.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REPLAY_CACHE_ENTRIES, ReplayCache, type ReplayKey } from '../../src/kerberos/index.js';

const SKEW = 300_000;
const T0 = Date.parse('2026-12-08T01:00:00Z');
const key = (i: number, o: Partial<ReplayKey> = {}): ReplayKey => ({
  client: 'alice@CORP.EXAMPLE.TEST', ctimeMs: T0, cusec: i, authenticator: Buffer.from(`authenticator ${i}`), ...o,
});

describe('ReplayCache', () => {
  it('remembers an authenticator within the window and tells apart client, ctime, cusec and ciphertext', () => {
    const c = new ReplayCache();
    assert.equal(c.check(key(1), T0, SKEW), 'fresh');
    assert.equal(c.check(key(1), T0 + 1000, SKEW), 'replay');
    assert.equal(c.check(key(1, { client: 'bob@CORP.EXAMPLE.TEST' }), T0, SKEW), 'fresh');
    assert.equal(c.check(key(1, { ctimeMs: T0 + 1000 }), T0, SKEW), 'fresh');
    assert.equal(c.check(key(2), T0, SKEW), 'fresh');
    assert.equal(c.check(key(1, { authenticator: Buffer.from('another ciphertext') }), T0, SKEW), 'fresh');
    assert.equal(c.size, 5);
  });

  it('forgets an entry once its ctime is more than the skew in the past (the skew check refuses it then)', () => {
    const c = new ReplayCache();
    c.check(key(1), T0, SKEW);
    assert.equal(c.check(key(1), T0 + SKEW, SKEW), 'replay');
    assert.equal(c.check(key(1), T0 + SKEW + 1, SKEW), 'fresh');
    // Expired entries at the front are swept as new ones arrive.
    const d = new ReplayCache();
    for (let i = 0; i < 100; i++) d.check(key(i), T0, SKEW);
    d.check(key(1000, { ctimeMs: T0 + 2 * SKEW }), T0 + 2 * SKEW, SKEW);
    assert.equal(d.size, 1);
  });

  it('full under `refuse` (the default): new authenticators are refused, none is forgotten; expired ones make room', () => {
    const c = new ReplayCache({ maxEntries: 3 });
    assert.equal(c.whenFull, 'refuse');
    for (let i = 0; i < 3; i++) assert.equal(c.check(key(i), T0, SKEW), 'fresh');
    assert.equal(c.check(key(3), T0, SKEW), 'full');
    assert.equal(c.check(key(0), T0, SKEW), 'replay', 'a remembered one is still a replay');
    assert.deepEqual(c.stats(), { size: 3, maxEntries: 3, evicted: 0, refusedFull: 1 });
    // Entries stored out of ctime order: the one expiring first is not at the front, a full sweep finds it.
    const d = new ReplayCache({ maxEntries: 2 });
    d.check(key(0, { ctimeMs: T0 + 60_000 }), T0, SKEW);
    d.check(key(1, { ctimeMs: T0 - 60_000 }), T0, SKEW);
    assert.equal(d.check(key(2, { ctimeMs: T0 + SKEW }), T0 + SKEW - 30_000, SKEW), 'fresh');
    assert.equal(d.size, 2);
  });

  it('full under `evict-oldest`: the oldest entry goes, counted', () => {
    const c = new ReplayCache({ maxEntries: 2, whenFull: 'evict-oldest' });
    c.check(key(0), T0, SKEW);
    c.check(key(1), T0, SKEW);
    assert.equal(c.check(key(2), T0, SKEW), 'fresh');
    assert.equal(c.check(key(0), T0, SKEW), 'fresh', 'the evicted one is forgotten: the price of this policy');
    assert.equal(c.check(key(2), T0, SKEW), 'replay');
    assert.equal(c.stats().evicted, 2);
  });

  it('bounded: a flood of distinct authenticators never grows it past maxEntries', () => {
    const c = new ReplayCache({ maxEntries: 10_000, whenFull: 'evict-oldest' });
    for (let i = 0; i < 50_000; i++) c.check(key(i), T0, SKEW);
    assert.equal(c.size, 10_000);
    assert.equal(c.stats().evicted, 40_000);
    assert.equal(c.check(key(49_999), T0, SKEW), 'replay');
    assert.equal(c.check(key(0), T0, SKEW), 'fresh');
    const r = new ReplayCache({ maxEntries: 10_000 });
    for (let i = 0; i < 50_000; i++) r.check(key(i), T0, SKEW);
    assert.deepEqual([r.size, r.stats().refusedFull], [10_000, 40_000]);
  });

  it('refuses a nonsensical size', () => {
    assert.throws(() => new ReplayCache({ maxEntries: 0 }), RangeError);
    assert.equal(new ReplayCache().maxEntries, DEFAULT_REPLAY_CACHE_ENTRIES);
  });
});
