/**
 * The HTTP client against httpntlm, axios-ntlm and curl, in one run, against the same NTLM
 * server: our createIwa() over node:http (bench/clients/server.ts, forked into its own process
 * so it shares no event loop with the clients; it counts connections and requests, which
 * shows what each client really spent per authenticated response).
 *
 *   a. full authenticate-and-GET cycles per second, a NEW connection each;
 *   b. requests per second after authentication, on kept-alive connections.
 *
 * The Node clients run in this process, one at a time, `concurrency` cycles in flight (default 8);
 * curl runs as `concurrency` processes at once. Every cycle must end in 200 with
 * `X-Auth-User: CORP\alice`. Each line runs for `seconds` (default 5) in `slices` (5) taking turns
 * with the other clients of its section, after `warmup` seconds (default 1; 0.3 s before later
 * slices), cycles counted when they finish inside a slice. Client and server CPU per response
 * come from /proc. Prints figures and ratios; never fails on a number. Results and how each
 * library is configured: docs/benchmarks.md.
 *
 *   node dist/bench/httpClient.js [--seconds 5] [--slices 5] [--warmup 1] [--concurrency 8] [--client-only a-ntlmgate,b-curl,…]
 *   (also part of `npm run bench`)
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetch as undiciFetch, request } from 'undici';
import { NtlmDispatcher } from '../src/http/client/dispatcher.js';
import type { ClientBenchServerStats } from './clients/server.js';
import { argOf, given, numOf } from './argv.js';
import { Connection, logon } from './rawClient.js';

export interface ClientBenchOptions {
  /** Measured seconds per line. */
  readonly seconds: number;
  /** Seconds run before each window (not counted). */
  readonly warmup: number;
  /** Cycles in flight (Node clients) / curl processes at once. */
  readonly concurrency: number;
  /** Each line's seconds are cut into this many slices, interleaved with the other clients' of the section. */
  readonly slices: number;
  /** Run only these lines: a-ntlmgate, a-ntlmgate-negotiate, a-ntlmgate-cold, a-httpntlm, a-axios-ntlm, a-raw, a-curl, b-ntlmgate, b-ntlmgate-fetch, b-httpntlm, b-axios-ntlm, b-curl. */
  readonly only?: readonly string[];
}

export const CLIENT_BENCH_DEFAULTS: ClientBenchOptions = { seconds: 5, warmup: 1, concurrency: 8, slices: 5 };
const ALICE = { domain: 'CORP', user: 'alice', password: 'Al1ce!Pass2026', expect: 'CORP\\alice' } as const;

// ---------------------------------------------------------------------------------------------
// The server child.

interface ServerChild {
  readonly process: ChildProcess;
  readonly port: number;
  stats(): Promise<ClientBenchServerStats>;
  stop(): Promise<void>;
}

async function forkServer(): Promise<ServerChild> {
  const child = fork(fileURLToPath(new URL('./clients/server.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench/clients/server exited (${String(code)}) before it was ready`)));
    child.on('message', (m: Record<string, unknown>) => {
      if (m.ready) return resolve(Number(m.port));
      const p = pending.get(Number(m.reply));
      pending.delete(Number(m.reply));
      p?.(m);
    });
  });
  const call = (cmd: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, cmd });
    });
  return {
    process: child,
    port,
    stats: async () => (await call('stats')) as unknown as ClientBenchServerStats,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('stop');
      await exited;
    },
  };
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

