/**
 * The client side of halfOpen.test.ts's flood, in a process of its own (its descriptors are the
 * flood's ends of the connections): real TCP connections that each send a NEGOTIATE and never
 * the AUTHENTICATE, against the server of halfOpenServer.child.ts, in phases:
 *   sameIp    `sameIp` of them from 127.0.0.1, the user's own address (the per-IP cap);
 *   fill      `fill` from `addresses` other loopback addresses, round robin (up to the total cap);
 *   overflow  `overflow` more from those addresses: each one evicts;
 *   refill    `refill` more from 127.0.0.1, so its per-IP cap is full again;
 *   idle      the flood idle, the caps full: before each user logon one more flood connection
 *             from another address takes the last free place.
 * Through all of them a user logs on from 127.0.0.1 again and again, each time on a new
 * connection, with ntlmgate's own client (NtlmHttpAgent) and with curl --ntlm. Then a few of
 * the first phase's connections, long evicted, send their real AUTHENTICATE; then all close.
 * It prints one JSON line, a FloodReport.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { NtlmHttpAgent } from '../../../src/http/client/agent.js';
import { NtlmClientContext } from '../../../src/ntlm/clientContext.js';
import { ALICE, CURL } from './helpers.js';
import { challengeOf, connectFrom, exchange } from './rawHttp.js';
import type { ServerFigures } from './halfOpenServer.child.js';

export interface FloodConfig {
  readonly port: number;
  readonly control: number;
  readonly sameIp: number;
  readonly fill: number;
  readonly overflow: number;
  readonly refill: number;
  readonly addresses: number;
  /** Flood connections being opened at once from the user's own address (keep it well under the per-IP cap). */
  readonly sameIpConcurrency: number;
  /** The same from the other addresses. */
  readonly concurrency: number;
  /** User logons in the idle phase. */
  readonly idleLogons: number;
  /**
   * Every fifth user logon by curl --ntlm instead of ntlmgate's client — except while the flood
   * comes from the user's own address: there, a handshake slower than the time the flood takes
   * to start `maxPendingPerIp` new ones is evicted by design, and how long a loaded machine
   * leaves another process (curl) unscheduled mid-handshake is not the server's to bound.
   * ntlmgate's client shares the flood's event loop, so its handshake is as prompt as the flood.
   */
  readonly curl: boolean;
}

export type Phase = 'sameIp' | 'fill' | 'overflow' | 'refill' | 'idle';

export interface Logon {
  readonly phase: Phase;
  readonly via: 'ntlmgate' | 'curl';
  readonly status: number;
  readonly detail?: string;
}

export interface PhaseReport {
  /** Flood answers by status, `401 challenge` when a CHALLENGE came with it. */
  readonly floodAnswers: Readonly<Record<string, number>>;
  /** Open flood connections at the phase's end. */
  readonly floodConnections: number;
  readonly seconds: number;
  /** The server's figures at the phase's end (maxima over the phase). */
  readonly server: ServerFigures;
}

export interface FloodReport {
  readonly baseline: ServerFigures;
  readonly phases: Readonly<Record<Phase, PhaseReport>>;
  readonly logons: readonly Logon[];
  /** Real AUTHENTICATEs sent late on the first phase's first connections: the status and the logged reason. */
  readonly lateAuthenticates: readonly { readonly status: number; readonly reason: string | null }[];
  /** The server's figures once every connection has closed. */
  readonly afterClose: ServerFigures;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as FloodConfig;
const url = `http://127.0.0.1:${cfg.port}/`;

function control(path: string): Promise<ServerFigures> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://127.0.0.1:${cfg.control}${path}`, { agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('utf8')));
        res.on('end', () => resolve(JSON.parse(body) as ServerFigures));
      })
      .on('error', reject);
  });
}

/** A whole logon by ntlmgate's own client on a new connection: the final status. */
function ntlmgateLogon(): Promise<number> {
  const agent = new NtlmHttpAgent({ credentials: { username: `${ALICE.domain}\\${ALICE.user}`, password: ALICE.password }, agentOptions: { maxSockets: 1 } });
  return new Promise<number>((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  }).finally(() => agent.destroy());
}

function curlLogon(): Promise<{ status: number; detail: string }> {
  return new Promise((resolve) => {
    execFile(CURL, ['-sS', '-o', '/dev/null', '--ntlm', '-u', `${ALICE.domain}\\${ALICE.user}:${ALICE.password}`, '-w', '%{http_code}', url], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ status: Number(String(stdout).trim()) || 0, detail: err ? `${err.message} ${String(stderr)}` : '' });
    });
  });
}

const logons: Logon[] = [];
const sockets: net.Socket[] = [];
/** The first phase's first connections, each with its own client context, to answer their challenge late. */
const witnesses: { socket: net.Socket; client: NtlmClientContext; challenge: Buffer }[] = [];
const negotiate = `NTLM ${new NtlmClientContext({ credentials: ALICE, workstation: 'FLOOD' }).negotiate().toString('base64')}`;

