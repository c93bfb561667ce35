/** The SQLite account store: the contract, plus the file it keeps and the URLs that open it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqlite } from '../../../../src/sqlite/driver.js';
import { DEFAULT_ACCOUNTS_URL, openAccountStore, redactStoreUrl } from '../../../../src/authority/local/openAccountStore.js';
import { ntHashOfPassword } from '../../../../src/authority/local/ntHash.js';
import { createTableSql, TABLES } from '../../../../src/authority/local/stores/schema.js';
import { openSqliteAccountStore } from '../../../../src/authority/local/stores/sqlite.js';
import { accountStoreContract, rejectsWith } from './contract.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `s${++n}`, 'accounts.db');

accountStoreContract('SQLite', false, async () => {
  const path = freshPath();
  return { open: () => openAccountStore(`sqlite:${path}`) };
});

describe('SQLite account store', () => {
  it('creates the file private to its owner (it holds password-equivalent hashes), in WAL mode', async () => {
    const path = freshPath();
    const s = await openAccountStore(`sqlite:${path}`);
    await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword('x') }]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
    const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
    if (wal) assert.equal(wal.mode & 0o077, 0, 'the WAL file is not readable by others');
    await s.close();
    const db = openSqlite(path);
    assert.equal(db.prepare<{ journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode, 'wal');
    db.close();
  });

  it('holds exactly the tables schema.ts describes, with the account schema version in meta', async () => {
    const path = freshPath();
    await (await openAccountStore(`sqlite:${path}`)).close();
    const db = openSqlite(path);
    for (const t of TABLES) {
      const cols = db.prepare<{ name: string }>(`PRAGMA table_info(${t.name})`).all().map((c) => c.name);
      assert.deepEqual(cols, t.columns.map((c) => c.name), t.name);
      const sql = db.prepare<{ sql: string }>('SELECT sql FROM sqlite_master WHERE name = ?').get(t.name)?.sql;
      assert.equal(sql, createTableSql(t, 'sqlite'));
    }
    assert.equal(db.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'accounts_schema_version'").get()?.value, '1');
    db.close();
  });

  it('refuses a store written by a newer schema', async () => {
    const path = freshPath();
    await (await openAccountStore(`sqlite:${path}`)).close();
    const db = openSqlite(path);
    db.prepare("UPDATE meta SET value = '2' WHERE key = 'accounts_schema_version'").run();
    db.close();
    await assert.rejects(openAccountStore(`sqlite:${path}`), rejectsWith('schema-version'));
  });

  it('shares a file with the audit store: separate tables, separate meta keys', async () => {
    const path = freshPath();
    const { openAuditStore } = await import('../../../../src/audit/openAuditStore.js');
    const audit = await openAuditStore(`sqlite:${path}`);
    await audit.close();
    const s = await openAccountStore(`sqlite:${path}`);
    await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword('x') }]);
    await s.close();
    const again = await openAuditStore(`sqlite:${path}`);
    assert.equal(await again.count(), 0);
    await again.close();
  });

  it('another process holding the write lock makes a write wait (busy_timeout), not fail', async () => {
    const path = freshPath();
    const s = await openSqliteAccountStore(path, { busyTimeoutMs: 5000 });
    await s.addAccounts([{ domain: 'CORP', name: 'alice', ntHash: ntHashOfPassword('x') }]);
    const script = `
      // The same engine choice as src/sqlite/driver.ts: node:sqlite where Node has it, else better-sqlite3.
      const builtin = process.getBuiltinModule?.('node:sqlite');
      const Database = builtin ? builtin.DatabaseSync : require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(path)});
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('COMMIT');
      db.close();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const started = Date.now();
    await s.updateLockout({ domain: 'CORP', name: 'alice' }, (x) => ({ failedCount: x.failedCount + 1, lastFailureAt: 1 }));
    assert.ok(Date.now() - started >= 100, 'the write waited for the other process');
    assert.equal((await s.getAccount({ domain: 'CORP', name: 'alice' }))?.lockout.failedCount, 1);
    await new Promise((r) => child.once('close', r));
    await s.close();
  });
});

describe('openAccountStore URLs', () => {
  it('defaults to sqlite:./.ntlmgate/accounts.db', () => {
    assert.equal(DEFAULT_ACCOUNTS_URL, 'sqlite:./.ntlmgate/accounts.db');
  });

  it('opens sqlite:///absolute/path and sqlite::memory:', async () => {
    const path = freshPath();
    const s = await openAccountStore(`sqlite://${path}`);
    assert.equal(s.location, path);
    await s.close();
    const m = await openAccountStore('sqlite::memory:');
    await m.addGroup({ domain: 'CORP', name: 'g' });
    await m.close();
  });

  it('refuses other schemes and empty paths, without echoing a password', async () => {
    await assert.rejects(openAccountStore('mysql://u:secret@h/db'), (e: Error) => rejectsWith('bad-url')(e) && !e.message.includes('secret'));
    await assert.rejects(openAccountStore('sqlite:'), rejectsWith('bad-url'));
    assert.equal(redactStoreUrl('postgres://u:secret@h:5432/db'), 'postgres://u:…@h:5432/db');
  });

  it('a file that cannot be created is open-failed', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    await assert.rejects(openAccountStore(`sqlite:${file}/sub/accounts.db`), rejectsWith('open-failed'));
  });
});
