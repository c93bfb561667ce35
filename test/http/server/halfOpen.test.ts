/**
 * Half-open handshakes (a NEGOTIATE answered, no AUTHENTICATE yet): a full cap evicts the
 * oldest one — of the same IP for the per-IP cap, of anyone for the total — instead of refusing
 * the newest; an evicted connection's AUTHENTICATE gets a clean 401 (`handshake-evicted`); a
 * slot lives at most handshakeTimeoutMs from its first NEGOTIATE however often it is re-sent.
 * Then the flood: 10,000 idle handshakes from 200 addresses and 1,000 from the user's own,
 * over real TCP connections, while the user logs on again and again with ntlmgate's client and
 * curl --ntlm — at the default caps when the descriptor limit allows it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { createIwaHandler } from '../../../src/http/server/handler.js';
import { IwaOptionsError, type IwaOptions } from '../../../src/http/server/options.js';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { ALICE, baseOptions, eventually, skipUnlessCurl, startServer, type TestServer } from './helpers.js';
import type { FloodConfig, FloodReport, Phase } from './halfOpenFlood.child.js';
import type { ServerConfig } from './halfOpenServer.child.js';
import { challengeOf, connectFrom, exchange, wwwAuthenticateOf, type RawAnswer } from './rawHttp.js';

/** One half-open handshake on its own connection: the client context and the CHALLENGE it got. */
interface Half {
  readonly socket: net.Socket;
  readonly client: NtlmClientContext;
  challenge: Buffer;
}

