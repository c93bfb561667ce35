/**
 * `npm run bench`: NTLM engine throughput, compared in the same run with Python's
 * ntlm-auth (and impacket) generating AUTHENTICATE messages from the same CHALLENGE.
 * Not a timed test: it prints rates and ratios. Usage: node dist/bench/run.js [--seconds S] [--http-seconds S] [--client-seconds S] [--import-events N]
 * Then the audit store bench (bench/auditStore.ts), `audit import` / `audit report` at the scale of a real export
 * (bench/auditImport.ts), the HTTP server vs Apache bench (bench/httpServer.ts) and the HTTP client bench
 * (bench/httpClient.ts), each with its own defaults.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MemoryAuthority } from '../src/authority/memoryAuthority.js';
import { tlsServerEndPointData } from '../src/ntlm/channelBindings.js';
import { NtlmClientContext } from '../src/ntlm/clientContext.js';
import { NtlmServerContext, type NtlmServerOptions } from '../src/ntlm/serverContext.js';
import { NegotiateClientContext } from '../src/spnego/negotiateClient.js';
import { NegotiateServerContext } from '../src/spnego/negotiateServer.js';
import { numOf } from './argv.js';
import { benchAuditImport } from './auditImport.js';
import { benchAuditStore } from './auditStore.js';
import { benchHttpServer, HTTP_BENCH_DEFAULTS, httpBenchOptionsFromArgv } from './httpServer.js';
import { benchHttpClient, CLIENT_BENCH_DEFAULTS, clientBenchOptionsFromArgv } from './httpClient.js';

const SECONDS = numOf('--seconds') ?? 3;
const USER = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026' };
const PEERS = fileURLToPath(new URL('../../test/peers/', import.meta.url));
const CB = { applicationData: tlsServerEndPointData(Buffer.alloc(32, 0x42)) };

const authority = new MemoryAuthority('CORP').add({ domain: 'CORP', name: 'alice', password: USER.password });
const serverOpts: NtlmServerOptions = {
  authority,
  netbiosComputerName: 'WEB1',
  netbiosDomainName: 'CORP',
  dnsComputerName: 'web1.corp.example.test',
  dnsDomainName: 'corp.example.test',
  challengeLifetimeMs: 3_600_000,
};

/** Runs `fn` repeatedly for `seconds` (after a short warm-up); returns operations per second. */
async function rate(seconds: number, fn: () => unknown): Promise<number> {
  const warm = Date.now() + 300;
  while (Date.now() < warm) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

async function aChallenge(): Promise<Buffer> {
  const server = new NtlmServerContext(serverOpts);
  const step = await server.step(new NtlmClientContext({ credentials: USER }).negotiate());
  if (step.status !== 'continue') throw new Error('server refused NEGOTIATE');
  return step.token;
}

function pythonRate(impl: string, challenge: Buffer): { rate?: number; why?: string } {
  const r = spawnSync(
    '/usr/bin/python3',
    [PEERS + 'ntlm_client_peer.py', '--impl', impl, '--user', USER.user, '--domain', USER.domain, '--password', USER.password,
      '--bench-challenge', challenge.toString('base64'), '--bench-seconds', String(SECONDS)],
    { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 },
  );
  if (r.status !== 0) return { why: (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() };
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { count?: number; seconds?: number };
  if (!out.count || !out.seconds) return { why: `unexpected output ${r.stdout}` };
  return { rate: out.count / out.seconds };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);

async function main(): Promise<void> {
  console.log(`ntlmgate bench — node ${process.version}, ${SECONDS}s per line, single thread\n`);
  const challenge = await aChallenge();

  // 1. AUTHENTICATE generation from one CHALLENGE (fresh client context each: NEGOTIATE + AUTHENTICATE, NTLMv2 + MIC).
  const ours = await rate(SECONDS, () => {
    const c = new NtlmClientContext({ credentials: USER, workstation: 'WS01' });
    c.negotiate();
    return c.authenticate(challenge);
  });
  console.log('AUTHENTICATE messages generated per second (same CHALLENGE, NTLMv2 with MIC)');
  console.log(`  ntlmgate NtlmClientContext      ${fmt(ours)}/s`);
  for (const impl of ['ntlm-auth', 'impacket']) {
    const py = pythonRate(impl, challenge);
    if (py.rate) console.log(`  python ${impl.padEnd(24)}${fmt(py.rate)}/s   ratio ntlmgate/${impl} = ${(ours / py.rate).toFixed(2)}x`);
    else console.log(`  python ${impl.padEnd(24)}   skipped: ${py.why ?? 'unavailable'} (run test/peers/install.sh)`);
  }

  // 2. Full in-process handshakes: client + server, NTLMv2 with MIC (and with channel bindings), authority check included.
  console.log('\nFull in-process handshakes per second (client + server + MemoryAuthority)');
  const full = async (withCb: boolean): Promise<void> => {
    const c = new NtlmClientContext({ credentials: USER, workstation: 'WS01', channelBindings: withCb ? CB : undefined });
    const s = new NtlmServerContext(withCb ? { ...serverOpts, channelBindings: { mode: 'require', expected: CB } } : serverOpts);
    const a = await s.step(c.negotiate());
    if (a.status !== 'continue') throw new Error('NEGOTIATE refused');
    const b = await s.step(c.authenticate(a.token));
    if (b.status !== 'complete' || !b.result.micPresent) throw new Error(`handshake failed: ${JSON.stringify(b)}`);
  };
  console.log(`  NTLMv2 + MIC                    ${fmt(await rate(SECONDS, () => full(false)))}/s`);
  console.log(`  NTLMv2 + MIC + channel bindings ${fmt(await rate(SECONDS, () => full(true)))}/s`);
  const spnego = async (): Promise<void> => {
    const c = new NegotiateClientContext({ credentials: USER, workstation: 'WS01' });
    const s = new NegotiateServerContext(serverOpts);
    const a = await s.step(c.initialToken());
    if (a.status !== 'continue') throw new Error('init refused');
    const b = await s.step(c.step(a.token) ?? Buffer.alloc(0));
    if (b.status !== 'complete') throw new Error('SPNEGO handshake failed');
    c.step(b.token ?? Buffer.alloc(0));
  };
  console.log(`  SPNEGO(NTLMv2 + MIC) + mechListMIC ${fmt(await rate(SECONDS, spnego)).trimStart().padStart(7)}/s`);
  await benchAuditStore();
  await benchAuditImport({ events: numOf('--import-events') });
  // `--seconds` is the engine lines' (above): the HTTP benches take only their own, else their defaults.
  await benchHttpServer({ ...httpBenchOptionsFromArgv(), seconds: numOf('--http-seconds') ?? HTTP_BENCH_DEFAULTS.seconds });
  await benchHttpClient({ ...clientBenchOptionsFromArgv(), seconds: numOf('--client-seconds') ?? CLIENT_BENCH_DEFAULTS.seconds });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