async function userLogon(phase: Phase, n: number): Promise<void> {
  if (cfg.curl && n % 5 === 2 && phase !== 'sameIp' && phase !== 'refill') {
    const c = await curlLogon();
    logons.push({ phase, via: 'curl', status: c.status, ...(c.detail ? { detail: c.detail } : {}) });
    return;
  }
  try {
    logons.push({ phase, via: 'ntlmgate', status: await ntlmgateLogon() });
  } catch (e) {
    logons.push({ phase, via: 'ntlmgate', status: 0, detail: e instanceof Error ? e.message : String(e) });
  }
}

/** Opens one flood connection and sends its NEGOTIATE; `witness` keeps a real client context for a late AUTHENTICATE. */
async function floodOne(localAddress: string, answers: Record<string, number>, witness: boolean): Promise<void> {
  const socket = connectFrom(cfg.port, localAddress);
  sockets.push(socket);
  const client = witness ? new NtlmClientContext({ credentials: ALICE, workstation: 'FLOOD' }) : undefined;
  const r = await exchange(socket, client ? `NTLM ${client.negotiate().toString('base64')}` : negotiate);
  const challenge = challengeOf(r);
  const key = `${r.status}${challenge ? ' challenge' : ''}`;
  answers[key] = (answers[key] ?? 0) + 1;
  if (client && challenge) witnesses.push({ socket, client, challenge });
}

async function runPhase(phase: Phase, sources: readonly string[], concurrency: number): Promise<PhaseReport> {
  const started = process.hrtime.bigint();
  await control('/reset');
  const answers: Record<string, number> = {};
  let next = 0;
  let flooding = true;
  const opener = async (): Promise<void> => {
    for (let i = next++; i < sources.length; i = next++) await floodOne(sources[i] ?? '127.0.0.1', answers, phase === 'sameIp' && i < 8);
  };
  const user = async (): Promise<void> => {
    if (phase !== 'idle') {
      // During a flood: logons until it is over.
      for (let n = 0; flooding; n++) await userLogon(phase, n);
      return;
    }
    for (let n = 0; n < cfg.idleLogons; n++) {
      await floodOne(address(cfg.fill + cfg.overflow + n), answers, false);
      await userLogon(phase, n);
    }
  };
  const flood = Promise.all(Array.from({ length: concurrency }, opener)).finally(() => {
    flooding = false;
  });
  await Promise.all([flood, user()]);
  return {
    floodAnswers: answers,
    floodConnections: sockets.filter((s) => !s.destroyed).length,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    server: await control('/figures'),
  };
}

/** The i-th flood connection's address among the `addresses` others: 127.1.0.1, 127.1.0.2, … round robin. */
function address(i: number): string {
  const a = i % cfg.addresses;
  return `127.1.${Math.floor(a / 250)}.${(a % 250) + 1}`;
}

async function main(): Promise<FloodReport> {
  await userLogon('sameIp', 0);
  const first = logons.pop();
  if (first?.status !== 200) throw new Error(`the user cannot log on before any flood: ${JSON.stringify(first)}`);
  const baseline = await control('/figures');

  const from = (n: number, first: number, at: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => at(first + i));
  const user = (): string => '127.0.0.1';
  const phases = {
    sameIp: await runPhase('sameIp', from(cfg.sameIp, 0, user), cfg.sameIpConcurrency),
    fill: await runPhase('fill', from(cfg.fill, 0, address), cfg.concurrency),
    overflow: await runPhase('overflow', from(cfg.overflow, cfg.fill, address), cfg.concurrency),
    refill: await runPhase('refill', from(cfg.refill, 0, user), cfg.sameIpConcurrency),
    idle: await runPhase('idle', [], 1),
  };

  // The first phase's first handshakes were evicted long ago: each AUTHENTICATE must get a clean 401.
  const lateAuthenticates: { status: number; reason: string | null }[] = [];
  for (const w of witnesses) {
    await control('/reset');
    const r = await exchange(w.socket, `NTLM ${w.client.authenticate(w.challenge).toString('base64')}`);
    lateAuthenticates.push({ status: r.status, reason: (await control('/figures')).lastAnswer });
  }

  for (const s of sockets) s.destroy();
  let afterClose = await control('/figures');
  for (let i = 0; i < 400 && afterClose.trackedConnections > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    afterClose = await control('/figures');
  }
  // Closed sockets' native handles are freed over the next turns: read until the heap stops falling.
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const later = await control('/figures');
    const settled = later.heapUsedAfterGc > 0.98 * afterClose.heapUsedAfterGc;
    if (later.heapUsedAfterGc < afterClose.heapUsedAfterGc) afterClose = later;
    if (settled && i >= 3) break;
  }
  return { baseline, phases, logons, lateAuthenticates, afterClose };
}

main().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`flood failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
