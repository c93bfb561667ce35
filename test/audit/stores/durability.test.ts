/**
 * Durability under SIGKILL: a child process writes through 20 concurrent loops and records
 * every id whose write() resolved; we kill it at a random moment 200–800 ms into the run,
 * reopen the store, and require every acknowledged id to be there (exactly once). Each
 * round also reports how many ids were acknowledged, which must be > 0 for it to mean
 * anything.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openAuditStore } from '../../../src/audit/openAuditStore.js';
import { tempDir } from './helpers.js';
import { postgresServer } from '../../helpers/postgres.js';

const CHILD = fileURLToPath(new URL('./fixtures/killWriter.js', import.meta.url));
const ROUNDS = 3;
const dir = tempDir('ntlmgate-durability-');
const { server, skip: pgSkip } = postgresServer();

/** Runs the child against `url`, SIGKILLs it after 200–800 ms of writing; returns the acknowledged ids. */
async function killRound(url: string, prefix: string): Promise<{ acked: string[]; afterMs: number }> {
  const ackFile = join(dir, `${prefix}.ack`);
  const child = spawn(process.execPath, [CHILD, url, ackFile, prefix, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => lines.once('line', (l) => resolve(l === 'ready'))),
    exited.then(() => false),
    sleep(30_000).then(() => false),
  ]);
  if (!ready) {
    child.kill('SIGKILL');
    assert.fail(`writer did not start: ${stderr}`);
  }
  const afterMs = randomInt(200, 801);
  await sleep(afterMs);
  child.kill('SIGKILL');
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the writer must still be running when killed; stderr: ${stderr}`);
  const acked = readFileSync(ackFile, 'utf8').split('\n').filter((l) => l.length > 0);
  return { acked, afterMs };
}

async function rounds(t: TestContext, url: string, label: string): Promise<void> {
  for (let r = 1; r <= ROUNDS; r++) {
    const prefix = `${label}-r${r}`;
    const { acked, afterMs } = await killRound(url.replace(/^sqlite-normal:/, 'sqlite-normal:'), prefix);
    const store = await openAuditStore(url.replace(/^sqlite-normal:/, 'sqlite:'));
    const seen = new Map<string, number>();
    for await (const e of store.query()) {
      const id = e.context.requestId ?? '';
      if (id.startsWith(`${prefix}-`)) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    await store.close();
    const missing = acked.filter((id) => !seen.has(id));
    const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    t.diagnostic(`${label} round ${r}: killed after ${afterMs} ms, ${acked.length} events acknowledged, ${seen.size} events stored`);
    assert.ok(acked.length > 0, 'nothing was acknowledged before the kill: the round proves nothing');
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged events lost`);
    assert.deepEqual(twice.slice(0, 10), [], 'events stored twice');
    assert.ok(seen.size >= acked.length);
  }
}

describe('durability: every event whose write() resolved survives SIGKILL of the writer', () => {
  it('SQLite (WAL, synchronous=FULL)', (t) => rounds(t, `sqlite:${join(dir, 'full.db')}`, 'sqlite-full'));
  it('SQLite (WAL, synchronous=NORMAL)', (t) => rounds(t, `sqlite-normal:${join(dir, 'normal.db')}`, 'sqlite-normal'));
  it('JSON Lines (append + fdatasync)', (t) => rounds(t, `jsonl:${join(dir, 'audit.jsonl')}`, 'jsonl'));
  it('PostgreSQL (COMMIT acknowledged)', { skip: pgSkip }, async (t) => rounds(t, await server!.database(), 'postgres'));
});
