/**
 * The HTTP server against Apache httpd + mod_auth_gssapi + gss-ntlmssp, in one run on this
 * machine, with the same load generator for every server:
 *
 *   a. full NTLM handshakes per second, a new connection each (connect, NEGOTIATE → 401 +
 *      CHALLENGE, AUTHENTICATE → 200, close): ntlmgate's iwa() with the embedded SQLite audit
 *      store (the WAL fdatasync'd per group commit, the default), the same with no audit sink, and Apache;
 *   b. authenticated keep-alive requests per second (one handshake per connection, then GET
 *      without a header on it): ntlmgate, Apache, and node:http with no authentication (the
 *      ceiling).
 *
 * Every server runs in its own process(es): ntlmgate and plain node:http are forked from
 * bench/servers/, Apache is test/peers/apache.sh (access log off). The load generator is
 * bench/servers/loadClient.ts in several forked processes. CPU used by the server and by the load
 * generator during each window comes from /proc (Linux), to show which side was the limit.
 * The servers of one comparison take turns in short slices, every other round in reverse order,
 * so load from other work on a shared machine falls on all of them alike; each ratio also shows
 * the spread and median of the rounds' ratios. The keep-alive target pair (plain node:http and
 * ntlmgate, one process each) is loaded at the same time with both servers on core 0 and the load
 * generators on the others (taskset; `--no-pin` to take turns unpinned instead).
 * Prints figures and ratios; never fails on a number.
 *
 *   node dist/bench/httpServer.js [--seconds 10] [--slices 20] [--warmup 1] [--workers 2] [--connections 4] [--keepalive-connections 16] [--server-workers N] [--audit-commit loop|thread|inline]
 *                                 [--only hs-ntlmgate,ka-plain,…] [--profile-server DIR] [--no-pin]
 *   (also part of `npm run bench`)
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startApache, type ApachePeer } from '../test/helpers/apache.js';
import { argOf, given, numOf } from './argv.js';
import type { RunRequest, RunResult } from './servers/loadClient.js';

export interface HttpBenchOptions {
  /** Measured seconds per line. */
  readonly seconds: number;
  /** Warm-up seconds before each window (the load is already running). */
  readonly warmup: number;
  /** Load generator processes. */
  readonly workers: number;
  /** Connections per load generator process, handshake lines. */
  readonly connections: number;
  /**
   * Connections per load generator process, keep-alive lines: enough that every server is busy
   * all the time (with 4, one request at a time each, a server idled between requests and the
   * line measured round trips rather than what the server can serve).
   */
  readonly keepAliveConnections: number;
  /** Each server's measured time is cut into this many slices, interleaved with the other servers'. */
  readonly slices: number;
  /** Write CPU profiles of the one-process servers (ntlmgate with and without audit, plain and no-work node:http) into this directory (named by pid). */
  readonly profileServer?: string;
  /** Server processes of the ntlmgate-cluster line (what `workers: auto` picks here: the CPU count). */
  readonly serverWorkers: number;
  /** How the SQLite store of the ntlmgate lines commits: 'loop' (the store's default), 'thread' or 'inline' (for comparison). */
  readonly auditCommit?: 'loop' | 'thread' | 'inline';
  /**
   * The keep-alive target comparison (plain node:http vs ntlmgate, one process each): both servers
   * loaded at the same time and pinned to core 0, the load generators on the other cores (taskset
   * -a), so the ratio compares the servers' work per request under the same conditions, not the
   * host's noise or how the scheduler placed the processes. `--no-pin`: taking turns, unpinned.
   */
  readonly pin: boolean;
  /** Run only these lines (for profiling): hs-ntlmgate-cluster, hs-ntlmgate, hs-ntlmgate-noaudit, hs-apache, hs-floor, hs-floor-cluster, ka-plain, ka-ntlmgate, ka-ntlmgate-cluster, ka-apache (ka-ntlmgate-noaudit only when named). */
  readonly only?: readonly string[];
}

