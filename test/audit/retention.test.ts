/**
 * Retention as the CLI and serve apply it: `ntlmgate audit prune` and `ntlmgate audit archive`
 * through the built CLI, and serve's background runner (RetentionRunner), which checks after N
 * events rather than per event. Each store's own retention is tested beside it
 * (stores/sqliteRetention.test.ts, stores/postgresRetention.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { GuardedAuditSink } from '../../src/audit/health.js';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import { RetentionRunner, type RetentionTarget } from '../../src/audit/retention.js';
import { BASE_TIME, requestIds, requestRange, retentionTarget, runCli, sampleEvent, tempDir } from './stores/helpers.js';

const dir = tempDir('ntlmgate-retention-');

describe('`ntlmgate audit prune` and `ntlmgate audit archive`', () => {
  it('prune applies a size cap given on the command line and reports what is left', async () => {
    const path = join(dir, 'cli-prune.db');
    const store = await openAuditStore(`sqlite:${path}`);
    await store.write(Array.from({ length: 3000 }, (_, i) => sampleEvent(i)));
    await store.close();
    const r = runCli(['audit', 'prune', '--store', `sqlite:${path}`, '--max-size', '256KiB', '--max-age', 'off']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /removed [\d,]+ events \(0 by age, [\d,]+ by size\)/);
    const n = Number(/now ([\d,]+) events/.exec(r.stdout)?.[1]?.replace(/,/g, ''));
    const reopened = await openAuditStore(`sqlite:${path}`);
    try {
      const ids = await requestIds(reopened);
      assert.equal(ids.length, n, 'the reported count is the stored count');
      assert.deepEqual(ids, requestRange(3000 - n, 3000));
    } finally {
      await reopened.close();
    }
  });

  it('archive moves the events before a date into a .jsonl.gz file', async () => {
    const path = join(dir, 'cli-archive.db');
    const archiveDir = join(dir, 'cli-archive');
    const store = await openAuditStore(`sqlite:${path}`);
    await store.write(Array.from({ length: 100 }, (_, i) => sampleEvent(i)));
    await store.close();
    const cutoff = new Date(BASE_TIME + 40_000).toISOString();
    const r = runCli(['audit', 'archive', '--store', `sqlite:${path}`, '--before', cutoff, '--dir', archiveDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /archived 40 events before/);
    const file = /into (\S+\.jsonl\.gz)/.exec(r.stdout)?.[1];
    assert.ok(file);
    const exported = runCli(['audit', 'export', '--store', `sqlite:${path}`]);
    assert.equal(exported.stdout.trim().split('\n').length, 60);
  });

  it('a missing store is an error naming it, and nothing is created', () => {
    const path = join(dir, 'missing', 'audit.db');
    const r = runCli(['audit', 'prune', '--store', `sqlite:${path}`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*no such file`));
    assert.throws(() => statSync(join(dir, 'missing')));
  });

  it('bad limits are usage errors (exit 2)', () => {
    for (const args of [['--max-size', '12 parsecs'], ['--max-age', 'soon'], ['--before', 'yesterday-ish']]) {
      const r = runCli(['audit', 'prune', '--store', `sqlite:${join(dir, 'age.db')}`, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('RetentionRunner (serve)', () => {
  it('checks after every N events written, not per event, and keeps the store at its cap', async () => {
    const path = join(dir, 'runner.db');
    const cap = 256 * 1024;
    const store = await openAuditStore(`sqlite:${path}`);
    const inner = await retentionTarget(`sqlite:${path}`);
    let runs = 0;
    const counting: RetentionTarget = {
      what: inner.what,
      usage: (exact) => inner.usage(exact),
      removeOldest: (o) => inner.removeOldest(o),
      compact: (o) => {
        runs++; // once per run
        return inner.compact(o);
      },
      probe: () => inner.probe(),
      close: () => inner.close(),
    };
    const runner = new RetentionRunner(counting, { maxBytes: cap, mode: 'overwrite', checkEveryEvents: 1000, checkIntervalMs: 3_600_000 });
    const sink = new GuardedAuditSink(store, { onWritten: (n) => runner.noteWritten(n) });
    try {
      for (let i = 0; i < 5000; i += 100) await sink.write(Array.from({ length: 100 }, (_, k) => sampleEvent(i + k)));
      await runner.idle();
      // One run per 1,000 events (and at most one queued behind a run in progress).
      assert.ok(runs >= 1 && runs <= 6, `${runs} runs for 5,000 events`);
      // Every run brings the store under its cap; between runs it grows by at most the events of
      // one check interval (a run starts when 1,000 events have been written since the last started).
      const last = runner.last?.result;
      assert.ok(last, `a run finished: ${JSON.stringify(runner.last)}`);
      // A run's own `after` may include events written while it compacted, so the bound on the
      // writes' side is the cap plus what one check interval lets in.
      const perEvent = last.before.bytes / Math.max(1, last.before.events);
      const u = await inner.usage(true);
      assert.ok(u.bytes <= cap + 1000 * perEvent, `${u.bytes} bytes in use, cap ${cap} + 1,000 events of ${Math.round(perEvent)} bytes; last run: ${JSON.stringify(runner.last)}`);
      assert.ok(u.events > 0 && u.events < 5000);
      // With the writers quiet, a run brings the store under its cap.
      const runsBefore = runs;
      runner.kick();
      await runner.idle();
      assert.equal(runs, runsBefore + 1);
      const quiet = runner.last?.result;
      assert.ok(quiet && quiet.after.bytes <= cap, `a run with no writers left ${quiet?.after.bytes} bytes, cap ${cap}`);
    } finally {
      await runner.close();
      await sink.close();
    }
  });
});
