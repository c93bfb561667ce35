/**
 * `ntlmgate serve` with a PostgreSQL audit store whose database goes away (it stops taking
 * connections and ours are terminated, as when a server is taken down): logons get 503 with
 * Retry-After, /healthz says why, and once the database takes connections again the server
 * recovers by itself — /healthz 200, logons answered, their events stored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAuditStore } from '../../src/audit/openAuditStore.js';
import { openAccountStore } from '../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../src/authority/local/ntHash.js';
import { parseServeConfigText } from '../../src/serve/config.js';
import { createLogger } from '../../src/serve/logger.js';
import { startServe, type ServeHandle } from '../../src/serve/runtime.js';
import { postgresServer } from '../helpers/postgres.js';
import { keepAliveAgent, login, request, type Credentials } from '../http/server/helpers.js';

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };
const { server, skip } = postgresServer();

interface Health {
  status: string;
  audit?: { ok: boolean; reason?: string };
}

describe('serve with its PostgreSQL audit database gone', { skip }, () => {
  let dir: string;
  let url: string;
  let name: string;
  let h: ServeHandle;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ntlmgate-dbgone-'));
    mkdirSync(join(dir, 'state'));
    url = await server!.database();
    name = new URL(url).pathname.slice(1);
    const accounts = await openAccountStore(`sqlite:${dir}/state/accounts.db`);
    await accounts.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
    await accounts.close();
    const config = parseServeConfigText(
      [`stateDir: ${dir}/state`, 'listen: 127.0.0.1:0', 'names: { netbiosComputerName: WEB1, netbiosDomainName: CORP }', 'demoAccount: false', `audit: { store: "${url}" }`].join('\n'),
      { file: join(dir, 'ntlmgate.yaml'), baseDir: dir },
    );
    h = await startServe(config, { logger: createLogger('info', new Writable({ write: (_c, _e, cb) => cb() })), version: 'test' });
  });

  after(async () => {
    await server!.sql(server!.adminUrl, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const health = async (): Promise<{ status: number; body: Health }> => {
    const r = await request(`${h.urls[0]}healthz`);
    return { status: r.status, body: JSON.parse(r.body) as Health };
  };
  const logon = async (): Promise<{ status: number; retryAfter: unknown }> => {
    const agent = keepAliveAgent(h.urls[0] ?? '');
    try {
      const r = await login(`${h.urls[0]}whoami`, agent, { scheme: 'NTLM', credentials: ALICE });
      return { status: r.status, retryAfter: r.headers['retry-after'] };
    } finally {
      agent.destroy();
    }
  };

  it('answers 503 while the database is gone and recovers without a restart when it is back', async () => {
    assert.equal((await logon()).status, 200);

    await server!.sql(server!.adminUrl, `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await server!.sql(server!.adminUrl, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
    const refused = await logon();
    assert.equal(refused.status, 503);
    assert.match(String(refused.retryAfter), /^\d+$/);
    const down = await health();
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'audit-unavailable');
    assert.match(down.body.audit?.reason ?? '', /not currently accepting connections|terminat/i, down.body.audit?.reason);

    await server!.sql(server!.adminUrl, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    const backAt = Date.now();
    let up = await health();
    while (up.status !== 200 && Date.now() - backAt < 30_000) {
      await sleep(250);
      up = await health();
    }
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal((await logon()).status, 200);
    const store = await openAuditStore(url);
    try {
      assert.ok((await store.count({ since: new Date(backAt) })) > 0, 'events stored after recovery');
    } finally {
      await store.close();
    }
  });
});