export const HTTP_BENCH_DEFAULTS: HttpBenchOptions = { seconds: 10, warmup: 1, workers: 2, connections: 4, keepAliveConnections: 16, slices: 20, serverWorkers: availableParallelism(), pin: true };
const SERVERS = new URL('./servers/', import.meta.url);
const ALICE = { user: 'alice', domain: 'CORP', password: 'Al1ce!Pass2026', expectUser: 'CORP\\alice' };

// ---------------------------------------------------------------------------------------------
// Forked children (servers, load generators) and their IPC.

interface Child {
  readonly process: ChildProcess;
  readonly port: number | undefined;
  /** The child's ready message (a cluster primary lists its workers' pids). */
  readonly ready: Record<string, unknown>;
  call(cmd: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function forkChild(file: string, args: readonly string[] = [], execArgv: readonly string[] = []): Promise<Child> {
  const child = fork(fileURLToPath(new URL(file, SERVERS)), [...args], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${file} exited (${String(code)}) before it was ready`));
    child.once('exit', onExit);
    child.on('message', (m: Record<string, unknown>) => {
      if (m.ready) {
        child.removeListener('exit', onExit);
        resolve(m);
        return;
      }
      const p = pending.get(Number(m.reply));
      if (!p) return;
      pending.delete(Number(m.reply));
      if (typeof m.error === 'string') p.reject(new Error(`${file}: ${m.error}`));
      else p.resolve(m);
    });
  });
  child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error(`${file} exited`));
    pending.clear();
  });
  return {
    process: child,
    port: typeof ready.port === 'number' ? ready.port : undefined,
    ready,
    call(cmd, extra = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, ...extra });
      });
    },
  };
}

async function stopChild(c: Child): Promise<void> {
  if (c.process.exitCode !== null || c.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.process.once('exit', () => resolve()));
  await c.call('stop').catch(() => undefined);
  const timer = setTimeout(() => c.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// CPU time from /proc (utime + stime, in clock ticks).

const CLK_TCK = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** [pgrp, utime + stime] of a process, or undefined when it is gone / no /proc. */
function procStat(pid: number): [number, number] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return [Number(f[2]), Number(f[11]) + Number(f[12])];
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by these processes. */
function cpuOf(pids: readonly number[]): number | undefined {
  let ticks = 0;
  for (const pid of pids) {
    const s = procStat(pid);
    if (!s) return undefined;
    ticks += s[1];
  }
  return ticks / CLK_TCK;
}

/** CPU seconds used so far by every live process of a process group (Apache: parent + children). */
function cpuOfGroup(pgid: number): number | undefined {
  let ticks = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = procStat(Number(e));
    if (s && s[0] === pgid) {
      ticks += s[1];
      found = true;
    }
  }
  return found ? ticks / CLK_TCK : undefined;
}

// ---------------------------------------------------------------------------------------------
// CPU affinity (taskset, util-linux): every thread of a process.

/** Sets the CPU list of every thread of these processes; false when taskset is missing or refused. */
function setAffinity(pids: readonly number[], cpuList: string): boolean {
  return pids.every((pid) => spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' }).status === 0);
}

// ---------------------------------------------------------------------------------------------
// Measurements: the servers of one comparison take turns in short slices (A B C C B A …), so the
// other load on a shared machine falls on all of them alike; each slice opens its connections
// (and, for keep-alive, logs them on) during a short unmeasured lead-in.

type TargetKey = 'ntlmgate' | 'ntlmgate-noaudit' | 'ntlmgate-cluster' | 'apache' | 'plain' | 'floor' | 'floor-cluster';

interface Target {
  readonly key: TargetKey;
  readonly label: string;
  readonly port: number;
  readonly path: string;
  /** CPU seconds used so far by the server under test. */
  cpu(): number | undefined;
  /** false: no authentication, no handshake before the keep-alive requests. */
  readonly authenticate?: boolean;
}

interface Measurement {
  readonly rate: number;
  /** Rate of each slice, in order (rounds line up across the targets of one comparison). */
  readonly slices: readonly number[];
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly serverCores?: number;
  readonly clientCores?: number;
}

const LEAD_IN_MS = 250;
const sleepUntil = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

interface Slice {
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly serverCpu?: number;
  readonly clientCpu?: number;
}

/**
 * One slice against these servers at once (usually one; each gets the full load): the load runs
 * from now, counts during [t0, t0 + ms). The load generators' CPU is their total.
 */
async function slice(targets: readonly Target[], mode: RunRequest['mode'], loaders: readonly Child[], o: HttpBenchOptions, leadInMs: number, ms: number): Promise<Slice[]> {
  const t0 = Date.now() + leadInMs;
  const t1 = t0 + ms;
  const connections = mode === 'keepalive' ? o.keepAliveConnections : o.connections;
  const runs = targets.map((target) => {
    const run: RunRequest = { port: target.port, path: target.path, mode, t0, t1, connections, ...ALICE, authenticate: target.authenticate };
    return Promise.all(loaders.map((l) => l.call('run', { ...run }) as Promise<Record<string, unknown> & RunResult>));
  });
  const loaderPids = loaders.map((l) => l.process.pid ?? 0);
  await sleepUntil(t0);
  const s0 = targets.map((t) => t.cpu());
  const c0 = cpuOf(loaderPids);
  await sleepUntil(t1);
  const s1 = targets.map((t) => t.cpu());
  const c1 = cpuOf(loaderPids);
  const results = await Promise.all(runs);
  const delta = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : b - a);
  return results.map((rs, i) => ({
    count: rs.reduce((n, r) => n + r.count, 0),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    firstError: rs.find((r) => r.firstError)?.firstError,
    serverCpu: delta(s0[i], s1[i]),
    clientCpu: delta(c0, c1),
  }));
}

/**
 * Every target for `o.seconds` in `o.slices` interleaved slices, after one warm-up slice each;
 * `together`: every slice loads all targets at once instead (see the keep-alive pair).
 */
async function compare(targets: readonly Target[], mode: RunRequest['mode'], loaders: readonly Child[], o: HttpBenchOptions, together = false): Promise<Map<TargetKey, Measurement>> {
  const sliceMs = (o.seconds * 1000) / o.slices;
  if (together) await slice(targets, mode, loaders, o, 0, o.warmup * 1000);
  else for (const t of targets) await slice([t], mode, loaders, o, 0, o.warmup * 1000);
  const got = new Map<TargetKey, Slice[]>(targets.map((t) => [t.key, []]));
  for (let round = 0; round < o.slices; round++) {
    if (together) {
      const ss = await slice(targets, mode, loaders, o, LEAD_IN_MS, sliceMs);
      targets.forEach((t, i) => got.get(t.key)?.push(ss[i] as Slice));
      continue;
    }
    // Every other round in reverse (A B C, C B A, …): no server always runs right after the same
    // other one or first in its round: an order effect falls on every server alike.
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) got.get(t.key)?.push(...(await slice([t], mode, loaders, o, LEAD_IN_MS, sliceMs)));
  }
  const out = new Map<TargetKey, Measurement>();
  for (const [key, ss] of got) {
    const sum = (f: (s: Slice) => number | undefined): number | undefined => ss.reduce<number | undefined>((n, s) => (n === undefined || f(s) === undefined ? undefined : n + (f(s) ?? 0)), 0);
    const count = sum((s) => s.count) ?? 0;
    const serverCpu = sum((s) => s.serverCpu);
    const clientCpu = sum((s) => s.clientCpu);
    out.set(key, {
      rate: count / o.seconds,
      slices: ss.map((s) => s.count / (sliceMs / 1000)),
      count,
      errors: sum((s) => s.errors) ?? 0,
      firstError: ss.find((s) => s.firstError)?.firstError,
      serverCores: serverCpu === undefined ? undefined : serverCpu / o.seconds,
      clientCores: clientCpu === undefined ? undefined : clientCpu / o.seconds,
    });
  }
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "2.31x (per round 2.10–2.52x, median 2.30x)": the ratio of the totals, and the spread and median of the rounds' own ratios. */
function ratio(a: Measurement | undefined, b: Measurement | undefined): string {
  if (!a || !b || b.rate === 0) return 'n/a';
  const rounds = a.slices.map((x, i) => x / (b.slices[i] ?? Number.NaN)).filter(Number.isFinite);
  const sorted = [...rounds].sort((x, y) => x - y);
  const median = sorted.length % 2 === 1 ? (sorted[(sorted.length - 1) / 2] ?? NaN) : ((sorted[sorted.length / 2 - 1] ?? NaN) + (sorted[sorted.length / 2] ?? NaN)) / 2;
  const spread = rounds.length > 1 ? ` (per round ${sorted[0]?.toFixed(2)}–${sorted[sorted.length - 1]?.toFixed(2)}x, median ${median.toFixed(2)}x)` : '';
  return `${(a.rate / b.rate).toFixed(2)}x${spread}`;
}

function line(label: string, m: Measurement | string | undefined): void {
  if (m === undefined) return;
  if (typeof m === 'string') {
    console.log(`  ${label.padEnd(36)} skipped: ${m}`);
    return;
  }
  const c = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(2));
  const err = m.errors > 0 ? `, ${m.errors} errors (first: ${m.firstError ?? '?'})` : '';
  const perOp = m.serverCores === undefined || m.rate === 0 ? 'n/a' : `${Math.round((m.serverCores * 1e6) / m.rate)} µs`;
  const range = `${fmt(Math.min(...m.slices))}–${fmt(Math.max(...m.slices))}`;
  console.log(`  ${label.padEnd(36)} ${fmt(m.rate).padStart(8)}/s  [slices ${range}]  server ${c(m.serverCores)} cores = ${perOp} CPU each, load generator ${c(m.clientCores)} cores${err}`);
}

function packageVersion(name: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** The whole comparison; prints as it goes. */
export async function benchHttpServer(options: Partial<HttpBenchOptions> = {}): Promise<void> {
  const o: HttpBenchOptions = { ...HTTP_BENCH_DEFAULTS, ...options };
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  console.log(`\nHTTP server vs Apache httpd + mod_auth_gssapi — node ${process.version}, ${cores} cores shared by the servers and the load generator`);
  console.log(
    `load generator: ${o.workers} processes × ${o.connections} connections (handshakes) or ${o.keepAliveConnections} (keep-alive); raw sockets, our NtlmClientContext, NTLMv2 + MIC; ` +
      `${o.seconds} s per server and line, in ${o.slices} interleaved slices, after ${o.warmup} s warm-up each`,
  );

  const children: Child[] = [];
  let apache: ApachePeer | undefined;
  let apacheWhy = '';
  try {
    try {
      apache = await startApache({ accessLog: false });
    } catch (e) {
      apacheWhy = (e instanceof Error ? e.message : String(e)).split('\n').filter(Boolean).pop() ?? 'failed to start';
      if (process.env.CI === 'true') throw e;
    }
    const profile = o.profileServer ? ['--cpu-prof', '--cpu-prof-dir', o.profileServer] : [];
    const ntlmgate = await forkChild('iwa.js', ['--audit', 'sqlite', '--audit-commit', o.auditCommit ?? 'loop'], profile);
    children.push(ntlmgate);
    const ntlmgateNoAudit = await forkChild('iwa.js', ['--audit', 'none'], profile);
    children.push(ntlmgateNoAudit);
    const clustered = await forkChild('iwa.js', ['--audit', 'sqlite', '--workers', String(o.serverWorkers)]);
    children.push(clustered);
    const clusterPids = [clustered.process.pid ?? 0, ...((clustered.ready.pids as number[] | undefined) ?? [])];
    const plain = await forkChild('plain.js', [], profile);
    children.push(plain);
    const floor = await forkChild('floor.js', [], profile);
    children.push(floor);
    const floorCluster = await forkChild('floor.js', ['--workers', String(o.serverWorkers)]);
    children.push(floorCluster);
    const floorClusterPids = [floorCluster.process.pid ?? 0, ...((floorCluster.ready.pids as number[] | undefined) ?? [])];
    const loaders = await Promise.all(Array.from({ length: o.workers }, () => forkChild('loadClient.js')));
    children.push(...loaders);
    if (o.profileServer) {
      const pids = { ntlmgate, 'ntlmgate no audit': ntlmgateNoAudit, 'plain node:http': plain, 'no-work node:http': floor };
      console.log(`CPU profiles in ${o.profileServer}: ${Object.entries(pids).map(([k, c]) => `${k} pid ${c.process.pid ?? '?'}`).join(', ')}`);
    }

    console.log('ntlmgate: iwa() over node:http in one process; MemoryAuthority, default policy, each logon\'s event written to the embedded');
    console.log('          SQLite audit store (WAL fdatasync per group commit) and awaited before the response; also once with no audit sink');
    if (apache) {
      console.log(
        `Apache:   apache2 ${packageVersion('apache2')} mpm_event (2 processes × 32 threads), mod_auth_gssapi ${packageVersion('libapache2-mod-auth-gssapi')}, ` +
          `gss-ntlmssp ${packageVersion('gss-ntlmssp')} with a user file, access log off`,
      );
    }

    const apachePid = apache ? Number(readFileSync(`${apache.dir}/httpd.pid`, 'utf8').trim()) : 0;
    const t = {
      ntlmgate: { key: 'ntlmgate', label: 'ntlmgate iwa(), SQLite audit', port: ntlmgate.port ?? 0, path: '/', cpu: () => cpuOf([ntlmgate.process.pid ?? 0]) },
      cluster: { key: 'ntlmgate-cluster', label: `ntlmgate iwa() × ${o.serverWorkers} workers, SQLite`, port: clustered.port ?? 0, path: '/', cpu: () => cpuOf(clusterPids) },
      noAudit: { key: 'ntlmgate-noaudit', label: 'ntlmgate iwa(), no audit sink', port: ntlmgateNoAudit.port ?? 0, path: '/', cpu: () => cpuOf([ntlmgateNoAudit.process.pid ?? 0]) },
      apache: apache ? { key: 'apache', label: 'Apache + mod_auth_gssapi', port: apache.port, path: '/', cpu: () => cpuOfGroup(apachePid) } : undefined,
      floor: { key: 'floor', label: 'node:http, no NTLM work (ceiling)', port: floor.port ?? 0, path: '/', cpu: () => cpuOf([floor.process.pid ?? 0]) },
      floorCluster: { key: 'floor-cluster', label: `node:http × ${o.serverWorkers}, no NTLM work (ceiling)`, port: floorCluster.port ?? 0, path: '/', cpu: () => cpuOf(floorClusterPids) },
      plain: { key: 'plain', label: 'plain node:http, no auth (ceiling)', port: plain.port ?? 0, path: '/', cpu: () => cpuOf([plain.process.pid ?? 0]), authenticate: false },
    } satisfies Record<string, Target | undefined>;
    const selected = (prefix: string, ts: readonly (Target | undefined)[]): Target[] =>
      ts.filter((x): x is Target => x !== undefined && (!o.only || o.only.includes(`${prefix}-${x.key}`)));

    console.log('\nFull NTLM handshakes per second, a new connection each (connect, NEGOTIATE → 401, AUTHENTICATE → 200, close)');
    const hs = await compare(selected('hs', [t.cluster, t.ntlmgate, t.noAudit, t.apache, t.floorCluster, t.floor]), 'handshake', loaders, o);
    line(t.cluster.label, hs.get('ntlmgate-cluster'));
    line(t.ntlmgate.label, hs.get('ntlmgate'));
    line(t.noAudit.label, hs.get('ntlmgate-noaudit'));
    line('Apache + mod_auth_gssapi', hs.get('apache') ?? (apache ? undefined : apacheWhy));
    line(t.floorCluster.label, hs.get('floor-cluster'));
    line(t.floor.label, hs.get('floor'));
    console.log(`  ratio ntlmgate × ${o.serverWorkers} workers (SQLite audit) / Apache = ${ratio(hs.get('ntlmgate-cluster'), hs.get('apache'))}   target >= 3x`);
    console.log(`  ratio ntlmgate 1 process (SQLite audit) / Apache = ${ratio(hs.get('ntlmgate'), hs.get('apache'))}`);
    console.log(`  ratio ntlmgate (no audit sink) / Apache = ${ratio(hs.get('ntlmgate-noaudit'), hs.get('apache'))}`);
    console.log(
      `  ceiling for any node:http server here: no NTLM work × ${o.serverWorkers} / Apache = ${ratio(hs.get('floor-cluster'), hs.get('apache'))}, ` +
        `1 process / Apache = ${ratio(hs.get('floor'), hs.get('apache'))}`,
    );
    const stats = await ntlmgate.call('stats');
    console.log(`  (the SQLite audit store holds ${fmt(Number(stats.auditEvents))} events: one per logon, warm-up slices included)`);

    console.log('\nAuthenticated keep-alive requests per second (one handshake per connection, then GET without a header, one at a time)');
    // The target pair, one process each, loaded at the same time and both pinned to core 0 while
    // the load generators keep the other cores: the kernel's fair scheduler gives each server half
    // of that core, so their rates compare their work per request under the same conditions at
    // every moment. Taking turns instead, the host's noise (successive slices of one server differ
    // by up to 2× here) swamps a difference of a few per cent.
    const loaderPids = loaders.map((l) => l.process.pid ?? 0);
    const pairPids = [plain.process.pid ?? 0, ntlmgate.process.pid ?? 0, ntlmgateNoAudit.process.pid ?? 0];
    const all = `0-${cores - 1}`;
    const pinned = o.pin && cores >= 2 && setAffinity(pairPids, '0') && setAffinity(loaderPids, `1-${cores - 1}`);
    if (o.pin && !pinned) setAffinity([...pairPids, ...loaderPids], all);
    console.log(
      pinned
        ? `  plain node:http and ntlmgate, one process each, loaded at the same time, both pinned to core 0 (taskset; each gets half of it), the load generators to cores 1-${cores - 1}:`
        : `  plain node:http vs ntlmgate, one process each${o.pin ? ' (not pinned: taskset missing or refused, or one core)' : ', not pinned (--no-pin)'}:`,
    );
    // ka-ntlmgate-noaudit only on request (--only): the audit sink is not on the keep-alive path.
    const pair = await compare(selected('ka', [t.plain, t.ntlmgate, o.only?.includes('ka-ntlmgate-noaudit') ? t.noAudit : undefined]), 'keepalive', loaders, o, pinned);
    if (pinned) setAffinity([...pairPids, ...loaderPids], all);
    line(t.plain.label, pair.get('plain'));
    line(t.ntlmgate.label, pair.get('ntlmgate'));
    line(t.noAudit.label, pair.get('ntlmgate-noaudit'));
    console.log(`  ratio ntlmgate / plain node:http = ${ratio(pair.get('ntlmgate'), pair.get('plain'))}   target >= 0.95x (both one process)`);

    console.log('  against Apache, nothing pinned (every server may use every core):');
    const ka = await compare(selected('ka', [t.ntlmgate, t.cluster, t.apache]), 'keepalive', loaders, o);
    line(t.ntlmgate.label, ka.get('ntlmgate'));
    line(t.cluster.label, ka.get('ntlmgate-cluster'));
    line('Apache + mod_auth_gssapi', ka.get('apache') ?? (apache ? undefined : apacheWhy));
    console.log(`  ratio ntlmgate × ${o.serverWorkers} workers / Apache = ${ratio(ka.get('ntlmgate-cluster'), ka.get('apache'))}`);
    console.log(`  ratio ntlmgate / Apache = ${ratio(ka.get('ntlmgate'), ka.get('apache'))}`);
  } finally {
    await Promise.all(children.map(stopChild));
    await apache?.stop();
  }
}

/** Options from the command line (shared with bench/run.ts). */
export function httpBenchOptionsFromArgv(): Partial<HttpBenchOptions> {
  return given<HttpBenchOptions>({
    seconds: numOf('--http-seconds') ?? numOf('--seconds'),
    warmup: numOf('--warmup'),
    workers: numOf('--workers'),
    serverWorkers: numOf('--server-workers'),
    connections: numOf('--connections'),
    keepAliveConnections: numOf('--keepalive-connections'),
    slices: numOf('--slices'),
    profileServer: argOf('--profile-server'),
    auditCommit: argOf('--audit-commit'),
    pin: process.argv.includes('--no-pin') ? false : undefined,
    only: argOf('--only')?.split(','),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchHttpServer(httpBenchOptionsFromArgv()).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