const CLK_TCK = ((): number => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

// ---------------------------------------------------------------------------------------------
// Measuring: every contender of a section runs in turn for one slice, `slices` rounds, so drift
// in the machine's load (2 cores shared with other work) spreads over all of them alike.

/** CPU seconds of this process and of its reaped children (the curl processes), from /proc/self/stat. */
function ownCpuSeconds(): number {
  const s = readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

interface Totals {
  count: number;
  seconds: number;
  errors: number;
  firstError?: string;
  connections: number;
  requests: number;
  ok: number;
  serverCpu: number;
  clientCpu: number;
}

interface Mark {
  readonly s: ClientBenchServerStats;
  readonly server: number;
  readonly client: number;
  readonly at: number;
}

async function mark(server: ServerChild): Promise<Mark> {
  return { s: await server.stats(), server: cpuSeconds(server.process.pid) ?? NaN, client: ownCpuSeconds(), at: performance.now() };
}

function addWindow(t: Totals, a: Mark, b: Mark, count: number): void {
  t.count += count;
  t.seconds += (b.at - a.at) / 1000;
  t.connections += b.s.connections - a.s.connections;
  t.requests += b.s.requests - a.s.requests;
  t.ok += b.s.ok - a.s.ok;
  t.serverCpu += b.server - a.server;
  t.clientCpu += b.client - a.client;
}

function check(status: number, user: unknown): void {
  if (status !== 200) throw new Error(`status ${status}`);
  if (user !== ALICE.expect) throw new Error(`X-Auth-User ${JSON.stringify(user)}`);
}

/** A client under test: cycles (`concurrency` loops of `cycle`), or batches (curl keep-alive). */
interface Contender {
  readonly key: string;
  readonly label: string;
  /** Per section: make dispatchers, agents, clients (kept across slices). */
  setup?(): void;
  teardown?(): Promise<void> | void;
  cycle?(worker: number): Promise<void>;
  /** Runs a batch of about one slice of work; resolves with the responses it got (all checked). */
  batch?(): Promise<number>;
}

/** One slice of a cycle contender: warm-up (not counted), then `seconds` counted. */
async function cycleSlice(server: ServerChild, c: Contender, cycle: (w: number) => Promise<void>, o: ClientBenchOptions, warmup: number, seconds: number, t: Totals): Promise<void> {
  const tStart = performance.now();
  const t0 = tStart + warmup * 1000;
  const t1 = t0 + seconds * 1000;
  let count = 0;
  const loop = async (worker: number): Promise<void> => {
    while (performance.now() < t1) {
      try {
        await cycle(worker);
        const now = performance.now();
        if (now >= t0 && now < t1) count++;
      } catch (e) {
        t.errors++;
        t.firstError ??= `${c.key}: ${e instanceof Error ? e.message : String(e)}`;
        if (t.errors > 50) throw new Error(`${c.key}: too many errors, first: ${t.firstError}`);
      }
    }
  };
  // Server counters and CPU at the window's start; at its end the last cycles are still finishing (at most
  // `concurrency` of them, counted by the server but not here: a fraction of a percent at these rates).
  const a = new Promise<Mark>((resolve) => setTimeout(() => void mark(server).then(resolve), Math.max(0, t0 - performance.now())));
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => loop(i)));
  const b = await mark(server);
  addWindow(t, await a, b, count);
}

async function runSection(server: ServerChild, contenders: readonly Contender[], o: ClientBenchOptions): Promise<Map<string, Totals>> {
  const totals = new Map<string, Totals>();
  for (const c of contenders) totals.set(c.key, { count: 0, seconds: 0, errors: 0, connections: 0, requests: 0, ok: 0, serverCpu: 0, clientCpu: 0 });
  const slice = o.seconds / o.slices;
  try {
    for (const c of contenders) c.setup?.();
    for (let round = 0; round < o.slices; round++) {
      for (const c of contenders) {
        const t = totals.get(c.key) as Totals;
        if (t.errors > 50) continue;
        const warmup = round === 0 ? o.warmup : Math.min(0.3, o.warmup);
        try {
          if (c.cycle) await cycleSlice(server, c, c.cycle.bind(c), o, warmup, slice, t);
          else if (c.batch) {
            if (round === 0) await c.batch(); // warm-up and calibration
            const a = await mark(server);
            const n = await c.batch();
            addWindow(t, a, await mark(server), n);
          }
        } catch (e) {
          t.errors = Math.max(t.errors, 51);
          t.firstError ??= `${c.key}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    }
  } finally {
    for (const c of contenders) await c.teardown?.();
  }
  return totals;
}

// ---------------------------------------------------------------------------------------------
// The clients.

/** httpntlm 1.8 (CommonJS, no types): the part of its API used here. */
interface HttpNtlmResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
}
interface HttpNtlm {
  get(options: { url: string; username: string; password: string; domain: string; workstation: string; agent?: http.Agent }, cb: (err: Error | null, res: HttpNtlmResponse) => void): void;
}
/** axios-ntlm 1.4: NtlmClient(credentials, axiosConfig) → an axios instance. */
interface AxiosLikeResponse {
  readonly status: number;
  readonly headers: Record<string, unknown>;
}
interface AxiosNtlm {
  NtlmClient(credentials: { username: string; password: string; domain: string; workstation?: string }, config?: { httpAgent?: http.Agent }): {
    get(url: string): Promise<AxiosLikeResponse>;
  };
}

const require = createRequire(import.meta.url);

function httpntlmGet(lib: HttpNtlm, url: string, agent?: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    lib.get({ url, username: ALICE.user, password: ALICE.password, domain: ALICE.domain, workstation: '', ...(agent ? { agent } : {}) }, (err, res) => {
      if (err) return reject(err);
      try {
        check(res.statusCode, res.headers['x-auth-user']);
        resolve();
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** One curl process; `config` on stdin (-K -), so the password is not on its command line. Resolves with stdout. */
function curl(config: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-K', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl exited ${String(code)}: ${err.trim()}`))));
    child.stdin.end(config);
  });
}

