/**
 * Retention of the SQLite audit store: a store filled past its cap keeps the newest events
 * and loses (or archives) the oldest, its file stops growing at the cap, the archive reads
 * back through the real `ntlmgate audit import`, and serve's background runner checks
 * after N events rather than per event.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuardedAuditSink } from '../../src/audit/health.js';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import type { AuditStore } from '../../src/audit/query.js';
import { openRetentionTarget } from '../../src/audit/openRetentionTarget.js';
import { prune, RetentionRunner, type RetentionTarget } from '../../src/audit/retention.js';
import { openSqlite } from '../../src/sqlite/driver.js';
import { BASE_TIME, sampleEvent } from './stores/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function requestIds(store: AuditStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.query()) ids.push(e.context.requestId ?? '?');
  return ids;
}

const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `req-${from + k}`);

async function target(url: string): Promise<RetentionTarget> {
  const t = await openRetentionTarget(url);
  assert.ok(t, `${url} has a retention side`);
  return t;
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ntlmgate-retention-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite retention by size (overwrite the oldest)', () => {
  it('keeps the newest events, drops the oldest, and the file stops growing at the cap', async () => {
    const path = join(dir, 'overwrite.db');
    const cap = 512 * 1024;
    const store = await openAuditStore(`sqlite:${path}`);
    const t = await target(`sqlite:${path}`);
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
      assert.deepEqual(kept, range(written - kept.length, written), 'exactly the newest events, in order');
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
    const t = await target(`sqlite:${path}`);
    try {
      await store.write(Array.from({ length: 1000 }, (_, i) => sampleEvent(i)));
      const r = await prune(t, { maxAgeMs: 500_000, now: BASE_TIME + 1_000_000 });
      assert.equal(r.removedByAge, 500);
      assert.equal(r.removedBySize, 0);
      assert.deepEqual(await requestIds(store), range(500, 1000));
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
    const t = await target(`sqlite:${path}`);
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
    const imp = cli(['audit', 'import', ...files.map((f) => join(archiveDir, f)), '--store', `sqlite:${restored}`]);
    assert.equal(imp.status, 0, imp.stderr);
    const back = await openAuditStore(`sqlite:${restored}`);
    try {
      const archived = await requestIds(back);
      // Every event is in exactly one place: the archive holds the oldest, the store the rest.
      assert.deepEqual(archived, range(0, written - kept.length));
      assert.deepEqual([...archived, ...kept], range(0, written));
      const first = await back.query({ limit: 1 })[Symbol.asyncIterator]().next();
      // Field for field, except that an imported event is marked as imported.
      const original = sampleEvent(0);
      assert.deepEqual(first.value, { ...original, context: { ...original.context, source: 'import' } });
    } finally {
      await back.close();
    }
  });
});

describe('`ntlmgate audit prune` and `ntlmgate audit archive`', () => {
  it('prune applies a size cap given on the command line and reports what is left', async () => {
    const path = join(dir, 'cli-prune.db');
    const store = await openAuditStore(`sqlite:${path}`);
    await store.write(Array.from({ length: 3000 }, (_, i) => sampleEvent(i)));
    await store.close();
    const r = cli(['audit', 'prune', '--store', `sqlite:${path}`, '--max-size', '256KiB', '--max-age', 'off']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /removed [\d,]+ events \(0 by age, [\d,]+ by size\)/);
    const n = Number(/now ([\d,]+) events/.exec(r.stdout)?.[1]?.replace(/,/g, ''));
    const reopened = await openAuditStore(`sqlite:${path}`);
    try {
      const ids = await requestIds(reopened);
      assert.equal(ids.length, n, 'the reported count is the stored count');
      assert.deepEqual(ids, range(3000 - n, 3000));
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
    const r = cli(['audit', 'archive', '--store', `sqlite:${path}`, '--before', cutoff, '--dir', archiveDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /archived 40 events before/);
    const file = /into (\S+\.jsonl\.gz)/.exec(r.stdout)?.[1];
    assert.ok(file);
    const exported = cli(['audit', 'export', '--store', `sqlite:${path}`]);
    assert.equal(exported.stdout.trim().split('\n').length, 60);
  });

  it('a missing store is an error naming it, and nothing is created', () => {
    const path = join(dir, 'missing', 'audit.db');
    const r = cli(['audit', 'prune', '--store', `sqlite:${path}`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*no such file`));
    assert.throws(() => statSync(join(dir, 'missing')));
  });

  it('bad limits are usage errors (exit 2)', () => {
    for (const args of [['--max-size', '12 parsecs'], ['--max-age', 'soon'], ['--before', 'yesterday-ish']]) {
      const r = cli(['audit', 'prune', '--store', `sqlite:${join(dir, 'age.db')}`, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('RetentionRunner (serve)', () => {
  it('checks after every N events written, not per event, and keeps the store at its cap', async () => {
    const path = join(dir, 'runner.db');
    const cap = 256 * 1024;
    const store = await openAuditStore(`sqlite:${path}`);
    const inner = await target(`sqlite:${path}`);
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
