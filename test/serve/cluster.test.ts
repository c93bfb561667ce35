/**
 * `ntlmgate serve` with `workers: 2` (node:cluster), as a real CLI process: the primary forks
 * two servers on one port, NTLM logons over several connections succeed (each handshake is
 * bound to its connection, so whichever worker accepted it finishes it), every logon's events
 * are in the SQLite audit log the primary writes for the workers (committed before each
 * response), and SIGTERM to the primary stops both workers gracefully with exit 0. A killed
 * worker is replaced.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { keepAliveAgent, login, request } from '../http/server/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ALICE = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ntlmgate serve with workers: 2', () => {
  it('logons over several connections land in one audit log; a killed worker is replaced; SIGTERM exits 0 after both workers flushed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-cluster-'));
    const accounts = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
    await accounts.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
    await accounts.close();
    writeFileSync(join(dir, 'ntlmgate.yaml'), `stateDir: ${dir}/state\nlisten: 127.0.0.1:0\nworkers: 2\nshutdownTimeout: 5s\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\n`);
    const child = spawn(process.execPath, [CLI, 'serve', '-c', join(dir, 'ntlmgate.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const lines = (): Record<string, unknown>[] =>
      stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      for (let i = 0; i < 500 && !lines().some((l) => l['msg'] === 'ntlmgate serve primary: workers listening'); i++) await sleep(20);
      const ready = lines().find((l) => l['msg'] === 'ntlmgate serve primary: workers listening');
      assert.ok(ready, `not listening:\n${stdout}\n${stderr}`);
      const url = (ready['urls'] as string[])[0] ?? '';
      const pids = ready['pids'] as number[];
      assert.equal(pids.length, 2);

      // 6 logons, each on its own connection (its own agent), 3 at a time.
      const logons = async (n: number): Promise<void> => {
        for (let round = 0; round < n / 3; round++) {
          const results = await Promise.all(
            [0, 1, 2].map(async () => {
              const agent = keepAliveAgent(url);
              try {
                const r = await login(url, agent, { scheme: 'NTLM', credentials: ALICE });
                // a second request on the same connection stays authenticated (same worker)
                const again = await request(url, { agent });
                return [r.status, again.status] as const;
              } finally {
                agent.destroy();
              }
            }),
          );
          for (const [first, second] of results) {
            assert.equal(first, 200);
            assert.equal(second, 200);
          }
        }
      };
      await logons(6);

      // Durable before the response, through the relay: the primary's store already holds every logon's event.
      const during = await openAuditStore(`sqlite:${dir}/state/audit.db`);
      try {
        assert.equal(await during.count({ eventIds: [8002] }), 6, 'each 200 came after its 8002 was committed by the primary');
      } finally {
        await during.close();
      }

      // A worker killed hard is replaced, and the server keeps answering.
      process.kill(pids[0] ?? 0, 'SIGKILL');
      for (let i = 0; i < 300 && !lines().some((l) => l['msg'] === 'worker died; starting a replacement'); i++) await sleep(20);
      assert.ok(lines().some((l) => l['msg'] === 'worker died; starting a replacement'), stdout);
      // The replacement is up once it logged its own listening line (two came from the first workers).
      const listening = (): number => lines().filter((l) => l['msg'] === 'ntlmgate serve listening').length;
      for (let i = 0; i < 1000 && listening() < 3; i++) await sleep(20);
      assert.equal(listening(), 3, `the replacement worker did not start:\n${stdout}\n${stderr}`);
      await logons(3);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      const all = lines();
      assert.equal(all.filter((l) => l['msg'] === 'stopped; audit log flushed').length, 2, 'both live workers flushed');
      assert.equal(all.at(-1)?.['msg'], 'stopped; every worker flushed its audit log');
      const served = new Set(all.filter((l) => l['msg'] === 'request' && l['status'] === 200).map((l) => l['worker']));
      assert.ok(served.size >= 1);

      const audit = await openAuditStore(`sqlite:${dir}/state/audit.db`);
      try {
        const usage: string[] = [];
        for await (const e of audit.query({ eventIds: [8002] })) usage.push(e.context.requestId ?? '');
        assert.equal(usage.length, 9, 'one 8002 per logon');
        assert.equal(new Set(usage).size, 9);
      } finally {
        await audit.close();
      }
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