function curlConfig(url: string, transfers: number): string {
  const head = ['silent', 'show-error', 'ntlm', `user = "${ALICE.domain}\\\\${ALICE.user}:${ALICE.password}"`, 'write-out = "%{http_code} %header{x-auth-user}\\n"'];
  const each = Array.from({ length: transfers }, () => `url = "${url}"\noutput = "/dev/null"`);
  return `${head.join('\n')}\n${each.join('\n')}\n`;
}

function checkCurlOutput(out: string, transfers: number): void {
  const lines = out.split('\n').filter((l) => l !== '');
  if (lines.length !== transfers) throw new Error(`curl: ${lines.length} results for ${transfers} transfers`);
  for (const l of lines) {
    const [status, user] = l.split(' ');
    check(Number(status), user);
  }
}

function curlVersion(): string | undefined {
  const r = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]?.split(' ').slice(0, 2).join(' ') : undefined;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------------------------------------

const fmt = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const rateOf = (t: Totals | undefined): number | undefined => (t && t.errors === 0 && t.seconds > 0 ? t.count / t.seconds : undefined);
const ratio = (a: Totals | undefined, b: Totals | undefined): string => {
  const x = rateOf(a);
  const y = rateOf(b);
  return x !== undefined && y !== undefined && y > 0 ? `${(x / y).toFixed(2)}x` : '-';
};

function printSection(contenders: readonly Contender[], totals: Map<string, Totals>, skipped: readonly [string, string][]): void {
  console.log(`  ${''.padEnd(56)} ${'resp/s'.padStart(7)}  ${'conn/resp'.padStart(9)}  ${'req/resp'.padStart(8)}  ${'client CPU/resp'.padStart(15)}  ${'server CPU/resp'.padStart(15)}`);
  for (const c of contenders) {
    const t = totals.get(c.key);
    if (!t) continue;
    const ok = t.ok > 0 ? t.ok : NaN;
    const us = (cpu: number): string => (Number.isFinite(cpu / ok) ? `${fmt((cpu / ok) * 1e6)} µs` : '-');
    const err = t.errors > 0 ? `   ${t.errors} ERRORS (first: ${t.firstError ?? '?'})` : '';
    console.log(
      `  ${c.label.padEnd(56)} ${fmt(rateOf(t) ?? (t.seconds > 0 ? t.count / t.seconds : undefined)).padStart(7)}  ${(t.connections / ok).toFixed(2).padStart(9)}  ${(t.requests / ok).toFixed(2).padStart(8)}  ${us(t.clientCpu).padStart(15)}  ${us(t.serverCpu).padStart(15)}${err}`,
    );
  }
  for (const [label, why] of skipped) console.log(`  ${label.padEnd(56)} skipped: ${why}`);
}