async function negotiate(s: TestServer, from = '127.0.0.1'): Promise<Half> {
  const socket = connectFrom(s.port, from);
  const half = { socket, client: new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' }), challenge: Buffer.alloc(0) };
  await renegotiate(half);
  return half;
}

/** (Re-)sends a NEGOTIATE on the half-open connection, with a fresh client context, as a client starting over does. */
async function renegotiate(h: Half): Promise<void> {
  const client = new NtlmClientContext({ credentials: ALICE, workstation: 'WS01' });
  const a = await exchange(h.socket, `NTLM ${client.negotiate().toString('base64')}`);
  assert.equal(a.status, 401, 'a NEGOTIATE is never refused');
  const challenge = challengeOf(a);
  assert.ok(challenge, 'a NEGOTIATE gets a CHALLENGE whatever the caps');
  Object.assign(h, { client, challenge });
}

function authenticate(h: Half): Promise<RawAnswer> {
  return exchange(h.socket, `NTLM ${h.client.authenticate(h.challenge).toString('base64')}`);
}

/** The answer to `h`'s AUTHENTICATE and the reason the server logged for it. */
async function finish(s: TestServer, h: Half): Promise<{ status: number; reason: string | undefined; offers: string[] }> {
  const before = s.logs.length;
  const a = await authenticate(h);
  const answered = s.logs.slice(before).find((e) => e.status !== undefined);
  return { status: a.status, reason: answered?.reason, offers: wwwAuthenticateOf(a) };
}

describe('half-open handshakes: a full cap evicts the oldest', () => {
  let servers: TestServer[] = [];
  let halves: Half[] = [];
  const server = async (extra: Partial<IwaOptions>): Promise<TestServer> => {
    const s = await startServer(extra);
    servers.push(s);
    return s;
  };
  const open = async (s: TestServer, from?: string): Promise<Half> => {
    const h = await negotiate(s, from);
    halves.push(h);
    return h;
  };
  after(async () => {
    for (const h of halves) h.socket.destroy();
    for (const s of servers) await s.close();
    halves = [];
    servers = [];
  });

  it("per-IP cap: a new handshake evicts its own IP's oldest; that one gets 401 handshake-evicted, the rest log on", async () => {
    const s = await server({ maxPendingPerIp: 3 });
    const hs: Half[] = [];
    for (let i = 0; i < 4; i++) hs.push(await open(s));
    assert.equal(s.core.stats().liveContexts, 3);
    assert.equal(s.core.stats().evictedHandshakes, 1);
    const eviction = s.logs.find((e) => e.reason === 'too-many-handshakes');
    assert.match(eviction?.detail ?? '', /^3 handshakes in progress from this IP; evicted one from 127\.0\.0\.1 waiting \d+ ms$/);
    assert.equal(eviction?.status, undefined, 'the new handshake is not refused');

    const evicted = await finish(s, hs[0] as Half);
    assert.deepEqual(evicted, { status: 401, reason: 'handshake-evicted', offers: ['Negotiate', 'NTLM'] });
    for (const h of hs.slice(1)) assert.equal((await finish(s, h)).status, 200);
    assert.ok(!s.logs.some((e) => (e.status ?? 0) >= 500));
    assert.equal(s.core.stats().liveContexts, 0);
  });

  it("the per-IP cap evicts only its own IP's handshakes; the total cap evicts the oldest of all", async () => {
    const s = await server({ maxPendingPerIp: 2, maxPendingTotal: 4 });
    const other = await open(s, '127.0.0.2'); // the oldest of all
    const u1 = await open(s, '127.0.0.1');
    const u2 = await open(s, '127.0.0.1');
    const u3 = await open(s, '127.0.0.1'); // 127.0.0.1 at its cap: u1 goes, not the older `other`
    assert.deepEqual([s.core.stats().liveContexts, s.core.stats().pendingClientIps], [3, 2]);
    const y1 = await open(s, '127.0.0.3');
    const y2 = await open(s, '127.0.0.3'); // the total at its cap: the oldest of all goes
    assert.deepEqual([s.core.stats().liveContexts, s.core.stats().evictedHandshakes], [4, 2]);
    const caps = s.logs.filter((e) => e.reason === 'too-many-handshakes').map((e) => e.detail?.replace(/ waiting \d+ ms$/, ''));
    assert.deepEqual(caps, ['2 handshakes in progress from this IP; evicted one from 127.0.0.1', '4 handshakes in progress; evicted one from 127.0.0.2']);

    assert.equal((await finish(s, u1)).reason, 'handshake-evicted');
    assert.equal((await finish(s, other)).reason, 'handshake-evicted');
    for (const h of [u2, u3, y1, y2]) assert.equal((await finish(s, h)).status, 200);
  });

  it('a re-sent NEGOTIATE keeps its slot and its place in line: it is still the oldest, and evicted first', async () => {
    const s = await server({ maxPendingPerIp: 2 });
    const a = await open(s);
    const b = await open(s);
    await renegotiate(a);
    assert.deepEqual([s.core.stats().liveContexts, s.core.stats().evictedHandshakes], [2, 0], 'restarting its own handshake evicts nobody');
    const c = await open(s);
    assert.equal((await finish(s, a)).reason, 'handshake-evicted');
    assert.equal((await finish(s, b)).status, 200);
    assert.equal((await finish(s, c)).status, 200);
  });

  it('a slot lives handshakeTimeoutMs from its first NEGOTIATE: re-sending NEGOTIATE does not extend it (injected clock)', async () => {
    let now = Date.UTC(2026, 11, 7, 12);
    const s = await server({ handshakeTimeoutMs: 1000, now: () => now });
    const h = await open(s);
    now += 600;
    await renegotiate(h); // its CHALLENGE is fresh, its slot is not
    now += 500; // 500 ms after the re-sent NEGOTIATE, 1100 ms after the first
    const late = await finish(s, h);
    assert.deepEqual([late.status, late.reason], [401, 'handshake-expired']);
    assert.equal(s.core.stats().liveContexts, 0);

    // The same within the bound logs on: the re-sent NEGOTIATE's challenge is the one in force.
    const k = await open(s);
    now += 600;
    await renegotiate(k);
    now += 300;
    assert.equal((await finish(s, k)).status, 200);
  });

  it('the expiry timer counts from the first NEGOTIATE too: re-sending every 20 ms does not keep a slot alive', async () => {
    const s = await server({ handshakeTimeoutMs: 200 });
    const h = await open(s);
    let lapsed = false;
    const end = Date.now() + 5000;
    while (!lapsed && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
      // Between two re-sends the slot is gone once its lifetime from the first NEGOTIATE ran out.
      lapsed = s.core.stats().liveContexts === 0;
      await renegotiate(h);
    }
    assert.ok(lapsed, 'the slot outlived handshakeTimeoutMs while its NEGOTIATE was re-sent');
  });

  it('a connection closed mid-handshake leaves both lines: its IP and the total have room again', async () => {
    const s = await server({ maxPendingPerIp: 2 });
    const a = await open(s);
    await open(s);
    a.socket.destroy();
    await eventually(() => s.core.stats().liveContexts === 1);
    await open(s);
    assert.deepEqual([s.core.stats().liveContexts, s.core.stats().evictedHandshakes], [2, 0]);
  });
});

describe('half-open handshakes: options', () => {
  it('refuses overLimitStatus (nothing is refused over a cap any more) and a handshakeTimeoutMs no timer holds', () => {
    const bad = { ...baseOptions(), overLimitStatus: 429, handshakeTimeoutMs: 25 * 24 * 3600 * 1000 } as IwaOptions;
    assert.throws(
      () => createIwaHandler(bad),
      (e: unknown) =>
        e instanceof IwaOptionsError &&
        e.problems.some((p) => p.startsWith('overLimitStatus is not an option')) &&
        e.problems.includes('handshakeTimeoutMs must be at most 2147483647, got 2160000000'),
    );
    assert.doesNotThrow(() => createIwaHandler({ ...baseOptions(), handshakeTimeoutMs: 2 ** 31 - 1 }));
  });
});

// ---------------------------------------------------------------------------
// The flood. The server and the flood run in two processes of their own, each with its soft
// descriptor limit raised to the hard one: every flood connection is a descriptor on each side.

const PHASES: readonly Phase[] = ['sameIp', 'fill', 'overflow', 'refill', 'idle'];
const SHAPE = { sameIp: 1000, overflowShare: 0.1, refill: 100, addresses: 200, idleLogons: 20 } as const;
const DEFAULT_TOTAL = 10_000;
const DEFAULT_PER_IP = 64;
/** Descriptors each process needs besides the flood's connections (node, the user's logons, curl's pipes). */
const SPARE_FDS = 400;

/** Whether this host routes all of 127.0.0.0/8 to loopback (Linux does; macOS has 127.0.0.1 alone). */
async function loopbackRange(): Promise<boolean> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '127.1.0.1', () => probe.close(() => resolve(true)));
  });
}

