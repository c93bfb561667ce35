/**
 * Retention of the SQLite audit store (sqliteRetention.ts, through retention.ts's prune): a store
 * filled past its cap keeps the newest events and loses (or archives) the oldest, its file stops
 * growing at the cap, the attempt ledger shrinks with the events, and the archive reads back
 * through the real `ntlmgate audit import`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditStore } from '../../../src/audit/openAuditStore.js';
import { prune } from '../../../src/audit/retention.js';
import { openSqlite } from '../../../src/sqlite/driver.js';
import { BASE_TIME, requestIds, requestRange, retentionTarget, runCli, sampleEvent, tempDir } from './helpers.js';

const dir = tempDir('ntlmgate-retention-');

describe('SQLite retention by size (overwrite the oldest)', () => {
  it('keeps the newest events, drops the oldest, and the file stops growing at the cap', async () => {
    const path = join(dir, 'overwrite.db');
    const cap = 512 * 1024;
    const store = await openAuditStore(`sqlite:${path}`);
    const t = await retentionTarget(`sqlite:${path}`);
    let written = 0;
    const fileSizes: number[] = [];
    try {
      for (let round = 0; round < 12; round++) {
        await store.write(Array.from({ length: 500 }, () => sampleEvent(written++)));
        const r = await prune(t, { maxBytes: cap });
        assert.ok(r.after.bytes <= cap, `round ${round}: ${r.after.bytes} bytes in use, cap ${cap}`);
        fileSizes.push(r.after.fileBytes);
        if (round === 11) assert.ok(r.removedBySize > 0, 'the last round removed events');
      }
      // 6,000 events of ~600 bytes each are several times the cap: most went, the newest stayed.
      const kept = await requestIds(store);
      assert.ok(kept.length > 100 && kept.length < written / 2, `${kept.length} of ${written} kept`);
      assert.deepEqual(kept, requestRange(written - kept.length, written), 'exactly the newest events, in order');
      for (const [i, size] of fileSizes.entries()) assert.ok(size <= cap, `round ${i}: the database is ${size} bytes, cap ${cap}`);
    } finally {
      await t.close();
      await store.close();
    }
    // The last connection checkpointed the WAL into the file: the file itself is within the cap.
    assert.ok(statSync(path).size <= cap, `file ${statSync(path).size} bytes, cap ${cap}`);
  });

  it('removes events older than the age limit and nothing younger', async () => {
    const path = join(dir, 'age.db');
    const store = await openAuditStore(`sqlite:${path}`);
    const t = await retentionTarget(`sqlite:${path}`);
    try {
      await store.write(Array.from({ length: 1000 }, (_, i) => sampleEvent(i)));
      const r = await prune(t, { maxAgeMs: 500_000, now: BASE_TIME + 1_000_000 });
      assert.equal(r.removedByAge, 500);
      assert.equal(r.removedBySize, 0);
      assert.deepEqual(await requestIds(store), requestRange(500, 1000));
      // The attempt ledger the reports count shrank with the events, and its per-minute totals with it.
      const db = openSqlite(path);
      try {
        const has = (t: string): boolean => db.prepare<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = ?").get(t)?.n === 1;
        assert.ok(has('attempts'), 'the store has an attempt ledger');
        const oldest = db.prepare<{ t: number }>('SELECT min(time) AS t FROM audit_events').get()?.t ?? 0;
        assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM attempts WHERE last_ms < ?').get(oldest)?.n, 0, 'no attempt whose events all went');
        assert.ok((db.prepare<{ n: number }>('SELECT count(*) AS n FROM attempts').get()?.n ?? 0) > 0, 'the attempts of kept events stay');
        if (has('attempt_totals')) {
          const totals = db.prepare<{ n: number | null }>('SELECT sum(n) AS n FROM attempt_totals').get()?.n;
          assert.equal(totals, db.prepare<{ n: number }>('SELECT count(*) AS n FROM attempts').get()?.n, 'totals add up to the attempts left');
        }
      } finally {
        db.close();
      }
    } finally {
      await t.close();
      await store.close();
    }
  });
});

describe('SQLite retention with archive', () => {
  it('archives the oldest events before removing them; `ntlmgate audit import` reads the archive back', async () => {
    const path = join(dir, 'archive.db');
    const archiveDir = join(dir, 'archive');
    const cap = 256 * 1024;
    const store = await openAuditStore(`sqlite:${path}`);
    const t = await retentionTarget(`sqlite:${path}`);
    let written = 0;
    let kept: string[];
    try {
      for (let round = 0; round < 6; round++) {
        await store.write(Array.from({ length: 400 }, () => sampleEvent(written++)));
        await prune(t, { maxBytes: cap, archiveDir });
      }
      kept = await requestIds(store);
    } finally {
      await t.close();
      await store.close();
    }
    assert.ok(kept.length > 0 && kept.length < written, `${kept.length} of ${written} kept`);
    const files = readdirSync(archiveDir).filter((f) => f.endsWith('.jsonl.gz'));
    assert.ok(files.length > 0, 'archive files written');
    for (const f of files) assert.equal(statSync(join(archiveDir, f)).mode & 0o777, 0o600, `${f} is private`);

    const restored = join(dir, 'restored.db');
    const imp = runCli(['audit', 'import', ...files.map((f) => join(archiveDir, f)), '--store', `sqlite:${restored}`]);
    assert.equal(imp.status, 0, imp.stderr);
    const back = await openAuditStore(`sqlite:${restored}`);
    try {
      const archived = await requestIds(back);
      // Every event is in exactly one place: the archive holds the oldest, the store the rest.
      assert.deepEqual(archived, requestRange(0, written - kept.length));
      assert.deepEqual([...archived, ...kept], requestRange(0, written));
      const first = await back.query({ limit: 1 })[Symbol.asyncIterator]().next();
      // Field for field, except that an imported event is marked as imported.
      const original = sampleEvent(0);
      assert.deepEqual(first.value, { ...original, context: { ...original.context, source: 'import' } });
    } finally {
      await back.close();
    }
  });
});

