/**
 * `ntlmgate serve` keeps its SQLite audit store within `audit.retention.maxSize` by itself:
 * real logons fill it past the cap, the background runner (after `checkEvery` events) removes
 * the oldest, /healthz reports the run, and the newest logon's events are kept.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import { openRetentionTarget } from '../../src/audit/openRetentionTarget.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { parseServeConfigText } from '../../src/serve/config.js';
import { createLogger } from '../../src/serve/logger.js';
import { startServe, type ServeHandle } from '../../src/serve/runtime.js';
import { keepAliveAgent, login, request, type Credentials } from '../http/server/helpers.js';

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };
const CAP = 1024 * 1024;

interface Health {
  audit?: { ok: boolean; retention?: { maxBytes?: number; lastRun?: { at: string; removed?: number; bytes?: number; events?: number; error?: string } } };
}

describe('serve: audit retention by size', () => {
  let dir: string;
  let h: ServeHandle;
  const auditPath = (): string => join(dir, 'state', 'audit.db');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-serve-retention-'));
    mkdirSync(join(dir, 'state'));
    const accounts = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
    await accounts.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
    await accounts.close();
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const config = parseServeConfigText(
      [
        `stateDir: ${dir}/state`,
        'listen: 127.0.0.1:0',
        'names: { netbiosComputerName: WEB1, netbiosDomainName: CORP }',
        'demoAccount: false',
        'audit: { retention: { maxSize: 1MiB, maxAge: off, checkEvery: 200, checkInterval: 1h } }',
      ].join('\n'),
      { file: join(dir, 'ntlmgate.yaml'), baseDir: dir },
    );
    h = await startServe(config, { logger: createLogger('info', quiet), version: 'test' });
  });

  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const health = async (): Promise<Health> => JSON.parse((await request(`${h.urls[0]}healthz`)).body) as Health;
  const logon = async (): Promise<string> => {
    const agent = keepAliveAgent(h.urls[0] ?? '');
    try {
      const r = await login(`${h.urls[0]}whoami`, agent, { scheme: 'NTLM', credentials: ALICE });
      assert.equal(r.status, 200);
      return String(r.headers['x-request-id']);
    } finally {
      agent.destroy();
    }
  };

  it('removes the oldest logons\' events past the cap and keeps the newest', async () => {
    const first = await logon();
    let last = first;
    let logons = 1;
    // Fill past the cap: keep going until a run has removed something, then a little more.
    let extra = -1;
    while (extra !== 0 && logons < 5000) {
      last = await logon();
      logons++;
      if (extra > 0) extra--;
      else if (extra < 0 && logons % 100 === 0 && ((await health()).audit?.retention?.lastRun?.removed ?? 0) > 0) extra = 150;
    }
    assert.equal(extra, 0, `${logons} logons never filled 1 MiB`);
    // The last logon's events triggered (or will trigger) a run at the next 200 events: one more batch makes sure.
    for (let i = 0; i < 80; i++) last = await logon();
    const lastAt = Date.now();
    let run = (await health()).audit?.retention?.lastRun;
    while ((run === undefined || Date.parse(run.at) < lastAt) && Date.now() - lastAt < 20_000) {
      await sleep(100);
      last = await logon();
      run = (await health()).audit?.retention?.lastRun;
    }
    assert.ok(run && run.error === undefined, `a run after the last logons: ${JSON.stringify(run)}`);

    const target = await openRetentionTarget(`sqlite:${auditPath()}`);
    const store = await openAuditStore(`sqlite:${auditPath()}`);
    try {
      const u = await target?.usage(true);
      assert.ok(u && u.bytes <= CAP, `in use ${u?.bytes} bytes, cap ${CAP}`);
      assert.ok(u.fileBytes <= CAP, `file ${u.fileBytes} bytes, cap ${CAP}`);
      const ids = new Set<string>();
      for await (const e of store.query()) if (e.context.requestId) ids.add(e.context.requestId);
      assert.ok(!ids.has(first), 'the first logon\'s events are gone');
      assert.ok(ids.has(last), 'the newest logon\'s events are kept');
    } finally {
      await target?.close();
      await store.close();
    }
  });
});
