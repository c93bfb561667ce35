import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openSqlite, type SqliteDatabase } from '../../../src/sqlite/driver.js';
import { SQLITE_SCHEMA_VERSION, SqliteAuditStore } from '../../../src/audit/stores/sqlite.js';
import { AuditStoreError } from '../../../src/audit/sink.js';
import { storeContract } from './contract.js';
import { collect, sampleEvent, tempDir, withCode } from './helpers.js';
import { FIXTURE } from '../assess/fixture.js';

const dir = tempDir();
let n = 0;

storeContract({
  name: 'SQLite',
  fresh: async () => {
    const path = join(dir, `contract-${++n}.db`);
    return {
      open: async () => SqliteAuditStore.open(path),
      bumpSchema: async () => {
        const db = openSqlite(path);
        db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
        db.close();
      },
    };
  },
});

describe('SQLite store specifics', () => {
  it('a version 1 store is upgraded on open: copies of one Windows event dropped, every event filed into the attempt ledger', async () => {
    const path = join(dir, 'v1.db');
    const v1 = openSqlite(path);
    v1.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      INSERT INTO meta VALUES ('schema_version', '1');
      CREATE TABLE audit_events (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, time_text TEXT NOT NULL, event_id INTEGER NOT NULL,
        provider TEXT NOT NULL, channel TEXT NOT NULL, level INTEGER NOT NULL, task INTEGER NOT NULL, computer TEXT NOT NULL,
        record_id INTEGER, source TEXT NOT NULL, service TEXT, client_ip TEXT, request_id TEXT, decision TEXT, setting TEXT,
        reason TEXT, ntlm_version TEXT, data TEXT NOT NULL) STRICT;
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE INDEX audit_events_event_id ON audit_events (event_id, time);`);
    const insert = v1.prepare(
      'INSERT INTO audit_events (time, time_text, event_id, provider, channel, level, task, computer, record_id, source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // The fixture's events, the first half imported twice (version 1 kept both copies).
    const rows = [...FIXTURE.map((e, i) => ({ ...e, recordId: 100 + i })), ...FIXTURE.slice(0, 8).map((e, i) => ({ ...e, recordId: 100 + i }))];
    for (const e of rows) insert.run(Date.parse(e.time), e.time, e.eventId, e.provider, e.channel, e.level, e.task, e.computer, e.recordId, 'import', JSON.stringify(e.data));
    v1.close();
    const store = SqliteAuditStore.open(path);
    try {
      assert.equal(await store.count(), FIXTURE.length);
      const [all] = await store.attemptGroups({ by: [] });
      assert.deepEqual([all?.attempts, all?.succeeded], [10, 8], 'the 8004 + 4032 pairs are one attempt each');
    } finally {
      await store.close();
    }
    const probe = openSqlite(path);
    assert.equal(probe.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value, String(SQLITE_SCHEMA_VERSION));
    probe.close();
  });

  it('runs in WAL mode with FULL durability by default (the WAL fdatasync done by the store), NORMAL on request; records its schema version', async () => {
    const path = join(dir, 'pragmas.db');
    const store = SqliteAuditStore.open(path);
    await store.write([sampleEvent(0)]);
    const probe = openSqlite(path);
    assert.equal(probe.prepare<{ journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode, 'wal');
    assert.equal(probe.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value, String(SQLITE_SCHEMA_VERSION));
    const indexes = probe.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' ORDER BY name").all().map((r) => r.name);
    assert.deepEqual(indexes, ['audit_events_event_id', 'audit_events_record', 'audit_events_time']);
    probe.close();
    // synchronous is per connection: read it through the store's own connection
    const sync = (s: SqliteAuditStore): unknown => (s as unknown as { db: SqliteDatabase }).db.prepare<{ synchronous: number }>('PRAGMA synchronous').get()?.synchronous;
    const walSync = (s: SqliteAuditStore): unknown => (s as unknown as { wal: unknown }).wal;
    const writerSync = (s: SqliteAuditStore): unknown =>
      (s as unknown as { loopWriter: SqliteDatabase }).loopWriter.prepare<{ synchronous: number }>('PRAGMA synchronous').get()?.synchronous;
    // 'loop': the events' own connection only writes the WAL at COMMIT (NORMAL); the store fdatasyncs it (see below).
    assert.equal(sync(store), 2);
    assert.equal(writerSync(store), 1);
    assert.notEqual(walSync(store), undefined);
    await store.close();
    const threaded = SqliteAuditStore.open(path, { commitOn: 'thread' });
    assert.equal(sync(threaded), 2); // FULL, on this connection and the commit thread's
    await threaded.close();
    const normal = SqliteAuditStore.open(path, { synchronous: 'normal' });
    assert.equal(sync(normal), 1);
    assert.equal(walSync(normal), undefined, 'NORMAL: no fsync per commit');
    await normal.close();
  });

  it('another process holding the write lock does not stall the event loop: the batch waits, then commits; past busyTimeoutMs it fails', async () => {
    const path = join(dir, 'locked.db');
    const store = SqliteAuditStore.open(path, { busyTimeoutMs: 3000 });
    await store.write([sampleEvent(0)]);
    // The holder is on this very thread: a store that slept in SQLite's busy handler would hold
    // the loop, the holder could never commit, and the write would fail after 3 s.
    const holder = openSqlite(path);
    holder.exec('BEGIN IMMEDIATE');
    const t0 = performance.now();
    let timerAt = -1;
    setTimeout(() => (timerAt = performance.now() - t0), 30);
    setTimeout(() => holder.exec('COMMIT'), 300);
    await store.write([sampleEvent(1)]);
    const took = performance.now() - t0;
    assert.ok(timerAt >= 0 && timerAt < 250, `a 30 ms timer fired at ${timerAt.toFixed(0)} ms while the write waited`);
    assert.ok(took >= 290 && took < 2000, `the write went through once the lock was released (${took.toFixed(0)} ms)`);
    assert.equal(await store.count(), 2);
    holder.close();
    await store.close();

    const short = SqliteAuditStore.open(path, { busyTimeoutMs: 100 });
    const holder2 = openSqlite(path);
    holder2.exec('BEGIN IMMEDIATE');
    const released = new Promise<void>((r) => setTimeout(() => (holder2.exec('COMMIT'), r()), 400));
    await assert.rejects(short.write([sampleEvent(2)]), (e: unknown) => e instanceof AuditStoreError && e.code === 'write-failed' && /locked|BUSY/i.test(e.message));
    await released;
    holder2.close();
    await short.write([sampleEvent(3)]);
    assert.equal(await short.count(), 3);
    await short.close();
  });

  it('stores context as columns and data as JSON text, so SQL reports can use them', async () => {
    const path = join(dir, 'columns.db');
    const store = SqliteAuditStore.open(path);
    await store.write([sampleEvent(4)]);
    await store.close();
    const db = openSqlite(path);
    const row = db.prepare("SELECT event_id, decision, client_ip, request_id, json_extract(data, '$.UserName') AS user FROM audit_events").get();
    assert.deepEqual({ ...(row as object) }, { event_id: 4002, decision: 'audit', client_ip: '10.0.4.7', request_id: 'req-4', user: 'user4' });
    db.close();
  });

  it('a failing commit rejects every write() of the batch (never swallowed); later batches still commit', async () => {
    const path = join(dir, 'failing.db');
    const store = SqliteAuditStore.open(path);
    await store.write([sampleEvent(0)]);
    // Another connection renames the table away: the store's next INSERT fails inside its transaction.
    const other = openSqlite(path);
    other.exec('ALTER TABLE audit_events RENAME TO moved');
    const writes = [store.write([sampleEvent(1)]), store.write([sampleEvent(2)])];
    const flushed = store.flush(); // submitted while those writes are pending: reports their failure too
    for (const r of await Promise.allSettled(writes)) {
      assert.equal(r.status, 'rejected');
      withCode('write-failed')(r.reason);
    }
    await assert.rejects(flushed, withCode('write-failed'));
    other.exec('ALTER TABLE moved RENAME TO audit_events');
    other.close();
    await store.write([sampleEvent(3)]);
    assert.deepEqual((await collect(store.query())).map((e) => e.context.requestId), ['req-0', 'req-3']);
    await store.close();
  });

  it('a query sees the rows committed before it started, even while writers keep going', async () => {
    const store = SqliteAuditStore.open(join(dir, 'snapshot.db'));
    await store.write(Array.from({ length: 2500 }, (_, i) => sampleEvent(i)));
    let seen = 0;
    for await (const e of store.query()) {
      assert.notEqual(e.context.requestId, 'late');
      if (seen++ % 500 === 0) void store.write([sampleEvent(0, 'late', Date.now())]);
    }
    assert.equal(seen, 2500);
    await store.flush();
    assert.equal(await store.count(), 2505);
    await store.close();
  });

  it('refuses a file that is not a database with open-failed', async () => {
    const { writeFileSync } = await import('node:fs');
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not SQLite'.repeat(100));
    assert.throws(() => SqliteAuditStore.open(path), withCode('open-failed'));
  });

  it('two processes writing one file concurrently (serve with workers: 2): every write lands exactly once', async () => {
    const path = join(dir, 'shared.db');
    await SqliteAuditStore.open(path).close(); // the schema first, as serve's primary does before forking
    const child = fileURLToPath(new URL('./fixtures/sharedWriter.js', import.meta.url));
    const run = (prefix: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [child, path, prefix, '8', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`writer ${prefix} exited ${String(code)}: ${err}`))));
      });
    assert.deepEqual(await Promise.all([run('a'), run('b')]), ['done 480', 'done 480']);
    const store = SqliteAuditStore.open(path);
    const ids = (await collect(store.query())).map((e) => e.context.requestId ?? '');
    await store.close();
    assert.equal(ids.length, 960);
    assert.equal(new Set(ids).size, 960);
    assert.equal(ids.filter((id) => id.startsWith('a-')).length, 480);
  });

  it('by default a write() resolves only after the WAL holding its batch was fdatasync\'d; a worker thread on request; inline for :memory:', async () => {
    const mem = SqliteAuditStore.open(':memory:');
    await mem.write([sampleEvent(1)]);
    assert.equal(await mem.count(), 1);
    assert.equal((mem as unknown as { thread: unknown }).thread, undefined);
    await mem.close();

    const path = join(dir, 'loop.db');
    const store = SqliteAuditStore.open(path);
    assert.equal((store as unknown as { thread: unknown }).thread, undefined);
    // Hold the WAL sync: the batch is committed (another connection sees it) but write() must not resolve yet.
    const wal = (store as unknown as { wal: { sync(): Promise<void> } }).wal;
    const realSync = wal.sync.bind(wal);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let syncs = 0;
    wal.sync = async () => {
      syncs++;
      await held;
      await realSync();
    };
    let resolved = false;
    const w = store.write([sampleEvent(2)]).then(() => (resolved = true));
    while (syncs === 0) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(resolved, false, 'write() waits for the fdatasync');
    const probe = openSqlite(path);
    assert.equal(probe.prepare<{ n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n, 1, 'committed before the sync');
    release();
    await w;
    assert.equal(resolved, true);
    // A failing sync fails the batch's writers: not durable, not acknowledged.
    wal.sync = () => Promise.reject(new Error('EIO: the disk said no'));
    await assert.rejects(store.write([sampleEvent(3)]), (e: unknown) => e instanceof AuditStoreError && e.code === 'write-failed' && /EIO/.test(e.message));
    wal.sync = realSync;
    await store.write([sampleEvent(4)]);
    await store.close();

    const tpath = join(dir, 'threaded.db');
    const threaded = SqliteAuditStore.open(tpath, { commitOn: 'thread' });
    assert.notEqual((threaded as unknown as { thread: unknown }).thread, undefined);
    await threaded.write([sampleEvent(2)]);
    // visible to another connection as soon as write() resolved: committed, not just queued
    const tprobe = openSqlite(tpath);
    assert.equal(tprobe.prepare<{ n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n, 1);
    tprobe.close();
    probe.close();
    await threaded.close();
  });
});
