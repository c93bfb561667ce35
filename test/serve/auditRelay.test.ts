/**
 * The audit relay of `ntlmgate serve` with workers (src/serve/auditRelay.ts), between a real
 * cluster primary (this test, holding a SQLite store) and a real worker process: a worker's
 * write resolves only once the primary's store has committed it; a store failure reaches the
 * worker as write-failed with the store's reason; after the primary goes away, writes fail
 * instead of hanging.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteAuditStore } from '../../src/audit/stores/sqlite.js';
import { serveAuditRelay } from '../../src/serve/auditRelay.js';
import { tempDir } from '../audit/stores/helpers.js';

interface Written {
  readonly ok: number;
  readonly errors: readonly string[];
  readonly messages: readonly string[];
}

function write(w: Worker, n: number, from: number): Promise<Written> {
  return new Promise((resolve) => {
    const on = (m: { cmd?: string } & Written): void => {
      if (m.cmd !== 'written') return;
      w.off('message', on);
      resolve(m);
    };
    w.on('message', on);
    w.send({ cmd: 'write', n, from });
  });
}

describe('audit relay: serve workers write through the primary', () => {
  const dir = tempDir('ntlmgate-relay-');
  const resultFile = join(dir, 'after-disconnect.json');
  let store: SqliteAuditStore;
  let worker: Worker;

  before(async () => {
    store = SqliteAuditStore.open(join(dir, 'audit.db'));
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/relayWorker.js', import.meta.url)), args: [] });
    worker = cluster.fork({ RELAY_RESULT_FILE: resultFile });
    serveAuditRelay(worker, store);
    await new Promise<void>((r) => worker.on('message', (m: { cmd?: string }) => m.cmd === 'ready' && r()));
  });

  after(async () => {
    if (!worker.isDead()) worker.process.kill('SIGKILL');
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('200 concurrent writes from the worker: each resolves after the primary committed it', async () => {
    const r = await write(worker, 200, 0);
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, 200);
    // Read at once, with nothing flushed by us: what resolved in the worker is in the file.
    assert.equal(await store.count(), 200);
  });

  it("a failing store: the worker's writes reject write-failed with the store's reason", async () => {
    await store.close();
    const r = await write(worker, 3, 1000);
    assert.equal(r.ok, 0);
    assert.deepEqual(r.errors, ['write-failed', 'write-failed', 'write-failed']);
    assert.match(r.messages[0] ?? '', /in the serve primary.*closed/);
  });

  it('the primary goes away: a later write fails (write-failed) instead of waiting forever', async () => {
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.disconnect();
    await exited;
    assert.ok(existsSync(resultFile), 'the worker recorded its last write');
    const last = JSON.parse(readFileSync(resultFile, 'utf8')) as { after: string; message: string };
    assert.equal(last.after, 'write-failed');
    assert.match(last.message, /primary is gone/);
  });
});