function hardFdLimit(): number {
  const v = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v);
}

/** The default caps when the hard limit holds the whole flood; else the same shape with a smaller total. */
function floodPlan(hard: number): { server: ServerConfig; total: number } {
  const fixed = SHAPE.sameIp + SHAPE.refill + SHAPE.idleLogons + SPARE_FDS;
  const total = Math.min(DEFAULT_TOTAL, Math.floor((hard - fixed) / (1 + SHAPE.overflowShare)));
  return { server: total === DEFAULT_TOTAL ? {} : { maxPendingTotal: total }, total };
}

/** `node --expose-gc <script> <json>` with `ulimit -n` raised to the hard limit. */
function startChild(script: string, arg: unknown): ChildProcess {
  const path = new URL(script, import.meta.url).pathname;
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" --expose-gc "$1" "$2"', process.execPath, path, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', (line) => {
      rl.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${String(code)}) before reporting: ${err}`)));
  });
}

describe("half-open flood: 10,000 idle handshakes and 1,000 from the user's own address", () => {
  const hard = hardFdLimit();
  const plan = floodPlan(hard);
  const curlMissing = skipUnlessCurl();
  let serverChild: ChildProcess | undefined;
  let report: FloodReport;
  let cannot: string | undefined = plan.total < 500 ? `the hard descriptor limit (${hard}) is too low for a flood` : undefined;
  const total = plan.total;
  const perIp = DEFAULT_PER_IP;
  /** Skips the test (fails it under CI) when this host cannot run the flood. */
  const unable = (t: { skip(msg: string): void }): boolean => {
    if (cannot === undefined) return false;
    if (process.env.CI === 'true') assert.fail(`CI=true but ${cannot}`);
    t.skip(cannot);
    return true;
  };

  before(async () => {
    if (cannot === undefined && !(await loopbackRange())) cannot = 'this host does not route 127.1.0.0/16 to loopback (the flood comes from 200 addresses)';
    if (cannot !== undefined) return;
    serverChild = startChild('./halfOpenServer.child.js', plan.server);
    const ports = JSON.parse(await firstLine(serverChild, 'the flood server')) as { port: number; control: number };
    const cfg: FloodConfig = {
      ...ports,
      sameIp: SHAPE.sameIp,
      fill: total,
      overflow: Math.round(total * SHAPE.overflowShare),
      refill: SHAPE.refill,
      addresses: SHAPE.addresses,
      // Well under the per-IP cap: evicting the user takes more new handshakes from its address than that within its round trip.
      sameIpConcurrency: 8,
      concurrency: 64,
      idleLogons: SHAPE.idleLogons,
      curl: !curlMissing,
    };
    report = JSON.parse(await firstLine(startChild('./halfOpenFlood.child.js', cfg), 'the flood')) as FloodReport;
  });
  after(() => {
    serverChild?.kill('SIGTERM');
  });

  it('the user logs on every time (ntlmgate client and curl --ntlm), before, during and after the flood', (t) => {
    if (unable(t)) return;
    t.diagnostic(
      total === DEFAULT_TOTAL
        ? `default caps: maxPendingPerIp ${perIp}, maxPendingTotal ${total}`
        : `hard descriptor limit ${hard}: maxPendingTotal ${total} (the default 10,000 needs ~${Math.ceil(DEFAULT_TOTAL * 1.1 + 1520)}), maxPendingPerIp ${perIp}`,
    );
    if (curlMissing) t.diagnostic(`curl --ntlm not run: ${curlMissing}`);
    const byPhase = PHASES.map((p) => {
      const l = report.logons.filter((x) => x.phase === p);
      return `${p} ${l.length} (${l.filter((x) => x.via === 'curl').length} curl)`;
    });
    t.diagnostic(`user logons: ${byPhase.join(', ')}`);
    for (const p of PHASES) {
      const ph = report.phases[p];
      t.diagnostic(`${p}: ${ph.floodConnections} flood connections open, max ${ph.server.maxLiveContexts} half-open from ${ph.server.maxPendingClientIps} IPs, ${ph.server.evictedHandshakes} evicted so far, heap ${(ph.server.heapUsedAfterGc / 1e6).toFixed(1)} MB, ${ph.seconds.toFixed(1)} s`);
    }
    const failed = report.logons.filter((l) => l.status !== 200);
    assert.deepEqual(failed, [], 'every logon of the user got 200');
    for (const p of PHASES) assert.ok(report.logons.some((l) => l.phase === p && l.via === 'ntlmgate'), `the user logged on during ${p}`);
    // Every fifth logon is curl's: the long phases have some.
    if (!curlMissing) for (const p of ['fill', 'idle'] as const) assert.ok(report.logons.some((l) => l.phase === p && l.via === 'curl'), `curl logged on during ${p}`);
    assert.equal(report.logons.filter((l) => l.phase === 'idle').length, SHAPE.idleLogons);
  });

  it('every flood NEGOTIATE got its CHALLENGE (no 429), and the tables never exceeded the caps', (t) => {
    if (unable(t)) return;
    const ph = report.phases;
    for (const p of PHASES) assert.deepEqual(Object.keys(ph[p].floodAnswers), ['401 challenge'], `${p}: ${JSON.stringify(ph[p].floodAnswers)}`);
    // From one address alone (the user's), the per-IP cap is the table's size: reached, never passed.
    assert.equal(ph.sameIp.server.maxLiveContexts, perIp);
    assert.equal(ph.sameIp.server.maxPendingClientIps, 1);
    for (const p of PHASES) assert.ok(ph[p].server.maxLiveContexts <= total, `${p}: ${ph[p].server.maxLiveContexts} half-open`);
    assert.equal(ph.fill.server.maxLiveContexts, total, 'the flood filled the total cap');
    assert.equal(ph.idle.floodConnections, SHAPE.sameIp + total + Math.round(total * SHAPE.overflowShare) + SHAPE.refill + SHAPE.idleLogons, 'every flood connection stayed open');
    // Each phase evicted: the same-IP flood over its cap, the overflow over the total, and with the
    // caps full, every idle-phase logon of the user made room for itself.
    const evicted = (p: 'sameIp' | 'overflow' | 'idle'): number => {
      const before = { sameIp: report.baseline, overflow: ph.fill.server, idle: ph.refill.server }[p];
      return ph[p].server.evictedHandshakes - before.evictedHandshakes;
    };
    assert.ok(evicted('sameIp') >= SHAPE.sameIp - perIp, `sameIp evicted ${evicted('sameIp')}`);
    // A slot the user's own completed logon freed during the fill takes one overflow connection without an eviction.
    const freeAfterFill = total - ph.fill.server.liveContexts;
    assert.ok(freeAfterFill <= report.logons.filter((l) => l.phase === 'fill').length, `${freeAfterFill} free slots after the fill`);
    assert.ok(evicted('overflow') >= Math.round(total * SHAPE.overflowShare) - freeAfterFill, `overflow evicted ${evicted('overflow')} (${freeAfterFill} slots were free)`);
    assert.ok(evicted('idle') >= SHAPE.idleLogons, `idle evicted ${evicted('idle')}`);
  });

  it("an evicted connection's AUTHENTICATE gets a clean 401 handshake-evicted, never a 5xx", (t) => {
    if (unable(t)) return;
    assert.equal(report.lateAuthenticates.length, 8);
    for (const a of report.lateAuthenticates) assert.deepEqual(a, { status: 401, reason: 'handshake-evicted' });
    const reasons = report.afterClose.reasons;
    assert.equal(reasons['internal-error'] ?? 0, 0);
    assert.equal(reasons['audit-write-failed'] ?? 0, 0);
  });

  it('memory stays bounded: a connection past the cap costs less heap than one holding a handshake, and all of it returns', async (t) => {
    if (unable(t)) return;
    const ph = report.phases;
    // Heap per flood connection while the table fills (each holds an acceptor context) and past the
    // total cap (each evicts one: its context replaces another, only the connection is new).
    const filling = (ph.fill.server.heapUsedAfterGc - ph.sameIp.server.heapUsedAfterGc) / (ph.fill.floodConnections - ph.sameIp.floodConnections);
    const past = (ph.overflow.server.heapUsedAfterGc - ph.fill.server.heapUsedAfterGc) / (ph.overflow.floodConnections - ph.fill.floodConnections);
    t.diagnostic(`heap per flood connection: ${(filling / 1024).toFixed(1)} KiB while filling, ${(past / 1024).toFixed(1)} KiB past the cap; baseline ${(report.baseline.heapUsedAfterGc / 1e6).toFixed(1)} MB, all closed ${(report.afterClose.heapUsedAfterGc / 1e6).toFixed(1)} MB`);
    assert.ok(past < 0.85 * filling, `past the cap ${past.toFixed(0)} B/connection, filling ${filling.toFixed(0)} B/connection`);
    assert.deepEqual(
      [report.afterClose.liveContexts, report.afterClose.pendingClientIps, report.afterClose.trackedConnections],
      [0, 0, 0],
      'closing every connection empties both lines',
    );
    const peak = Math.max(...PHASES.map((p) => ph[p].server.heapUsedAfterGc));
    const growth = peak - report.baseline.heapUsedAfterGc;
    assert.ok(report.afterClose.heapUsedAfterGc - report.baseline.heapUsedAfterGc < 0.25 * growth, `after close ${report.afterClose.heapUsedAfterGc}, baseline ${report.baseline.heapUsedAfterGc}, peak ${peak}`);
  });
});