/** The whole comparison; prints as it goes. */
export async function benchHttpClient(options: Partial<ClientBenchOptions> = {}): Promise<void> {
  const o: ClientBenchOptions = { ...CLIENT_BENCH_DEFAULTS, ...options };
  const want = (key: string): boolean => !o.only || o.only.includes(key);
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  const curlV = curlVersion();
  console.log(`\nHTTP client vs httpntlm, axios-ntlm and curl — node ${process.version}, ${cores} cores shared by the server, the clients and curl`);
  console.log(
    `server: createIwa() over node:http in its own process (MemoryAuthority, no audit sink, connection-bound); ${o.concurrency} cycles in flight ` +
      `per Node client, ${o.concurrency} curl processes at once; ${o.seconds} s per line in ${o.slices} slices interleaved with the other clients' (${o.warmup} s warm-up first)`,
  );
  console.log(
    `clients: ntlmgate NtlmDispatcher + undici ${packageVersion('undici')}, httpntlm ${packageVersion('httpntlm')}, axios-ntlm ${packageVersion('axios-ntlm')} ` +
      `(axios ${packageVersion('axios')}), ${curlV ?? 'curl: not found'}; every response checked: 200 with X-Auth-User CORP\\alice`,
  );

  const httpntlm = require('httpntlm') as HttpNtlm;
  const axiosNtlm = require('axios-ntlm') as AxiosNtlm;
  const server = await forkServer();
  const url = `http://127.0.0.1:${server.port}/`;
  const ntlmCredentials = { username: `${ALICE.domain}\\${ALICE.user}`, password: ALICE.password };
  const peerCredentials = { username: ALICE.user, password: ALICE.password, domain: ALICE.domain, workstation: '' };
  const curlSkip: [string, string][] = curlV ? [] : [['curl --ntlm', 'curl not found']];

  const viaRequest = async (d: NtlmDispatcher, reset: boolean): Promise<void> => {
    const r = await request(url, { dispatcher: d, reset });
    check(r.statusCode, r.headers['x-auth-user']);
    await r.body.text();
  };

  // (a) -----------------------------------------------------------------------------------------
  let warmNtlm: NtlmDispatcher | undefined;
  let warmNego: NtlmDispatcher | undefined;
  const allA: Contender[] = [
    {
      // One long-lived dispatcher, NTLM as the peers speak it. It has learned that the origin asks, so a new
      // connection starts with the NEGOTIATE (2 round trips, as httpntlm and curl); `reset: true` sends
      // `Connection: close`, so each cycle's connection closes after its response and the next cycle opens a
      // new one — the server's connection count (conn/resp) shows it.
      key: 'ntlmgate',
      label: 'ntlmgate NtlmDispatcher (NTLM), undici.request + Connection: close',
      setup: () => void (warmNtlm = new NtlmDispatcher({ credentials: ntlmCredentials, schemes: ['NTLM'], connections: o.concurrency })),
      teardown: () => warmNtlm?.close(),
      cycle: () => viaRequest(warmNtlm as NtlmDispatcher, true),
    },
    {
      // The same with the default schemes: the server offers Negotiate first, so SPNEGO wraps NTLM (mechListMIC both ways).
      key: 'ntlmgate-negotiate',
      label: 'ntlmgate, same with default schemes (Negotiate)',
      setup: () => void (warmNego = new NtlmDispatcher({ credentials: ntlmCredentials, connections: o.concurrency })),
      teardown: () => warmNego?.close(),
      cycle: () => viaRequest(warmNego as NtlmDispatcher, true),
    },
    {
      // A fresh dispatcher per cycle: nothing learned, so the request goes out bare first (3 round trips, as axios-ntlm).
      key: 'ntlmgate-cold',
      label: 'ntlmgate, a fresh NtlmDispatcher (NTLM) per cycle',
      async cycle() {
        const d = new NtlmDispatcher({ credentials: ntlmCredentials, schemes: ['NTLM'], connections: 1 });
        try {
          await viaRequest(d, false);
        } finally {
          await d.close();
        }
      },
    },
    {
      // httpntlm as its README shows it: no agent passed, so each call makes a keep-alive agent of its own — a new
      // connection per call, type 1 and type 3 on it (`Connection: Close` with the type 3).
      key: 'httpntlm',
      label: `httpntlm ${packageVersion('httpntlm')} (own agent per call)`,
      cycle: () => httpntlmGet(httpntlm, url),
    },
    {
      // axios-ntlm: a new NtlmClient per cycle with a keep-alive agent of ours (its README: agents must keep the
      // connection alive for the handshake; ours so that we can destroy it and its socket after the cycle).
      key: 'axios-ntlm',
      label: `axios-ntlm ${packageVersion('axios-ntlm')} (new client + agent per cycle)`,
      async cycle() {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const r = await axiosNtlm.NtlmClient(peerCredentials, { httpAgent: agent }).get(url);
          check(r.status, r.headers['x-auth-user']);
        } finally {
          agent.destroy();
        }
      },
    },
    {
      // The ceiling for any Node client here: raw node:net, the two requests as prebuilt strings, a reader that
      // knows Content-Length only, our NtlmClientContext — the NTLM exchange and nothing else of HTTP. No library
      // can cost less per cycle; its rate over httpntlm's bounds what any Node client can show against it here.
      key: 'raw',
      label: 'raw node:net + NtlmClientContext, no HTTP library (ceiling)',
      async cycle() {
        const conn = await Connection.open(server.port);
        try {
          await logon(conn, server.port, '/', ALICE, ALICE.expect);
        } finally {
          conn.close();
        }
      },
    },
    ...(curlV
      ? [
          {
            // A new curl process per cycle, its config (password included) on stdin.
            key: 'curl',
            label: 'curl --ntlm, one process per cycle',
            cycle: async (): Promise<void> => checkCurlOutput(await curl(curlConfig(url, 1)), 1),
          },
        ]
      : []),
  ];
  const a = allA.filter((c) => want(`a-${c.key}`));

  // (b) -----------------------------------------------------------------------------------------
  let keepNtlm: NtlmDispatcher | undefined;
  let keepFetch: NtlmDispatcher | undefined;
  let httpntlmAgents: http.Agent[] = [];
  let axiosAgents: http.Agent[] = [];
  let axiosClients: ReturnType<AxiosNtlm['NtlmClient']>[] = [];
  let curlPerProcess = 100;
  const allB: Contender[] = [
    {
      // One dispatcher with `concurrency` pinned connections: each authenticates once, then carries bare GETs.
      key: 'ntlmgate',
      label: 'ntlmgate NtlmDispatcher (NTLM), undici.request',
      setup: () => void (keepNtlm = new NtlmDispatcher({ credentials: ntlmCredentials, schemes: ['NTLM'], connections: o.concurrency })),
      teardown: () => keepNtlm?.close(),
      cycle: () => viaRequest(keepNtlm as NtlmDispatcher, false),
    },
    {
      key: 'ntlmgate-fetch',
      label: 'ntlmgate NtlmDispatcher (NTLM), undici fetch',
      setup: () => void (keepFetch = new NtlmDispatcher({ credentials: ntlmCredentials, schemes: ['NTLM'], connections: o.concurrency })),
      teardown: () => keepFetch?.close(),
      async cycle() {
        const r = await undiciFetch(url, { dispatcher: keepFetch });
        check(r.status, r.headers.get('x-auth-user'));
        await r.text();
      },
    },
    {
      // httpntlm with a keep-alive agent per worker, as its README offers ("reuse the keepaliveAgent over different
      // calls"). It still sends type 1 + type 3 on every call and closes the connection after the type 3, so it
      // never keeps an authenticated connection: every request is a full handshake on a new connection.
      key: 'httpntlm',
      label: `httpntlm ${packageVersion('httpntlm')} (keep-alive agent per worker)`,
      setup: () => void (httpntlmAgents = Array.from({ length: o.concurrency }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }))),
      teardown: () => httpntlmAgents.forEach((x) => x.destroy()),
      cycle: (w) => httpntlmGet(httpntlm, url, httpntlmAgents[w]),
    },
    {
      // axios-ntlm with one NtlmClient per worker, each with its own keep-alive agent limited to one socket, so the
      // handshake legs stay on one connection and that connection stays authenticated: later requests go out bare
      // and are answered 200 at once. (One client with a shared multi-socket agent lets concurrent handshakes
      // cross sockets.)
      key: 'axios-ntlm',
      label: `axios-ntlm ${packageVersion('axios-ntlm')} (client + keep-alive agent per worker)`,
      setup() {
        axiosAgents = Array.from({ length: o.concurrency }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
        axiosClients = axiosAgents.map((agent) => axiosNtlm.NtlmClient(peerCredentials, { httpAgent: agent }));
      },
      teardown: () => axiosAgents.forEach((x) => x.destroy()),
      async cycle(w) {
        const client = axiosClients[w];
        if (!client) throw new Error(`no client for worker ${w}`);
        const r = await client.get(url);
        check(r.status, r.headers['x-auth-user']);
      },
    },
    ...(curlV
      ? [
          {
            // `concurrency` curl processes, each fetching the URL n times on its one connection (curl keeps the
            // NTLM-authenticated connection and sends later requests bare); n sized from the previous batch so that
            // a batch takes about a slice. The rate is all transfers over the batch's wall time, start-up included.
            key: 'curl',
            label: `curl --ntlm, ${o.concurrency} processes × n URLs on one connection each`,
            async batch(): Promise<number> {
              const n = curlPerProcess;
              const started = performance.now();
              const outs = await Promise.all(Array.from({ length: o.concurrency }, () => curl(curlConfig(url, n))));
              const took = (performance.now() - started) / 1000;
              for (const out of outs) checkCurlOutput(out, n);
              curlPerProcess = Math.max(50, Math.round((n / took) * (o.seconds / o.slices)));
              return n * o.concurrency;
            },
          },
        ]
      : []),
  ];
  const b = allB.filter((c) => want(`b-${c.key}`));

  let ta = new Map<string, Totals>();
  let tb = new Map<string, Totals>();
  try {
    console.log('\n(a) authenticate-and-GET cycles per second, a NEW connection each');
    ta = await runSection(server, a, o);
    printSection(a, ta, curlSkip);
    console.log('\n(b) requests per second on kept-alive connections after authentication');
    tb = await runSection(server, b, o);
    printSection(b, tb, curlSkip);
  } finally {
    await server.stop();
  }

  console.log(`\nRatios, ntlmgate = NtlmDispatcher (NTLM) with undici.request     ${'new connections'.padStart(15)}  ${'keep-alive'.padStart(10)}   target (new / keep-alive)`);
  for (const [peer, target] of [
    ['httpntlm', '>= 3x / > 1x'],
    ['axios-ntlm', '>= 3x / > 1x'],
    ['curl', '-'],
  ] as const) {
    console.log(`  ntlmgate / ${peer.padEnd(52)} ${ratio(ta.get('ntlmgate'), ta.get(peer)).padStart(15)}  ${ratio(tb.get('ntlmgate'), tb.get(peer)).padStart(10)}   ${target}`);
  }
  console.log(
    `  ceiling: raw node:net, no HTTP library / httpntlm ${ratio(ta.get('raw'), ta.get('httpntlm'))}, / axios-ntlm ${ratio(ta.get('raw'), ta.get('axios-ntlm'))} ` +
      '(new connections: the most any Node client can reach against them on this machine)',
  );
  const cold = ta.get('ntlmgate-cold');
  console.log(`  (a fresh dispatcher per cycle instead: / httpntlm ${ratio(cold, ta.get('httpntlm'))}, / axios-ntlm ${ratio(cold, ta.get('axios-ntlm'))}, / curl ${ratio(cold, ta.get('curl'))})`);
}

/** Options from the command line (`--client-seconds`, `--client-only`: the names bench/run.ts passes on). */
export function clientBenchOptionsFromArgv(): Partial<ClientBenchOptions> {
  return given<ClientBenchOptions>({
    seconds: numOf('--client-seconds') ?? numOf('--seconds'),
    warmup: numOf('--warmup'),
    slices: numOf('--slices'),
    concurrency: numOf('--concurrency'),
    only: argOf('--client-only')?.split(','),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchHttpClient(clientBenchOptionsFromArgv()).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
