/**
 * `ntlmgate serve` with its SQLite audit store on a file system that fills up (a small tmpfs
 * mounted by the test): logons get 503 with Retry-After and a logged reason, /healthz says
 * why, the process keeps serving, and once space is freed it recovers without a restart —
 * /healthz back to 200, logons answered and their events written.
 *
 * Mounting needs root (as here and in CI): elsewhere the test skips with the reason, under
 * CI=true it fails.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
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
import { keepAliveAgent, login, request, type Credentials } from '../http/server/helpers.js';

const ALICE: Credentials = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026' };

const base = mkdtempSync(join(tmpdir(), 'ntlmgate-diskfull-'));
const mountPoint = join(base, 'fs');
mkdirSync(mountPoint);

/** Mounts a 8 MiB tmpfs; undefined when it worked, else why not (a failure under CI=true). */
function mountTmpfs(): string | false {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (r.status === 0) return false;
  const why = `cannot mount a tmpfs for the full-disk test (needs root): ${(r.error?.message ?? r.stderr).trim()}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}
const skip = mountTmpfs();

/** Fills the file system to the last block: big writes first, then smaller ones until even 512 bytes fail. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (let size = 1 << 20; size >= 512; size >>= 1) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function memoryLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

interface Health {
  status: string;
  audit?: { ok: boolean; reason?: string; since?: string };
}

describe('serve with its audit store on a full file system', { skip }, () => {
  let h: ServeHandle;
  let log: ReturnType<typeof memoryLogger>;
  const auditPath = join(mountPoint, 'audit.db');
  const filler = join(mountPoint, 'filler');

  before(async () => {
    const state = join(base, 'state');
    mkdirSync(state);
    const accounts = await openAccountStore(`sqlite:${state}/accounts.db`);
    await accounts.addAccounts([{ domain: ALICE.domain, name: ALICE.user, ntHash: ntHashOfPassword(ALICE.password) }]);
    await accounts.close();
    log = memoryLogger();
    const config = parseServeConfigText(
      [
        `stateDir: ${state}`,
        'listen: 127.0.0.1:0',
        'names: { netbiosComputerName: WEB1, netbiosDomainName: CORP }',
        'shutdownTimeout: 5s',
        'demoAccount: false',
        `audit: { store: "sqlite:${auditPath}" }`,
      ].join('\n'),
      { file: join(base, 'ntlmgate.yaml'), baseDir: base },
    );
    h = await startServe(config, { logger: log.logger, version: 'test' });
  });

  after(async () => {
    await h?.stop();
    spawnSync('umount', [mountPoint]);
    rmSync(base, { recursive: true, force: true });
  });

  const url = (): string => h.urls[0] ?? '';
  const health = async (): Promise<{ status: number; body: Health }> => {
    const r = await request(`${url()}healthz`);
    return { status: r.status, body: JSON.parse(r.body) as Health };
  };
  const logon = async (): Promise<{ status: number; retryAfter?: string }> => {
    const agent = keepAliveAgent(url());
    try {
      const r = await login(`${url()}whoami`, agent, { scheme: 'NTLM', credentials: ALICE });
      const retry = r.headers['retry-after'];
      return { status: r.status, ...(typeof retry === 'string' ? { retryAfter: retry } : {}) };
    } finally {
      agent.destroy();
    }
  };

  it('answers 503 with Retry-After while the disk is full, says why on /healthz, and recovers by itself once space returns', async () => {
    assert.equal((await logon()).status, 200, 'a logon before the disk fills');
    assert.equal((await health()).status, 200);

    fill(filler);
    // The WAL grows with each commit: the next logon's events need space there is none of.
    const refused = await logon();
    assert.equal(refused.status, 503, 'no logon is answered unaudited');
    assert.match(refused.retryAfter ?? '', /^\d+$/, 'Retry-After tells the client when to come back');
    const down = await health();
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'audit-unavailable');
    assert.equal(down.body.audit?.ok, false);
    assert.match(down.body.audit?.reason ?? '', /full/i, `the store's own reason: ${down.body.audit?.reason}`);
    const logged = log.lines.find((l) => l['reason'] === 'audit-unavailable');
    assert.ok(logged, 'the refusal is logged with its reason');
    assert.match(String(logged['detail']), /full/i);
    assert.equal((await logon()).status, 503, 'still refused while the disk stays full');

    rmSync(filler);
    const freedAt = Date.now();
    // The probe (every 5 s) notices on its own: no logon needs to come to try.
    let up = await health();
    while (up.status !== 200 && Date.now() - freedAt < 30_000) {
      await sleep(250);
      up = await health();
    }
    assert.equal(up.status, 200, `recovered: ${JSON.stringify(up.body)}`);
    assert.equal(up.body.audit?.ok, true);
    assert.ok(log.lines.some((l) => l['msg'] === 'audit store writes again; logons are answered'));

    assert.equal((await logon()).status, 200, 'logons are answered again, without a restart');
    const store = await openAuditStore(`sqlite:${auditPath}`);
    try {
      const after = await store.count({ since: new Date(freedAt) });
      assert.ok(after > 0, `events written after recovery: ${after}`);
    } finally {
      await store.close();
    }
  });
});
