/**
 * ntlmgate's IWA server under test: `iwa()` over node:http, MemoryAuthority (alice, bob), the
 * default policy, and every logon's events written to the embedded SQLite audit store (WAL,
 * FULL durability: each group commit's WAL is fdatasync'd before its writers resolve) and
 * awaited before the response — or, with `--audit none`, no sink. Forked by bench/httpServer.ts.
 * `--audit-commit thread|inline` picks the store's other commit modes, for comparison.
 * `--workers N` (N > 1) runs N such servers under node:cluster on one port, as `ntlmgate serve`
 * with `workers: N` does (workers accept per connection, SCHED_NONE; the primary is the one
 * writer of the SQLite file and the workers send it their events); this process is then the
 * primary and relays the bench's commands.
 *
 *   node dist/bench/servers/iwa.js --audit sqlite|none [--audit-commit loop|thread|inline] [--workers N]
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditSink } from '../../src/audit/sink.js';
import { SqliteAuditStore } from '../../src/audit/stores/sqlite.js';
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { iwa } from '../../src/http/server/handler.js';
import { DEFAULT_POLICY } from '../../src/policy/policy.js';
import { AuditRelaySink, processChannel, serveAuditRelay } from '../../src/serve/auditRelay.js';
import { argOf } from '../argv.js';
import { runClusterPrimary } from './cluster.js';
import { runServer } from './ipc.js';
import { PAGE, PAGE_HEADERS } from './page.js';

const auditKind = argOf('--audit') ?? 'sqlite';
if (auditKind !== 'sqlite' && auditKind !== 'none') throw new Error(`--audit must be sqlite or none, got ${auditKind}`);
const workers = Number(argOf('--workers') ?? '1');
const commitArg = argOf('--audit-commit');
const commitOn = commitArg === 'inline' || commitArg === 'thread' ? commitArg : 'loop';

if (workers > 1 && cluster.isPrimary) await primary();
else await server();

async function server(): Promise<void> {
  // A cluster worker writes through its primary, as `ntlmgate serve` workers do (src/serve/auditRelay.ts).
  const relayed = cluster.isWorker && auditKind === 'sqlite';
  const ownDir = auditKind === 'sqlite' && !relayed ? mkdtempSync(join(tmpdir(), 'ntlmgate-bench-audit-')) : undefined;
  const store: AuditSink | undefined = relayed
    ? new AuditRelaySink(processChannel())
    : auditKind === 'sqlite'
      ? SqliteAuditStore.open(join(ownDir ?? '.', 'audit.db'), { commitOn })
      : undefined;

  const authority = new MemoryAuthority('CORP')
    .add({ domain: 'CORP', name: 'alice', password: 'Al1ce!Pass2026', groups: ['WebUsers'] })
    .add({ domain: 'CORP', name: 'bob', password: 'B0b!Pass2026' });

  const handler = iwa({
    authority,
    netbiosComputerName: 'WEB1',
    netbiosDomainName: 'CORP',
    dnsComputerName: 'web1.corp.example.test',
    dnsDomainName: 'corp.example.test',
    policy: DEFAULT_POLICY,
    audit: store,
    serviceName: 'bench',
  })((req, res) => {
    res.writeHead(200, { ...PAGE_HEADERS, 'X-Auth-User': req.ntlmgate?.name ?? '' });
    res.end(PAGE);
  });

  await runServer(
    http.createServer(handler),
    async () => {
      await store?.flush();
      return { auditEvents: store instanceof SqliteAuditStore ? await store.count() : 0, audit: auditKind, ...handler.stats() };
    },
    async () => {
      await store?.close();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  );
}

/** The cluster primary: the one writer of the audit file, N workers relaying their events to it. */
async function primary(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ntlmgate-bench-audit-'));
  // As `ntlmgate serve`'s primary (src/serve/cluster.ts): inline commits, unless --audit-commit says otherwise.
  const store = auditKind === 'sqlite' ? SqliteAuditStore.open(join(dir, 'audit.db'), { commitOn: commitArg === undefined ? 'inline' : commitOn }) : undefined;
  await runClusterPrimary(
    workers,
    [],
    async () => ({ auditEvents: store ? await store.count() : 0 }),
    async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    (w) => store && serveAuditRelay(w, store),
  );
}
