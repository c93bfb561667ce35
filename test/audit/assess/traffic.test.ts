/**
 * Logon accounting on real traffic: curl --ntlm and python3 requests_ntlm against `ntlmgate
 * serve` (right and wrong passwords, two users in the same second, an unknown user, an account
 * locked out), then the report and what-if read the audit log. Every figure is known in advance.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openAuditStore } from '../../../src/audit/openAuditStore.js';
import { memoryAttempts } from '../../../src/audit/assess/groups.js';
import { usageReport, type UsageRow } from '../../../src/audit/assess/usage.js';
import { openAccountStore } from '../../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../../src/authority/local/ntHash.js';
import { parseServeConfigText } from '../../../src/serve/config.js';
import type { AuditEvent } from '../../../src/events/event.js';
import { createLogger } from '../../../src/serve/logger.js';
import { startServe, type ServeHandle } from '../../../src/serve/runtime.js';
import { curlNtlm, requestsNtlm, skipUnlessCurl, skipUnlessRequestsNtlm, type Credentials } from '../../http/server/helpers.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };
const BOB: Credentials = { domain: 'CORP', user: 'bob', password: 'B0b!Pass2026' };
const CAROL: Credentials = { domain: 'CORP', user: 'carol', password: 'Car0l!Pass2026' };
const wrong = (c: Credentials): Credentials => ({ ...c, password: 'not-the-password' });

const skip = skipUnlessCurl() || skipUnlessRequestsNtlm();

/** The split every view of this traffic must show, per user. */
const EXPECTED: Record<string, Partial<UsageRow>> = {
  'CORP\\alice': { attempts: 4, succeeded: 3, failed: 1, wrongPassword: 1, blocked: 0 },
  'CORP\\bob': { attempts: 3, succeeded: 2, failed: 1, wrongPassword: 1, blocked: 0 },
  'CORP\\carol': { attempts: 4, succeeded: 0, failed: 4, wrongPassword: 3, lockedOut: 1, blocked: 0 },
  'CORP\\nobody': { attempts: 1, succeeded: 0, failed: 1, unknownUser: 1, blocked: 0 },
};
const N = 12;

const pick = (r: UsageRow): Partial<UsageRow> => {
  const want = EXPECTED[r.key] ?? {};
  return Object.fromEntries(Object.keys(want).map((k) => [k, r[k as keyof UsageRow]]));
};

