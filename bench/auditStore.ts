/**
 * Audit store throughput: events/s into the SQLite store (WAL, every group commit's WAL
 * fdatasync'd before its writers resolve: synchronous=FULL's durability) through many
 * concurrent single-event write() calls and through
 * write() with arrays of 500, compared in the same run with raw better-sqlite3 inserting
 * the same rows (same schema, pragmas and 500-row transactions, no group commit, no
 * validation, no promises), and with PostgreSQL when a server is at hand
 * (NTLMGATE_BENCH_PG_URL, or a throwaway cluster from test/peers/postgres.sh if PostgreSQL is
 * installed). Prints figures; never fails on a number.
 *
 *   node dist/bench/auditStore.js [--events N]      (also the last part of `npm run bench`)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { AuditStore } from '../src/audit/query.js';
import { PostgresAuditStore } from '../src/audit/stores/postgres.js';
import { SqliteAuditStore } from '../src/audit/stores/sqlite.js';
import { JsonlAuditStore } from '../src/audit/stores/jsonl.js';
import { COLUMNS, eventToRow, type RowValues } from '../src/audit/stores/row.js';
import { buildEvent, type AuditEvent } from '../src/events/event.js';
import { numOf } from './argv.js';

const POSTGRES_SH = fileURLToPath(new URL('../../test/peers/postgres.sh', import.meta.url));
const IDS = [8001, 8002, 8003, 4020, 4022, 4024];

function events(n: number): AuditEvent[] {
  const t0 = Date.UTC(2026, 10, 21);
  return Array.from({ length: n }, (_, i) =>
    buildEvent(
      {
        eventId: IDS[i % IDS.length] ?? 8001,
        data: { UserName: `user${i % 5000}`, DomainName: 'CORP', Workstation: `WS${i % 300}`, ProcessName: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', NtlmVersion: 'NTLM V2' },
      },
      {
        time: t0 + i,
        computer: 'WEB1',
        context: { service: 'HTTP/web1.corp.example.test', clientIp: `10.1.${(i >> 8) & 255}.${i & 255}`, requestId: `r${i}`, decision: 'audit', setting: 'AuditReceivingNTLMTraffic', ntlmVersion: 'NTLMv2' },
      },
    ),
  );
}

/** `writers` concurrent loops, each awaiting its single-event write() before the next (requests in flight). */
async function concurrentSingles(store: AuditStore, evs: readonly AuditEvent[], writers: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < evs.length; i = next++) await store.write([evs[i]!]);
    }),
  );
  return evs.length / ((performance.now() - start) / 1000);
}

/** One writer, write() with arrays of `size`, each awaited. */
async function arrays(store: AuditStore, evs: readonly AuditEvent[], size: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < evs.length; i += size) await store.write(evs.slice(i, i + size));
  return evs.length / ((performance.now() - start) / 1000);
}

/** The peer: better-sqlite3 directly, same schema (created by our store) and pragmas, 500-row transactions. */
async function rawSqlite(path: string, evs: readonly AuditEvent[], size: number): Promise<number> {
  await SqliteAuditStore.open(path).close(); // creates the schema only
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare<RowValues>(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const tx = db.transaction((batch: readonly AuditEvent[]) => {
    for (const e of batch) insert.run(...eventToRow(e, Date.parse(e.time)));
  });
  const start = performance.now();
  for (let i = 0; i < evs.length; i += size) tx.immediate(evs.slice(i, i + size));
  const rate = evs.length / ((performance.now() - start) / 1000);
  db.close();
  return rate;
}

function postgresUrl(): { url?: string; stop(): void; why?: string } {
  if (process.env.NTLMGATE_BENCH_PG_URL) return { url: process.env.NTLMGATE_BENCH_PG_URL, stop: () => undefined };
  const r = spawnSync('bash', [POSTGRES_SH, 'start'], { encoding: 'utf8', env: { ...process.env, NTLMGATE_PG_NO_INSTALL: '1' }, timeout: 120_000 });
  const url = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !url) return { stop: () => undefined, why: (r.stderr ?? '').trim().split('\n').pop() ?? 'postgres.sh failed' };
  return { url, stop: () => void spawnSync('bash', [POSTGRES_SH, 'stop', url], { stdio: 'ignore' }) };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);

