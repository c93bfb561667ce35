import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { StdoutAuditStore } from '../../../src/audit/stores/stdout.js';
import { IMPORTED, collect, sampleEvent, withCode } from './helpers.js';

/** A stream that records each write() and can be told to fail. */
function sink(fail = false): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (fail) return done(new Error('EPIPE: reader went away'));
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, chunks };
}

describe('stdout store', () => {
  it('writes one "v":1 JSON line per event, one stream write per batch', async () => {
    const { stream, chunks } = sink();
    const store = new StdoutAuditStore(stream);
    await Promise.all([store.write([sampleEvent(0)]), store.write([IMPORTED, sampleEvent(1)])]);
    assert.equal(chunks.length, 1);
    const events = (chunks[0] ?? '').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(events, [{ v: 1, ...sampleEvent(0) }, { v: 1, ...IMPORTED }, { v: 1, ...sampleEvent(1) }]);
    await store.close();
    assert.equal(stream.writableEnded, false, 'process.stdout is not ours to end');
    await assert.rejects(store.write([sampleEvent(2)]), withCode('closed'));
  });

  it('a stream error (EPIPE) rejects the write()s, then and after, instead of crashing the process', async () => {
    const store = new StdoutAuditStore(sink(true).stream);
    await assert.rejects(store.write([sampleEvent(0)]), (e: unknown) => withCode('write-failed')(e) && /EPIPE/.test((e as Error).message));
    await assert.rejects(store.write([sampleEvent(1)]), withCode('write-failed'));
    await store.close();
  });

  it('cannot be read back: query() and count() reject with not-queryable', async () => {
    const store = new StdoutAuditStore(sink().stream);
    await assert.rejects(collect(store.query()), withCode('not-queryable'));
    await assert.rejects(store.count(), withCode('not-queryable'));
  });
});