function cli(dir: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('logon accounting on real traffic against ntlmgate serve', { skip }, () => {
  let dir = '';
  let h: ServeHandle | undefined;
  const events: AuditEvent[] = [];
  let store = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-traffic-'));
    store = `sqlite:${join(dir, 'audit.db')}`;
    const accounts = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
    await accounts.addAccounts([ALICE, BOB, CAROL].map((c) => ({ domain: c.domain, name: c.user, ntHash: ntHashOfPassword(c.password) })));
    await accounts.close();
    const config = parseServeConfigText(
      `stateDir: ${dir}/state\nlisten: 127.0.0.1:0\nnames: { netbiosComputerName: WEB1, netbiosDomainName: CORP }\nshutdownTimeout: 5s\n` +
        `audit: { store: '${store}' }\nauthority: { lockout: { threshold: 3, window: 30m, duration: 30m } }\n`,
      { file: join(dir, 'ntlmgate.yaml'), baseDir: dir },
    );
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    h = await startServe(config, { logger: createLogger('error', quiet), version: 'test' });
    const url = h.urls[0] ?? '';
    const ok = async (p: Promise<{ status: number }>, status: number, what: string): Promise<void> => assert.equal((await p).status, status, what);
    await ok(curlNtlm(url, ALICE), 200, 'alice 1');
    await ok(curlNtlm(url, ALICE), 200, 'alice 2');
    await ok(requestsNtlm(url, BOB), 200, 'bob 1');
    await ok(curlNtlm(url, wrong(ALICE)), 401, 'alice wrong');
    await ok(requestsNtlm(url, wrong(BOB)), 401, 'bob wrong');
    // Two users in the same second.
    await Promise.all([ok(curlNtlm(url, ALICE), 200, 'alice 3'), ok(requestsNtlm(url, BOB), 200, 'bob 2')]);
    await ok(curlNtlm(url, { domain: 'CORP', user: 'nobody', password: 'x' }), 401, 'unknown user');
    for (let i = 0; i < 3; i++) await ok(curlNtlm(url, wrong(CAROL)), 401, `carol wrong ${i}`);
    await ok(curlNtlm(url, CAROL), 401, 'carol locked out, right password');
    await h.stop();
    h = undefined;
    const s = await openAuditStore(store);
    for await (const e of s.query()) events.push(e);
    await s.close();
  });

  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every event of an attempt carries its attempt id; server-side and DC-side events share it', () => {
    assert.ok(events.length > N, `${events.length} events`);
    const ids = new Set(events.map((e) => e.context.attemptId));
    assert.equal(ids.size, N, 'one attempt id per AUTHENTICATE');
    assert.ok(!ids.has(undefined));
    const dcIds = new Set(events.filter((e) => e.provider === 'Microsoft-Windows-Security-Netlogon').map((e) => e.context.attemptId));
    assert.equal(dcIds.size, N, 'the authority wrote for every attempt, with the same ids');
  });

  it('the report (SQLite ledger) counts N attempts with the right split per user, server and workstation', async () => {
    const s = await openAuditStore(store, { mustExist: true });
    try {
      const byUser = await usageReport(s, { by: 'user' });
      assert.equal(byUser.attempts, N);
      assert.deepEqual(Object.fromEntries(byUser.rows.map((r) => [r.key, pick(r)])), EXPECTED);
      const byServer = await usageReport(s, { by: 'server' });
      assert.deepEqual(byServer.rows.map((r) => [r.key, r.attempts, r.succeeded, r.failed, r.blocked]), [['WEB1', N, 5, 7, 0]]);
      const byWs = await usageReport(s, { by: 'workstation' });
      assert.equal(byWs.rows.reduce((n, r) => n + r.attempts, 0), N);
      // curl names its workstation WORKSTATION: alice's 4, carol's 4 and the unknown user's attempt came from it.
      const curlWs = byWs.rows.find((r) => r.key === 'WORKSTATION');
      assert.deepEqual([curlWs?.attempts, curlWs?.succeeded, curlWs?.failed], [9, 3, 6]);
    } finally {
      await s.close();
    }
  });

  it('the DC-side events alone give the same figures, and so do the events read back in memory', async () => {
    const dc = events.filter((e) => e.provider === 'Microsoft-Windows-Security-Netlogon');
    const fromDc = await usageReport(await memoryAttempts(dc), { by: 'user' });
    assert.equal(fromDc.attempts, N);
    assert.deepEqual(Object.fromEntries(fromDc.rows.map((r) => [r.key, pick(r)])), EXPECTED);
    const all = await usageReport(await memoryAttempts(events), { by: 'user' });
    assert.deepEqual(Object.fromEntries(all.rows.map((r) => [r.key, pick(r)])), EXPECTED);
  });

  it('the CLI report names the store it read and counts attempts', () => {
    const r = cli(dir, 'audit', 'report', '--store', store, '--by', 'user');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Audit store: ${store.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`: ${N} logon attempts in \\d+ events`));
  });

  it('what-if names only the attempts the proposal would change; failures stay failures', () => {
    writeFileSync(join(dir, 'deny.yaml'), 'RestrictNTLMInDomain: Deny all\n');
    const r = cli(dir, 'audit', 'what-if', '--store', store, '--policy', 'deny.yaml', '--format', 'json');
    assert.equal(r.code, 3, r.stderr);
    const w = JSON.parse(r.stdout) as { attempts: number; blocked: { user: string; count: number; today: string }[]; failedAnyway: { attempts: number; byKind: Record<string, number> } };
    assert.equal(w.attempts, N);
    assert.deepEqual(w.blocked.map((g) => [g.user, g.count, g.today]).sort(), [['CORP\\alice', 3, 'succeeded'], ['CORP\\bob', 2, 'succeeded']]);
    assert.deepEqual(w.failedAnyway, { attempts: 7, byKind: { 'wrong-password': 5, 'unknown-user': 1, 'locked-out': 1 } });
    const text = cli(dir, 'audit', 'what-if', '--store', store, '--policy', 'deny.yaml');
    assert.match(text.stdout, /Would BLOCK 5 logon attempts in 2 groups/);
    assert.doesNotMatch(text.stdout, /carol|nobody/);
  });
});
