/**
 * ntlmgate's IWA server under test: `iwa()` over node:http, MemoryAuthority (alice, bob), the
 * default policy, and every logon's events written to the embedded SQLite audit store (WAL,
 * synchronous=FULL: each group commit is fsync'd) and awaited before the response — or, with
 * `--audit none`, no sink. Forked by bench/httpServer.ts.
 *
 * `--audit-commit inline` commits on the event loop (the store before its commit thread), for comparison.
 *
 *   node dist/bench/servers/iwa.js --audit sqlite|none [--audit-path FILE] [--audit-commit thread|inline]
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from '../../src/audit/stores/sqlite.js';
import { MemoryAuthority } from '../../src/authority/memoryAuthority.js';
import { iwa } from '../../src/http/server/handler.js';
import { DEFAULT_POLICY } from '../../src/policy/policy.js';
import { runServer } from './ipc.js';
import { PAGE, PAGE_HEADERS } from './page.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const auditKind = arg('--audit') ?? 'sqlite';
if (auditKind !== 'sqlite' && auditKind !== 'none') throw new Error(`--audit must be sqlite or none, got ${auditKind}`);
const ownDir = auditKind === 'sqlite' && !arg('--audit-path') ? mkdtempSync(join(tmpdir(), 'ntlmgate-bench-audit-')) : undefined;
const commitOn = arg('--audit-commit') === 'inline' ? 'inline' : 'thread';
const store = auditKind === 'sqlite' ? SqliteAuditStore.open(arg('--audit-path') ?? join(ownDir ?? '.', 'audit.db'), { commitOn }) : undefined;

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

const server = http.createServer(handler);
await runServer(
  server,
  async () => {
    await store?.flush();
    return { auditEvents: store ? await store.count() : 0, audit: auditKind, ...handler.stats() };
  },
  async () => {
    await store?.close();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  },
);
