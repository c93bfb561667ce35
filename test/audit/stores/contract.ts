/**
 * The behaviour every queryable store must have (the AuditSink / AuditStore contract),
 * run by sqlite.test.ts, jsonl.test.ts and postgres.test.ts against their own store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAttempts, type AttemptGroup, type AttemptQuery } from '../../../src/audit/assess/groups.js';
import { FIXTURE, at as FIXTURE_AT } from '../assess/fixture.js';
import type { AuditEvent } from '../../../src/events/event.js';
import type { AuditStore } from '../../../src/audit/query.js';
import { BASE_TIME, IMPORTED, UNKNOWN, collect, sampleEvent, withCode } from './helpers.js';

/** One place a store lives (a file, a database); each test gets a fresh one. */
export interface StoreLocation {
  open(): Promise<AuditStore>;
  /** Marks the stored data as written by a newer schema than ours. */
  bumpSchema(): Promise<void>;
}

export interface StoreHarness {
  readonly name: string;
  readonly skip?: string | false;
  fresh(): Promise<StoreLocation>;
}

const byTime = (a: AuditEvent, b: AuditEvent): number => Date.parse(a.time) - Date.parse(b.time);
const at = (s: number): Date => new Date(BASE_TIME + s * 1000);

export function storeContract(h: StoreHarness): void {
  describe(`${h.name}: the AuditStore contract`, { skip: h.skip }, () => {
    it('round trip: every field reads back equal, data names in order', async () => {
      const store = await (await h.fresh()).open();
      const events = [sampleEvent(0), IMPORTED, UNKNOWN, sampleEvent(1), sampleEvent(3)];
      await store.write(events);
      const got = await collect(store.query());
      assert.deepStrictEqual(got, [...events].sort(byTime));
      for (const g of got) {
        const want = events.find((e) => e.time === g.time);
        assert.ok(want);
        assert.deepEqual(Object.keys(g.data), Object.keys(want.data)); // deepStrictEqual ignores key order
        assert.deepEqual(Object.keys(g.context).sort(), Object.keys(want.context).sort());
      }
      await store.close();
    });

    it('attempts: counted as the events arrive, across batches, as the in-memory ledger counts them; a Windows event stored twice counts once', async () => {
      const store = await (await h.fresh()).open();
      // The DC's 8004 and 4032 of one logon arrive in different writes: the attempt's outcome
      // changes from "not recorded" to "succeeded" after it was first counted.
      const evens = FIXTURE.filter((_, i) => i % 2 === 0).map((e, i) => ({ ...e, recordId: 1000 + 2 * i }));
      const odds = FIXTURE.filter((_, i) => i % 2 === 1).map((e, i) => ({ ...e, recordId: 1001 + 2 * i }));
      await store.write(evens);
      await store.write(odds);
      await store.write(evens); // the same Windows events again: stored once
      const all = [...evens, ...odds];
      const memory = await memoryAttempts(all);
      const norm = (gs: AttemptGroup[]): string[] => gs.map((g) => JSON.stringify(g)).sort();
      const queries: AttemptQuery[] = [
        { by: [] },
        { by: ['domain', 'user', 'outcome'] },
        { by: ['server', 'workstation', 'version', 'mic', 'cb', 'failure'] },
        { by: ['dir', 'user'], since: new Date(FIXTURE_AT(4, 0.2)) },
      ];
      for (const q of queries) assert.deepEqual(norm(await store.attemptGroups(q)), norm(await memory.attemptGroups(q)), JSON.stringify(q));
      const [total] = await store.attemptGroups({ by: [] });
      assert.deepEqual([total?.attempts, total?.succeeded, total?.unknown], [10, 8, 2]);
      // The SQL stores skip the copy (unique index); a JSON Lines file keeps the line, its reports skip it.
      if (!h.name.startsWith('JSON Lines')) assert.equal(await store.count(), all.length);
      await store.close();
    });

    it('filters: since (inclusive), until (exclusive), eventIds, limit, and count agrees', async () => {
      const store = await (await h.fresh()).open();
      const events = Array.from({ length: 30 }, (_, i) => sampleEvent(i));
      await store.write(events);
      const ids = async (f: Parameters<AuditStore['query']>[0]): Promise<string[]> => {
        const got = (await collect(store.query(f))).map((e) => e.context.requestId ?? '');
        assert.equal(await store.count(f), got.length, `count(${JSON.stringify(f)})`);
        return got;
      };
      const reqs = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `req-${from + k}`);
      assert.deepEqual(await ids({}), reqs(0, 30));
      assert.deepEqual(await ids({ since: at(10) }), reqs(10, 30));
      assert.deepEqual(await ids({ until: at(10) }), reqs(0, 10));
      assert.deepEqual(await ids({ since: at(5), until: at(8) }), reqs(5, 8));
      assert.deepEqual(await ids({ since: at(5.5), until: at(5.9) }), []);
      assert.deepEqual(await ids({ eventIds: [8001, 4025] }), events.filter((e) => e.eventId === 8001 || e.eventId === 4025).map((e) => e.context.requestId));
      assert.deepEqual(await ids({ eventIds: [] }), []);
      assert.deepEqual(await ids({ eventIds: [8002], since: at(10), limit: 2 }), ['req-11', 'req-21']);
      assert.deepEqual(await ids({ limit: 3 }), reqs(0, 3));
      assert.deepEqual(await ids({ limit: 0 }), []);
      await assert.rejects(collect(store.query({ since: new Date(NaN) })), withCode('invalid-filter'));
      await assert.rejects(store.count({ limit: -1 }), withCode('invalid-filter'));
      await store.close();
    });

    it('ordering: time order whatever the write order, ties in write order, across read chunks', async () => {
      const store = await (await h.fresh()).open();
      const n = 2500; // more than one read chunk (1000) in every store
      const events = Array.from({ length: n }, (_, i) => sampleEvent(i, `req-${i}`, BASE_TIME + ((i * 7919) % n) * 10));
      const tie = [sampleEvent(1, 'tie-a', BASE_TIME - 5), sampleEvent(2, 'tie-b', BASE_TIME - 5), sampleEvent(3, 'tie-c', BASE_TIME - 5)];
      for (let i = 0; i < n; i += 500) await store.write(events.slice(i, i + 500).reverse());
      await store.write([tie[0]!]);
      await store.write([tie[1]!, tie[2]!]);
      const got = await collect(store.query());
      assert.equal(got.length, n + 3);
      assert.deepEqual(got.slice(0, 3).map((e) => e.context.requestId), ['tie-a', 'tie-b', 'tie-c']);
      for (let i = 1; i < got.length; i++) assert.ok(byTime(got[i - 1]!, got[i]!) <= 0, `out of order at ${i}`);
      // stopping early releases the cursor (close() below would hang or fail otherwise)
      let seen = 0;
      for await (const e of store.query({ since: at(0) })) {
        assert.ok(e.context.requestId);
        if (++seen === 1500) break;
      }
      assert.equal(seen, 1500);
      await store.close();
    });

    it('concurrency: 1,000 concurrent write() calls all land, exactly once', async () => {
      const store = await (await h.fresh()).open();
      const events = Array.from({ length: 1000 }, (_, i) => sampleEvent(i, `c-${i}`));
      await Promise.all(events.map((e) => store.write([e])));
      const got = (await collect(store.query())).map((e) => e.context.requestId);
      assert.equal(got.length, 1000);
      assert.equal(new Set(got).size, 1000);
      assert.equal(await store.count(), 1000);
      await store.close();
    });

    it('a bad event rejects only its own write(); the batch it would have shared commits', async () => {
      const store = await (await h.fresh()).open();
      const bad = { ...sampleEvent(1), data: { UserName: 'a\u0000b' } };
      const results = await Promise.allSettled([store.write([sampleEvent(0)]), store.write([bad]), store.write([sampleEvent(2)])]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      await assert.rejects(store.write([{ ...sampleEvent(3), time: 'yesterday' }]), withCode('invalid-event'));
      await store.write([]);
      assert.equal(await store.count(), 2);
      await store.close();
    });

    it('close: flushes queued writes, then write() and query() reject with closed', async () => {
      const loc = await h.fresh();
      const store = await loc.open();
      const pending = store.write([sampleEvent(0)]);
      await store.close();
      await pending;
      await store.close(); // idempotent
      await assert.rejects(store.write([sampleEvent(1)]), withCode('closed'));
      await assert.rejects(collect(store.query()), withCode('closed'));
      await assert.rejects(store.count(), withCode('closed'));
    });

    it('reopen keeps the data; flush() waits for earlier writes', async () => {
      const loc = await h.fresh();
      const a = await loc.open();
      void a.write([sampleEvent(0)]);
      void a.write([sampleEvent(1), sampleEvent(2)]);
      await a.flush();
      assert.equal(await a.count(), 3);
      await a.close();
      const b = await loc.open();
      assert.deepEqual(await collect(b.query()), [sampleEvent(0), sampleEvent(1), sampleEvent(2)]);
      await b.write([sampleEvent(3)]);
      await b.close();
      const c = await loc.open();
      assert.equal(await c.count(), 4);
      await c.close();
    });

    it('schema version: a store written by a newer schema is refused', async () => {
      const loc = await h.fresh();
      const a = await loc.open();
      await a.write([sampleEvent(0)]);
      await a.close();
      await loc.bumpSchema();
      await assert.rejects(loc.open(), withCode('schema-version'));
    });
  });
}
