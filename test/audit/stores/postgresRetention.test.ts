/**
 * Retention of the PostgreSQL audit store against a real server (test/peers/postgres.sh):
 * past the cap the oldest events go and the newest stay, the table stops growing once freed
 * space is reused, the attempt ledger shrinks with the events, and archived events read back
 * through the real `ntlmgate audit import`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditStore } from '../../../src/audit/openAuditStore.js';
import { prune } from '../../../src/audit/retention.js';
import { postgresServer } from '../../helpers/postgres.js';
import { requestIds, requestRange, retentionTarget, runCli, sampleEvent } from './helpers.js';

const { server, skip } = postgresServer();

describe('PostgreSQL retention', { skip }, () => {
  it('keeps the newest events within the cap, and the table stops growing', async () => {
    const url = await server!.database();
    const store = await openAuditStore(url);
    const t = await retentionTarget(url);
    let written = 0;
    try {
      await store.write(Array.from({ length: 2000 }, () => sampleEvent(written++)));
      const full = await t.usage();
      assert.equal(full.events, 2000);
      const cap = Math.round(full.bytes / 2); // about 1,000 events
      const sizes: number[] = [];
      for (let round = 0; round < 8; round++) {
        const r = await prune(t, { maxBytes: cap });
        assert.ok(r.after.bytes <= cap, `round ${round}: ${r.after.bytes} bytes (estimated) in use, cap ${cap}`);
        assert.ok(r.removedBySize > 0, `round ${round}: something removed`);
        sizes.push(r.after.fileBytes);
        await store.write(Array.from({ length: 600 }, () => sampleEvent(written++)));
      }
      const kept = await requestIds(store);
      assert.ok(kept.length > 600 && kept.length < 2000, `${kept.length} kept`);
      assert.deepEqual(kept, requestRange(written - kept.length, written), 'exactly the newest, in order');
      // Freed space is reused after VACUUM: the last rounds do not grow the table past the first ones.
      const early = Math.max(...sizes.slice(0, 3));
      const late = Math.max(...sizes.slice(-3));
      assert.ok(late <= early * 1.25, `table ${late} bytes late vs ${early} early: ${sizes.join(', ')}`);
    } finally {
      await t.close();
      await store.close();
    }
  });

  it('drops ledger rows whose events are all gone, in the same transaction', async () => {
    const url = await server!.database();
    const store = await openAuditStore(url);
    const t = await retentionTarget(url);
    try {
      await store.write(Array.from({ length: 300 }, (_, i) => sampleEvent(i)));
      const before = Number((await server!.sql(url, 'SELECT count(*) AS n FROM attempts')).rows[0]?.n);
      await prune(t, { beforeMs: Date.parse(sampleEvent(150).time) });
      const left = await server!.sql(url, 'SELECT count(*) AS n FROM attempts');
      const oldest = Date.parse(sampleEvent(150).time);
      const n = Number(left.rows[0]?.n);
      assert.ok(before > 0, 'the sample events make attempts');
      assert.ok(n < before, `${n} attempts after, ${before} before`);
      const orphans = await server!.sql(url, `SELECT count(*) AS n FROM attempts WHERE last_ms < ${oldest}`);
      assert.equal(Number(orphans.rows[0]?.n), 0, 'no attempt left whose events all went');
      await prune(t, { beforeMs: Date.parse(sampleEvent(1000).time) });
      assert.equal(Number((await server!.sql(url, 'SELECT count(*) AS n FROM attempts')).rows[0]?.n), 0, 'an empty store has an empty ledger');
    } finally {
      await t.close();
      await store.close();
    }
  });

  it('archives before removing; the archive imports back', async () => {
    const url = await server!.database();
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-pg-archive-'));
    try {
      const store = await openAuditStore(url);
      const t = await retentionTarget(url);
      try {
        await store.write(Array.from({ length: 1000 }, (_, i) => sampleEvent(i)));
        const r = await prune(t, { beforeMs: Date.parse(sampleEvent(400).time), archiveDir: dir });
        assert.equal(r.removedByAge, 400);
        assert.deepEqual(await requestIds(store), requestRange(400, 1000));
      } finally {
        await t.close();
        await store.close();
      }
      const files = readdirSync(dir).map((f) => join(dir, f));
      assert.equal(files.length, 1);
      const restored = join(dir, 'restored.db');
      const imp = runCli(['audit', 'import', ...files, '--store', `sqlite:${restored}`]);
      assert.equal(imp.status, 0, imp.stderr);
      const back = await openAuditStore(`sqlite:${restored}`);
      try {
        assert.deepEqual(await requestIds(back), requestRange(0, 400));
      } finally {
        await back.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
