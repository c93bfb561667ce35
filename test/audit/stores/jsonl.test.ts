import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JsonlAuditStore } from '../../../src/audit/stores/jsonl.js';
import { encodeLine } from '../../../src/audit/stores/jsonLine.js';
import { storeContract } from './contract.js';
import { BASE_TIME, collect, sampleEvent, tempDir, withCode } from './helpers.js';

const dir = tempDir();
let n = 0;

storeContract({
  name: 'JSON Lines',
  fresh: async () => {
    const path = join(dir, `contract-${++n}.jsonl`);
    return {
      open: () => JsonlAuditStore.open(path),
      bumpSchema: async () => writeFileSync(path, readFileSync(path, 'utf8').replace(/^\{"v":1,/, '{"v":2,')),
    };
  },
});

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n');

describe('JSON Lines store specifics', () => {
  it('writes one "v":1 JSON object per line, each batch ending with a newline', async () => {
    const path = join(dir, 'format.jsonl');
    const store = await JsonlAuditStore.open(path);
    await Promise.all([store.write([sampleEvent(0)]), store.write([sampleEvent(1), sampleEvent(2)])]);
    await store.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'));
    const parsed = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { v: number; eventId: number });
    assert.deepEqual(parsed.map((p) => p.v), [1, 1, 1]);
    assert.deepEqual(parsed[1], { v: 1, ...sampleEvent(1) });
  });

  it('reopening cuts a torn last line (a crash mid-append) so new lines start clean', async () => {
    const path = join(dir, 'torn.jsonl');
    const a = await JsonlAuditStore.open(path);
    await a.write([sampleEvent(0), sampleEvent(1)]);
    await a.close();
    appendFileSync(path, encodeLine(sampleEvent(2)).slice(0, 57)); // never acknowledged
    const b = await JsonlAuditStore.open(path);
    await b.write([sampleEvent(3)]);
    assert.deepEqual((await collect(b.query())).map((e) => e.context.requestId), ['req-0', 'req-1', 'req-3']);
    await b.close();
    assert.equal(lines(path).length, 4); // three lines and the empty string after the last newline
  });

  it('a query ignores an unterminated tail (an append in progress)', async () => {
    const path = join(dir, 'tail.jsonl');
    const store = await JsonlAuditStore.open(path);
    await store.write([sampleEvent(0)]);
    appendFileSync(path, '{"v":1,"eventId":80');
    assert.equal(await store.count(), 1);
    assert.equal((await collect(store.query())).length, 1);
    await store.close();
  });

  it('reads a file appended out of time order back in time order (ties in file order)', async () => {
    const path = join(dir, 'unsorted.jsonl');
    const order = [5, 1, 4, 1, 3, 0, 2];
    writeFileSync(path, order.map((s, k) => encodeLine(sampleEvent(s, `r${k}`, BASE_TIME + s * 1000))).join(''));
    const store = await JsonlAuditStore.open(path);
    const got = (await collect(store.query())).map((e) => e.context.requestId);
    assert.deepEqual(got, ['r5', 'r1', 'r3', 'r6', 'r4', 'r2', 'r0']);
    assert.deepEqual((await collect(store.query({ limit: 2, since: new Date(BASE_TIME + 1000) }))).map((e) => e.context.requestId), ['r1', 'r3']);
    await store.close();
  });

  it('reports a corrupt line by file and line number, and a newer line format as schema-version', async () => {
    const path = join(dir, 'corrupt.jsonl');
    writeFileSync(path, encodeLine(sampleEvent(0)) + 'not json\n');
    const store = await JsonlAuditStore.open(path);
    await assert.rejects(store.count(), (e: unknown) => withCode('corrupt')(e) && /corrupt\.jsonl:2/.test((e as Error).message));
    await store.close();
    const newer = join(dir, 'newer.jsonl');
    writeFileSync(newer, encodeLine(sampleEvent(0)) + encodeLine(sampleEvent(1)).replace('"v":1', '"v":7'));
    const s2 = await JsonlAuditStore.open(newer);
    await assert.rejects(collect(s2.query()), withCode('schema-version'));
    await s2.close();
  });

  it('lines longer than the read block still read back', async () => {
    const path = join(dir, 'long.jsonl');
    const store = await JsonlAuditStore.open(path);
    const big = { ...sampleEvent(0), data: { Blob: 'x'.repeat(3 << 20) } };
    await store.write([sampleEvent(1), big, sampleEvent(2)]);
    const got = await collect(store.query());
    assert.deepEqual(got.map((e) => e.data.Blob?.length ?? 0), [3 << 20, 0, 0]);
    await store.close();
  });
});
