import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { DEFAULT_AUDIT_URL, openAuditStore } from '../../src/audit/openAuditStore.js';
import { JsonlAuditStore } from '../../src/audit/stores/jsonl.js';
import { SqliteAuditStore } from '../../src/audit/stores/sqlite.js';
import { StdoutAuditStore } from '../../src/audit/stores/stdout.js';
import { sampleEvent, tempDir, withCode } from './stores/helpers.js';

const dir = tempDir();

describe('openAuditStore(url)', () => {
  it('defaults to sqlite:./.ntlmgate/audit.db, creating the directory', async () => {
    assert.equal(DEFAULT_AUDIT_URL, 'sqlite:./.ntlmgate/audit.db');
    const cwd = process.cwd();
    process.chdir(dir); // this test file runs in its own process
    try {
      const store = await openAuditStore();
      assert.ok(store instanceof SqliteAuditStore);
      await store.write([sampleEvent(0)]);
      await store.close();
      assert.ok(existsSync(join(dir, '.ntlmgate', 'audit.db')));
    } finally {
      process.chdir(cwd);
    }
  });

  it('sqlite: takes relative and sqlite:/// absolute paths', async () => {
    const abs = await openAuditStore(`sqlite://${join(dir, 'abs', 'a.db')}`);
    assert.ok(abs instanceof SqliteAuditStore);
    await abs.close();
    assert.ok(existsSync(join(dir, 'abs', 'a.db')));
  });

  it('jsonl: opens a JSON Lines store, stdout: a stdout store on the given stream', async () => {
    const j = await openAuditStore(`jsonl:${join(dir, 'logs', 'audit.jsonl')}`);
    assert.ok(j instanceof JsonlAuditStore);
    await j.write([sampleEvent(0)]);
    assert.equal(await j.count(), 1);
    await j.close();
    let out = '';
    const stream = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
    const s = await openAuditStore('stdout:', { stdout: stream });
    assert.ok(s instanceof StdoutAuditStore);
    await s.write([sampleEvent(1)]);
    assert.match(out, /^\{"v":1,"eventId":8002,/);
    await s.close();
  });

  it('postgres:// to a server that is not there fails with unreachable, without leaking the password', async () => {
    await assert.rejects(openAuditStore('postgres://audit:s3cret@127.0.0.1:1/audit'), (e: unknown) => {
      withCode('unreachable')(e);
      assert.match((e as Error).message, /127\.0\.0\.1:1\/audit is unreachable/);
      assert.doesNotMatch((e as Error).message, /s3cret/);
      return true;
    });
  });

  it('unknown schemes and empty paths are bad-url', async () => {
    await assert.rejects(openAuditStore('mysql://u:pw@db/audit'), (e: unknown) => withCode('bad-url')(e) && !(e as Error).message.includes('pw'));
    await assert.rejects(openAuditStore('./audit.db'), withCode('bad-url'));
    await assert.rejects(openAuditStore('sqlite:'), withCode('bad-url'));
    await assert.rejects(openAuditStore('jsonl://otherhost/audit.jsonl'), withCode('bad-url'));
  });
});
