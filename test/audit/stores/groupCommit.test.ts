import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent } from '../../../src/events/event.js';
import { GroupCommit } from '../../../src/audit/stores/groupCommit.js';
import type { BatchOptions } from '../../../src/audit/sink.js';
import { sampleEvent, withCode } from './helpers.js';

/** A GroupCommit whose commits are recorded (request ids per batch) and can be held open or made to fail. */
function recorder(options: BatchOptions = {}) {
  const batches: string[][] = [];
  let gate: Promise<void> | undefined;
  let failNext: Error | undefined;
  const gc = new GroupCommit(async (events: readonly AuditEvent[]) => {
    batches.push(events.map((e) => e.context.requestId ?? ''));
    const f = failNext;
    failNext = undefined;
    if (gate) await gate;
    if (f) throw f;
  }, options);
  return {
    gc,
    batches,
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    failNextCommit(e: Error): void {
      failNext = e;
    },
  };
}

const ev = (id: string): AuditEvent => sampleEvent(0, id);

describe('group commit', () => {
  it('writes issued in the same event-loop turn share one commit', async () => {
    const r = recorder();
    await Promise.all(['a', 'b', 'c'].map((id) => r.gc.write([ev(id)])));
    assert.deepEqual(r.batches, [['a', 'b', 'c']]);
  });

  it('a batch closes at maxBatchEvents; one write() is never split', async () => {
    const r = recorder({ maxBatchEvents: 10 });
    const writes = Array.from({ length: 25 }, (_, i) => r.gc.write([ev(`e${i}`)]));
    writes.push(r.gc.write(Array.from({ length: 12 }, (_, i) => ev(`big${i}`))));
    await Promise.all(writes);
    assert.deepEqual(r.batches.map((b) => b.length), [10, 10, 5, 12]);
  });

  it('events arriving while a commit is in flight go into the next commit, together', async () => {
    const r = recorder();
    const release = r.hold();
    const first = r.gc.write([ev('first')]);
    while (r.batches.length === 0) await sleep(1); // the first commit is now in flight, held open
    const later = ['x', 'y', 'z'].map((id) => r.gc.write([ev(id)]));
    await sleep(5);
    assert.deepEqual(r.batches, [['first']], 'nothing else commits while one is in flight');
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(r.batches, [['first'], ['x', 'y', 'z']]);
  });

  it('maxDelayMs: the first event waits up to T ms for company, no longer', async () => {
    const r = recorder({ maxDelayMs: 60 });
    const t0 = performance.now();
    const a = r.gc.write([ev('a')]);
    await sleep(20);
    const b = r.gc.write([ev('b')]);
    await Promise.all([a, b]);
    const waited = performance.now() - t0;
    assert.deepEqual(r.batches, [['a', 'b']]);
    assert.ok(waited >= 55 && waited < 1000, `committed after ${waited.toFixed(1)} ms`);
  });

  it('flush() commits at once instead of waiting for maxDelayMs', async () => {
    const r = recorder({ maxDelayMs: 60_000 });
    const w = r.gc.write([ev('a')]);
    await r.gc.flush();
    await w;
    assert.deepEqual(r.batches, [['a']]);
  });

  it('a failed commit rejects every write() of that batch with write-failed (cause kept); the next batch commits', async () => {
    const r = recorder();
    const boom = new Error('disk on fire');
    r.failNextCommit(boom);
    const results = await Promise.allSettled([r.gc.write([ev('a')]), r.gc.write([ev('b')])]);
    for (const res of results) {
      assert.equal(res.status, 'rejected');
      withCode('write-failed')(res.reason);
      assert.equal((res.reason as Error).cause, boom);
    }
    await r.gc.write([ev('c')]);
    assert.deepEqual(r.batches, [['a', 'b'], ['c']]);
  });

  it('invalid events are refused before batching', async () => {
    const r = recorder();
    await assert.rejects(r.gc.write([{ ...ev('x'), eventId: 1.5 }]), withCode('invalid-event'));
    await assert.rejects(r.gc.write([{ ...ev('x'), context: { source: 'elsewhere' } as never }]), withCode('invalid-event'));
    await assert.rejects(r.gc.write([{ ...ev('x'), data: { A: 'lone \ud800 surrogate' } }]), withCode('invalid-event'));
    await assert.rejects(r.gc.write('nope' as never), withCode('invalid-event'));
    assert.deepEqual(r.batches, []);
  });

  it('close() commits what is queued, then refuses writes', async () => {
    const r = recorder({ maxDelayMs: 60_000 });
    const w = r.gc.write([ev('queued')]);
    await r.gc.close();
    await w;
    assert.deepEqual(r.batches, [['queued']]);
    await assert.rejects(r.gc.write([ev('late')]), withCode('closed'));
  });

  it('a synchronous store cannot starve the event loop: commits start from macrotasks', async () => {
    let commits = 0;
    const gc = new GroupCommit(() => {
      commits++;
    });
    let stop = false;
    const writers = Array.from({ length: 20 }, async () => {
      while (!stop) await gc.write([ev('w')]);
    });
    await sleep(30); // only resolves if timers still run while the writers loop
    stop = true;
    await Promise.all(writers);
    assert.ok(commits > 1, `${commits} commits`);
  });
});