export async function benchAuditStore(n = 100_000): Promise<void> {
  console.log(`\nAudit store: events written per second (${n.toLocaleString('en-US')} events each line; durable = committed + fsync'd)`);
  const evs = events(n);
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-bench-audit-'));
  let db = 0;
  const sqlite = async (sync: 'full' | 'normal', run: (s: AuditStore) => Promise<number>): Promise<number> => {
    const store = SqliteAuditStore.open(join(dir, `${++db}.db`), { synchronous: sync });
    const rate = await run(store);
    if ((await store.count()) !== n) throw new Error('SQLite store lost events');
    await store.close();
    return rate;
  };
  try {
    const c100 = await sqlite('full', (s) => concurrentSingles(s, evs, 100));
    const c1000 = await sqlite('full', (s) => concurrentSingles(s, evs, 1000));
    const a500 = await sqlite('full', (s) => arrays(s, evs, 500));
    const raw = await rawSqlite(join(dir, 'raw.db'), evs, 500);
    const normal = await sqlite('normal', (s) => concurrentSingles(s, evs, 1000));
    console.log(`  SQLite store, 100 concurrent writers, 1 event per write()    ${fmt(c100)}/s`);
    console.log(`  SQLite store, 1,000 concurrent writers, 1 event per write()  ${fmt(c1000)}/s`);
    console.log(`  SQLite store, write() with arrays of 500                     ${fmt(a500)}/s`);
    console.log(`  raw better-sqlite3, same rows, 500-row transactions          ${fmt(raw)}/s   ratio store/raw = ${(a500 / raw).toFixed(2)}x (arrays), ${(c1000 / raw).toFixed(2)}x (1,000 writers)`);
    console.log(`  SQLite store, synchronous=NORMAL, 1,000 concurrent writers   ${fmt(normal)}/s`);

    // A lightly loaded server: one logon at a time, so every event is a commit (and an fsync) of its own.
    // CPU per event by commit mode: the default (commit on the loop, WAL fdatasync on the thread pool) and the commit thread.
    const few = evs.slice(0, Math.min(n, 3000));
    for (const commitOn of ['loop', 'thread'] as const) {
      const store = SqliteAuditStore.open(join(dir, `${++db}.db`), { commitOn });
      await store.write([few[0] as AuditEvent]); // opens the WAL / starts the thread
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (const e of few.slice(1)) await store.write([e]);
      const cpu = process.cpuUsage(cpu0);
      const each = (cpu.user + cpu.system) / (few.length - 1);
      console.log(`  SQLite store, 1 writer, commitOn: ${commitOn.padEnd(6)} (a commit per event)   ${fmt((few.length - 1) / ((performance.now() - start) / 1000))}/s   ${Math.round(each)} µs CPU per event`);
      await store.close();
    }

    const jsonl = await JsonlAuditStore.open(join(dir, 'audit.jsonl'));
    console.log(`  JSON Lines store, 1,000 concurrent writers                   ${fmt(await concurrentSingles(jsonl, evs, 1000))}/s`);
    await jsonl.close();

    const pg = postgresUrl();
    if (!pg.url) {
      console.log(`  PostgreSQL                                                      skipped: ${pg.why ?? 'unavailable'} (test/peers/postgres.sh install, or NTLMGATE_BENCH_PG_URL)`);
      return;
    }
    try {
      for (const [label, run] of [
        ['1,000 concurrent writers, 1 event per write()', (s: AuditStore) => concurrentSingles(s, evs, 1000)],
        ['write() with arrays of 500                   ', (s: AuditStore) => arrays(s, evs, 500)],
      ] as const) {
        const store = await PostgresAuditStore.open(pg.url);
        const before = await store.count();
        const rate = await run(store);
        if ((await store.count()) - before !== n) throw new Error('PostgreSQL store lost events');
        await store.close();
        console.log(`  PostgreSQL store, ${label}${fmt(rate)}/s`);
      }
    } finally {
      pg.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchAuditStore(numOf('--events')).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
